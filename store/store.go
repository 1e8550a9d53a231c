// Package store keeps the graph's generations in Cayley (bolt, memory or
// PostgreSQL): it writes each load as a new generation, switches to it
// atomically, and holds the current one open for the engines that read it.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine/cayley"
	"github.com/digidip/digidip/engine/projection"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/vocab"
)

// Options say which backend holds the store and where.
type Options struct {
	// Backend is "bolt" (embedded, the default), "memory" or "postgres".
	Backend string
	// Address is the bolt store's directory, or the PostgreSQL URL
	// (postgres://user@host/db?sslmode=disable); unused for memory.
	// Errors and logs never show a password it holds.
	Address string
	// PGMaxConns bounds the PostgreSQL connections the process holds: two
	// for the store's own pool (each poll's look, snapshots, a load's lock),
	// the rest for Cayley's pool of the generation being written or
	// answered by the cayley engine (a projection needs none: it answers
	// and exports from memory). A whole-graph export streaming from Cayley
	// takes two of those, so (PGMaxConns-2)/2 stream at once and the others
	// wait. At least 4; default DefaultPGMaxConns (6); 0 means the default.
	// Unused by other backends.
	PGMaxConns int
	// ReadOnly opens the store for reading only, as a replica does: it
	// never writes to the backend (a PostgreSQL role with SELECT alone
	// suffices, and a bolt directory must exist), Write fails with
	// ErrReadOnly, and a backend nothing was loaded into yet is an empty
	// store that Refresh and Watch wait on.
	ReadOnly bool
	// Engine chooses what answers reads (see Engines): "projection" holds
	// each generation's projection in memory, "cayley" asks the quad store
	// for every answer and holds nothing that grows with the graph, and
	// "auto" (or "") takes the projection when the generation's snapshot
	// is at most ProjectionBudget bytes, Cayley otherwise.
	Engine string
	// ProjectionBudget is the largest snapshot "auto" holds in memory;
	// DefaultProjectionBudget when 0. A projection takes about its
	// snapshot's size in memory, plus what its answers allocate.
	ProjectionBudget int64
}

// Engines lists the engines Options.Engine accepts.
var Engines = []string{"auto", "projection", "cayley"}

// DefaultProjectionBudget is "auto"'s budget: 512 MiB of snapshot holds a
// graph of about 25 million quads (a million take 22 MB).
const DefaultProjectionBudget = 512 << 20

// engineFor is the engine that answers a generation whose snapshot is size
// bytes (-1 when it has none or it is damaged).
func (o Options) engineFor(size int64) string {
	switch o.Engine {
	case "projection", "cayley":
		return o.Engine
	}
	budget := o.ProjectionBudget
	if budget == 0 {
		budget = DefaultProjectionBudget
	}
	// Without a snapshot (an older digidip wrote the generation) the
	// graph is read quad by quad whichever engine answers: keep what is read.
	if size < 0 || size <= budget {
		return "projection"
	}
	return "cayley"
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
	// write stores quads and blobs (named by lower-case words) as a new
	// generation and makes it current. The new generation comes after the
	// current one and after floor in genSeq's order.
	write(ctx context.Context, quads []quad.Quad, blobs map[string][]byte, floor uint64) (string, error)
	// blob reads a blob of a generation; an error wrapping errNoBlob when
	// the generation has none by that name (an older digidip wrote it).
	blob(ctx context.Context, gen, name string) ([]byte, error)
	// remote reports a backend reached over the network: a generation a
	// projection answers is then not kept open, so that requests (exports
	// included) never wait on it and it holds no connections.
	remote() bool
	close() error
}

// errNoBlob is wrapped by the error of a blob a generation does not have.
var errNoBlob = errors.New("no such blob")

// snapshotBlob names the blob that holds a generation's projection (see
// projection.Open): a replica reads it instead of every quad.
const snapshotBlob = "projection"

