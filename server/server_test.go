package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// logBuffer collects the server's log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newServer(t testing.TB, st *store.Store, cfg server.Config) (*httptest.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewServer(server.New(st, cfg))
	t.Cleanup(srv.Close)
	return srv, logs
}

// gqlResponse is a GraphQL response as a client reads it.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions map[string]any `json:"extensions"`
}

func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

type result struct {
	status int
	header http.Header
	body   []byte
	resp   gqlResponse
}

func do(t testing.TB, req *http.Request) result {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	out := result{status: res.StatusCode, header: res.Header, body: body}
	json.Unmarshal(body, &out.resp)
	return out
}

func post(t testing.TB, srv *httptest.Server, query string, vars map[string]any) result {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	return do(t, req)
}

func TestHTTP(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{MaxBodyBytes: 4096})
	ok := `{"query":"{ stats { entities } }"}`
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		accept      string
		body        string
		status      int
		media       string
		code        string // extensions.code of the first error, "" for none
		msg         string // part of the first error's message
	}{
		{"post", "POST", "/graphql", "application/json", "application/graphql-response+json", ok, 200, "application/graphql-response+json", "", ""},
		{"post, charset", "POST", "/graphql", "application/json; charset=utf-8", "", ok, 200, "application/json", "", ""},
		{"accept json", "POST", "/graphql", "application/json", "application/json", ok, 200, "application/json", "", ""},
		{"accept anything", "POST", "/graphql", "application/json", "*/*", ok, 200, "application/json", "", ""},
		{"accept html only", "POST", "/graphql", "application/json", "text/html", ok, 406, "application/json", "NOT_ACCEPTABLE", "application/graphql-response+json"},
		{"get", "GET", "/graphql?query=" + url.QueryEscape("{ stats { entities } }"), "", "", "", 200, "application/json", "", ""},
		{"get without query", "GET", "/graphql", "", "", "", 400, "application/json", "BAD_REQUEST", "no `query`"},
		{"put", "PUT", "/graphql", "application/json", "", ok, 405, "application/json", "METHOD_NOT_ALLOWED", "GET or POST"},
		{"variables not an object", "POST", "/graphql", "application/json", "", `{"query":"{ stats { entities } }","variables":[1]}`, 400, "application/json", "BAD_REQUEST", "`variables` must be a JSON object"},
		{"two JSON values", "POST", "/graphql", "application/json", "", ok + ok, 400, "application/json", "BAD_REQUEST", "more than one"},
		{"syntax error, new media type", "POST", "/graphql", "application/json", "application/graphql-response+json", `{"query":"{ stats { "}`, 400, "application/graphql-response+json", "GRAPHQL_PARSE_FAILED", "Expected Name"},
		{"syntax error, json", "POST", "/graphql", "application/json", "application/json", `{"query":"{ stats { "}`, 200, "application/json", "GRAPHQL_PARSE_FAILED", "Expected Name"},
		{"unknown field", "POST", "/graphql", "application/json", "application/graphql-response+json", `{"query":"{ nosuch }"}`, 400, "application/graphql-response+json", "GRAPHQL_VALIDATION_FAILED", "Cannot query field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			r := do(t, req)
			if r.status != tt.status {
				t.Errorf("status %d, want %d (body %s)", r.status, tt.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, tt.media) {
				t.Errorf("content type %q, want %q", ct, tt.media)
			}
			if r.resp.code() != tt.code {
				t.Errorf("code %q, want %q (body %s)", r.resp.code(), tt.code, r.body)
			}
			if tt.msg != "" && (len(r.resp.Errors) == 0 || !strings.Contains(r.resp.Errors[0].Message, tt.msg)) {
				t.Errorf("message %s, want it to contain %q", r.body, tt.msg)
			}
			if tt.code == "" && r.resp.Data == nil {
				t.Errorf("no data: %s", r.body)
			}
			if tt.code != "" && tt.status != 200 && r.resp.Data != nil {
				t.Errorf("a request error carries data: %s", r.body)
			}
		})
	}
	// After all that, the server still answers.
	if r := post(t, srv, "{ stats { entities } }", nil); r.status != 200 || r.resp.code() != "" {
		t.Errorf("normal query after bad ones: %d %s", r.status, r.body)
	}
}

