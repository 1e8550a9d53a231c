package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/store/storetest"
	"github.com/digidip/digidip/vocab"
)

// stuck is how long a test waits for something that must not wait on an
// export before calling it a deadlock; it is a detector, not a speed goal.
const stuck = 10 * time.Second

// stalledWriter is a client that stops reading: its first quad blocks until
// the test lets it go.
type stalledWriter struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
	n       int
}

func newStalledWriter() *stalledWriter {
	return &stalledWriter{started: make(chan struct{}), release: make(chan struct{})}
}

func (w *stalledWriter) WriteQuad(quad.Quad) error {
	w.once.Do(func() {
		close(w.started)
		<-w.release
	})
	w.n++
	return nil
}

func (w *stalledWriter) WriteQuads(qs []quad.Quad) (int, error) {
	for _, q := range qs {
		w.WriteQuad(q)
	}
	return len(qs), nil
}

func (w *stalledWriter) Close() error { return nil }

// within runs f and fails the test if it has not returned in time.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(stuck):
		t.Fatalf("%s did not return in %v: it waits on an export", what, stuck)
	}
}

// lockedByUs reports whether this process holds a bolt file open: a
// read-only bolt handle keeps a shared flock on it.
func lockedByUs(t *testing.T, file string) bool {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// An export whose client stops reading holds no lock: a load installs the
// next generation and Generation answers while it stalls, the export then
// finishes whole on the generation it started with, and that generation's
// handle is closed when the export ends.
func TestExportHoldsNoLock(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			first := vocab.Quads(domaintest.Memo())
			if err := st.Replace(ctx, first); err != nil {
				t.Fatal(err)
			}
			gen := st.Generation()

			w := newStalledWriter()
			exported := make(chan error, 1)
			go func() {
				_, err := st.WriteQuads(ctx, w)
				exported <- err
			}()
			<-w.started

			ds := domaintest.Memo()
			ds.Hash = "h2"
			ds.Relations = ds.Relations[1:]
			within(t, "Write", func() {
				if err := st.Replace(ctx, vocab.Quads(ds)); err != nil {
					t.Error(err)
				}
			})
			var now string
			within(t, "Generation", func() { now = st.Generation() })
			if now == gen || st.Graph().Hash() != "h2" {
				t.Fatalf("after the load the store is at %s (hash %s), want a new generation", now, st.Graph().Hash())
			}
			within(t, "Refresh", func() {
				if _, err := st.Refresh(ctx); err != nil {
					t.Error(err)
				}
			})
			old := ""
			if name == "bolt" {
				old = filepath.Join(boltDir(t, st), gen, "indexes.bolt")
				if !lockedByUs(t, old) {
					t.Errorf("the exported generation's handle was closed under the export")
				}
			}

			close(w.release)
			if err := <-exported; err != nil {
				t.Fatalf("export: %v", err)
			}
			if w.n != len(first) {
				t.Errorf("the export wrote %d quads, want the %d of the generation it started on", w.n, len(first))
			}
			if old != "" && lockedByUs(t, old) {
				t.Errorf("the old generation's handle is still open after its last export")
			}
		})
	}
}

// boltDir is where a bolt store of the suite keeps its generations.
func boltDir(t *testing.T, st *store.Store) string {
	t.Helper()
	dir, ok := boltDirs.Load(st)
	if !ok {
		t.Fatal("not a bolt store of the suite")
	}
	return dir.(string)
}

var boltDirs sync.Map // *store.Store -> its directory

// seq is the number a generation's name ends with: its place in the order.
func seq(t *testing.T, gen string) uint64 {
	if gen == "" {
		return 0
	}
	i := strings.LastIndexFunc(gen, func(r rune) bool { return r < '0' || r > '9' })
	n, err := strconv.ParseUint(gen[i+1:], 10, 64)
	if err != nil {
		t.Errorf("generation %q does not end with a number", gen)
	}
	return n
}

