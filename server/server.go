// Package server serves the GraphQL API over HTTP, with GraphiQL, health
// and metrics, behind CORS, body and time limits.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/web"
)

// Config holds the server's options; zero values take the defaults below.
type Config struct {
	// CORSOrigins are the origins allowed to call the API from a browser.
	// Empty: no cross-origin access. "*" allows any origin.
	CORSOrigins []string
	// MaxBodyBytes bounds a request body; a larger one gets 413.
	// Default 512 KiB.
	MaxBodyBytes int64
	// ExportTimeout is the deadline of an export (GET /export), which
	// streams a file that may be the whole graph; DefaultExportTimeout
	// when 0.
	ExportTimeout time.Duration
	// RequestTimeout is the deadline put on each request's context; work
	// stops when it passes. Default 10 s.
	RequestTimeout time.Duration
	// TokenLimit bounds the tokens the parser reads from a query.
	// Default 15000.
	TokenLimit int
	// NoIntrospection turns schema introspection off (on by default: the
	// schema describes itself to GraphiQL and front-end tooling).
	NoIntrospection bool
	// MaxResponseBytes is the response budget: an answer that would be
	// larger is not sent, and its execution stops once it passes the budget;
	// the client gets one error, RESPONSE_TOO_LARGE, that says to page or
	// use /export. Default 4 MiB; 0 means the default.
	MaxResponseBytes int64
	// Limits bound cost, depth and aliases.
	Limits graph.Limits
	// RateLimit is how many requests a second one client (by IPv4 address
	// or IPv6 /64) may make, beyond RateBurst at once; over it, 429 with
	// Retry-After. 0: no limit (the default).
	RateLimit float64
	// RateBurst is how many requests a client may make at once. Default: the
	// rate, rounded up.
	RateBurst int
	// CacheBytes bounds the response cache: the whole responses it keeps,
	// keyed by the data version, the query's document (comments and layout
	// aside), operation, variables and media type, with their bookkeeping.
	// 0: the default (16 MiB); negative: no response cache.
	CacheBytes int64
	// CacheEntries also bounds how many responses that cache keeps.
	// 0: the default (4096); negative: no response cache.
	CacheEntries int
	// QueryCacheBytes bounds the parsed-query cache: documents that parsed
	// and validated, charged for their text and their syntax tree.
	// 0: the default (8 MiB); negative: none, every query is parsed anew.
	QueryCacheBytes int64
	// PersistedCacheBytes bounds the automatic-persisted-query cache: query
	// texts by their SHA-256, kept once they parse and validate. 0: the
	// default (8 MiB); negative: none, so a hash sent alone is always
	// answered PersistedQueryNotFound and clients send the query itself.
	PersistedCacheBytes int64
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the server. A request from one of them is the client's named in
	// X-Forwarded-For (the right-most address that is not a trusted
	// proxy's); from any other peer the header is ignored. Default none.
	// The rate limit keys a client by its IPv4 address or IPv6 /64.
	TrustedProxies []netip.Prefix
	// HealthMaxAge is how old the store's last good look at its backend
	// (Store.Health, renewed at each poll) may be before /healthz answers
	// 503: a poll stuck on a database that hangs stops renewing it. 0: no
	// bound (the default, for a store that nothing polls).
	HealthMaxAge time.Duration
	// Drain, once started, turns /readyz to 503 while everything else
	// keeps answering (see Drain). Nil: never draining.
	Drain *Drain
	// ReadyGrace is how long the store may fail to read a newer generation
	// its backend names as current before /readyz answers 503. 0: no
	// bound.
	ReadyGrace time.Duration
	// Metrics says who may read /metrics on the API: MetricsLoopback (the
	// default) or MetricsOff.
	Metrics MetricsAccess
	// Logger receives access logs and internal errors. Default slog.Default().
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultMaxBodyBytes   = 512 << 10
	DefaultRequestTimeout = 10 * time.Second
	DefaultExportTimeout  = 2 * time.Minute
	DefaultTokenLimit     = 15000
	DefaultCacheEntries   = 4096
	// The three caches' budgets: 32 MiB in all.
	DefaultCacheBytes          = 16 << 20
	DefaultQueryCacheBytes     = 8 << 20
	DefaultPersistedCacheBytes = 8 << 20
	// An answer larger than this is not sent (RESPONSE_TOO_LARGE).
	DefaultMaxResponse = 4 << 20
)

