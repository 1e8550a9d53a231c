package store

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/digidip/digidip/store/storetest"

	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/vocab"
)

// pair opens two stores on one backend, as two servers sharing it would
// (the memory backend is shared inside the process), and gives a way to
// damage the snapshot of a generation and to drop it, as a generation an
// older digidip wrote has none.
type pair struct {
	open   func(t *testing.T) *Store
	damage func(t *testing.T, gen string, change func([]byte) []byte)
	drop   func(t *testing.T, gen string)
}

func pairs(t *testing.T) map[string]func(t *testing.T) pair {
	return map[string]func(t *testing.T) pair{
		"bolt": func(t *testing.T) pair {
			dir := filepath.Join(t.TempDir(), "db")
			file := func(gen string) string { return filepath.Join(dir, gen, snapshotBlob+".blob") }
			return pair{
				open: func(t *testing.T) *Store {
					return mustOpen(t, func() (*Store, error) { return Open(context.Background(), Options{Backend: "bolt", Address: dir}) })
				},
				damage: func(t *testing.T, gen string, change func([]byte) []byte) {
					data, err := os.ReadFile(file(gen))
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file(gen), change(data), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				drop: func(t *testing.T, gen string) {
					if err := os.Remove(file(gen)); err != nil {
						t.Fatal(err)
					}
				},
			}
		},
		"memory": func(t *testing.T) pair {
			b := &memBackend{}
			return pair{
				open: func(t *testing.T) *Store {
					return mustOpen(t, func() (*Store, error) { return open(context.Background(), Options{Backend: "memory"}, b, nil) })
				},
				damage: func(t *testing.T, gen string, change func([]byte) []byte) {
					b.mu.Lock()
					defer b.mu.Unlock()
					b.blobs = map[string][]byte{snapshotBlob: change(bytes.Clone(b.blobs[snapshotBlob]))}
				},
				drop: func(t *testing.T, gen string) {
					b.mu.Lock()
					defer b.mu.Unlock()
					b.blobs = nil
				},
			}
		},
		"postgres": func(t *testing.T) pair {
			addr := storetest.PostgresAddress(t)
			pg := func(t *testing.T, f func(b *pgBackend) error) {
				b, err := openPostgres(context.Background(), addr, 0, false)
				if err != nil {
					t.Fatal(err)
				}
				defer b.close()
				if err := f(b); err != nil {
					t.Fatal(err)
				}
			}
			return pair{
				open: func(t *testing.T) *Store {
					return mustOpen(t, func() (*Store, error) { return Open(context.Background(), Options{Backend: "postgres", Address: addr}) })
				},
				damage: func(t *testing.T, gen string, change func([]byte) []byte) {
					pg(t, func(b *pgBackend) error {
						data, err := b.blob(context.Background(), gen, snapshotBlob)
						if err != nil {
							return err
						}
						_, err = b.db.Exec(`UPDATE `+blobTable(gen)+` SET data = $1 WHERE name = $2`, change(data), snapshotBlob)
						return err
					})
				},
				drop: func(t *testing.T, gen string) {
					pg(t, func(b *pgBackend) error {
						_, err := b.db.Exec(`DROP TABLE ` + blobTable(gen))
						return err
					})
				},
			}
		},
	}
}

func mustOpen(t *testing.T, open func() (*Store, error)) *Store {
	t.Helper()
	st, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// sameGraph checks that a store's read model is want's, whole.
func sameGraph(t *testing.T, st *Store, want *engine.Graph) {
	t.Helper()
	ctx := context.Background()
	got := st.Graph()
	if !reflect.DeepEqual(domaintest.Must(got.Dataset(ctx)), domaintest.Must(want.Dataset(ctx))) ||
		!reflect.DeepEqual(got.Stats(), want.Stats()) || got.Hash() != want.Hash() {
		t.Errorf("the read model of %s differs from the data loaded", st.Generation())
	}
	h := st.cur.Load()
	if h.proj == nil || h.sum == nil || h.sum.Hash != want.Hash() || !reflect.DeepEqual(h.sum.Stats, want.Stats()) {
		t.Errorf("the handle of %s has no projection or the wrong summary: %+v", h.gen, h.sum)
	}
}

// A server that opens a generation, or switches to a new one, reads its
// snapshot and not one quad.
func TestRefreshReadsTheSnapshot(t *testing.T) {
	for name, mk := range pairs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := mk(t)
			w := p.open(t)
			if err := w.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
				t.Fatal(err)
			}
			r := p.open(t)
			sameGraph(t, r, projection.NewGraph(domaintest.Memo()))
			ds := domaintest.Memo()
			ds.Hash, ds.Relations = "h2", ds.Relations[1:]
			if err := w.Replace(ctx, vocab.Quads(ds)); err != nil {
				t.Fatal(err)
			}
			if switched, err := r.Refresh(ctx); err != nil || !switched {
				t.Fatalf("Refresh = %v, %v; want a switch", switched, err)
			}
			sameGraph(t, r, projection.NewGraph(ds))
			if n := r.Reads(); n != 0 {
				t.Errorf("opening and switching read %d quads, want none", n)
			}
		})
	}
}

