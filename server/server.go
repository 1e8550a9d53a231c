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
	"runtime/debug"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

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
	// RequestTimeout is the deadline put on each request's context; work
	// stops when it passes. Default 10 s.
	RequestTimeout time.Duration
	// TokenLimit bounds the tokens the parser reads from a query.
	// Default 15000.
	TokenLimit int
	// NoIntrospection turns schema introspection off (on by default: the
	// schema describes itself to GraphiQL and front-end tooling).
	NoIntrospection bool
	// Limits bound cost, depth and aliases.
	Limits graph.Limits
	// RateLimit is how many requests a second one client (by remote
	// address) may make, beyond RateBurst at once; over it, 429 with
	// Retry-After. 0: no limit (the default).
	RateLimit float64
	// RateBurst is how many requests a client may make at once. Default: the
	// rate, rounded up.
	RateBurst int
	// CacheEntries is how many whole responses the server keeps, keyed by
	// the data version and the exact request. 0: the default (4096);
	// negative: no cache.
	CacheEntries int
	// Logger receives access logs and internal errors. Default slog.Default().
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultMaxBodyBytes   = 512 << 10
	DefaultRequestTimeout = 10 * time.Second
	DefaultTokenLimit     = 15000
	DefaultCacheEntries   = 4096
)

func (c *Config) withDefaults() {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.TokenLimit <= 0 {
		c.TokenLimit = DefaultTokenLimit
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = DefaultCacheEntries
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// New builds the HTTP handler of the API over a store.
func New(st *store.Store, cfg Config) http.Handler {
	cfg.withDefaults()
	log := cfg.Logger
	m := newMetrics(st)

	es := graph.NewExecutableSchema(graph.Config{
		Resolvers:  &graph.Resolver{Store: st},
		Complexity: graph.Complexity(),
	})
	gql := handler.New(es)
	gql.AddTransport(transport{maxBody: cfg.MaxBodyBytes})
	gql.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	// Automatic persisted queries: a front-end sends a query's hash alone
	// once the server has seen it, and can then use GET with short URLs.
	gql.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	gql.SetParserTokenLimit(cfg.TokenLimit)
	if !cfg.NoIntrospection {
		gql.Use(extension.Introspection{})
	} else {
		// without introspection, field suggestions would leak the schema
		gql.SetDisableSuggestion(true)
	}
	limits := cfg.Limits
	gql.Use(&limits)
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
	mux.Handle("/graphql", withGraph(st, newResponseCache(cfg.CacheEntries).wrap(cfg.MaxBodyBytes, gql)))
	mux.HandleFunc("/healthz", health(st))
	mux.Handle("GET /export", exportHandler(st, log))
	mux.Handle("GET /metrics", m.handler())
	// The browser pages, self-hosted from assets embedded in the binary: the
	// explorer, GraphiQL and a landing page linking both (package web).
	ui := web.Handler()
	for _, p := range []string{"/{$}", "/explore", "/graphiql", "/assets/", "/vendor/"} {
		mux.Handle("GET "+p, ui)
	}

	var h http.Handler = mux
	h = withDeadline(cfg.RequestTimeout, h)
	if len(cfg.CORSOrigins) > 0 {
		// rs/cors allows every origin when given none: only mount it with a list
		h = corsHandler(cfg.CORSOrigins).Handler(h)
	}
	h = newLimiter(cfg.RateLimit, cfg.RateBurst).wrap(h)
	h = secure(h)
	h = m.instrument(h)
	h = accessLog(log, h)
	h = withRequestID(h)
	return recoverer(log, h)
}

// withGraph pins the store's current read model on the request, so one
// response reads one version even if a load lands while it runs.
func withGraph(st *store.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(graph.WithGraph(r.Context(), st.Graph())))
	})
}

func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func corsHandler(origins []string) *cors.Cors {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Accept", "X-Request-Id"},
		// a front-end that fetch()es an export reads its file name and
		// whether it was cut short
		ExposedHeaders: []string{"X-Request-Id", "Content-Disposition", "Digidip-Truncated", "X-Cache", "ETag"},
		MaxAge:         600,
	})
}

func health(st *store.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g := st.Graph()
		body := map[string]any{
			"status":     "ok",
			"generation": st.Generation(),
			"dataHash":   g.Hash(),
			"entities":   g.Stats().Entities,
		}
		status := http.StatusOK
		if err := st.Ping(r.Context()); err != nil {
			status = http.StatusServiceUnavailable
			body = map[string]any{"status": "unavailable", "error": "the store does not answer"}
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

func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", requestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
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