func (c *Config) withDefaults() {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.ExportTimeout <= 0 {
		c.ExportTimeout = DefaultExportTimeout
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponse
	}
	if c.TokenLimit <= 0 {
		c.TokenLimit = DefaultTokenLimit
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = DefaultCacheEntries
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.QueryCacheBytes == 0 {
		c.QueryCacheBytes = DefaultQueryCacheBytes
	}
	if c.PersistedCacheBytes == 0 {
		c.PersistedCacheBytes = DefaultPersistedCacheBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// New builds the HTTP handler of the API over a store.
func New(st *store.Store, cfg Config) http.Handler {
	h, _ := NewWithMetrics(st, cfg)
	return h
}

// NewWithMetrics is New, and also returns the handler of the API's
// Prometheus metrics, for a listener of their own (with MetricsOff).
func NewWithMetrics(st *store.Store, cfg Config) (api, metrics http.Handler) {
	cfg.withDefaults()
	log := cfg.Logger
	m := newMetrics(st)

	es := graph.NewSchema(graph.Config{
		Resolvers:  &graph.Resolver{},
		Complexity: graph.Complexity(func() *engine.Sizes { return st.Graph().Sizes() }),
	})
	responses := newResponseCache(cfg.CacheBytes, cfg.CacheEntries)
	docs := newDocCache(cfg.QueryCacheBytes, responses != nil)
	// Automatic persisted queries: a front-end sends a query's hash alone
	// once the server has seen it, and can then use GET with short URLs.
	persisted := newPersistedQueries(cfg.PersistedCacheBytes)
	gql := handler.New(es)
	gql.AddTransport(transport{maxBody: cfg.MaxBodyBytes, maxResponse: cfg.MaxResponseBytes, docs: docs, persisted: persisted})
	gql.AroundFields(untilDone)
	gql.AroundFields(countFields)
	gql.SetQueryCache(docs)
	gql.SetParserTokenLimit(cfg.TokenLimit)
	if !cfg.NoIntrospection {
		gql.Use(extension.Introspection{})
	} else {
		// without introspection, field suggestions would leak the schema
		gql.SetDisableSuggestion(true)
	}
	limits := cfg.Limits
	limits.TokenLimit = cfg.TokenLimit
	limits.Parsed = docs
	// The document's shape is checked before gqlgen validates it; a query
	// sent by its hash alone passed that check when it was persisted.
	gql.Use(&limits)
	// after the limits: a query is persisted once it passed them
	gql.Use(persisted)
	gql.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		e := graph.ErrorPresenter(ctx, err)
		if graph.IsInternal(e) {
			log.ErrorContext(ctx, "internal error", "request_id", requestID(ctx), "path", graphql.GetPath(ctx).String(), "err", err)
		}
		return e
	})
	gql.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic", "request_id", requestID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("internal error")
	})
	gql.AroundFields(m.countResolver)
	gql.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if opCtx := graphql.GetOperationContext(ctx); opCtx != nil {
			m.observeOperation(opCtx, resp)
		}
		return resp
	})

	mux := http.NewServeMux()
	mux.Handle("/graphql", withGraph(st, responses.wrap(cfg.MaxBodyBytes, gql)))
	mux.HandleFunc("/healthz", health(st, cfg.HealthMaxAge))
	mux.HandleFunc("/livez", Livez)
	mux.HandleFunc("/readyz", readyz(st, cfg.Drain, cfg.ReadyGrace))
	mux.Handle("GET /export", exportHandler(st, cfg.ExportTimeout, log))
	mux.Handle("GET /cite/{id...}", citeHandler(st, cfg.TrustedProxies, log))
	if cfg.Metrics == MetricsLoopback {
		mux.Handle("GET /metrics", loopbackOnly(cfg.TrustedProxies, m.handler()))
	}
	// The browser pages, self-hosted from assets embedded in the binary: the
	// explorer, GraphiQL and a landing page linking both (package web).
	ui := web.Handler()
	for _, p := range []string{"/{$}", "/explore", "/graphiql", "/assets/", "/vendor/"} {
		mux.Handle("GET "+p, ui)
	}
	// The reading view and the commitments board (server/pages.go).
	mux.Handle("GET /read/", readPages(st, ui, log))
	mux.Handle("GET /commitments", ui)

	var h http.Handler = mux
	h = withDeadline(cfg.RequestTimeout, h)
	if len(cfg.CORSOrigins) > 0 {
		// rs/cors allows every origin when given none: only mount it with a list
		h = preflightHeaders(corsHandler(cfg.CORSOrigins).Handler(h))
	} else {
		h = noCORS(h)
	}
	h = newLimiter(cfg.RateLimit, cfg.RateBurst, cfg.TrustedProxies).wrap(h)
	h = secure(h)
	h = observe(log, cfg.TrustedProxies, m, h)
	h = withRequestID(h)
	return recoverer(log, h), m.handler()
}

