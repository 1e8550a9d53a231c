package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are kept in a registry of the server's own, so two servers in one
// process (tests) do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	cost     prometheus.Histogram
	ops      *prometheus.CounterVec
	resolved prometheus.Counter
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digidip_http_requests_total", Help: "HTTP requests by path and status.",
		}, []string{"path", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "digidip_http_request_seconds", Help: "HTTP request latency by path.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12),
		}, []string{"path"}),
		cost: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "digidip_graphql_query_cost", Help: "Computed cost of GraphQL operations.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9),
		}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digidip_graphql_operations_total", Help: "GraphQL operations by name and outcome.",
		}, []string{"operation", "outcome"}),
		resolved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "digidip_graphql_resolver_calls_total",
			Help: "Field resolvers run: the work GraphQL operations did, which stops when a request ends.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.cost, m.ops, m.resolved,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "digidip_store_quads_read_total",
			Help: "Quads read from the backend: once per data version, and by streaming exports. Queries read none.",
		}, func() float64 { return float64(st.Reads()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "digidip_store_loads_total", Help: "Read models built, at loads and refreshes.",
		}, func() float64 { n, _, _ := st.LoadStats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "digidip_store_load_seconds_total", Help: "Time spent building read models.",
		}, func() float64 { _, d, _ := st.LoadStats(); return d.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "digidip_store_last_load_seconds", Help: "Time the last read model took to build.",
		}, func() float64 { _, _, d := st.LoadStats(); return d.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "digidip_graph_entities", Help: "Entities in the current read model.",
		}, func() float64 { return float64(st.Graph().Stats().Entities) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "digidip_store_reachable", Help: "1 when the store's backend answered its last check, else 0.",
		}, func() float64 {
			if h := st.Health(); h.Err == nil && !h.Checked.IsZero() {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "digidip_store_behind_seconds", Help: "How long the backend has named as current a generation this server has not read (0: serving it).",
		}, func() float64 {
			if h := st.Health(); !h.Behind.IsZero() {
				return time.Since(h.Behind).Seconds()
			}
			return 0
		}),
		engineInfo{st},
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// pathLabel keeps the label set small whatever paths clients try.
func pathLabel(p string) string {
	switch p {
	case "/graphql", "/healthz", "/livez", "/readyz", "/metrics", "/", "/export", "/explore", "/graphiql":
		return p
	}
	if strings.HasPrefix(p, "/assets/") || strings.HasPrefix(p, "/vendor/") {
		return "assets"
	}
	return "other"
}

// request counts a request and its latency by path and status.
func (m *metrics) request(path string, status int, took time.Duration) {
	p := pathLabel(path)
	m.requests.WithLabelValues(p, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(p).Observe(took.Seconds())
}

func (m *metrics) observeOperation(opCtx *graphql.OperationContext, resp *graphql.Response) {
	// The root field, not the client's operation name: the schema bounds
	// the label's values, clients do not.
	name := "none"
	if op := opCtx.Operation; op != nil && len(op.SelectionSet) > 0 {
		if f, ok := op.SelectionSet[0].(*ast.Field); ok {
			name = f.Name
		} else {
			name = "fragment"
		}
	}
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
	}
	m.ops.WithLabelValues(name, outcome).Inc()
	if ext, ok := resp.Extensions["cost"]; ok {
		if c, ok := ext.(graph.Cost); ok {
			m.cost.Observe(float64(c.Requested))
		}
	}
}

// countResolver counts the fields resolved by a function rather than read
// off a struct: those are where a request's work is.
func (m *metrics) countResolver(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.IsResolver {
		m.resolved.Inc()
	}
	return next(ctx)
}

// engineInfo reports which engine answers the current generation, as
// digidip_engine{engine="projection"} 1: the engine can change with the
// generation (serve --engine auto), so the label is read at each scrape.
type engineInfo struct{ st *store.Store }

var engineDesc = prometheus.NewDesc("digidip_engine", "The engine answering queries on the current generation (value 1).", []string{"engine"}, nil)

var generationDesc = prometheus.NewDesc("digidip_generation", "The generation served and the hash of its data (value 1).", []string{"generation", "data_hash"}, nil)

func (e engineInfo) Describe(ch chan<- *prometheus.Desc) {
	ch <- engineDesc
	ch <- generationDesc
}

func (e engineInfo) Collect(ch chan<- prometheus.Metric) {
	g := e.st.Graph()
	ch <- prometheus.MustNewConstMetric(engineDesc, prometheus.GaugeValue, 1, g.Engine())
	ch <- prometheus.MustNewConstMetric(generationDesc, prometheus.GaugeValue, 1, e.st.Generation(), g.Hash())
}
