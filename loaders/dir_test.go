package loaders_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/digidip/digidip/loaders"
)

// Dir refuses each file that is not data, naming it; and its FS refuses a
// pipe that takes a checked file's place afterwards, without waiting on it.
func TestDirRefusesWhatIsNotData(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "o.yaml")
	os.WriteFile(outside, []byte("x"), 0o644)
	for _, tc := range []struct {
		name, file, msg string
		make            func(dir string) error
	}{
		{"pipe", "a/p.yaml", "a named pipe", func(d string) error { return syscall.Mkfifo(filepath.Join(d, "a", "p.yaml"), 0o644) }},
		{"outside", "a/o.yaml", "leads outside the data directory", func(d string) error { return os.Symlink(outside, filepath.Join(d, "a", "o.yaml")) }},
		{"up and out", "a/up.yaml", "leads outside the data directory", func(d string) error {
			rel, err := filepath.Rel(filepath.Join(d, "a"), outside)
			if err != nil {
				return err
			}
			return os.Symlink(rel, filepath.Join(d, "a", "up.yaml"))
		}},
		{"dangling", "a/g.yaml", "a symbolic link to nothing", func(d string) error { return os.Symlink("none", filepath.Join(d, "a", "g.yaml")) }},
		{"device", "a/z.yaml", "leads outside the data directory, to /dev/zero", func(d string) error { return os.Symlink("/dev/zero", filepath.Join(d, "a", "z.yaml")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "a"), 0o755)
			os.WriteFile(filepath.Join(dir, "a", "ok.yaml"), []byte("ok"), 0o644)
			if err := tc.make(dir); err != nil {
				t.Fatal(err)
			}
			_, err := loaders.Dir(dir, "data")
			var ps loaders.Problems
			if !errors.As(err, &ps) || len(ps) != 1 || ps[0].File != "data/"+tc.file || !strings.Contains(ps[0].Msg, tc.msg) {
				t.Errorf("Dir: %v, want data/%s: ...%s", err, tc.file, tc.msg)
			}
		})
	}

	t.Run("device inside", func(t *testing.T) {
		dir := t.TempDir()
		// a character device like /dev/null (1, 3), made here
		if err := syscall.Mknod(filepath.Join(dir, "null.yaml"), syscall.S_IFCHR|0o644, 1<<8|3); err != nil {
			t.Skipf("cannot make a device here (%v): needs CAP_MKNOD", err)
		}
		_, err := loaders.Dir(dir, "data")
		if err == nil || !strings.Contains(err.Error(), "data/null.yaml: a device, not a regular file") {
			t.Errorf("Dir: %v", err)
		}
	})

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.yaml"), []byte("data"), 0o644)
	os.Symlink("f.yaml", filepath.Join(dir, "link.yaml"))
	fsys, err := loaders.Dir(dir, "data")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(fsys, "link.yaml"); err != nil || string(b) != "data" {
		t.Errorf("a link inside: %q, %v", b, err)
	}
	// after the check, the file becomes a pipe (or a link outside)
	os.Remove(filepath.Join(dir, "f.yaml"))
	syscall.Mkfifo(filepath.Join(dir, "f.yaml"), 0o644)
	if _, err := fs.ReadFile(fsys, "f.yaml"); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("a pipe after the check: %v", err)
	}
	os.Remove(filepath.Join(dir, "f.yaml"))
	os.Symlink(outside, filepath.Join(dir, "f.yaml"))
	if _, err := fs.ReadFile(fsys, "link.yaml"); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("a link outside after the check: %v", err)
	}
	if _, err := fsys.Open("../x"); err == nil {
		t.Error("a path out of the FS opened")
	}
}
