package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cayleygraph/cayley/graph"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/vocab"
)

// heldOpen is a bolt backend whose open waits, once armed, until the test
// lets it go: a refresh stopped between reading CURRENT and installing.
type heldOpen struct {
	*boltBackend
	armed   chan struct{} // closed: the next open waits
	waiting chan string   // the generation the held open is for
	release chan struct{}
}

func (h *heldOpen) open(ctx context.Context, gen string) (graph.QuadStore, error) {
	select {
	case <-h.armed:
		h.armed = make(chan struct{}) // once
		h.waiting <- gen
		<-h.release
	default:
	}
	return h.boltBackend.open(ctx, gen)
}

// A refresh that read CURRENT before a load of the same store finished must
// not install its older generation after the load's: the load waits for the
// refresh, and the store ends on the newest generation.
func TestRefreshDoesNotUndoALoad(t *testing.T) {
	ctx := context.Background()
	bb, err := openBolt(filepath.Join(t.TempDir(), "db"), false)
	if err != nil {
		t.Fatal(err)
	}
	b := &heldOpen{boltBackend: bb, armed: make(chan struct{}), waiting: make(chan string), release: make(chan struct{})}
	st, err := open(ctx, Options{Backend: "bolt"}, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds := func(hash string) *Prepared {
		p, err := Prepare(vocab.Quads(&domain.Dataset{Hash: hash}))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := st.Write(ctx, ds("a")); err != nil {
		t.Fatal(err)
	}
	// Another process loads b; this store's refresh reads its name and stops.
	other, err := bb.write(ctx, ds("b").quads, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	close(b.armed)
	refreshed := make(chan error, 1)
	go func() {
		_, err := st.Refresh(ctx)
		refreshed <- err
	}()
	if gen := <-b.waiting; gen != other {
		t.Fatalf("the refresh opens %s, want %s", gen, other)
	}
	// A load of c now; the refresh then goes on with b.
	loaded := make(chan error, 1)
	go func() { loaded <- st.Write(ctx, ds("c")) }()
	select {
	case err := <-loaded:
		// The load did not wait: it must at least not be undone.
		if err != nil {
			t.Fatal(err)
		}
		loaded <- nil
	case <-time.After(100 * time.Millisecond):
		// Waiting for the refresh, as it should.
	}
	close(b.release)
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	if err := <-loaded; err != nil {
		t.Fatal(err)
	}
	cur, err := bb.current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Generation() != cur || st.Graph().Hash() != "c" {
		t.Errorf("the store is at %s (hash %s); the last load made %s (hash c)", st.Generation(), st.Graph().Hash(), cur)
	}
}