// Store is a Cayley quad store with its current read model.
//
// Readers never wait: Graph and Generation read the installed generation
// without a lock, and an export pins the generation's quad-store handle with
// a reference, so a load or a refresh installs the next generation at once
// and the old handle closes when its last export ends. Loads and refreshes
// are serialised, and the installed generation only moves forward.
type Store struct {
	opts Options
	b    backend

	// wmu serialises Write, Refresh and Close: each reads the installed
	// generation, makes or finds the next one and installs it.
	wmu sync.Mutex

	cur atomic.Pointer[handle] // the installed generation; never nil

	mu      sync.Mutex // guards the handles' refs and closing
	closing bool

	life    context.Context // ends when Close begins: loads, refreshes, exports and watches stop
	stop    context.CancelFunc
	watches sync.WaitGroup

	reads atomic.Int64

	health atomic.Pointer[Health]

	// streams bounds the exports streaming from a PostgreSQL generation at
	// once (nil: no bound); see acquireStream.
	streams chan struct{}
	// memExports bounds the exports rebuilt from a projection at once.
	memExports chan struct{}

	loads    atomic.Int64 // read models built (loads and refreshes)
	loadNs   atomic.Int64 // time spent building them, in all
	lastLoad atomic.Int64 // time the last one took
}

// handle is one generation as this process holds it: its name, its place in
// the store's order, its read model and an open quad store, closed when the
// last holder (the store while it is installed, and each export) lets go.
// Its summary and projection are what an engine is made from.
type handle struct {
	gen  string
	seq  uint64
	g    *engine.Graph
	sum  *engine.Summary
	proj *projection.Projection
	qs   graph.QuadStore
	refs int // guarded by Store.mu
}

// newHandle is a generation whose read model g answers from proj.
func newHandle(gen string, seq uint64, proj *projection.Projection, g *engine.Graph, qs graph.QuadStore) *handle {
	// A projection's summary is in memory: reading it cannot fail.
	sum, _ := proj.Summary(context.Background())
	return &handle{gen: gen, seq: seq, g: g, sum: sum, proj: proj, qs: qs}
}

// cayleyHandle is a generation whose reads Cayley answers from qs; sum was
// measured when it was written.
func cayleyHandle(ctx context.Context, gen string, seq uint64, sum *engine.Summary, qs graph.QuadStore) (*handle, error) {
	r, err := cayley.New(ctx, qs, sum)
	if err != nil {
		return nil, err
	}
	g, err := engine.New(ctx, "cayley", r)
	if err != nil {
		return nil, err
	}
	return &handle{gen: gen, seq: seq, g: g, sum: sum, qs: qs}, nil
}

// ErrClosed is returned by the store's methods after Close.
var ErrClosed = errors.New("store is closed")

// lookTimeout bounds Refresh's look at which generation is current.
const lookTimeout = 5 * time.Second

// ErrReadOnly is wrapped by the error of a write to a store opened with
// Options.ReadOnly.
var ErrReadOnly = errors.New("the store is open read-only")

// ErrNewerData is wrapped by the error of a write that would replace a
// graph with one of a lower data version (see domain.Dataset.Version);
// Prepared.Downgrade allows it.
var ErrNewerData = errors.New("the store holds a newer version of the data")

// ErrBackwards is wrapped by the error of a refresh that finds the backend's
// current generation older than the one installed (someone put an old
// CURRENT back): the store keeps the newer one rather than go back in time.
var ErrBackwards = errors.New("the backend's current generation is older than the installed one")

// genSeq places a generation in its store's order: the number its name ends
// with (bolt gen-<n>, postgres <prefix>_g<n>, memory mem-<n>); "" (nothing
// loaded) comes first. Each backend names a new generation with a number
// larger than its current one, whatever the clock says.
func genSeq(gen string) (uint64, error) {
	if gen == "" {
		return 0, nil
	}
	i := len(gen)
	for i > 0 && gen[i-1] >= '0' && gen[i-1] <= '9' {
		i--
	}
	n, err := strconv.ParseUint(gen[i:], 10, 64)
	if err != nil || i == 0 {
		return 0, fmt.Errorf("generation %q does not end with its number", gen)
	}
	return n, nil
}

