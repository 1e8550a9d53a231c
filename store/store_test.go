package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/store/storetest"
	"github.com/digidip/digidip/vocab"
)

// backends opens a fresh store of each kind the suite runs on.
func backends(t *testing.T) map[string]func(t *testing.T) *store.Store {
	return map[string]func(t *testing.T) *store.Store{
		"bolt": func(t *testing.T) *store.Store {
			dir := filepath.Join(t.TempDir(), "db")
			st, err := store.Open(context.Background(), store.Options{Backend: "bolt", Address: dir})
			if err != nil {
				t.Fatal(err)
			}
			boltDirs.Store(st, dir)
			t.Cleanup(func() { st.Close(); boltDirs.Delete(st) })
			return st
		},
		"memory": func(t *testing.T) *store.Store {
			st, err := store.Open(context.Background(), store.Options{Backend: "memory"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(t *testing.T) *store.Store {
			st, err := store.Open(context.Background(), store.Options{Backend: "postgres", Address: storetest.PostgresAddress(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

// A graph written through each backend reads back exactly: the quads, from
// a new store on the same address (bolt, PostgreSQL) or through the memory
// backend's own handle, and the read model built from those quads.
func TestRoundTripThroughEveryBackend(t *testing.T) {
	reopen := map[string]func(t *testing.T) (*store.Store, func() *store.Store){
		"bolt": func(t *testing.T) (*store.Store, func() *store.Store) {
			return twoStores(t, store.Options{Backend: "bolt", Address: filepath.Join(t.TempDir(), "db")})
		},
		"postgres": func(t *testing.T) (*store.Store, func() *store.Store) {
			return twoStores(t, store.Options{Backend: "postgres", Address: storetest.PostgresAddress(t)})
		},
		"memory": func(t *testing.T) (*store.Store, func() *store.Store) {
			// Nothing outlives a memory store: read it back through its
			// backend's handle, not the read model the load brought.
			st, err := store.Open(context.Background(), store.Options{Backend: "memory"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, func() *store.Store { return st }
		},
	}
	want := projection.NewGraph(domaintest.Memo())
	written := vocab.Quads(domaintest.Memo())
	for name, stores := range reopen {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w, open := stores(t)
			if err := w.Replace(ctx, written); err != nil {
				t.Fatal(err)
			}
			r := open()
			if r.Generation() != w.Generation() {
				t.Fatalf("the reader is at %q, the writer wrote %q", r.Generation(), w.Generation())
			}
			var read quadSlice
			if _, err := r.WriteQuads(ctx, &read); err != nil {
				t.Fatal(err)
			}
			if d := diffQuads(written, read); d != "" {
				t.Fatalf("quads read back differ from those written:\n%s", d)
			}
			ds, err := vocab.DecodeQuads(read)
			if err != nil {
				t.Fatal(err)
			}
			got := projection.Graph(ds)
			graphs := map[string]*engine.Graph{"built from the quads read": got}
			if r != w {
				graphs["the new store's (Refresh)"] = r.Graph()
			}
			for what, g := range graphs {
				if d := diffGraphs(want, g); d != "" {
					t.Errorf("read model %s:\n%s", what, d)
				}
			}
		})
	}
}

// twoStores opens a store to write with; open then opens a new one on the
// same address, which reads the backend afresh.
func twoStores(t *testing.T, opts store.Options) (*store.Store, func() *store.Store) {
	ctx := context.Background()
	w, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, func() *store.Store {
		r, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
}

// diffQuads compares two sets of quads exactly (as N-Quads, in any order).
func diffQuads(want, got []quad.Quad) string {
	lines := func(qs []quad.Quad) map[string]int {
		m := map[string]int{}
		for _, q := range qs {
			m[q.NQuad()]++
		}
		return m
	}
	w, g := lines(want), lines(got)
	var b strings.Builder
	for l, n := range w {
		if g[l] != n {
			fmt.Fprintf(&b, "want %d, got %d: %s\n", n, g[l], l)
		}
	}
	for l, n := range g {
		if _, ok := w[l]; !ok {
			fmt.Fprintf(&b, "want 0, got %d: %s\n", n, l)
		}
	}
	if len(want) != len(got) {
		fmt.Fprintf(&b, "want %d quads, got %d\n", len(want), len(got))
	}
	return b.String()
}

// diffList reports the items of two lists, in id order, that differ.
func diffList[T any](b *strings.Builder, what string, want, got []*T, id func(*T) string) {
	byID := map[string]*T{}
	for _, x := range got {
		byID[id(x)] = x
	}
	for _, w := range want {
		if g := byID[id(w)]; !reflect.DeepEqual(g, w) {
			fmt.Fprintf(b, "%s %s:\n got %+v\nwant %+v\n", what, id(w), g, w)
		}
	}
	if len(got) != len(want) {
		fmt.Fprintf(b, "%d %ss, want %d\n", len(got), what, len(want))
	}
}

// diffGraphs compares every entity, relation, document and predicate of two
// read models, and their hashes and stats.
func diffGraphs(want, got *engine.Graph) string {
	var b strings.Builder
	if got.Hash() != want.Hash() {
		fmt.Fprintf(&b, "hash = %q, want %q\n", got.Hash(), want.Hash())
	}
	wd := domaintest.Must(want.Dataset(context.Background()))
	gd := domaintest.Must(got.Dataset(context.Background()))
	diffList(&b, "entity", wd.Entities, gd.Entities, func(e *domain.Entity) string { return e.ID })
	diffList(&b, "relation", wd.Relations, gd.Relations, func(r *domain.Relation) string { return r.ID })
	diffList(&b, "document", wd.Documents, gd.Documents, func(d *domain.Document) string { return d.ID })
	diffList(&b, "predicate", wd.Predicates, gd.Predicates, func(p *domain.Predicate) string { return p.ID })
	if !reflect.DeepEqual(got.Stats(), want.Stats()) {
		fmt.Fprintf(&b, "stats:\n got %+v\nwant %+v\n", got.Stats(), want.Stats())
	}
	return b.String()
}

func TestReplaceKeepsTheOldGraphOnError(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
				t.Fatal(err)
			}
			gen := st.Generation()
			// a relation to an entity that is not described
			bad := append(vocab.Quads(domaintest.Memo()), quad.Quad{
				Subject: vocab.EntityIRI("eib"), Predicate: vocab.PredicateIRI("funds"), Object: vocab.EntityIRI("ghost"),
				Label: vocab.EvidenceIRI("memo:1", 0, 3),
			})
			err := st.Replace(ctx, bad)
			if !errors.Is(err, vocab.ErrInvalidGraph) {
				t.Fatalf("Replace(bad) = %v, want ErrInvalidGraph", err)
			}
			if st.Generation() != gen || st.Graph().Hash() != "h1" || domaintest.Must(st.Graph().Entity(context.Background(), "eib")) == nil {
				t.Errorf("the store changed after a failed replace")
			}
		})
	}
}

// sharedBackends are the backends two processes can share, each giving the
// options of a fresh store (PostgreSQL's test skips without a database).
func sharedBackends() map[string]func(t *testing.T) store.Options {
	return map[string]func(t *testing.T) store.Options{
		"bolt": func(t *testing.T) store.Options {
			return store.Options{Backend: "bolt", Address: filepath.Join(t.TempDir(), "db")}
		},
		"postgres": func(t *testing.T) store.Options {
			return store.Options{Backend: "postgres", Address: storetest.PostgresAddress(t)}
		},
	}
}

// Two servers share one store (a bolt directory, or a PostgreSQL database):
// a load through either is seen by the other on refresh, whole.
func TestSharedStore(t *testing.T) {
	for name, options := range sharedBackends() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			opts := options(t)
			a, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()

			if err := a.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
				t.Fatal(err)
			}
			switched, err := b.Refresh(ctx)
			if err != nil || !switched {
				t.Fatalf("Refresh = %v, %v; want a switch", switched, err)
			}
			if b.Graph().Hash() != "h1" {
				t.Fatalf("b sees hash %q", b.Graph().Hash())
			}
			ds := domaintest.Memo()
			ds.Hash = "h2"
			ds.Entities = ds.Entities[:len(ds.Entities)-1] // drop the commitment
			ds.Relations = ds.Relations[2:]
			if err := b.Replace(ctx, vocab.Quads(ds)); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if a.Graph().Hash() != "h2" || domaintest.Must(a.Graph().Entity(context.Background(), "action-1")) != nil || len(domaintest.Must(a.Graph().Relations(context.Background(), engine.RelationFilter{}))) != 3 {
				t.Errorf("a did not switch to the second load whole")
			}
			// A third load keeps at most two generations.
			ds.Hash = "h3"
			if err := a.Replace(ctx, vocab.Quads(ds)); err != nil {
				t.Fatal(err)
			}
			if name == "bolt" {
				entries, _ := os.ReadDir(opts.Address)
				gens := 0
				for _, e := range entries {
					if e.IsDir() {
						gens++
					}
				}
				if gens > 2 {
					t.Errorf("%d generations left on disk, want at most 2", gens)
				}
			}
			// A store opened afresh reads the current generation.
			c, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Graph().Hash() != "h3" {
				t.Errorf("reopened store has hash %q", c.Graph().Hash())
			}
		})
	}
}

func TestBoltErrorsNameThePath(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := store.Open(ctx, store.Options{Backend: "bolt", Address: file}); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open(file) = %v, want an error naming %s", err, file)
	}
	dir := filepath.Join(t.TempDir(), "db")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "CURRENT"), []byte("../../etc\n"), 0o644)
	if _, err := store.Open(ctx, store.Options{Backend: "bolt", Address: dir}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open(bad CURRENT) = %v, want an error naming %s", err, dir)
	}
	if _, err := store.Open(ctx, store.Options{Backend: "nosuch"}); err == nil {
		t.Error("Open(unknown backend) succeeded")
	}
}

