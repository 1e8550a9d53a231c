package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/digidip/digidip/loaders"
)

// cmdAccept removes the proposed mark from reviewed items of a drafted
// relations or entities file, once the data with them accepted validates;
// a relation stated already in a curated file moves its evidence there.
func cmdAccept(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("accept", "FILE --all | --ids ID[,ID...]\n\nAccept reviewed proposals: remove status: proposed (and confidence) from the\nchosen items of FILE, a relations or entities file under the data's graph/\n(given as a path, or relative to --data), every other line left as it is.\nIds are relation ids subject/predicate/object and entity ids. The data with\nthe items accepted is validated first: a problem of an accepted item is\nreported as file:line: message, and then nothing is written. A relation a\ncurated relations file states already moves there: its item leaves FILE,\nits evidence joins that file's entry, and both files are written.", stderr)
	var d dataFlag
	d.register(fs)
	// accept writes files: it works on a directory, never on the embedded data
	d.dir = "data"
	if f := fs.Lookup("data"); f != nil {
		f.DefValue, f.Usage = d.dir, "data directory with sources/ and graph/"
	}
	all := fs.Bool("all", false, "accept every proposed item of FILE")
	idList := fs.String("ids", "", "accept these items of FILE, comma-separated")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	var ids []string
	for _, id := range strings.Split(*idList, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if file == "" || *all == (len(ids) > 0) {
		fmt.Fprintln(stderr, "give FILE first, then either --all or --ids")
		fs.Usage()
		return errUsage
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "data" })
	if !given {
		d.dir = dataDirOf(file, d.dir)
	}
	if d.dir == "" {
		return fmt.Errorf("--data: give the data directory")
	}
	fsys, root, err := d.fs()
	if err != nil {
		return printProblems(err, stderr, root, "")
	}
	disk, name, err := graphFile(d.dir, file)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(disk)
	if err != nil {
		return err
	}
	shown := path.Join(root, name)
	stated, fsNames, err := statedFiles(fsys, root, name)
	if err != nil {
		return err
	}
	a, err := loaders.Accept(shown, old, *all, ids, stated)
	if err != nil {
		return err
	}

	// The data as it would be, validated before anything is written.
	over := overlay{FS: fsys, files: map[string][]byte{name: a.Data}}
	edits := map[string]*loaders.Edit{}
	for i, ed := range a.Edits {
		over.files[fsNames[ed.Name]] = ed.Data
		edits[ed.Name] = &a.Edits[i]
	}
	_, err = loaders.ReadDraft(over, root)
	var ps loaders.Problems
	if err != nil && !errors.As(err, &ps) {
		return err
	}
	var mine, others loaders.Problems
	for _, p := range ps {
		if p.File == shown {
			p.Line = a.OldLine(p.Line)
			if ofAccepted(a, p.Line) {
				mine = append(mine, p)
				continue
			}
		}
		if ed := edits[p.File]; ed != nil {
			// a problem of the evidence moved there is the draft's
			if old, from := ed.Origin(p.Line); from > 0 {
				if old > 0 {
					p.Msg += fmt.Sprintf(" (as moved to %s:%d)", p.File, old)
				} else {
					p.Msg += fmt.Sprintf(" (as moved to %s)", p.File)
				}
				p.File, p.Line = shown, from
				mine = append(mine, p)
				continue
			}
		}
		others = append(others, p)
	}
	if len(mine) > 0 {
		for _, p := range mine {
			fmt.Fprintln(stderr, p)
		}
		return fmt.Errorf("%d problem(s) in the items to accept: %s not changed", len(mine), file)
	}
	writes := []pendingWrite{}
	for _, ed := range a.Edits {
		writes = append(writes, pendingWrite{disk: filepath.Join(d.dir, filepath.FromSlash(fsNames[ed.Name])), data: ed.Data, old: ed.Old})
	}
	if err := writeAll(append(writes, pendingWrite{disk: disk, data: a.Data, old: old})); err != nil {
		return err
	}
	kind := a.Accepted[0].Kind
	fmt.Fprintf(stdout, "%s: accepted %s, %d still proposed\n", file, count(len(a.Accepted), kind), len(a.Left()))
	for _, m := range a.Moves {
		states := ""
		if m.States {
			states = ", where it is now stated (implied: false)"
		}
		fmt.Fprintf(stdout, "moved %s of %s to %s:%d%s\n", count(m.Quotes, "quote"), m.ID, m.File, m.At, states)
	}
	if len(others) > 0 {
		fmt.Fprintf(stdout, "%d other problem(s) in %s, none in the items accepted: digidip check --data %s lists them\n", len(others), root, d.dir)
	}
	return nil
}