// nextSeq is the number of a generation made now after current (the
// backend's) and floor (the store's installed one): nanoseconds since 1970
// unless a clock behind another writer's would make it go backwards.
func nextSeq(current string, floor uint64) (uint64, error) {
	c, err := genSeq(current)
	if err != nil {
		return 0, err
	}
	return max(uint64(time.Now().UnixNano()), c+1, floor+1), nil
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
	if opts.Engine == "" {
		opts.Engine = "auto"
	}
	if !slices.Contains(Engines, opts.Engine) {
		return nil, fmt.Errorf("unknown engine %q (known: %v): %w", opts.Engine, Engines, domain.ErrInvalidArgument)
	}
	if opts.ProjectionBudget < 0 {
		return nil, fmt.Errorf("projection budget %d: must not be negative: %w", opts.ProjectionBudget, domain.ErrInvalidArgument)
	}
	var b backend
	var streams chan struct{}
	switch opts.Backend {
	case "bolt":
		if opts.Address == "" {
			return nil, fmt.Errorf("open bolt store: no path given")
		}
		bb, err := openBolt(opts.Address, opts.ReadOnly)
		if err != nil {
			return nil, err
		}
		b = bb
	case "memory":
		if opts.ReadOnly {
			return nil, fmt.Errorf("a memory store cannot be read-only: nothing else could load it: %w", domain.ErrInvalidArgument)
		}
		b = &memBackend{}
	case "postgres":
		pb, err := openPostgres(ctx, opts.Address, opts.PGMaxConns, opts.ReadOnly)
		if err != nil {
			return nil, err
		}
		b = pb
		streams = make(chan struct{}, pb.cayleyConns()/2)
	default:
		return nil, fmt.Errorf("unknown backend %q (known: %v): %w", opts.Backend, Backends, domain.ErrInvalidArgument)
	}
	return open(ctx, opts, b, streams)
}

func open(ctx context.Context, opts Options, b backend, streams chan struct{}) (*Store, error) {
	s := &Store{opts: opts, b: b, streams: streams, memExports: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))}
	s.life, s.stop = context.WithCancel(context.Background())
	empty := projection.New(&domain.Dataset{})
	h := newHandle("", 0, empty, empty.Graph(), emptyStore())
	h.refs = 1
	s.cur.Store(h)
	if _, err := s.Refresh(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Graph is the read model of the store's current generation. It never
// changes; after a load, Graph returns a new one.
func (s *Store) Graph() *engine.Graph { return s.cur.Load().g }

// Generation names the generation the read model was built from. It never
// waits, whatever loads or exports are running.
func (s *Store) Generation() string { return s.cur.Load().gen }

// Current is Graph and Generation read together: the read model and the
// name of the one generation it was built from.
func (s *Store) Current() (*engine.Graph, string) {
	h := s.cur.Load()
	return h.g, h.gen
}

// Reads counts the quads read from generations since Open: from the
// backend when a generation without a snapshot is read and by whole-graph
// exports streaming from it, from memory by those rebuilt from a projection.
// Queries read none.
func (s *Store) Reads() int64 { return s.reads.Load() }

// acquire takes a reference to the installed generation's handle.
func (s *Store) acquire() (*handle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, ErrClosed
	}
	h := s.cur.Load()
	h.refs++
	return h, nil
}

// release drops a reference to h, closing its quad store with the last one.
func (s *Store) release(h *handle) error {
	s.mu.Lock()
	h.refs--
	last := h.refs == 0
	s.mu.Unlock()
	if last && h.qs != nil {
		return errors.Join(h.g.Close(), h.qs.Close())
	} else if last {
		return h.g.Close()
	}
	return nil
}

// install makes h the store's generation; the store's reference to the old
// one goes, and exports still reading it keep it open until they end.
func (s *Store) install(h *handle) {
	h.refs = 1
	s.mu.Lock()
	old := s.cur.Swap(h)
	s.mu.Unlock()
	// A read-only handle has nothing to flush: an error closing it loses no data.
	_ = s.release(old)
}

// begin starts a load or a refresh: it waits for the one running, and gives
// a context that also ends when Close begins.
func (s *Store) begin(ctx context.Context) (context.Context, func(), error) {
	s.wmu.Lock()
	if s.life.Err() != nil {
		s.wmu.Unlock()
		return nil, nil, ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.life, cancel)
	return ctx, func() {
		stop()
		cancel()
		s.wmu.Unlock()
	}, nil
}