func TestLimits(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	nested := `{ entities(first: 100) { nodes { relations(first: 100) { nodes { subject { relations(first: 100) { nodes { object { relations(first: 100) { nodes { id } } } } } } } } } } }`
	deep := "{ entity(id: \"global-gateway\") { " + strings.Repeat("relations { nodes { subject { ", 8) + "id" + strings.Repeat(" } } }", 8) + " } }"
	var many strings.Builder
	many.WriteString("{ ")
	for i := range 40 {
		many.WriteString("a" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ": stats { entities } ")
	}
	many.WriteString("}")
	var bomb strings.Builder
	bomb.WriteString("query { ...F0 } fragment F0 on Query { ...F1 ...F1 ...F1 ...F1 } ")
	for i := 1; i < 12; i++ {
		next := "...F" + strconv.Itoa(i+1) + " "
		bomb.WriteString("fragment F" + strconv.Itoa(i) + " on Query { " + strings.Repeat(next, 4) + "} ")
	}
	bomb.WriteString("fragment F12 on Query { stats { entities } }")

	tests := []struct {
		name, query string
		code, msg   string
	}{
		{"four nested first:100", nested, "COMPLEXITY_LIMIT_EXCEEDED", "the limit is 20000"},
		{"depth", deep, "DEPTH_LIMIT_EXCEEDED", "the limit is 15"},
		{"aliases", many.String(), "ALIAS_LIMIT_EXCEEDED", "the limit is 30"},
		{"fragment bomb", bomb.String(), "DOCUMENT_LIMIT_EXCEEDED", "fields once its fragments are expanded; the limit is 2000"},
		{"first 0", `{ entities(first: 0) { totalCount } }`, "BAD_USER_INPUT", "first must be between 1 and 100, not 0"},
		{"first -1", `{ entities(first: -1) { totalCount } }`, "BAD_USER_INPUT", "not -1"},
		{"first 1000000", `{ entities(first: 1000000) { totalCount } }`, "BAD_USER_INPUT", "not 1000000"},
		{"first 101", `{ entities(first: 101) { totalCount } }`, "BAD_USER_INPUT", "not 101"},
		{"garbled cursor", `{ entities(after: "not-a-cursor") { totalCount } }`, "BAD_CURSOR", "cursor"},
		{"forged cursor", `{ entities(after: "` + "dGFtcGVyZWQ" + `") { totalCount } }`, "BAD_CURSOR", "cursor"},
		{"unknown path endpoint", `{ path(from: "nosuch", to: "global-gateway") { length } }`, "NOT_FOUND", `entity "nosuch"`},
		{"depth above maximum", `{ subgraph(roots: ["global-gateway"], depth: 9) { truncated } }`, "BAD_USER_INPUT", "depth must be between 0 and 4"},
		{"long search text", `{ search(text: "` + strings.Repeat("a", 300) + `") { id } }`, "BAD_USER_INPUT", "longer than 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, srv, tt.query, nil)
			if r.resp.code() != tt.code {
				t.Fatalf("code %q, want %q: %s", r.resp.code(), tt.code, r.body)
			}
			if !strings.Contains(r.resp.Errors[0].Message, tt.msg) {
				t.Errorf("message %q, want %q", r.resp.Errors[0].Message, tt.msg)
			}
			if tt.code == "COMPLEXITY_LIMIT_EXCEEDED" {
				if r.status != 400 || r.resp.Data != nil {
					t.Errorf("a rejected query ran: status %d, %s", r.status, r.body)
				}
				cost, _ := r.resp.Errors[0].Extensions["cost"].(map[string]any)
				if cost["requested"].(float64) <= cost["limit"].(float64) {
					t.Errorf("cost in the error: %v", cost)
				}
			}
		})
	}
	// A query within the limits reports its cost: the list counts first
	// times what is under it (nodes, id, name: 3), plus itself.
	r := post(t, srv, `{ entities(first: 5) { nodes { id name } } }`, nil)
	cost, _ := r.resp.Extensions["cost"].(map[string]any)
	if r.resp.code() != "" || cost["requested"] != float64(1+5*3) || cost["limit"] != float64(20000) {
		t.Errorf("cost of a small query: %v (%s)", cost, r.body)
	}
}

