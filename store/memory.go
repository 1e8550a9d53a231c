package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/memstore"
	"github.com/cayleygraph/quad"
)

// memBackend keeps generations in Cayley's memstore; they live as long as
// the process.
type memBackend struct {
	mu    sync.Mutex
	n     uint64 // the current generation's number
	cur   *memstore.QuadStore
	blobs map[string][]byte
	name  string
}

func (m *memBackend) current(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.name, nil
}

func (m *memBackend) open(_ context.Context, gen string) (graph.QuadStore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.name || m.cur == nil {
		return nil, fmt.Errorf("memory generation %q is gone", gen)
	}
	return noClose{m.cur}, nil
}

func (m *memBackend) blob(_ context.Context, gen, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.name || m.cur == nil {
		return nil, fmt.Errorf("memory generation %q is gone", gen)
	}
	data, ok := m.blobs[name]
	if !ok {
		return nil, fmt.Errorf("memory generation %q: blob %q: %w", gen, name, errNoBlob)
	}
	return data, nil
}

func (m *memBackend) write(ctx context.Context, quads []quad.Quad, blobs map[string][]byte, floor uint64) (string, error) {
	qs := memstore.New()
	w, err := qs.NewQuadWriter()
	if err != nil {
		return "", err
	}
	if _, err := w.WriteQuads(quads); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n = max(m.n+1, floor+1)
	m.cur, m.blobs, m.name = qs, blobs, fmt.Sprintf("mem-%d", m.n)
	return m.name, nil
}

func (m *memBackend) close() error { return nil }
func (m *memBackend) remote() bool { return false }

// noClose lets the store close its handle on a memory generation without
// dropping the generation itself.
type noClose struct{ *memstore.QuadStore }

func (noClose) Close() error { return nil }

// emptyStore stands in for a store that has no generation yet.
func emptyStore() graph.QuadStore { return noClose{memstore.New()} }