// Prepared is a graph that passed validation, ready to be written: its
// quads and the read model built from them, so that validating and loading
// build it once, and the load writes its snapshot.
type Prepared struct {
	quads []quad.Quad
	proj  *projection.Projection
	g     *engine.Graph
	// Downgrade lets Write replace a graph whose data version is higher
	// than this one's (an operator rolling the data back on purpose).
	Downgrade bool
}

// Prepare validates quads as a graph.
func Prepare(quads []quad.Quad) (*Prepared, error) {
	ds, err := vocab.DecodeQuads(quads)
	if err != nil {
		return nil, err
	}
	proj := projection.New(ds)
	return &Prepared{quads: quads, proj: proj, g: proj.Graph()}, nil
}

// Graph is the read model the prepared quads make.
func (p *Prepared) Graph() *engine.Graph { return p.g }

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

// Write stores a prepared graph as a new generation, with its projection's
// snapshot, and switches the read model to it; on any error the store keeps
// what it had. The prepared read model becomes the store's, so a load reads
// nothing back. Writes and refreshes run one at a time; exports running
// meanwhile finish on the generation they started with.
func (s *Store) Write(ctx context.Context, p *Prepared) error {
	if s.opts.ReadOnly {
		return fmt.Errorf("write: %w", ErrReadOnly)
	}
	ctx, end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	// Against the generation installed, which Open read moments before a
	// load: data without a version (an N-Quads file, a synthetic graph)
	// makes no claim, and replaces any.
	if cur := s.cur.Load(); !p.Downgrade && p.g.DataVersion() > 0 && cur.g.DataVersion() > p.g.DataVersion() {
		return fmt.Errorf("generation %s holds version %d of the data, newer than version %d: %w (replacing it anyway takes --force)",
			cur.gen, cur.g.DataVersion(), p.g.DataVersion(), ErrNewerData)
	}
	defer s.timed(time.Now())
	var snap bytes.Buffer
	snap.Grow(p.proj.Size())
	if _, err := p.proj.WriteTo(&snap); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	gen, err := s.b.write(ctx, p.quads, map[string][]byte{snapshotBlob: snap.Bytes()}, s.cur.Load().seq)
	if err != nil {
		return err
	}
	seq, err := genSeq(gen)
	if err != nil {
		return err
	}
	s.checked(gen, nil)
	h := newHandle(gen, seq, p.proj, p.g, nil)
	cayleyEngine := s.opts.engineFor(int64(snap.Len())) == "cayley"
	if cayleyEngine || !s.b.remote() {
		qs, err := s.b.open(ctx, gen)
		if err != nil {
			return err
		}
		h.qs = qs
		if cayleyEngine {
			if h, err = cayleyHandle(ctx, gen, seq, h.sum, qs); err != nil {
				qs.Close()
				return fmt.Errorf("generation %s: %w", gen, err)
			}
		}
	}
	s.install(h)
	s.checked(gen, nil) // installed: no longer behind
	return nil
}

// Refresh switches to the backend's current generation if another process
// (or Replace) made a newer one current. It reports whether it switched. A
// current generation older than the installed one is refused with an error
// wrapping ErrBackwards. Its look at the backend is what Health reports.
func (s *Store) Refresh(ctx context.Context) (bool, error) {
	ctx, end, err := s.begin(ctx)
	if err != nil {
		return false, err
	}
	defer end()
	// A database that accepts connections but does not answer must not
	// hold the poll (and with it loads and Close): the look is one row.
	lctx, cancel := context.WithTimeout(ctx, lookTimeout)
	gen, err := s.b.current(lctx)
	cancel()
	s.checked(gen, err)
	if err != nil {
		return false, err
	}
	cur := s.cur.Load()
	if gen == cur.gen {
		return false, nil
	}
	seq, err := genSeq(gen)
	if err != nil {
		return false, err
	}
	if seq <= cur.seq {
		return false, fmt.Errorf("refresh: current generation %q, installed %q: %w", gen, cur.gen, ErrBackwards)
	}
	start := time.Now()
	h, err := s.read(ctx, gen, seq)
	if err != nil {
		return false, fmt.Errorf("read generation %s: %w", gen, err)
	}
	s.install(h)
	s.checked(gen, nil) // no longer behind
	s.timed(start)
	return true, nil
}

