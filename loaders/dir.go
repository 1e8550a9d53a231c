package loaders

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Dir is the data in a directory, as Read takes it, holding only what data
// may be: directories and regular files, and symbolic links to those inside
// the directory. Anything else under it (a named pipe, a device, a socket, a
// link that leads outside or nowhere) is a problem naming the file, found
// before anything is read, so that no read can hang on a pipe or run
// forever on /dev/zero. root is how names are shown, as in Read.
func Dir(dir, root string) (fs.FS, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("data directory %s is not a directory", dir)
	}
	d := &dirFS{root: real}
	var ps Problems
	err = filepath.WalkDir(real, func(p string, e fs.DirEntry, err error) error {
		name := filepath.ToSlash(strings.TrimPrefix(strings.TrimPrefix(p, real), string(filepath.Separator)))
		shown := path.Join(root, name)
		if err != nil {
			ps = append(ps, Problem{File: shown, Msg: fmt.Sprintf("cannot read: %v", err)})
			return nil
		}
		if e.IsDir() {
			return nil
		}
		if _, err := d.resolve(name); err != nil {
			ps = append(ps, Problem{File: shown, Msg: err.Error()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if len(ps) > 0 {
		sort.Slice(ps, func(i, j int) bool { return ps[i].File < ps[j].File })
		return nil, ps
	}
	return d, nil
}

// dirFS is an os.DirFS that checks each file again as it opens it: the
// directory may change after Dir looked at it.
type dirFS struct{ root string }

// resolve follows name's symbolic links and returns the path it leads to,
// or why data may not be read there.
func (d *dirFS) resolve(name string) (string, error) {
	full := filepath.Join(d.root, filepath.FromSlash(name))
	target, err := filepath.EvalSymlinks(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, lerr := os.Lstat(full); lerr == nil {
				return "", fmt.Errorf("a symbolic link to nothing")
			}
		}
		return "", err
	}
	if rel, err := filepath.Rel(d.root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("a symbolic link that leads outside the data directory, to %s", target)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return "", err
	}
	if err := dataType(fi); err != nil {
		return "", err
	}
	return target, nil
}

// dataType says why a file that is not a directory or a regular file is
// not data.
func dataType(fi fs.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsDir(), m.IsRegular():
		return nil
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("a named pipe (FIFO), not a regular file")
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return fmt.Errorf("a device, not a regular file")
	case m&fs.ModeSocket != 0:
		return fmt.Errorf("a socket, not a regular file")
	}
	return fmt.Errorf("not a regular file (%s)", m.Type())
}

func (d *dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	target, err := d.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	// O_NONBLOCK: should a pipe take the file's place after the check,
	// opening it does not wait for a writer; the check below refuses it.
	f, err := os.OpenFile(target, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.Unwrap(err)}
	}
	fi, err := f.Stat()
	if err == nil {
		err = dataType(fi)
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return f, nil
}
