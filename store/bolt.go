package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/boltdb/bolt"
	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/quad"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
)

// A bolt store is a directory:
//
//	CURRENT        the name of the current generation
//	CURRENT.tmp    the next CURRENT, while a load switches
//	LOCK           held while a load writes
//	gen-<n>/       one complete Cayley bolt store (indexes.bolt) and the
//	               generation's blobs (<name>.blob, e.g. its projection's
//	               snapshot); n orders generations (see genSeq)
//	gen-<n>.part/  a generation being written; never read
//
// A generation is written once and then only ever opened read-only, so any
// number of servers can read it while a load writes the next one. Its blobs
// are inside it, so they appear with it (by the rename that completes it)
// and go with it, whichever digidip sweeps it. Nothing in the folder is
// written through a symbolic link.
type boltBackend struct {
	dir string
}

var genName = regexp.MustCompile(`^gen-[0-9]+$`)

// blobName is what a blob's name may be: it names a file.
var blobName = regexp.MustCompile(`^[a-z]+$`)

// ErrLocked is wrapped by the error of a load that finds another load
// writing to the same store.
var ErrLocked = errors.New("store is locked by another process")

func openBolt(dir string, readOnly bool) (*boltBackend, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist) && readOnly:
		return nil, fmt.Errorf("store %s does not exist (a read-only server never creates it: run digidip load first)", abs)
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, fmt.Errorf("create store %s: %w", abs, err)
		}
	case err != nil:
		return nil, fmt.Errorf("store %s: %w", abs, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("store %s is not a directory", abs)
	}
	return &boltBackend{dir: abs}, nil
}

func (b *boltBackend) current(context.Context) (string, error) {
	data, err := os.ReadFile(filepath.Join(b.dir, "CURRENT"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("store %s: %w", b.dir, err)
	}
	gen := strings.TrimSpace(string(data))
	if !genName.MatchString(gen) {
		return "", fmt.Errorf("store %s: CURRENT names %q, which is not a generation", b.dir, gen)
	}
	return gen, nil
}

func (b *boltBackend) open(_ context.Context, gen string) (graph.QuadStore, error) {
	if gen == "" {
		return emptyStore(), nil
	}
	file := filepath.Join(b.dir, gen, "indexes.bolt")
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("store %s: generation %s: %w", b.dir, gen, err)
	}
	db, err := hbolt.Open(file, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w (another program has it open for writing)", file, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	// Reads need no bloom filter; building one would scan the whole log.
	qs, err := kv.New(db, graph.Options{kv.OptNoBloom: true})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	return qs, nil
}

func (b *boltBackend) blob(_ context.Context, gen, name string) ([]byte, error) {
	if !genName.MatchString(gen) || !blobName.MatchString(name) {
		return nil, fmt.Errorf("store %s: generation %q, blob %q: %w", b.dir, gen, name, errNoBlob)
	}
	file := filepath.Join(b.dir, gen, name+".blob")
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("store %s: %w: %w", b.dir, err, errNoBlob)
	} else if err != nil {
		return nil, fmt.Errorf("store %s: %w", b.dir, err)
	}
	return data, nil
}

func (b *boltBackend) write(ctx context.Context, quads []quad.Quad, blobs map[string][]byte, floor uint64) (string, error) {
	unlock, err := b.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	b.sweep("")
	// Refused before a generation is written rather than after.
	tmp := filepath.Join(b.dir, "CURRENT.tmp")
	if err := removeStale(tmp); err != nil {
		return "", err
	}
	cur, err := b.current(ctx)
	if err != nil {
		return "", err
	}
	seq, err := nextSeq(cur, floor)
	if err != nil {
		return "", fmt.Errorf("store %s: %w", b.dir, err)
	}
	gen := fmt.Sprintf("gen-%d", seq)
	part := filepath.Join(b.dir, gen+".part")
	// Mkdir makes a new directory or fails: it never follows a link.
	if err := os.Mkdir(part, 0o755); err != nil {
		return "", fmt.Errorf("store %s: %w", b.dir, err)
	}
	if err := writeBolt(ctx, filepath.Join(part, "indexes.bolt"), quads); err != nil {
		os.RemoveAll(part)
		return "", err
	}
	for name, data := range blobs {
		if !blobName.MatchString(name) {
			os.RemoveAll(part)
			return "", fmt.Errorf("store %s: blob name %q", b.dir, name)
		}
		if err := writeNewFile(filepath.Join(part, name+".blob"), data); err != nil {
			os.RemoveAll(part)
			return "", fmt.Errorf("store %s: %w", b.dir, err)
		}
	}
	// The files' names are made durable before the generation is complete.
	if err := syncDir(part); err != nil {
		os.RemoveAll(part)
		return "", err
	}
	final := filepath.Join(b.dir, gen)
	if err := os.Rename(part, final); err != nil {
		os.RemoveAll(part)
		return "", fmt.Errorf("store %s: %w", b.dir, err)
	}
	if err := syncDir(b.dir); err != nil {
		os.RemoveAll(final)
		return "", err
	}
	// The switch: CURRENT is replaced by rename, which is atomic.
	if err := writeNewFile(tmp, []byte(gen+"\n")); err != nil {
		os.RemoveAll(final)
		return "", fmt.Errorf("store %s: %w", b.dir, err)
	}
	if err := os.Rename(tmp, filepath.Join(b.dir, "CURRENT")); err != nil {
		os.Remove(tmp)
		os.RemoveAll(final)
		return "", fmt.Errorf("store %s: %w", b.dir, err)
	}
	if err := syncDir(b.dir); err != nil {
		return "", err
	}
	b.sweep(gen)
	return gen, nil
}