// A generation without a snapshot (an older digidip wrote it) is read quad
// by quad, as before snapshots.
func TestGenerationWithoutSnapshot(t *testing.T) {
	for name, mk := range pairs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := mk(t)
			w := p.open(t)
			quads := vocab.Quads(domaintest.Memo())
			// Written as an older digidip writes: quads only.
			if _, err := w.b.write(ctx, quads, nil, 0); err != nil {
				t.Fatal(err)
			}
			r := p.open(t)
			sameGraph(t, r, projection.NewGraph(domaintest.Memo()))
			if n := r.Reads(); n != int64(len(quads)) {
				t.Errorf("read %d quads, want all %d", n, len(quads))
			}
			// and the same when only the snapshot is gone
			if err := w.Replace(ctx, quads); err != nil {
				t.Fatal(err)
			}
			p.drop(t, w.Generation())
			r = p.open(t)
			sameGraph(t, r, projection.NewGraph(domaintest.Memo()))
			if n := r.Reads(); n != int64(len(quads)) {
				t.Errorf("without the snapshot: read %d quads, want all %d", n, len(quads))
			}
		})
	}
}

// A snapshot that does not open (damaged, cut short) is not trusted: the
// store reads the generation's quads, which are the generation, and logs
// why, naming the generation and what is wrong.
func TestDamagedSnapshotFallsBackToTheQuads(t *testing.T) {
	damage := map[string]func([]byte) []byte{
		"a byte changed": func(b []byte) []byte { b[len(b)/2] ^= 1; return b },
		"cut short":      func(b []byte) []byte { return b[:len(b)-100] },
		"not a snapshot": func([]byte) []byte { return []byte("hello") },
	}
	for name, mk := range pairs(t) {
		for what, change := range damage {
			t.Run(name+"/"+what, func(t *testing.T) {
				ctx := context.Background()
				p := mk(t)
				w := p.open(t)
				quads := vocab.Quads(domaintest.Memo())
				if err := w.Replace(ctx, quads); err != nil {
					t.Fatal(err)
				}
				p.damage(t, w.Generation(), change)
				var logs bytes.Buffer
				old := slog.Default()
				slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
				r := p.open(t)
				slog.SetDefault(old)
				sameGraph(t, r, projection.NewGraph(domaintest.Memo()))
				if n := r.Reads(); n != int64(len(quads)) {
					t.Errorf("read %d quads, want all %d", n, len(quads))
				}
				if l := logs.String(); !strings.Contains(l, w.Generation()) || !strings.Contains(l, "invalid projection snapshot") {
					t.Errorf("the log does not say which generation's snapshot was refused, and why:\n%s", l)
				}
			})
		}
	}
}

// A snapshot the backend fails to read (not one that reads back wrong)
// fails the refresh, naming it: the store keeps what it had.
func TestUnreadableSnapshotFailsTheRefresh(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	w := mustOpen(t, func() (*Store, error) { return Open(ctx, Options{Backend: "bolt", Address: dir}) })
	if err := w.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, w.Generation(), snapshotBlob+".blob")
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(file, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, Options{Backend: "bolt", Address: dir})
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open with an unreadable snapshot = %v, want an error naming %s", err, file)
	}
}

// A bolt generation's snapshot is written inside it, and goes with it.
func TestBoltSnapshotsGoWithTheirGeneration(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	st := mustOpen(t, func() (*Store, error) { return Open(ctx, Options{Backend: "bolt", Address: dir}) })
	var gens []string
	for range 3 {
		if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
			t.Fatal(err)
		}
		gens = append(gens, st.Generation())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"CURRENT", "LOCK", gens[1], gens[2]}
	if !reflect.DeepEqual(left, want) {
		t.Errorf("the store holds %v, want %v", left, want)
	}
	for _, g := range gens[1:] {
		data, err := os.ReadFile(filepath.Join(dir, g, snapshotBlob+".blob"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := projection.Open(data); err != nil {
			t.Errorf("%s: %v", g, err)
		}
	}
}