func TestStreamingAllQuads(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			want := vocab.Quads(domaintest.Memo())
			if err := st.Replace(context.Background(), want); err != nil {
				t.Fatal(err)
			}
			var got quadSlice
			n, err := st.WriteQuads(context.Background(), &got)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(want) || len(got) != len(want) {
				t.Fatalf("wrote %d quads, want %d", n, len(want))
			}
			if d := diffQuads(want, got); d != "" {
				t.Fatalf("the quads streamed differ from those written:\n%s", d)
			}
		})
	}
}

type quadSlice []quad.Quad

func (q *quadSlice) WriteQuad(x quad.Quad) error { *q = append(*q, x); return nil }
func (q *quadSlice) WriteQuads(xs []quad.Quad) (int, error) {
	*q = append(*q, xs...)
	return len(xs), nil
}
func (q *quadSlice) Close() error { return nil }

// A store that is locked, corrupt or not a store fails with an error that
// names its path, and is left as it was.
func TestBoltFaults(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	st, err := store.Open(ctx, store.Options{Backend: "bolt", Address: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
		t.Fatal(err)
	}
	gen := st.Generation()
	st.Close()

	// A load running elsewhere holds the lock: a second load is refused.
	lock, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(ctx, store.Options{Backend: "bolt", Address: dir})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Replace(ctx, vocab.Quads(domaintest.Memo()))
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Replace while locked = %v", err)
	}
	if st.Generation() != gen {
		t.Error("a refused load changed the generation")
	}
	st.Close()
	syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	lock.Close()

	// The current generation's file is corrupt: opening names it.
	file := filepath.Join(dir, gen, "indexes.bolt")
	good, _ := os.ReadFile(file)
	os.WriteFile(file, bytes.Repeat([]byte("not a bolt file "), 1024), 0o644)
	if _, err := store.Open(ctx, store.Options{Backend: "bolt", Address: dir}); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open(corrupt) = %v, want an error naming %s", err, file)
	}
	// and a load into it still works, leaving the corrupt generation aside
	os.WriteFile(file, good, 0o644)
	st, err = store.Open(ctx, store.Options{Backend: "bolt", Address: dir})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	// A generation named by CURRENT is gone.
	os.WriteFile(filepath.Join(dir, "CURRENT"), []byte("gen-1\n"), 0o644)
	if _, err := store.Open(ctx, store.Options{Backend: "bolt", Address: dir}); err == nil || !strings.Contains(err.Error(), "gen-1") {
		t.Errorf("Open(missing generation) = %v", err)
	}
}

// The bolt store's folder is never written through a symbolic link: a link
// planted as CURRENT.tmp or LOCK makes a load fail with an error naming it,
// the file it points to is not touched, and the store keeps its generation.
func TestBoltRefusesSymlinks(t *testing.T) {
	for _, name := range []string{"CURRENT.tmp", "LOCK"} {
		t.Run(name, func(t *testing.T) {
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
			gen := st.Generation()
			outside := filepath.Join(t.TempDir(), "outside")
			if err := os.WriteFile(outside, []byte("precious\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, name)
			os.Remove(link)
			if err := os.Symlink(outside, link); err != nil {
				t.Fatal(err)
			}
			err = st.Replace(ctx, vocab.Quads(domaintest.Memo()))
			if err == nil || !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("load with %s a link = %v, want an error naming it as a symbolic link", name, err)
			}
			if b, _ := os.ReadFile(outside); string(b) != "precious\n" {
				t.Errorf("the file %s points to now holds %q", name, b)
			}
			if st.Generation() != gen {
				t.Errorf("a refused load moved the store from %s to %s", gen, st.Generation())
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), "gen-") && e.Name() != gen {
					t.Errorf("a refused load left %s behind", e.Name())
				}
			}
		})
	}
}