// Loads and refreshes racing in one store, and loads from a second store on
// the same address, never move the installed generation backwards, and the
// store ends on the backend's current generation. The race seldom lands in
// the window where it matters; TestRefreshDoesNotUndoALoad forces it.
func TestGenerationsOnlyMoveForward(t *testing.T) {
	shared := map[string]func(t *testing.T) store.Options{
		"bolt": func(t *testing.T) store.Options {
			return store.Options{Backend: "bolt", Address: filepath.Join(t.TempDir(), "db")}
		},
		"memory": func(t *testing.T) store.Options { return store.Options{Backend: "memory"} },
		"postgres": func(t *testing.T) store.Options {
			return store.Options{Backend: "postgres", Address: storetest.PostgresAddress(t)}
		},
	}
	for name, options := range shared {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			opts := options(t)
			st, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			other := st
			if name != "memory" {
				if other, err = store.Open(ctx, opts); err != nil {
					t.Fatal(err)
				}
				defer other.Close()
			}
			quads := vocab.Quads(domaintest.Memo())
			rounds := 10
			if name == "postgres" {
				rounds = 3 // a PostgreSQL load takes a second or more
			}

			var wg sync.WaitGroup
			stop := make(chan struct{})
			watched := make(chan error, 1)
			go func() {
				var last uint64
				var lastGen string
				for {
					select {
					case <-stop:
						watched <- nil
						return
					default:
					}
					g := st.Generation()
					if n := seq(t, g); n < last {
						watched <- errors.New("the generation went back from " + lastGen + " to " + g)
						return
					} else {
						last, lastGen = n, g
					}
					runtime.Gosched()
				}
			}()
			load := func(s *store.Store) {
				defer wg.Done()
				for range rounds {
					// Another store's load may hold the backend's lock.
					if err := s.Replace(ctx, quads); err != nil && !errors.Is(err, store.ErrLocked) {
						t.Error(err)
						return
					}
				}
			}
			refresh := func(s *store.Store) {
				defer wg.Done()
				for range 4 * rounds {
					if _, err := s.Refresh(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}
			wg.Add(4)
			go load(st)
			go load(other)
			go refresh(st)
			go refresh(st)
			wg.Wait()
			close(stop)
			if err := <-watched; err != nil {
				t.Fatal(err)
			}
			if _, err := st.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if name == "memory" {
				return
			}
			fresh, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.Close()
			if st.Generation() != fresh.Generation() {
				t.Errorf("the store is at %s, the backend at %s", st.Generation(), fresh.Generation())
			}
		})
	}
}