// removeStale removes a file a dead load left behind, and refuses a symbolic
// link: the store's folder is never written through one, and a link there
// was put by someone else.
func removeStale(name string) error {
	fi, err := os.Lstat(name)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: refusing to write through it (remove it)", name)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (remove it)", name)
	}
	return os.Remove(name)
}

// writeMmapSize is how much of a generation's file the writer maps at once:
// about 600 bytes a quad (a million quads make a 415 MB file), at least 64
// MiB, at most 1 GiB. Without it bolt starts small and remaps at every
// doubling, copying every page it holds in memory each time (a quarter of
// the load's time at a million quads). It is address space, not memory.
func writeMmapSize(quads int) int {
	return min(max(quads*600, 64<<20), 1<<30)
}

func writeBolt(ctx context.Context, file string, quads []quad.Quad) error {
	db, err := hbolt.Open(file, &bolt.Options{Timeout: 2 * time.Second, InitialMmapSize: writeMmapSize(len(quads))})
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	// No fsync per commit while the generation is written: nobody reads it
	// until it is complete, and it is synced once before it becomes current.
	db.DB().NoSync = true
	if err := kv.Init(db, nil); err != nil {
		db.Close()
		return fmt.Errorf("create %s: %w", file, err)
	}
	// No bloom filters: on a new store Cayley sizes them for 100 million
	// quads (about 300 MB allocated and zeroed at every load, however small),
	// and they only spare lookups that a fresh generation answers quickly.
	qs, err := kv.New(db, graph.Options{kv.OptNoBloom: true})
	if err != nil {
		db.Close()
		return fmt.Errorf("create %s: %w", file, err)
	}
	defer qs.Close()
	// One transaction per batch (a writer commits when closed). Cayley's
	// writer would otherwise commit every 200,000 quads, and bolt splits
	// nodes only at commit: until then each insert shifts an ever longer
	// node in memory (a third of a 100k load went to that copying).
	const batch = 25000
	for i := 0; i < len(quads); i += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		w, err := qs.NewQuadWriter()
		if err != nil {
			return err
		}
		end := min(i+batch, len(quads))
		if _, err := w.WriteQuads(quads[i:end]); err != nil {
			w.Close()
			return fmt.Errorf("write %s: %w", file, err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
	}
	if err := db.DB().Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", file, err)
	}
	return nil
}

// lock takes the store's write lock without waiting: two loads at once would
// each make a generation, and the slower would silently win.
func (b *boltBackend) lock() (func(), error) {
	name := filepath.Join(b.dir, "LOCK")
	// O_NOFOLLOW: a link in place of LOCK would have the load create or
	// lock a file outside the store.
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("store %s: %s is a symbolic link: refusing to follow it (remove it)", b.dir, name)
	} else if err != nil {
		return nil, fmt.Errorf("store %s: %w", b.dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store %s: %w (a load is running)", b.dir, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// sweep removes what dead loads left behind and generations older than the
// one before keep: a server still reading the previous generation keeps it
// until it switches.
func (b *boltBackend) sweep(keep string) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return
	}
	var gens []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".part"):
			os.RemoveAll(filepath.Join(b.dir, name))
		case genName.MatchString(name):
			gens = append(gens, name)
		}
	}
	if keep == "" {
		return
	}
	sortGens(gens)
	for i, g := range gens {
		if g != keep && i < len(gens)-2 {
			os.RemoveAll(filepath.Join(b.dir, g))
		}
	}
}

// sortGens sorts generation names oldest first (see genSeq); a name without
// a number sorts first.
func sortGens(gens []string) {
	sort.SliceStable(gens, func(i, j int) bool {
		a, _ := genSeq(gens[i])
		b, _ := genSeq(gens[j])
		return a < b
	})
}

func (b *boltBackend) close() error { return nil }
func (b *boltBackend) remote() bool { return false }

// writeNewFile creates name, which must not exist (not even as a link), and
// writes data to it durably.
func writeNewFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
