package server_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/vocab"
)

func TestResponseCache(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	q := `{ entity(id: "global-gateway") { name degree } }`
	first := post(t, srv, q, nil)
	second := post(t, srv, q, nil)
	if first.header.Get("X-Cache") != "miss" || second.header.Get("X-Cache") != "hit" || string(first.body) != string(second.body) {
		t.Errorf("X-Cache %q then %q; bodies equal: %v", first.header.Get("X-Cache"), second.header.Get("X-Cache"), string(first.body) == string(second.body))
	}
	// errors are not kept
	bad := `{ entities(first: 0) { totalCount } }`
	post(t, srv, bad, nil)
	if r := post(t, srv, bad, nil); r.header.Get("X-Cache") != "miss" {
		t.Errorf("an error answer was cached: %q", r.header.Get("X-Cache"))
	}
	// a load makes a new read model: the same request is answered afresh
	ctx := context.Background()
	ds := datatest.Dataset(t)
	for _, e := range ds.Entities {
		if e.ID == "global-gateway" {
			e.Name = "Global Gateway (renamed)"
		}
	}
	ds.Hash = "changed"
	if err := st.Replace(ctx, vocab.Quads(ds)); err != nil {
		t.Fatal(err)
	}
	if r := post(t, srv, q, nil); r.header.Get("X-Cache") != "miss" || !strings.Contains(string(r.body), "renamed") {
		t.Errorf("after a load: X-Cache %q, %s", r.header.Get("X-Cache"), r.body)
	}
}