// read makes the handle of a generation with the engine the options
// choose, from its snapshot when it has one that opens. Otherwise (a
// generation an older digidip wrote, or a damaged snapshot) it reads every
// quad: the quads are the generation and the snapshot only a quicker way
// to read them, so a bad snapshot costs a slow start, logged, rather than
// the switch; a backend that fails to answer fails the refresh.
func (s *Store) read(ctx context.Context, gen string, seq uint64) (*handle, error) {
	data, err := s.b.blob(ctx, gen, snapshotBlob)
	if errors.Is(err, errNoBlob) {
		data = nil
	} else if err != nil {
		return nil, err
	}
	size := int64(-1)
	if data != nil {
		size = int64(len(data))
	}
	damaged := func(err error) {
		slog.Warn("reading the generation's quads: its snapshot does not open", "generation", gen, "err", err)
	}
	if s.opts.engineFor(size) == "cayley" {
		var sum *engine.Summary
		if data != nil {
			if sum, err = projection.ReadSummary(data); err != nil {
				damaged(err)
			}
		}
		if sum == nil {
			// Before snapshots, a load wrote neither the summary nor the
			// links from statements to evidence that Cayley needs.
			return nil, fmt.Errorf("the cayley engine cannot answer generation %s: an older digidip wrote it, without a snapshot; load the data again, or serve it with --engine projection", gen)
		}
		qs, err := s.b.open(ctx, gen)
		if err != nil {
			return nil, err
		}
		h, err := cayleyHandle(ctx, gen, seq, sum, qs)
		if err != nil {
			qs.Close()
		}
		return h, err
	}
	var proj *projection.Projection
	if data != nil {
		if proj, err = projection.Open(data); err != nil {
			damaged(err)
		}
	}
	if proj == nil {
		qs, err := s.b.open(ctx, gen)
		if err != nil {
			return nil, err
		}
		proj, err = s.scan(ctx, qs)
		// Reading every quad brought the whole store into this process's
		// memory (200 MB of RSS at a million quads in bolt's map). The
		// projection answers reads now: a fresh handle holds none of it.
		qs.Close()
		if err != nil {
			return nil, err
		}
	}
	h := newHandle(gen, seq, proj, proj.Graph(), nil)
	if !s.b.remote() {
		// a local generation streams whole-graph exports in constant memory
		qs, err := s.b.open(ctx, gen)
		if err != nil {
			return nil, err
		}
		h.qs = qs
	}
	return h, nil
}

// Watch refreshes the store every interval (see Refresh) until ctx ends or
// the store is closed; Close stops it and waits for it. notify, if not nil,
// hears of each refresh that switched or failed, on the watch's goroutine
// (so it must not call Close, which waits for that goroutine).
func (s *Store) Watch(ctx context.Context, every time.Duration, notify func(switched bool, err error)) error {
	if every <= 0 {
		return fmt.Errorf("watch every %v: the interval must be positive: %w", every, domain.ErrInvalidArgument)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	s.watches.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.life.Done():
				return
			case <-t.C:
			}
			switched, err := s.Refresh(ctx)
			if ctx.Err() != nil || s.life.Err() != nil {
				return // stopping, not failing
			}
			if notify != nil && (switched || err != nil) {
				notify(switched, err)
			}
		}
	})
	return nil
}

// scan reads every quad of a generation and indexes them.
func (s *Store) scan(ctx context.Context, qs graph.QuadStore) (*projection.Projection, error) {
	r := graph.NewQuadStoreReader(qs)
	defer r.Close()
	d := vocab.NewDecoder()
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
		d.Add(q)
	}
	ds, err := d.Dataset()
	if err != nil {
		return nil, err
	}
	return projection.New(ds), nil
}

// Snapshot is one generation pinned: its read model and its quads, which
// stay readable until Release even if a load installs another generation.
type Snapshot struct {
	s    *Store
	h    *handle
	once sync.Once
}

// Pin pins the current generation; release it when done. It holds no lock:
// loads, refreshes and Generation go on meanwhile.
func (s *Store) Pin() (*Snapshot, error) {
	h, err := s.acquire()
	if err != nil {
		return nil, err
	}
	return &Snapshot{s: s, h: h}, nil
}