func TestCORS(t *testing.T) {
	st := datatest.Store(t)
	open, _ := newServer(t, st, server.Config{CORSOrigins: []string{"https://explorer.example"}})
	closed, _ := newServer(t, st, server.Config{})
	for _, tt := range []struct {
		name   string
		srv    *httptest.Server
		origin string
		allow  string
	}{
		{"allowed origin", open, "https://explorer.example", "https://explorer.example"},
		{"origin not in the list", open, "https://evil.example", ""},
		{"no list: closed", closed, "https://explorer.example", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodOptions, tt.srv.URL+"/graphql", nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			r := do(t, req)
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.allow {
				t.Errorf("preflight Allow-Origin %q, want %q", got, tt.allow)
			}
			req, _ = http.NewRequest(http.MethodPost, tt.srv.URL+"/graphql", strings.NewReader(`{"query":"{ stats { entities } }"}`))
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Content-Type", "application/json")
			r = do(t, req)
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.allow {
				t.Errorf("Allow-Origin %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestInternalErrorsAreMasked(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	// A predicate the schema does not know: resolving it is an internal error.
	ds := &domain.Dataset{
		Hash:       "x",
		Documents:  []*domain.Document{{ID: "d", Title: "D", Paragraphs: []*domain.Paragraph{{ID: "d:1", Document: "d", Number: "1", Text: "A teleports to B."}}}},
		Predicates: []*domain.Predicate{{ID: "teleports-to", Label: "teleports to", Definition: "x"}},
		Entities: []*domain.Entity{
			{ID: "a", Name: "A", Kind: domain.Actor, Description: "a"},
			{ID: "b", Name: "B", Kind: domain.Actor, Description: "b"},
		},
		Relations: []*domain.Relation{{ID: "a/teleports-to/b", Subject: "a", Predicate: "teleports-to", Object: "b",
			Evidence: []domain.Evidence{{Document: "d", Paragraph: "d:1", Quote: "teleports to", Start: 2, End: 14}}}},
	}
	if err := st.Replace(ctx, vocab.Quads(ds)); err != nil {
		t.Fatal(err)
	}
	srv, logs := newServer(t, st, server.Config{})
	r := post(t, srv, `{ entity(id: "a") { relations { nodes { predicate } } } }`, nil)
	if r.resp.code() != "INTERNAL" || r.resp.Errors[0].Message != "internal error" {
		t.Fatalf("response %s", r.body)
	}
	if strings.Contains(string(r.body), "teleports") {
		t.Errorf("the response leaks the detail: %s", r.body)
	}
	rid := r.header.Get("X-Request-Id")
	if rid == "" || !strings.Contains(logs.String(), "request_id="+rid) || !strings.Contains(logs.String(), "teleports-to") {
		t.Errorf("the log does not hold the detail under request id %q:\n%s", rid, logs.String())
	}
}

// synthStore is a bolt store holding a synthetic graph of about quads quads.
func synthStore(t testing.TB, quads int) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "bolt", Address: filepath.Join(t.TempDir(), "db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Replace(ctx, vocab.Quads(synth.Dataset(quads, 1))); err != nil {
		t.Fatal(err)
	}
	return st
}

// metric reads one unlabelled counter from the server's /metrics.
func metric(t testing.TB, srv *httptest.Server, name string) float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	r := do(t, req)
	for _, line := range strings.Split(string(r.body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// A deadline that passes while a request works stops the work: the
// resolvers of a big query, and the quads a streaming export reads, stop
// soon after it, and nothing runs for the request once it is answered.
func TestDeadlineStopsWork(t *testing.T) {
	st := synthStore(t, 100_000)
	// Three levels of up to a hundred relations through the hubs: about
	// 150,000 resolvers, far more work than fits in the deadline.
	const query = `{ relations(first: 100) { nodes { subject { relations(first: 100) { nodes { object {
		relations(first: 100) { nodes { subject { name } object { name } } } } } } } } } }`
	const calls = "digidip_graphql_resolver_calls_total"
	limits := graph.Limits{MaxCost: 1 << 40}

	t.Run("graphql", func(t *testing.T) {
		full, _ := newServer(t, st, server.Config{RequestTimeout: time.Hour, CacheEntries: -1, Limits: limits, MaxResponseBytes: 1 << 30})
		r := post(t, full, query, nil)
		if r.status != 200 || r.resp.code() != "" {
			t.Fatalf("without a deadline: %d %.300s", r.status, r.body)
		}
		whole := metric(t, full, calls)
		if whole < 100_000 {
			t.Fatalf("the query runs only %.0f resolvers, too few to tell", whole)
		}

		// The deadline must pass while resolvers run, not before the first:
		// a machine too busy to start within it gets a longer one.
		for timeout := 50 * time.Millisecond; ; timeout *= 2 {
			if timeout > time.Minute {
				t.Fatal("no deadline up to a minute passed while the query ran")
			}
			// One handler behind two listeners: the query's, closed once it
			// is answered (Close waits for its handlers), and one for /metrics.
			h := server.New(st, server.Config{RequestTimeout: timeout, CacheEntries: -1, Limits: limits, MaxResponseBytes: 1 << 30,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			srv, mon := httptest.NewServer(h), httptest.NewServer(h)
			defer mon.Close()
			before := metric(t, mon, calls)
			r = post(t, srv, query, nil)
			if r.resp.code() != "TIMEOUT" {
				t.Errorf("past the deadline: %d, code %q: %.300s", r.status, r.resp.code(), r.body)
			}
			answered := metric(t, mon, calls) - before
			srv.Close()
			if later := metric(t, mon, calls) - before; later != answered {
				t.Errorf("%.0f resolvers ran after the answer", later-answered)
			}
			if answered == 0 {
				continue
			}
			if answered > whole/2 {
				t.Errorf("%.0f of the query's %.0f resolvers ran although its deadline (%s) passed", answered, whole, timeout)
			}
			t.Logf("deadline %s: %.0f of %.0f resolvers ran; answer: %d %.200s", timeout, answered, whole, r.status, r.body)
			break
		}
	})

	t.Run("export", func(t *testing.T) {
		const timeout = 300 * time.Millisecond
		srv, logs := newServer(t, st, server.Config{ExportTimeout: timeout, CacheEntries: -1})
		total := st.Reads()
		if _, err := st.WriteQuads(context.Background(), &discardQuads{}); err != nil {
			t.Fatal(err)
		}
		total = st.Reads() - total
		// A small receive buffer and a pause in reading hold the server in
		// the middle of the file, well before its end, when the deadline passes.
		client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
			Control: func(_, _ string, c syscall.RawConn) error {
				var serr error
				err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
				return errors.Join(err, serr)
			},
		}).DialContext}}
		before := st.Reads()
		res, err := client.Get(srv.URL + "/export?format=nquads")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if _, err := io.ReadFull(res.Body, make([]byte, 64<<10)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * timeout) // the first bytes came after the deadline was set
		atDeadline := st.Reads()
		n, err := io.Copy(io.Discard, res.Body)
		if err == nil {
			t.Errorf("the export past its deadline ended as a whole file (%d bytes)", n)
		}
		srv.Close()
		read := st.Reads() - before
		if after := st.Reads() - atDeadline; after > 1024+1 {
			t.Errorf("%d quads read after the deadline (%d before it, of %d)", after, atDeadline-before, total)
		}
		if read >= total {
			t.Errorf("the export read all %d quads", read)
		}
		if !strings.Contains(logs.String(), "export failed after it started") || !strings.Contains(logs.String(), "deadline exceeded") {
			t.Errorf("the log does not say the export stopped at its deadline:\n%s", logs.String())
		}
		t.Logf("the export read %d of %d quads, %d after the deadline", read, total, st.Reads()-atDeadline)
	})
}

// discardQuads counts nothing and keeps nothing: a quad.Writer sink.
type discardQuads struct{}

func (discardQuads) WriteQuad(quad.Quad) error              { return nil }
func (discardQuads) WriteQuads(qs []quad.Quad) (int, error) { return len(qs), nil }

func TestHealthAndMetrics(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
	r := do(t, req)
	var h map[string]any
	json.Unmarshal(r.body, &h)
	if r.status != 200 || h["status"] != "ok" || h["dataHash"] != st.Graph().Hash() {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
	post(t, srv, `{ stats { entities } }`, nil)
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	r = do(t, req)
	for _, want := range []string{`digidip_http_requests_total{path="/graphql",status="200"} 1`, `digidip_graphql_operations_total{operation="stats",outcome="ok"} 1`, "digidip_graphql_query_cost_bucket", "digidip_store_quads_read_total", "digidip_store_loads_total 1", "digidip_graph_entities", `digidip_engine{engine="projection"} 1`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if r := do(t, req); r.status != 200 || !strings.Contains(string(r.body), "graphiql") {
		t.Errorf("GraphiQL page: %d", r.status)
	}
}

// The access log and the metrics see each response as the client got it:
// its status and, in the log, its size.
func TestAccessLogAndMetricsSeeTheResponse(t *testing.T) {
	srv, logs := newServer(t, datatest.Store(t), server.Config{})
	for _, tc := range []struct {
		path, id string
		status   int
	}{{"/healthz", "log-ok", 200}, {"/nosuch", "log-missing", 404}} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
		req.Header.Set("X-Request-Id", tc.id)
		r := do(t, req)
		if r.status != tc.status {
			t.Fatalf("%s: %d, want %d", tc.path, r.status, tc.status)
		}
		want := fmt.Sprintf("msg=request request_id=%s method=GET path=%s status=%d bytes=%d ", tc.id, tc.path, tc.status, len(r.body))
		// the line is written once the handler returns, which may be just
		// after the client has the response
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(logs.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the log:\n%s", want, logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	body := string(do(t, req).body)
	for _, want := range []string{`digidip_http_requests_total{path="/healthz",status="200"} 1`, `digidip_http_requests_total{path="other",status="404"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// A query of many entities with their relations reads nothing from the
// backend: the read model was built once, at load.
func TestQueriesDoNoStoreRoundTrips(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	before := st.Reads()
	r := post(t, srv, `{ entities(first: 100) { nodes { id relations(first: 10) { nodes { object { name } evidence(first: 3) { quote } } } } } }`, nil)
	if r.resp.code() != "" {
		t.Fatal(string(r.body))
	}
	if after := st.Reads(); after != before {
		t.Errorf("the query read %d quads from the store", after-before)
	}
}