// MetricsAccess says who may read /metrics on the API's handler.
type MetricsAccess int

const (
	// MetricsLoopback serves /metrics to clients on this machine only: the
	// connection comes from a loopback address, not from a trusted proxy,
	// and carries no forwarding header (a proxy on the same machine relays
	// the internet). Others get 404.
	MetricsLoopback MetricsAccess = iota
	// MetricsOff serves no /metrics on the API (NewWithMetrics gives the
	// handler for a listener of its own).
	MetricsOff
)

// loopbackOnly answers 404, as if there were nothing, to any client that
// is not on this machine or comes through a proxy.
func loopbackOnly(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := peerAddr(r)
		forwarded := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != ""
		if !ok || !peer.IsLoopback() || forwarded || trustedProxy(peer, trusted) {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withGraph pins the store's current read model on the request, so one
// response reads one version even if a load lands while it runs, and names
// its generation in GenerationHeader.
func withGraph(st *store.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, gen := st.Current()
		w.Header().Set(GenerationHeader, gen)
		next.ServeHTTP(w, r.WithContext(graph.WithGraph(r.Context(), g)))
	})
}

// GenerationHeader names, on every GraphQL response, the store generation
// that answered: behind a balancer, replicas switch to a new load within a
// poll of one another, and a client that sees two generations knows why
// two answers differ.
const GenerationHeader = "X-Digidip-Generation"

// withDeadline puts the request deadline d on every request but exports,
// which set their own (see exportHandler).
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/export" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// corsAllowedHeaders are the request headers front-end clients send: the
// body's type and Accept (every client), revalidation (If-None-Match),
// Apollo Client's client awareness and CSRF-prevention headers, a request
// id to match logs, and Authorization, which urql and graphql-request users
// set on every request (it is ignored: the API is public).
var corsAllowedHeaders = []string{
	"Content-Type", "Accept", "If-None-Match", "X-Request-Id", "Authorization",
	"Apollo-Require-Preflight", "X-Apollo-Operation-Name",
	"Apollographql-Client-Name", "Apollographql-Client-Version",
}

// corsExposedHeaders are the response headers a front-end reads beyond the
// safelisted ones: the ETag it revalidates with and what it varies by, the
// request id, whether an answer came from the cache and from which
// generation, when to retry after 429, and an export's file name and
// whether it was cut short.
var corsExposedHeaders = []string{
	"ETag", "Vary", "Content-Encoding", "X-Request-Id", "X-Cache", GenerationHeader,
	"Retry-After", "Content-Disposition", "Digidip-Truncated",
}

func corsHandler(origins []string) *cors.Cors {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: corsAllowedHeaders,
		ExposedHeaders: corsExposedHeaders,
		MaxAge:         600,
	})
}