// Graph is the pinned generation's read model.
func (p *Snapshot) Graph() *engine.Graph { return p.h.g }

// Generation names the pinned generation.
func (p *Snapshot) Generation() string { return p.h.gen }

// Release lets the generation go; its handle closes with its last holder.
// Calls after the first do nothing.
func (p *Snapshot) Release() error {
	var err error
	p.once.Do(func() { err = p.s.release(p.h) })
	return err
}

// WriteQuads streams every quad of the pinned generation to w, in the
// backend's order, without holding them in memory. It stops when ctx ends or
// the store is closed.
func (p *Snapshot) WriteQuads(ctx context.Context, w quad.Writer) (n int, err error) {
	if p.h.qs == nil {
		return p.writeFromMemory(ctx, w)
	}
	release, err := p.s.acquireStream(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	r := graph.NewQuadStoreReader(p.h.qs)
	defer r.Close()
	for {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		// Checked at every quad: after Close, a generation may be gone
		// from the backend (another store's load swept it), and reading
		// on would fail for that rather than stop for Close.
		select {
		case <-p.s.life.Done():
			return n, ErrClosed
		default:
		}
		q, err := r.ReadQuad()
		if errors.Is(err, io.EOF) {
			return n, nil
		} else if err != nil {
			return n, err
		}
		p.s.reads.Add(1)
		if _, err := w.WriteQuads([]quad.Quad{q}); err != nil {
			return n, err
		}
		n++
	}
}

// writeFromMemory writes the quads of a generation a projection answers
// without its quad store open (see backend.remote): rebuilt from the
// projection a part at a time, so an export never waits on the database
// and holds a few thousand relations' quads, not the graph's. Rebuilding
// is all CPU: at most memExports run at once, leaving a core to queries
// and probes, and the others wait, within their deadline.
func (p *Snapshot) writeFromMemory(ctx context.Context, w quad.Writer) (n int, err error) {
	select {
	case p.s.memExports <- struct{}{}:
		defer func() { <-p.s.memExports }()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	enc := vocab.NewEncoder()
	err = p.h.g.DatasetParts(ctx, 1024, func(part *domain.Dataset) error {
		qs := enc.Quads(part)
		for len(qs) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			select {
			case <-p.s.life.Done():
				return ErrClosed
			default:
			}
			chunk := qs[:min(len(qs), 1024)]
			qs = qs[len(chunk):]
			p.s.reads.Add(int64(len(chunk)))
			if _, err := w.WriteQuads(chunk); err != nil {
				return err
			}
			n += len(chunk)
		}
		return nil
	})
	return n, err
}

// WriteQuads streams every quad of the current generation to w (see Pin and
// Snapshot.WriteQuads). It holds no lock: the generation's handle stays open
// for it even if a load installs another meanwhile.
func (s *Store) WriteQuads(ctx context.Context, w quad.Writer) (n int, err error) {
	p, err := s.Pin()
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, p.Release()) }()
	return p.WriteQuads(ctx, w)
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
	// Behind is when the backend first named as current a generation
	// other than the one installed, while it still does; zero when the
	// store serves what the backend names (or could not ask it).
	Behind time.Time
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
	now := time.Now()
	h := &Health{Checked: now, Err: err, Current: gen}
	if prev := s.health.Load(); err != nil && prev != nil {
		// a failed look says nothing of which generation is current
		h.Current, h.Behind = prev.Current, prev.Behind
	} else if cur := s.cur.Load(); gen != "" && cur != nil && gen != cur.gen {
		h.Behind = now
		if prev != nil && prev.Current == gen && !prev.Behind.IsZero() {
			h.Behind = prev.Behind
		}
	}
	s.health.Store(h)
}

// ctxDone reports a look the caller cancelled; a deadline that passed is
// kept, as it says the backend was slow.
func ctxDone(err error) bool { return errors.Is(err, context.Canceled) }

// Close stops the store's watches and waits for them, cancels a running load
// or refresh and waits for it, and releases the backend. An export running
// meanwhile stops at its next quad, and its generation's handle is
// closed when it returns. Calls after the first return nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	s.mu.Unlock()
	s.stop()
	s.watches.Wait()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return errors.Join(s.release(s.cur.Load()), s.b.close())
}
