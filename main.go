// Command digidip serves a knowledge graph of EU digital diplomacy over
// GraphQL, and loads, checks and exports its data.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/redact"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

const usage = `digidip: a knowledge-graph API of EU digital diplomacy.

Usage:
  digidip serve   [flags]   serve GraphQL on the store, loading the data first if it changed
  digidip load    [flags]   validate the data and replace the store's graph with it
  digidip check   [flags]   validate the data and write nothing
  digidip export  [flags]   write the graph, or part of it, in a format researchers' tools open
  digidip gen     [flags]   write a synthetic graph of any size, for benchmarks
  digidip add-document FILE --id ID   split a new text into addressable paragraphs under data/sources
  digidip propose --doc ID            draft the entities and relations a document's text states, for review
  digidip accept FILE --all|--ids …   accept reviewed proposals: remove their status: proposed mark

Run 'digidip <command> --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code (0 done,
// 1 failed, 2 misused).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"serve":        cmdServe,
		"load":         cmdLoad,
		"check":        cmdCheck,
		"export":       cmdExport,
		"gen":          cmdGen,
		"add-document": cmdAddDocument,
		"propose":      cmdPropose,
		"accept":       cmdAccept,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "digidip: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	// an error may quote the store's address: never its password
	fmt.Fprintf(stderr, "digidip %s: %s\n", args[0], redact.String(err.Error()))
	return 1
}

var errUsage = errors.New("usage")

func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("digidip "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: digidip %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// storeFlags are the flags that say where the store is.
type storeFlags struct {
	backend, address, engine string
	pgMaxConns               int
	budget                   int64
	readOnly                 bool
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.backend, "backend", env("DIGIDIP_BACKEND", "bolt"), "store backend: "+strings.Join(store.Backends, " or ")+" (env DIGIDIP_BACKEND)")
	fs.StringVar(&s.address, "store", env("DIGIDIP_STORE", "./digidip.db"), "the bolt store's directory, or the postgres:// URL (env DIGIDIP_STORE; a password is never printed, but PGPASSWORD keeps it off the command line)")
	fs.IntVar(&s.pgMaxConns, "pg-max-conns", store.DefaultPGMaxConns, fmt.Sprintf("postgres: most connections the process holds (at least %d): two for its polls and loads, the rest for Cayley's reads with --engine cayley and for writing a load", store.MinPGMaxConns))
	fs.StringVar(&s.engine, "engine", env("DIGIDIP_ENGINE", "auto"), "what answers queries: "+strings.Join(store.Engines[:len(store.Engines)-1], ", ")+" or "+store.Engines[len(store.Engines)-1]+"; projection holds the graph in memory, cayley asks the store for every answer, auto takes the projection when its snapshot fits --projection-budget (env DIGIDIP_ENGINE)")
	fs.Int64Var(&s.budget, "projection-budget", store.DefaultProjectionBudget, "with --engine auto: the largest snapshot, in bytes, held in memory as a projection (a million quads take about 22 MB)")
}

func (s *storeFlags) open(ctx context.Context) (*store.Store, error) {
	st, err := store.Open(ctx, store.Options{Backend: s.backend, Address: s.address, PGMaxConns: s.pgMaxConns, Engine: s.engine, ProjectionBudget: s.budget, ReadOnly: s.readOnly})
	// Only a PostgreSQL store can be down for a while; any other error is a
	// setting that is wrong: say which, with the value given.
	if err != nil && (s.backend != "postgres" || !store.Transient(err)) {
		return nil, fmt.Errorf("--backend %s, --store %s (or DIGIDIP_BACKEND, DIGIDIP_STORE): %w", s.backend, s.shown(), err)
	}
	return st, err
}

// shown is the store's address as output and logs show it: no password.
func (s *storeFlags) shown() string { return redact.String(s.address) }

// dataFlag is --data: a directory, or the data embedded in the binary.
type dataFlag struct{ dir string }

func (d *dataFlag) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dir, "data", "", "data directory with sources/ and graph/ (default: the data embedded in the binary)")
}

// fs is the data to read and how its files are named. A directory holding
// anything but data (a pipe, a device, a link leading outside it) is
// refused with loaders.Problems naming each such file.
func (d *dataFlag) fs() (fs.FS, string, error) {
	if d.dir == "" {
		return data.FS(), "data", nil
	}
	root := filepath.Clean(d.dir)
	fsys, err := loaders.Dir(d.dir, root)
	if err != nil {
		return nil, root, err
	}
	return fsys, root, nil
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "Validate the data (sources and curated graph) and write nothing.\nEvery problem is reported as file:line: message.\nWith --coverage, also report per paragraph what the graph holds of the\ntexts, and fail on warnings that data/graph/coverage-allow.yaml does not excuse;\nwith --doc ID, of that document only, its proposed items counted as present.\nWith --review N --seed S, print N relations drawn at random as a review form.", stderr)
	var d dataFlag
	d.register(fs)
	cov := fs.Bool("coverage", false, "print the coverage report of the texts")
	covDoc := fs.String("doc", "", "with --coverage: report this document only, taking the items still marked proposed as present (a draft's coverage)")
	review := fs.Int("review", 0, "print this many relations drawn at random, each with its paragraphs and its predicate's definition, as a form for a second reader")
	seed := fs.Uint64("seed", 1, "with --review: the same seed draws the same relations")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *covDoc != "" && !*cov {
		fmt.Fprintln(stderr, "--doc goes with --coverage")
		return errUsage
	}
	fsys, root, err := d.fs()
	if err != nil {
		return printProblems(err, stderr, root, "")
	}
	if *cov {
		var c *loaders.Coverage
		if *covDoc != "" {
			c, err = loaders.CheckDocCoverage(fsys, root, *covDoc)
		} else {
			c, err = loaders.CheckCoverage(fsys, root)
		}
		if err != nil {
			return printProblems(err, stderr, root, "")
		}
		loaders.WriteCoverage(stdout, c)
		if n := len(c.Open()); n > 0 {
			return fmt.Errorf("%d coverage warning(s) open: cover them in the graph, or allow each with a reason", n)
		}
		return nil
	}
	ds, err := loaders.Read(fsys, root)
	if err != nil {
		return printProblems(err, stderr, root, "")
	}
	if *review != 0 {
		return loaders.WriteReview(stdout, ds, *review, *seed)
	}
	s := projection.NewGraph(ds).Stats()
	fmt.Fprintf(stdout, "%s: ok: %d documents, %d paragraphs, %d entities, %d relations, %d evidence items, %d mentions\n",
		root, s.Documents, s.Paragraphs, s.Entities, s.Relations, s.Evidence, s.Mentions)
	return nil
}

// printProblems lists data problems one per line and sums them up.
func printProblems(err error, stderr io.Writer, root, tail string) error {
	var ps loaders.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for _, p := range ps {
		fmt.Fprintln(stderr, p)
	}
	return fmt.Errorf("%d problem(s) in %s%s", len(ps), root, tail)
}

func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("load", "Validate the data and replace the store's graph with it, all or nothing:\non any problem the store keeps what it had.\nWith --nquads, load an N-Quads export (digidip export --format nquads) instead.", stderr)
	var sf storeFlags
	var d dataFlag
	sf.register(fs)
	d.register(fs)
	nq := fs.String("nquads", "", "load this N-Quads file instead of the data (- for standard input); validated as a graph first")
	force := fs.Bool("force", false, "replace the store's graph even if it holds a higher version of the data (graph/version.yaml): a deliberate rollback")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *nq != "" {
		if d.dir != "" {
			fmt.Fprintln(stderr, "--nquads and --data are two sources: give one")
			return errUsage
		}
		return loadNQuads(ctx, sf, *nq, *force, stdout)
	}
	fsys, root, err := d.fs()
	if err != nil {
		return printProblems(err, stderr, root, "; the store was not changed")
	}
	// Validate before touching the store, so bad data never opens it.
	if _, err := loaders.Read(fsys, root); err != nil {
		return printProblems(err, stderr, root, "; the store was not changed")
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	ds, err := loaders.Load(ctx, st, fsys, root, *force)
	if err != nil {
		return err
	}
	n := len(vocab.Quads(ds))
	fmt.Fprintf(stdout, "loaded %s (data version %d) into %s (%s): %d entities, %d relations, %d quads in %s\n",
		root, ds.Version, sf.shown(), st.Generation(), len(ds.Entities), len(ds.Relations), n, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeOutput writes to a temporary file beside the target and renames it
// into place, so a failed export leaves no half-written file.
func writeOutput(name string, stdout io.Writer, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		return write(stdout)
	}
	// a folder in the way is said before anything is written, not after
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return fmt.Errorf("-o %s: is a directory", name)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return outputError(name, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		// a failed write to the file (a full disk) names the path given;
		// an export's own error (a store that fails) is its own
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == tmp.Name() {
			return outputError(name, err)
		}
		return err
	}
	if err := tmp.Close(); err != nil {
		return outputError(name, err)
	}
	// CreateTemp makes the file private; an export is for sharing.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return outputError(name, err)
	}
	return outputError(name, os.Rename(tmp.Name(), name))
}

// outputError names the -o path the user gave rather than the hidden
// temporary file beside it, which an error on a file operation would name
// and which no longer exists once writeOutput returns.
func outputError(name string, err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("-o %s: %w", name, err)
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Serve the GraphQL API (/graphql), the explorer (/explore), GraphiQL (/graphiql),\nthe reading view (/read/), the commitments board (/commitments), citations\n(/cite/{id}), exports (/export), /livez, /readyz, /healthz and /metrics (to loopback clients; see --metrics-addr).\nThe data is loaded first when the store is empty, or holds the same data at a\nversion no higher; with --read-only, as replicas run, nothing is ever written.", stderr)
	var sf storeFlags
	var d dataFlag
	sf.register(fs)
	d.register(fs)
	fs.BoolVar(&sf.readOnly, "read-only", false, "never write to the store: serve what 'digidip load' put there (waiting, not ready, until it has), as a replica on a shared store does; works under a database role that may only read")
	addr := fs.String("addr", env("DIGIDIP_ADDR", "127.0.0.1:8080"), "address to listen on (env DIGIDIP_ADDR)")
	origins := fs.String("cors-origins", env("DIGIDIP_CORS_ORIGINS", ""), "comma-separated origins allowed to call the API from browsers; * for any (default: none) (env DIGIDIP_CORS_ORIGINS)")
	timeout := fs.Duration("timeout", server.DefaultRequestTimeout, "deadline of each request but exports; work stops when it passes")
	exportTimeout := fs.Duration("export-timeout", server.DefaultExportTimeout, "deadline of each export (GET /export), which may stream the whole graph to a slow client")
	maxBody := fs.Int64("max-body", server.DefaultMaxBodyBytes, "largest request body in bytes; larger gets 413")
	tokens := fs.Int("max-tokens", server.DefaultTokenLimit, "most tokens the parser reads from one query")
	maxResponse := fs.Int64("max-response-bytes", server.DefaultMaxResponse, "response budget in bytes: a larger answer stops and gets RESPONSE_TOO_LARGE (0: the default)")
	maxCost := fs.Int("max-cost", graph.DefaultMaxCost, "most a query may cost (fields it may return, lists counted by first, texts by 256-byte units)")
	maxDepth := fs.Int("max-depth", graph.DefaultMaxDepth, "deepest selection nesting")
	maxAliases := fs.Int("max-aliases", graph.DefaultMaxAliases, "most aliased fields in one operation")
	var doc graph.Limits
	fs.IntVar(&doc.MaxFields, "max-fields", graph.DefaultMaxFields, "most fields a document may hold, fragments expanded (checked before validation)")
	fs.IntVar(&doc.MaxSelections, "max-selections", graph.DefaultMaxSelections, "most fields answering at one place of the response, fragments merged")
	fs.IntVar(&doc.MaxRepeats, "max-repeats", graph.DefaultMaxRepeats, "most fields sharing one response key at one place")
	fs.IntVar(&doc.MaxSpreads, "max-spreads", graph.DefaultMaxSpreads, "most fragment spreads in a document, expanded")
	fs.IntVar(&doc.MaxDirectives, "max-directives", graph.DefaultMaxDirectives, "most directives in a document, fragments expanded")
	noIntro := fs.Bool("no-introspection", false, "turn schema introspection off")
	poll := fs.Duration("poll", 2*time.Second, "how often to look for a graph loaded by another process (0: never); /healthz is 503 when no look succeeded for three polls plus 30 s")
	cacheEntries := fs.Int("cache-entries", server.DefaultCacheEntries, "most whole responses the response cache keeps (0 or less: no response cache)")
	cacheBytes := fs.Int64("cache-bytes", server.DefaultCacheBytes, "bytes of whole responses kept, keyed by data version, query document, operation, variables and media type (0 or less: no response cache)")
	queryCacheBytes := fs.Int64("query-cache-bytes", server.DefaultQueryCacheBytes, "bytes of parsed and validated queries kept, text and syntax tree (0 or less: none, every query parsed anew)")
	persistedCacheBytes := fs.Int64("persisted-cache-bytes", server.DefaultPersistedCacheBytes, "bytes of automatic persisted queries kept by their SHA-256 (0 or less: none, a hash alone is always PersistedQueryNotFound)")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this loopback address, e.g. 127.0.0.1:6060 (default: off)")
	metricsAddr := fs.String("metrics-addr", env("DIGIDIP_METRICS_ADDR", ""), "serve /metrics on a listener of its own at this address, e.g. 10.0.0.5:9464 for a Prometheus on the private network, and not on --addr; off: nowhere (default: on --addr, to loopback clients only, not through a proxy) (env DIGIDIP_METRICS_ADDR)")
	rateLimit := fs.Float64("rate-limit", 0, "requests a second one client (IPv4 address or IPv6 /64) may make; over it, 429 with Retry-After (0: no limit)")
	trustProxy := fs.String("trust-proxy", env("DIGIDIP_TRUST_PROXY", ""), "comma-separated addresses or CIDR ranges of the reverse proxies in front of the server: from them, the client is the right-most untrusted address of X-Forwarded-For (default: none; the header is ignored) (env DIGIDIP_TRUST_PROXY)")
	rateBurst := fs.Int("rate-burst", 0, "requests a client may make at once (default: the rate, rounded up)")
	logFormat := fs.String("log", env("DIGIDIP_LOG", "text"), "log format: text or json (env DIGIDIP_LOG)")
	drainFor := fs.Duration("drain", 5*time.Second, "on SIGTERM or SIGINT, how long /readyz answers 503 while every other request is still served, so that balancers take the server out of their pool; then it stops accepting and finishes what is in flight")
	readyGrace := fs.Duration("ready-grace", server.DefaultReadyGrace, "how long the store may fail to read a newer generation before /readyz answers 503 (0: never)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var log *slog.Logger
	switch *logFormat {
	case "json":
		log = slog.New(redact.Handler(slog.NewJSONHandler(stderr, nil)))
	case "text":
		log = slog.New(redact.Handler(slog.NewTextHandler(stderr, nil)))
	default:
		return fmt.Errorf("unknown log format %q (known: text, json)", *logFormat)
	}
	proxies, err := server.ParseTrustedProxies(*trustProxy)
	if err != nil {
		return fmt.Errorf("--trust-proxy: %w", err)
	}
	fsys, root, err := d.fs()
	if err != nil {
		return printProblems(err, stderr, root, "")
	}
	var cors []string
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cors = append(cors, o)
		}
	}
	// the profiler first: a start that hangs can be profiled too
	if *pprofAddr != "" {
		if err := servePprof(*pprofAddr, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s (or DIGIDIP_ADDR): %w", *addr, err)
	}
	// Until the store is open and holds the data, every request but /livez
	// gets 503: a database that is down at start is waited for, not fatal.
	// "serving on" is printed once the store is ready, so that a wrong
	// --store or --backend exits before anything says it serves.
	var handler atomic.Pointer[http.Handler]
	handler.Store(ptr(starting()))
	srv := server.NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }),
		server.Config{RequestTimeout: *timeout, Logger: log})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	drain := &server.Drain{}
	stop := func() error {
		drain.Start()
		log.Info("draining: /readyz answers 503", "for", *drainFor)
		time.Sleep(*drainFor)
		log.Info("shutting down")
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}

	st, loaded, err := openAndSync(ctx, sf, fsys, root, log, func() {
		fmt.Fprintf(stdout, "digidip listening on http://%s/: the store cannot be reached yet; every request but /livez gets 503 until it can\n", ln.Addr())
	})
	if err != nil {
		srv.Close()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer st.Close()
	g := st.Graph()
	log.Info("store ready", "backend", sf.backend, "store", sf.shown(), "generation", st.Generation(), "engine", g.Engine(),
		"loaded", loaded, "entities", g.Stats().Entities, "data_hash", g.Hash())

	cfg := server.Config{
		CORSOrigins:      cors,
		MaxBodyBytes:     *maxBody,
		MaxResponseBytes: *maxResponse,
		RequestTimeout:   *timeout,
		ExportTimeout:    *exportTimeout,
		TokenLimit:       *tokens,
		NoIntrospection:  *noIntro,
		Limits: graph.Limits{MaxCost: *maxCost, MaxDepth: *maxDepth, MaxAliases: *maxAliases,
			MaxFields: doc.MaxFields, MaxSelections: doc.MaxSelections, MaxRepeats: doc.MaxRepeats,
			MaxSpreads: doc.MaxSpreads, MaxDirectives: doc.MaxDirectives},
		CacheEntries:        noneIsNegative(*cacheEntries),
		CacheBytes:          noneIsNegative(*cacheBytes),
		QueryCacheBytes:     noneIsNegative(*queryCacheBytes),
		PersistedCacheBytes: noneIsNegative(*persistedCacheBytes),
		RateLimit:           *rateLimit,
		RateBurst:           *rateBurst,
		TrustedProxies:      proxies,
		Drain:               drain,
		ReadyGrace:          *readyGrace,
		Logger:              log,
	}
	if *poll > 0 {
		// three polls missed, plus the time one may take to build a new
		// read model, before /healthz says the store is not being checked
		cfg.HealthMaxAge = 3**poll + 30*time.Second
	}
	if *metricsAddr != "" {
		cfg.Metrics = server.MetricsOff
	}
	h, metrics := server.NewWithMetrics(st, cfg)
	handler.Store(&h)
	go warm(ctx, st.Graph())
	if *metricsAddr != "" && *metricsAddr != "off" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics)
		if err := serveAdmin("--metrics-addr", *metricsAddr, mux, log); err != nil {
			return err
		}
	}
	if *poll > 0 {
		// The store runs the poll, and its deferred Close joins it.
		err := st.Watch(ctx, *poll, func(switched bool, err error) {
			if h := st.Health(); err != nil && !h.Behind.IsZero() && *readyGrace > 0 && time.Since(h.Behind) > *readyGrace {
				log.Error("not ready: the store's current generation cannot be read", "current", h.Current, "serving", st.Generation(),
					"behind", time.Since(h.Behind).Round(time.Second), "ready_grace", *readyGrace, "err", err)
			} else if err != nil {
				log.Warn("refresh", "err", err)
			} else if switched {
				log.Info("switched to a new graph", "generation", st.Generation(), "data_hash", st.Graph().Hash())
				go warm(ctx, st.Graph())
			}
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "digidip serving on http://%s/ (GraphQL at /graphql)\n", ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return stop()
}

func ptr[T any](v T) *T { return &v }

// warm builds a served generation's search indexes before the first search
// asks for them, and hands the memory the build no longer needs, and the
// previous generation's, back to the system: a server's resident size
// should be what it serves, not the high-water mark of its last switch.
//
// A graph the cayley engine answers is not warmed: it would read every
// paragraph and name through the store (over SQL, one statement a node,
// on PostgreSQL) at each start and switch, slowing the queries meanwhile;
// its first search builds them instead.
func warm(ctx context.Context, g *engine.Graph) {
	if g.Batches() {
		return
	}
	debug.FreeOSMemory()
	// The build's garbage is most of its peak: collect it eagerly while
	// it runs, at some CPU, rather than let the heap double first.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	g.Warm(ctx)
	debug.FreeOSMemory()
}

// starting answers while the store is not ready yet.
func starting() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/livez" {
			server.Livez(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			io.WriteString(w, `{"status":"starting"}`+"\n")
			return
		}
		io.WriteString(w, `{"errors":[{"message":"the server is starting: its store is not ready yet","extensions":{"code":"UNAVAILABLE"}}]}`+"\n")
	})
}

// openAndSync opens the store and, unless it is read-only, loads the data
// into it when loaders.Sync says to. A PostgreSQL store that cannot be
// reached is retried with backoff (0.5 s doubling to 30 s), a log line
// each time, until it answers or the server is stopped; anything else (a
// setting the database refuses, a bolt store's faults, bad data) is final,
// so that a mistake exits at once rather than hide behind retries. waiting
// is called once, when the first attempt has failed and retries begin.
func openAndSync(ctx context.Context, sf storeFlags, fsys fs.FS, root string, log *slog.Logger, waiting func()) (*store.Store, bool, error) {
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		// one attempt may not hang on a database that does not answer
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		st, err := sf.open(actx)
		cancel()
		if err == nil && sf.readOnly {
			return st, false, nil
		}
		if err == nil {
			loaded, kept, err2 := loaders.Sync(ctx, st, fsys, root)
			if err2 == nil {
				if kept != "" {
					log.Warn(kept)
				}
				return st, loaded, nil
			}
			st.Close()
			err = err2
		}
		if sf.backend != "postgres" || !store.Transient(err) || ctx.Err() != nil {
			return nil, false, err
		}
		if attempt == 1 {
			waiting()
		}
		log.Warn("store unavailable; retrying", "backend", sf.backend, "attempt", attempt, "err", err, "retry_in", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		delay = min(2*delay, 30*time.Second)
	}
}

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", "Write a deterministic synthetic graph in digidip's vocabulary as N-Quads:\nentities of every kind, relations of every shape with skewed degrees\n(a few hubs, many leaves), evidence on every relation. Load it with\n'digidip load --nquads FILE'.", stderr)
	n := fs.Int("quads", 100000, "about how many quads to write")
	seed := fs.Uint64("seed", 1, "the same seed and size give the same graph")
	out := fs.String("o", "", "output file (default: standard output)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("--quads must be positive")
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		qw := export.NQuadsWriter(bw)
		if _, err := qw.WriteQuads(vocab.Quads(synth.Dataset(*n, *seed))); err != nil {
			return err
		}
		if err := qw.Close(); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// noneIsNegative maps the flag's "0 means none" onto Config's "0 means the
// default, negative none".
func noneIsNegative[T int | int64](n T) T {
	if n <= 0 {
		return -1
	}
	return n
}

// servePprof serves the profiler on its own listener, and only on loopback:
// profiles show the server's insides and cost CPU, so they are never public.
func servePprof(addr string, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof %s: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--pprof %s: only a loopback address is allowed", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return serveAdmin("--pprof", addr, mux, log)
}

// cmdline is pprof's, without the password a --store URL may hold.
func cmdline(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, redact.String(strings.Join(os.Args, "\x00")))
}

// serveAdmin serves an operator's handler (pprof, metrics) on a listener of
// its own, with timeouts; it lives as long as the process.
func serveAdmin(flagName, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", flagName, err)
	}
	log.Info("listening", "for", strings.TrimPrefix(flagName, "--"), "addr", ln.Addr().String())
	srv := server.NewAdminServer(h, log)
	go srv.Serve(ln)
	return nil
}
