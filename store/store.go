// Package store keeps the graph in Cayley and serves reads from an immutable
// in-memory projection of the store's current version.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
)

// Options say which backend holds the store and where.
type Options struct {
	// Backend is "bolt" (embedded, the default), "memory" or "postgres".
	Backend string
	// Address is the bolt store's directory, or the PostgreSQL URL
	// (postgres://user@host/db?sslmode=disable); unused for memory.
	// Errors and logs never show a password it holds.
	Address string
	// PGMaxConns bounds each PostgreSQL connection pool: the store's own
	// (current generation, loads) and the current generation's reads, so a
	// server holds at most twice it (three times while it switches to a new
	// generation); a whole-graph export streaming from it takes two, so half
	// as many exports stream at once and the others wait. At least 2.
	// Default DefaultPGMaxConns (6); 0 means the default. Unused by other
	// backends.
	PGMaxConns int
}

// Backends lists the backends Open accepts.
var Backends = []string{"bolt", "memory", "postgres"}

// backend is a place that keeps generations of the store: each load writes a
// complete new generation and then makes it current in one atomic step, so a
// reader sees the old data or the new, never a mix, and a load that dies
// leaves the last complete generation current.
type backend interface {
	// current names the current generation, "" when nothing was loaded yet.
	current(ctx context.Context) (string, error)
	// open opens a generation for reading.
	open(ctx context.Context, gen string) (graph.QuadStore, error)
	// write stores quads as a new generation and makes it current.
	write(ctx context.Context, quads []quad.Quad) (string, error)
	close() error
}

// Store is a Cayley quad store with its current read model.
type Store struct {
	opts Options
	b    backend

	mu  sync.RWMutex // held for reading while quads stream out of qs
	qs  graph.QuadStore
	gen string

	g      atomic.Pointer[Graph]
	served atomic.Pointer[string] // gen, for readers that must not wait on mu
	reads  atomic.Int64

	health atomic.Pointer[Health]

	// streams bounds the exports streaming from a PostgreSQL generation at
	// once (nil: no bound); see acquireStream.
	streams chan struct{}

	loads    atomic.Int64 // read models built (loads and refreshes)
	loadNs   atomic.Int64 // time spent building them, in all
	lastLoad atomic.Int64 // time the last one took
}

// LoadStats says how many read models the store built (at loads and
// refreshes), the time spent in all, and the time the last one took.
func (s *Store) LoadStats() (n int64, total, last time.Duration) {
	return s.loads.Load(), time.Duration(s.loadNs.Load()), time.Duration(s.lastLoad.Load())
}

func (s *Store) timed(start time.Time) {
	d := time.Since(start)
	s.loads.Add(1)
	s.loadNs.Add(int64(d))
	s.lastLoad.Store(int64(d))
}

// Open opens (or creates) a store and builds the read model of its current
// generation. An empty store has an empty graph.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Backend == "" {
		opts.Backend = "bolt"
	}
	var b backend
	var streams chan struct{}
	switch opts.Backend {
	case "bolt":
		if opts.Address == "" {
			return nil, fmt.Errorf("open bolt store: no path given")
		}
		bb, err := openBolt(opts.Address)
		if err != nil {
			return nil, err
		}
		b = bb
	case "memory":
		b = &memBackend{}
	case "postgres":
		pb, err := openPostgres(ctx, opts.Address, opts.PGMaxConns)
		if err != nil {
			return nil, err
		}
		b = pb
		streams = make(chan struct{}, max(1, pb.maxConns/2))
	default:
		return nil, fmt.Errorf("unknown backend %q (known: %v): %w", opts.Backend, Backends, ErrInvalidArgument)
	}
	s := &Store{opts: opts, b: b, streams: streams}
	s.g.Store(newGraph(&Dataset{}))
	if _, err := s.Refresh(ctx); err != nil {
		b.close()
		return nil, err
	}
	return s, nil
}

// Graph is the read model of the store's current generation. It never
// changes; after a load, Graph returns a new one.
func (s *Store) Graph() *Graph { return s.g.Load() }

// Generation names the generation the read model was built from. It never
// waits, not even for a streaming export or a switch.
func (s *Store) Generation() string {
	if g := s.served.Load(); g != nil {
		return *g
	}
	return ""
}

// Reads counts the quads read from the backend since Open: the only store
// round trips digidip makes, once per generation and per streaming export.
func (s *Store) Reads() int64 { return s.reads.Load() }

// Prepared is a graph that passed validation, ready to be written: its
// quads and the read model built from them, so that validating and loading
// build it once.
type Prepared struct {
	quads []quad.Quad
	g     *Graph
}