// preflightHeaders puts a preflight's Access-Control-Request-Headers in the
// form browsers send (lower case, sorted, each once), which is the only one
// rs/cors accepts: curl, proxies and older clients write If-None-Match.
// Past 64 names the list is left as it is, for rs/cors to refuse.
func preflightHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if vs := r.Header.Values("Access-Control-Request-Headers"); r.Method == http.MethodOptions && len(vs) > 0 {
			var names []string
			for _, v := range vs {
				for n := range strings.SplitSeq(v, ",") {
					if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
						names = append(names, n)
					}
				}
			}
			if len(names) <= 64 {
				slices.Sort(names)
				r.Header.Set("Access-Control-Request-Headers", strings.Join(slices.Compact(names), ","))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// noCORS answers a browser's preflight, on a server that allows no other
// origin, with a 403 that says how to allow one, rather than the 405 an
// OPTIONS request would get.
func noCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			http.Error(w, "cross-origin requests are not allowed by this server: start it with --cors-origins listing the origins to allow", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// health answers /healthz from what the server already knows: the read
// model it serves and the outcome of the store's last look at its backend
// (at each poll). It never touches the backend, so a slow database cannot
// hold probes, and probes cannot load the database.
func health(st *store.Store, maxAge time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g := st.Graph()
		h := st.Health()
		age := time.Since(h.Checked)
		body := map[string]any{
			"status":     "ok",
			"generation": st.Generation(),
			"engine":     g.Engine(),
			"dataHash":   g.Hash(),
			"entities":   g.Stats().Entities,
			"checked":    h.Checked.UTC().Format(time.RFC3339Nano),
			"checkAge":   age.Round(time.Millisecond).String(),
		}
		status := http.StatusOK
		switch {
		case h.Err != nil:
			status = http.StatusServiceUnavailable
			body["status"], body["error"] = "unavailable", "the store did not answer its last check"
		case maxAge > 0 && age > maxAge:
			status = http.StatusServiceUnavailable
			body["status"], body["error"] = "unavailable", "the store's last check is older than "+maxAge.String()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	}
}

type ridKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ridKey{}).(string)
	return id
}

// withRequestID names each request, so a client's X-Request-Id and the log
// line of an internal error can be matched.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ridKey{}, id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe wraps the response once, for the access log and the metrics,
// which both need what the handler answered: its status and size.
func observe(log *slog.Logger, trusted []netip.Prefix, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		took := time.Since(start)
		m.request(r.URL.Path, sw.status, took)
		accessLog(log, trusted, r, sw, took)
	})
}

// accessLog logs a request; behind trusted proxies, with the client they
// name as well as the proxy.
func accessLog(log *slog.Logger, trusted []netip.Prefix, r *http.Request, sw *statusWriter, took time.Duration) {
	attrs := []slog.Attr{
		slog.String("request_id", requestID(r.Context())),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.status),
		slog.Int("bytes", sw.bytes),
		slog.Duration("duration", took),
		slog.String("remote", r.RemoteAddr),
	}
	if len(trusted) > 0 {
		attrs = append(attrs, slog.String("client", clientAddr(r, trusted).String()))
	}
	log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// recoverer answers 500 with no detail if a handler panics outside the
// GraphQL executor (which recovers on its own).
func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", requestID(r.Context()), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				w.Header().Set("Content-Type", mediaJSON)
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Connection limits of the HTTP server, each against a kind of slow or
// oversized client.
const (
	// ReadHeaderTimeout bounds how long a client may take to send headers
	// (a slowloris holds connections open this way).
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout = 15 * time.Second
	// IdleTimeout closes keep-alive connections left unused.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes bounds request headers and the request line (a GET
	// query lives in the URL): beyond it, 431.
	MaxHeaderBytes = 64 << 10
	// writeGrace is added to the request deadline for the write timeout, so
	// an answer cut by the deadline can still be sent.
	writeGrace = 5 * time.Second
)

// Limits of the operator's listeners (pprof, metrics): a CPU profile or a
// trace runs for up to AdminWriteTimeout less a margin (pprof refuses a
// longer one).
const (
	AdminReadTimeout  = 10 * time.Second
	AdminWriteTimeout = 2 * time.Minute
	adminHeaderBytes  = 16 << 10
)

// NewAdminServer wraps an operator's handler (pprof, metrics) in an
// http.Server with timeouts, so that a client that connects and stalls
// holds no connection for long.
func NewAdminServer(h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.Default()
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       AdminReadTimeout,
		WriteTimeout:      AdminWriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    adminHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// NewHTTPServer wraps the API's handler in an http.Server with the limits
// above; the write timeout follows the request deadline, so a client that
// reads slowly cannot hold a connection past it.
func NewHTTPServer(h http.Handler, cfg Config) *http.Server {
	cfg.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      cfg.RequestTimeout + writeGrace,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
}