// Someone puts an older generation back in CURRENT: a refresh refuses to go
// back to it, and the next load still comes after the installed one.
func TestRefreshRefusesAnOlderGeneration(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	st, err := store.Open(ctx, store.Options{Backend: "bolt", Address: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
		t.Fatal(err)
	}
	older := st.Generation()
	if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
		t.Fatal(err)
	}
	newer := st.Generation()
	if err := os.WriteFile(filepath.Join(dir, "CURRENT"), []byte(older+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	switched, err := st.Refresh(ctx)
	if switched || !errors.Is(err, store.ErrBackwards) || !strings.Contains(err.Error(), older) {
		t.Errorf("Refresh to an older generation = %v, %v; want ErrBackwards naming %s", switched, err, older)
	}
	if st.Generation() != newer {
		t.Errorf("the store went from %s to %s", newer, st.Generation())
	}
	if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
		t.Fatal(err)
	}
	if seq(t, st.Generation()) <= seq(t, newer) {
		t.Errorf("a load after the rollback made %s, not after %s", st.Generation(), newer)
	}
}

// Close, while the store watches for new generations (which another store
// keeps making) and an export's client has stopped reading, returns; the
// watch is gone when it does, and nothing the store started is left once the
// export ends.
func TestCloseWhileWatchingAndExporting(t *testing.T) {
	for name, options := range sharedBackends() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			opts := options(t)
			loader, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer loader.Close()
			if err := loader.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
				t.Fatal(err)
			}
			before := runtime.NumGoroutine()

			st, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			w := newStalledWriter()
			exported := make(chan error, 1)
			go func() {
				_, err := st.WriteQuads(ctx, w)
				exported <- err
			}()
			<-w.started
			// The watch is busy telling of a switch when the store closes:
			// Close must wait for it.
			telling := make(chan struct{})
			var told atomic.Bool
			var once sync.Once
			if err := st.Watch(ctx, time.Millisecond, func(switched bool, err error) {
				if err != nil {
					t.Errorf("watch: %v", err)
				}
				once.Do(func() {
					close(telling)
					time.Sleep(200 * time.Millisecond)
					told.Store(true)
				})
			}); err != nil {
				t.Fatal(err)
			}
			if err := loader.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
				t.Fatal(err)
			}
			<-telling
			// One more load only: with two more, the sweep could drop the
			// generation a refresh was about to open, a legitimate error.
			loads := make(chan struct{})
			go func() {
				defer close(loads)
				loader.Replace(ctx, vocab.Quads(domaintest.Memo()))
			}()
			within(t, "Close", func() {
				if err := st.Close(); err != nil {
					t.Error(err)
				}
			})
			// Close has joined the watch: its goroutine is gone already.
			if !told.Load() {
				t.Error("Close returned while the watch was still running")
			}
			var stacks strings.Builder
			pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			if strings.Contains(stacks.String(), "(*Store).Watch") {
				t.Errorf("the watch still runs after Close:\n%s", stacks.String())
			}
			<-loads
			if err := st.Watch(ctx, time.Millisecond, nil); !errors.Is(err, store.ErrClosed) {
				t.Errorf("Watch after Close = %v, want ErrClosed", err)
			}
			if _, err := st.Refresh(ctx); !errors.Is(err, store.ErrClosed) {
				t.Errorf("Refresh after Close = %v, want ErrClosed", err)
			}

			close(w.release)
			if err := <-exported; err != nil && !errors.Is(err, store.ErrClosed) {
				t.Errorf("export across Close: %v", err)
			}
			// The export's handle closes as it ends; a PostgreSQL handle's
			// pool takes a moment to stop its goroutines.
			deadline := time.Now().Add(stuck)
			for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				var b strings.Builder
				pprof.Lookup("goroutine").WriteTo(&b, 1)
				t.Errorf("%d goroutines left after Close and the export, %d before Open:\n%s", n, before, b.String())
			}
		})
	}
}

// A snapshot keeps its generation whole, read model and quads, across a
// load, and Release lets it go once.
func TestSnapshotKeepsItsGeneration(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			first := vocab.Quads(domaintest.Memo())
			if err := st.Replace(ctx, first); err != nil {
				t.Fatal(err)
			}
			snap, err := st.Pin()
			if err != nil {
				t.Fatal(err)
			}
			gen := snap.Generation()
			ds := domaintest.Memo()
			ds.Hash = "h2"
			ds.Relations = nil
			if err := st.Replace(ctx, vocab.Quads(ds)); err != nil {
				t.Fatal(err)
			}
			if snap.Generation() != gen || snap.Graph().Hash() != "h1" || st.Graph().Hash() != "h2" {
				t.Errorf("snapshot at %s (hash %s), store at %s (hash %s); want the snapshot on %s, h1",
					snap.Generation(), snap.Graph().Hash(), st.Generation(), st.Graph().Hash(), gen)
			}
			var got quadSlice
			if _, err := snap.WriteQuads(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if d := diffQuads(first, got); d != "" {
				t.Errorf("the snapshot's quads differ from its generation's:\n%s", d)
			}
			if err := snap.Release(); err != nil {
				t.Fatal(err)
			}
			// A second release of a snapshot of the installed generation
			// must not drop the store's own reference to it.
			if snap, err = st.Pin(); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := snap.Release(); err != nil {
					t.Fatal(err)
				}
			}
			got = nil
			// A closed bolt handle reads as empty, without an error.
			if _, err := st.WriteQuads(ctx, &got); err != nil {
				t.Fatalf("export after a double release: %v", err)
			}
			if d := diffQuads(vocab.Quads(ds), got); d != "" {
				t.Errorf("export after a double release:\n%s", d)
			}
		})
	}
}