// Prepare validates quads as a graph.
func Prepare(quads []quad.Quad) (*Prepared, error) {
	g, err := BuildQuads(quads)
	if err != nil {
		return nil, err
	}
	return &Prepared{quads: quads, g: g}, nil
}

// Graph is the read model the prepared quads make.
func (p *Prepared) Graph() *Graph { return p.g }

// Len is how many quads the prepared graph holds.
func (p *Prepared) Len() int { return len(p.quads) }

// Replace validates quads and writes them (see Write).
func (s *Store) Replace(ctx context.Context, quads []quad.Quad) error {
	p, err := Prepare(quads)
	if err != nil {
		return err
	}
	return s.Write(ctx, p)
}

// Write stores a prepared graph as a new generation and switches the read
// model to it; on any error the store keeps what it had. The prepared read
// model becomes the store's, so a load reads nothing back.
func (s *Store) Write(ctx context.Context, p *Prepared) error {
	defer s.timed(time.Now())
	gen, err := s.b.write(ctx, p.quads)
	if err != nil {
		return err
	}
	s.checked(gen, nil)
	qs, err := s.b.open(ctx, gen)
	if err != nil {
		return err
	}
	s.swap(gen, qs, p.g)
	return nil
}

func (s *Store) swap(gen string, qs graph.QuadStore, g *Graph) {
	s.mu.Lock()
	old := s.qs
	s.qs, s.gen = qs, gen
	s.g.Store(g)
	s.served.Store(&gen)
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// Refresh switches to the backend's current generation if another process
// (or Replace) made a new one current. It reports whether it switched.
// Its look at the backend is what Health reports.
func (s *Store) Refresh(ctx context.Context) (bool, error) {
	gen, err := s.b.current(ctx)
	s.checked(gen, err)
	if err != nil {
		return false, err
	}
	s.mu.RLock()
	same := gen == s.gen
	s.mu.RUnlock()
	if same {
		return false, nil
	}
	start := time.Now()
	qs, err := s.b.open(ctx, gen)
	if err != nil {
		return false, err
	}
	g, err := s.build(ctx, qs)
	if err != nil {
		qs.Close()
		return false, fmt.Errorf("read generation %s: %w", gen, err)
	}
	if _, ok := s.b.(*boltBackend); ok {
		// Reading every quad brought the whole bolt file into this
		// process's memory map (200 MB of RSS at a million quads). The
		// read model answers reads now: a fresh handle maps no page yet.
		if fresh, err := s.b.open(ctx, gen); err == nil {
			qs.Close()
			qs = fresh
		}
	}
	s.swap(gen, qs, g)
	s.timed(start)
	return true, nil
}

func (s *Store) build(ctx context.Context, qs graph.QuadStore) (*Graph, error) {
	r := graph.NewQuadStoreReader(qs)
	defer r.Close()
	b := newBuilder()
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		q, err := r.ReadQuad()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		s.reads.Add(1)
		b.add(q)
	}
	return b.finish()
}

// WriteQuads streams every quad of the current generation to w, in the
// backend's order, without holding them in memory.
func (s *Store) WriteQuads(ctx context.Context, w quad.Writer) (int, error) {
	release, err := s.acquireStream(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.qs == nil {
		return 0, nil
	}
	r := graph.NewQuadStoreReader(s.qs)
	defer r.Close()
	n := 0
	for {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		q, err := r.ReadQuad()
		if errors.Is(err, io.EOF) {
			return n, nil
		} else if err != nil {
			return n, err
		}
		s.reads.Add(1)
		if err := w.WriteQuad(q); err != nil {
			return n, err
		}
		n++
	}
}

// Health is the outcome of the store's last look at its backend (at Open,
// at each Refresh, at each write), kept so that a health probe answers from
// memory and never waits on the backend.
type Health struct {
	// Checked is when the backend last answered or failed to.
	Checked time.Time
	// Err is the failure of that look, nil when the backend answered.
	Err error
	// Current is the generation the backend named as current then.
	Current string
}

// Health reports the store's last look at its backend; it never touches
// the backend and never waits.
func (s *Store) Health() Health {
	if h := s.health.Load(); h != nil {
		return *h
	}
	return Health{}
}

func (s *Store) checked(gen string, err error) {
	if err != nil && ctxDone(err) {
		// the caller gave up (a shutdown): that says nothing of the backend
		return
	}
	s.health.Store(&Health{Checked: time.Now(), Err: err, Current: gen})
}

// ctxDone reports a look the caller cancelled; a deadline that passed is
// kept, as it says the backend was slow.
func ctxDone(err error) bool { return errors.Is(err, context.Canceled) }

// Close releases the backend.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.qs != nil {
		err = s.qs.Close()
		s.qs = nil
	}
	return errors.Join(err, s.b.close())
}