func TestETagsAndPersistedQueries(t *testing.T) {
	st := datatest.Store(t)
	for _, entries := range []int{0, -1} {
		srv, _ := newServer(t, st, server.Config{CacheEntries: entries})
		q := `{ stats { entities } }`
		get := func(query, etag string) result {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql?"+query, nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			return do(t, req)
		}
		r := get("query="+url.QueryEscape(q), "")
		etag := r.header.Get("ETag")
		if r.status != 200 || etag == "" || r.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("cache %d: GET: %d, ETag %q", entries, r.status, etag)
		}
		if r := get("query="+url.QueryEscape(q), etag); r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("cache %d: revalidation: %d", entries, r.status)
		}
		if r := get("query="+url.QueryEscape(q), `"other"`); r.status != 200 {
			t.Errorf("cache %d: stale ETag: %d", entries, r.status)
		}

		// Automatic persisted queries: the hash alone is not known yet, then
		// it is.
		pq := `{ search(text: "ITU", first: 1) { id } }`
		sum := sha256.Sum256([]byte(pq))
		ext := url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`)
		if r := get("extensions="+ext, ""); r.resp.code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("cache %d: unknown hash: %s", entries, r.body)
		}
		if r := get("query="+url.QueryEscape(pq)+"&extensions="+ext, ""); r.status != 200 || r.resp.code() != "" {
			t.Errorf("cache %d: registering: %s", entries, r.body)
		}
		if r := get("extensions="+ext, ""); r.status != 200 || !strings.Contains(string(r.body), `"itu"`) {
			t.Errorf("cache %d: by hash: %s", entries, r.body)
		}
	}
}

// postRaw sends a body as it is, so that its JSON layout can vary.
func postRaw(t *testing.T, srv *httptest.Server, body, accept string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return do(t, req)
}

// The response cache keys on what a request asks, not on its bytes: a
// comment, other whitespace or another order of JSON members is the same
// request; other variables, another operation or another media type are not.
func TestResponseCacheKeys(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	const q = `query One($id: ID!, $n: Int) { entity(id: $id) { name neighbours(predicate: FUNDS, first: $n) { id } } } query Two { stats { entities } }`
	first := `{"query":` + strconv.Quote(q) + `,"operationName":"One","variables":{"id":"global-gateway","n":3}}`
	if r := postRaw(t, srv, first, ""); r.header.Get("X-Cache") != "miss" || r.resp.code() != "" {
		t.Fatalf("first request: X-Cache %q, %s", r.header.Get("X-Cache"), r.body)
	}
	commented := "# the same query, commented and laid out anew\n" + strings.ReplaceAll(q, " ", "\n  ,")
	tests := []struct {
		name, body, accept, want string
	}{
		{"the same bytes", first, "", "hit"},
		{"members and variables in another order", `{"variables":{"n":3,"id":"global-gateway"},"operationName":"One","query":` + strconv.Quote(q) + `}`, "", "hit"},
		{"a comment and other whitespace", `{"query":` + strconv.Quote(commented) + `,"operationName":"One","variables":{"id":"global-gateway","n":3}}`, "", "hit"},
		{"another variable value", `{"query":` + strconv.Quote(q) + `,"operationName":"One","variables":{"id":"global-gateway","n":4}}`, "", "miss"},
		{"a variable more", `{"query":` + strconv.Quote(q) + `,"operationName":"One","variables":{"id":"global-gateway","n":3,"x":null}}`, "", "miss"},
		{"another operation", `{"query":` + strconv.Quote(q) + `,"operationName":"Two","variables":{"id":"global-gateway","n":3}}`, "", "miss"},
		{"another media type", first, "application/graphql-response+json", "miss"},
		{"another field", `{"query":` + strconv.Quote(strings.Replace(q, "name", "id", 1)) + `,"operationName":"One","variables":{"id":"global-gateway","n":3}}`, "", "miss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postRaw(t, srv, tt.body, tt.accept)
			if got := r.header.Get("X-Cache"); got != tt.want || r.status != 200 || r.resp.code() != "" {
				t.Errorf("X-Cache %q, want %q; %d %s", got, tt.want, r.status, r.body)
			}
		})
	}
}

// The response cache holds its budget in bytes: distinct answers that do
// not fit together push the oldest out.
func TestResponseCacheBudget(t *testing.T) {
	st := datatest.Store(t)
	// each answer is a few KB: 16 KiB holds a handful, not all twenty
	srv, _ := newServer(t, st, server.Config{CacheBytes: 16 << 10})
	query := func(i int) string {
		return fmt.Sprintf(`{ entities(first: %d) { nodes { id name kind } } }`, 80+i)
	}
	size := 0
	for i := range 20 {
		r := post(t, srv, query(i), nil)
		if r.header.Get("X-Cache") != "miss" || r.resp.code() != "" {
			t.Fatalf("answer %d: X-Cache %q, %s", i, r.header.Get("X-Cache"), r.body)
		}
		size += len(r.body)
	}
	if size < 3*(16<<10) {
		t.Fatalf("the answers total %d bytes: too few to overflow the budget", size)
	}
	if r := post(t, srv, query(19), nil); r.header.Get("X-Cache") != "hit" {
		t.Errorf("the newest answer was not kept: %q", r.header.Get("X-Cache"))
	}
	if r := post(t, srv, query(0), nil); r.header.Get("X-Cache") != "miss" {
		t.Errorf("the oldest answer is still kept: %q, though %d bytes of answers went through a 16 KiB cache", r.header.Get("X-Cache"), size)
	}
}

// A persisted query is kept only once it parsed, validated and passed the
// limits: one that did not is unknown by its hash afterwards.
func TestPersistedQueriesKeepOnlyValidQueries(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{MaxBodyBytes: 2 << 20})
	ext := func(q string) string {
		sum := sha256.Sum256([]byte(q))
		return `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	}
	tests := []struct {
		name, query, code string
	}{
		{"a syntax error", `{ stats { entities }`, "GRAPHQL_PARSE_FAILED"},
		{"an unknown field", `{ stats { nosuchfield } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"over the depth limit", "{ entity(id: \"eu\") { " + strings.Repeat("relations { nodes { subject { ", 8) + "id" + strings.Repeat(" } } }", 8) + " } }", "DEPTH_LIMIT_EXCEEDED"},
		{"valid", `{ stats { entities } }`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := postRaw(t, srv, `{"query":`+strconv.Quote(tt.query)+`,`+ext(tt.query)+`}`, ""); r.resp.code() != tt.code {
				t.Fatalf("registering: code %q, want %q: %s", r.resp.code(), tt.code, r.body)
			}
			r := postRaw(t, srv, `{`+ext(tt.query)+`}`, "")
			want := "PERSISTED_QUERY_NOT_FOUND"
			if tt.code == "" {
				want = ""
			}
			if r.resp.code() != want {
				t.Errorf("by hash alone: code %q, want %q: %s", r.resp.code(), want, r.body)
			}
		})
	}
	// A query over the persisted cache's budget is answered but not kept.
	small, _ := newServer(t, st, server.Config{PersistedCacheBytes: 4 << 10})
	big := `{ stats { entities } }` + "# " + strings.Repeat("x", 8<<10)
	if r := postRaw(t, small, `{"query":`+strconv.Quote(big)+`,`+ext(big)+`}`, ""); r.resp.code() != "" {
		t.Fatalf("registering a large query: %s", r.body)
	}
	if r := postRaw(t, small, `{`+ext(big)+`}`, ""); r.resp.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("a query over the budget was kept: %s", r.body)
	}
}

// A body declared over the limit is refused from its Content-Length, before
// any of it is read: the client here sends the headers and a few bytes of a
// 1 TB body, and must get its 413 without sending more.
func TestTooLargeFromContentLength(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json\r\nContent-Length: %d\r\n\r\n{\"query\":", int64(1)<<40)
	// Not a speed goal: without the early answer the server waits for the
	// body forever, and the deadline only ends the test.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body is unsent: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var resp gqlResponse
	json.Unmarshal(body, &resp)
	if res.StatusCode != http.StatusRequestEntityTooLarge || resp.code() != "REQUEST_TOO_LARGE" || !res.Close {
		t.Errorf("%d, close %v: %s", res.StatusCode, res.Close, body)
	}
}

// TestCachesConcurrently runs under -race: clients asking the same and
// different questions, in different layouts, registering and using persisted
// queries at once, each answer compared with the one a server without
// caches gives, while the small budgets keep evicting.
func TestCachesConcurrently(t *testing.T) {
	st := datatest.Store(t)
	plain, _ := newServer(t, st, server.Config{CacheBytes: -1, QueryCacheBytes: -1, PersistedCacheBytes: -1})
	cached, _ := newServer(t, st, server.Config{CacheBytes: 64 << 10, QueryCacheBytes: 64 << 10, PersistedCacheBytes: 4 << 10})
	var queries []string
	for _, id := range []string{"global-gateway", "eu", "itu", "council", "nosuch"} {
		for n := 1; n <= 4; n++ {
			queries = append(queries, fmt.Sprintf(`{ entity(id: %q) { name neighbours(predicate: FUNDS, first: %d) { id name } } }`, id, n))
		}
	}
	want := make([]string, len(queries))
	for i, q := range queries {
		want[i] = string(postRaw(t, plain, `{"query":`+strconv.Quote(q)+`}`, "").body)
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 60 {
				k := (g*7 + i) % len(queries)
				q := queries[k]
				if i%3 == 1 {
					q = "# client " + strconv.Itoa(g) + "\n" + strings.ReplaceAll(q, " ", "  ")
				}
				body := `{"query":` + strconv.Quote(q) + `}`
				if i%2 == 0 {
					sum := sha256.Sum256([]byte(q))
					ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
					if r := postRaw(t, cached, `{`+ext+`}`, ""); r.resp.code() == "" && string(r.body) != want[k] {
						t.Errorf("by hash, query %d: %s, want %s", k, r.body, want[k])
					}
					body = `{"query":` + strconv.Quote(q) + `,` + ext + `}`
				}
				if r := postRaw(t, cached, body, ""); string(r.body) != want[k] {
					t.Errorf("query %d (X-Cache %s): %s, want %s", k, r.header.Get("X-Cache"), r.body, want[k])
				}
			}
		})
	}
	wg.Wait()
}
