package server_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// raw is a client that sends Accept-Encoding as the test sets it and hands
// back the body as it came: Go's default transport asks for gzip itself and
// decodes it out of sight.
var raw = &http.Client{Transport: &http.Transport{DisableCompression: true}}

type rawResult struct {
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, method, u, body, encoding string, hdr ...string) rawResult {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Encoding", encoding)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1]) // a name given twice is sent on two lines
	}
	res, err := raw.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResult{res.StatusCode, res.Header, b}
}

func decoded(t *testing.T, r rawResult) []byte {
	t.Helper()
	var rd io.Reader
	switch ce := r.header.Get("Content-Encoding"); ce {
	case "":
		return r.body
	case "br":
		rd = brotli.NewReader(bytes.NewReader(r.body))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	default:
		t.Fatalf("Content-Encoding %q", ce)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("decoding %s: %v", r.header.Get("Content-Encoding"), err)
	}
	return b
}

func varies(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}

// Assets, GraphQL answers (POST, GET, from the response cache and by a
// persisted query's hash) and exports come in the coding the client
// accepts: each decodes to the identity answer byte for byte, says it
// varies by Accept-Encoding, and, where it has an ETag, has its own per
// coding and revalidates as the variant the client holds.
func TestCompression(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{CORSOrigins: []string{"https://app.example"}})
	const answer = `{ subgraph(roots: ["global-gateway"], depth: 2) { nodes { id name kind degree } edges { id source target predicate evidenceCount modality } truncated } }`
	apq := `query Persisted { entity(id: "european-commission") { id name description relations(first: 50) { nodes { id predicate object { id name } } } } }`
	sum := sha256.Sum256([]byte(apq))
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	// the server keeps the query by its hash once it has run
	if r := fetch(t, "POST", srv.URL+"/graphql", `{"query":`+quote(apq)+`,"extensions":`+ext+`}`, "identity"); r.status != 200 {
		t.Fatalf("persisting: %d %s", r.status, r.body)
	}
	tests := []struct {
		name, method, target, body string
		etag                       bool
	}{
		{"the explorer's script", "GET", "/assets/explore.js", "", true},
		{"a page", "GET", "/explore", "", true},
		{"a GraphQL answer by POST", "POST", "/graphql", `{"query":` + quote(answer) + `}`, false},
		{"a GraphQL answer by GET", "GET", "/graphql?query=" + url.QueryEscape(answer), "", true},
		{"a persisted query by its hash", "GET", "/graphql?extensions=" + url.QueryEscape(ext), "", true},
		{"a GraphML export", "GET", "/export?format=graphml", "", false},
		{"an N-Quads export of the whole graph", "GET", "/export?format=nquads", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := fetch(t, tt.method, srv.URL+tt.target, tt.body, "identity")
			if plain.status != 200 || plain.header.Get("Content-Encoding") != "" || !varies(plain.header) {
				t.Fatalf("identity: %d, Content-Encoding %q, Vary %q", plain.status, plain.header.Get("Content-Encoding"), plain.header.Values("Vary"))
			}
			etags := map[string]string{"identity": plain.header.Get("ETag")}
			for _, enc := range []struct{ accept, coding string }{
				{"br", "br"}, {"gzip", "gzip"}, {"gzip, deflate, br, zstd", "br"}, {"br;q=0.1, gzip", "gzip"}, {"gzip;q=0, br;q=0", ""},
			} {
				r := fetch(t, tt.method, srv.URL+tt.target, tt.body, enc.accept)
				if r.status != 200 || r.header.Get("Content-Encoding") != enc.coding || !varies(r.header) {
					t.Fatalf("Accept-Encoding %q: %d, Content-Encoding %q, Vary %q", enc.accept, r.status, r.header.Get("Content-Encoding"), r.header.Values("Vary"))
				}
				if got := decoded(t, r); !bytes.Equal(got, plain.body) {
					t.Fatalf("Accept-Encoding %q: decodes to %d bytes that differ from the %d of identity", enc.accept, len(got), len(plain.body))
				}
				if enc.coding == enc.accept {
					t.Logf("%s: %d bytes, %s %d (%.0f%%)", tt.name, len(plain.body), enc.coding, len(r.body), 100*float64(len(r.body))/float64(len(plain.body)))
					etags[enc.coding] = r.header.Get("ETag")
				}
			}
			if !tt.etag {
				return
			}
			if etags["identity"] == "" || etags["br"] == etags["gzip"] || etags["br"] == etags["identity"] || etags["gzip"] == etags["identity"] {
				t.Fatalf("ETags per variant %v", etags)
			}
			for _, c := range []struct {
				held, accept string
				status       int
			}{
				{"br", "br", 304}, {"gzip", "gzip", 304}, {"identity", "identity", 304},
				// the client holds another variant than it now asks for
				{"br", "gzip", 200}, {"gzip", "identity", 200}, {"identity", "br", 200},
			} {
				r := fetch(t, tt.method, srv.URL+tt.target, tt.body, c.accept, "If-None-Match", etags[c.held])
				if r.status != c.status {
					t.Errorf("holding %s, accepting %s: %d, want %d", c.held, c.accept, r.status, c.status)
				}
				if c.status == 304 && (len(r.body) > 0 || r.header.Get("Content-Encoding") != "" || r.header.Get("ETag") != etags[c.held]) {
					t.Errorf("304 for %s: %d bytes, Content-Encoding %q, ETag %q", c.held, len(r.body), r.header.Get("Content-Encoding"), r.header.Get("ETag"))
				}
			}
		})
	}

	// What is not worth compressing goes as it is.
	for _, tt := range []struct {
		name, method, target, body string
		vary                       bool
	}{
		{"a tiny answer", "POST", "/graphql", `{"query":"{ stats { entities } }"}`, true},
		{"a tiny page", "GET", "/assets/favicon.svg", "", false},
		{"a font", "GET", "/vendor/" + firstFont(t), "", false},
		{"HEAD of a script", "HEAD", "/assets/explore.js", "", true},
		{"an error", "GET", "/export?format=xlsx", "", false},
	} {
		r := fetch(t, tt.method, srv.URL+tt.target, tt.body, "br, gzip")
		if r.header.Get("Content-Encoding") != "" || varies(r.header) != tt.vary {
			t.Errorf("%s: %d, Content-Encoding %q, Vary %q", tt.name, r.status, r.header.Get("Content-Encoding"), r.header.Values("Vary"))
		}
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// firstFont names a woff2 file the pages serve, compressed already.
func firstFont(t *testing.T) string {
	t.Helper()
	fonts, _ := filepath.Glob("../web/dist/vendor/*.woff2")
	if len(fonts) == 0 {
		t.Fatal("no woff2 file under web/dist/vendor")
	}
	return filepath.Base(fonts[0])
}

// A preflight from an allowed origin, asking for every header front-end
// clients send (Apollo Client, urql, graphql-request), is answered 204 and
// allows each; the answer exposes what a client reads. An origin not in the
// list gets no CORS header at all.
func TestCORSForFrontEnds(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{CORSOrigins: []string{"https://app.example"}})
	asked := []string{"content-type", "accept", "if-none-match", "apollo-require-preflight", "apollographql-client-name",
		"apollographql-client-version", "x-request-id", "x-apollo-operation-name", "authorization"}
	slices.Sort(asked) // browsers send the names sorted, lower case (Fetch standard)
	preflight := func(origin string) rawResult {
		return fetch(t, "OPTIONS", srv.URL+"/graphql", "", "", "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", strings.Join(asked, ","))
	}
	r := preflight("https://app.example")
	if r.status != http.StatusNoContent && r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("preflight: %d, Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	allowed := strings.Split(strings.ToLower(strings.Join(r.header.Values("Access-Control-Allow-Headers"), ",")), ",")
	for i := range allowed {
		allowed[i] = strings.TrimSpace(allowed[i])
	}
	for _, h := range asked {
		if !slices.Contains(allowed, h) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, h)
		}
	}
	// as curl and older clients write them: capitalised, unsorted, spaced,
	// one twice, over two header lines
	curlish := fetch(t, "OPTIONS", srv.URL+"/graphql", "", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "If-None-Match, Apollo-Require-Preflight, apollographql-client-name",
		"Access-Control-Request-Headers", "X-Request-Id,  Content-Type, if-none-match")
	if curlish.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight with the names as curl writes them: %d, headers %v", curlish.status, curlish.header)
	}
	if got := curlish.header.Get("Access-Control-Allow-Headers"); got != "apollo-require-preflight,apollographql-client-name,content-type,if-none-match,x-request-id" {
		t.Errorf("Access-Control-Allow-Headers %q", got)
	}
	if r := preflight("https://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Headers") != "" {
		t.Errorf("a foreign origin got CORS headers: %v", r.header)
	}
	for _, bad := range []string{"X-Not-Allowed", "content-type," + strings.Repeat("x-a,", 70)} {
		r := fetch(t, "OPTIONS", srv.URL+"/graphql", "", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", bad)
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight asking %.40q was allowed", bad)
		}
	}
	// without --cors-origins a preflight is told how to allow an origin
	closed, _ := newServer(t, st, server.Config{})
	r = fetch(t, "OPTIONS", closed.URL+"/graphql", "", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "--cors-origins") || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight to a server without CORS: %d %q %v", r.status, r.body, r.header)
	}
	get := fetch(t, "GET", srv.URL+"/graphql?query="+url.QueryEscape(`{ stats { entities } }`), "", "", "Origin", "https://app.example")
	exposed := strings.ToLower(strings.Join(get.header.Values("Access-Control-Expose-Headers"), ","))
	for _, h := range []string{"etag", "vary", "x-request-id", "x-cache", "retry-after", "digidip-truncated", "content-disposition"} {
		if !strings.Contains(exposed, h) {
			t.Errorf("Access-Control-Expose-Headers %q lacks %s", exposed, h)
		}
	}
}

// Many clients asking for the same file at once share one compression of
// it (run with -race): each gets the same bytes, decoding to the file.
func TestAssetCompressedOnceForAll(t *testing.T) {
	srv, _ := newServer(t, datatest.Store(t), server.Config{})
	plain := fetch(t, "GET", srv.URL+"/assets/explore.css", "", "identity")
	bodies := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", srv.URL+"/assets/explore.css", nil)
			req.Header.Set("Accept-Encoding", "br")
			if res, err := raw.Do(req); err == nil {
				bodies[i], _ = io.ReadAll(res.Body)
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	for i, b := range bodies {
		got := decoded(t, rawResult{200, http.Header{"Content-Encoding": {"br"}}, b})
		if !bytes.Equal(b, bodies[0]) || !bytes.Equal(got, plain.body) {
			t.Fatalf("client %d got %d bytes decoding to %d; the first %d, the file %d", i, len(b), len(got), len(bodies[0]), len(plain.body))
		}
	}
}