// count is "1 relation", "2 entities".
func count(n int, kind string) string {
	switch {
	case n == 1:
	case strings.HasSuffix(kind, "y"):
		kind = strings.TrimSuffix(kind, "y") + "ies"
	default:
		kind += "s"
	}
	return fmt.Sprintf("%d %s", n, kind)
}

// ofAccepted says whether a line of the original file belongs to an
// accepted item, or to no item at all (the file's own lines: then the
// file is broken, and nothing in it should be accepted).
func ofAccepted(a *loaders.Accepted, line int) bool {
	for _, it := range a.Items {
		if it.Line <= line && line <= it.End {
			for _, x := range a.Accepted {
				if x.Line == it.Line {
					return true
				}
			}
			return false
		}
	}
	return true
}

// dataDirOf is the data directory a graph file given as a path lies in
// (dir/graph/relations/x.yaml), so that the path a problem names is enough;
// def when file is not such a path.
func dataDirOf(file, def string) string {
	if fi, err := os.Stat(file); err != nil || fi.IsDir() {
		return def
	}
	kind := filepath.Dir(filepath.Clean(file))
	graph := filepath.Dir(kind)
	if b := filepath.Base(kind); (b != "relations" && b != "entities") || filepath.Base(graph) != "graph" {
		return def
	}
	return filepath.Dir(graph)
}

// graphFile finds FILE, given as a path or relative to the data directory,
// and names it as the data does (graph/relations/x.yaml); only relations
// and entities files take proposals.
func graphFile(dir, file string) (disk, name string, err error) {
	base, err := filepath.EvalSymlinks(dir)
	if err == nil {
		base, err = filepath.Abs(base)
	}
	if err != nil {
		return "", "", fmt.Errorf("data directory: %w", err)
	}
	disk = file
	if _, err := os.Stat(file); err != nil && !filepath.IsAbs(file) {
		disk = filepath.Join(dir, file)
	}
	real, err := filepath.EvalSymlinks(disk)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", file, err)
	}
	rel, err := filepath.Rel(base, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", "", fmt.Errorf("%s is not in the data directory %s", file, dir)
	}
	name = filepath.ToSlash(rel)
	if d := path.Dir(name); (d != "graph/relations" && d != "graph/entities") || !strings.HasSuffix(name, ".yaml") {
		return "", "", fmt.Errorf("%s is not a relations or entities file (graph/relations/*.yaml, graph/entities/*.yaml)", file)
	}
	return real, name, nil
}

// writeAtomic replaces a file by a temporary one renamed over it, so that
// a reader sees the old file or the new one, never half of it.
func writeAtomic(name string, data []byte) error {
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	// a dot and no .yaml: the loaders never read it, should it be left over
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".accept-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), fi.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// overlay is the data with some files' content replaced: the data as it
// would be, read without writing it.
type overlay struct {
	fs.FS
	files map[string][]byte
}

func (o overlay) Open(name string) (fs.File, error) {
	data, ok := o.files[name]
	if !ok {
		return o.FS.Open(name)
	}
	return &memFile{Reader: bytes.NewReader(data), info: memInfo{name: path.Base(name), size: int64(len(data))}}, nil
}

// statedFiles reads the reviewed relations files other than the one
// accepted, in the loader's order: where an accepted relation may be
// stated already. The map is each one's name in fsys by its name shown.
func statedFiles(fsys fs.FS, root, name string) ([]loaders.RelationsFile, map[string]string, error) {
	if path.Dir(name) != "graph/relations" {
		return nil, nil, nil
	}
	names, err := fs.Glob(fsys, "graph/relations/*.yaml")
	if err != nil {
		return nil, nil, err
	}
	byShown := map[string]string{}
	slices.Sort(names)
	var out []loaders.RelationsFile
	for _, n := range names {
		if n == name || strings.HasSuffix(n, loaders.ProposedSuffix) {
			continue
		}
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, loaders.RelationsFile{Name: path.Join(root, n), Data: data})
		byShown[path.Join(root, n)] = n
	}
	return out, byShown, nil
}

// pendingWrite is a file to replace, and its content to restore.
type pendingWrite struct {
	disk      string
	data, old []byte
}

// writeAll replaces the files one by one, each atomically; when one
// cannot be written, those written already get their old content back,
// so that the evidence is never in both files or in neither.
func writeAll(ws []pendingWrite) error {
	for i, w := range ws {
		if err := writeAtomic(w.disk, w.data); err != nil {
			for _, done := range ws[:i] {
				if rerr := writeAtomic(done.disk, done.old); rerr != nil {
					return fmt.Errorf("%w; and %s could not be restored: %v", err, done.disk, rerr)
				}
			}
			return err
		}
	}
	return nil
}

type memFile struct {
	*bytes.Reader
	info memInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
