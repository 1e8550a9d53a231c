package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/web"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

func TestPagesAndAssets(t *testing.T) {
	h := web.Handler()
	tests := []struct {
		path, ctype string
		status      int
		csp         bool
	}{
		{"/", "text/html; charset=utf-8", 200, true},
		{"/explore", "text/html; charset=utf-8", 200, true},
		{"/graphiql", "text/html; charset=utf-8", 200, true},
		{"/assets/explore.js", "text/javascript; charset=utf-8", 200, false},
		{"/assets/explore.css", "text/css; charset=utf-8", 200, false},
		{"/vendor/graphiql.min.js", "text/javascript; charset=utf-8", 200, false},
		{"/vendor/graphiql.min.css", "text/css; charset=utf-8", 200, false},
		{"/explore.html", "", 404, false},
		{"/assets/", "", 404, false},
		{"/vendor/../web.go", "", 404, false},
	}
	for _, tt := range tests {
		res := get(t, h, tt.path)
		if res.StatusCode != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, res.StatusCode, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if ct := res.Header.Get("Content-Type"); ct != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, ct, tt.ctype)
		}
		if csp := res.Header.Get("Content-Security-Policy"); (csp == web.ContentSecurityPolicy) != tt.csp {
			t.Errorf("GET %s: Content-Security-Policy %q", tt.path, csp)
		}
		// revalidation: the ETag turns a second load into a 304
		etag := res.Header.Get("ETag")
		if again := get(t, h, tt.path, "If-None-Match", etag); etag == "" || again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %s: %d, want 304", tt.path, etag, again.StatusCode)
		}
	}
}

// The pages must run under `default-src 'self'`: no inline script or
// style, and nothing they reference lives on another origin. (The browser
// test checks the same in a real browser; this runs without one.)
func TestPagesNeedNothingInlineOrRemote(t *testing.T) {
	h := web.Handler()
	inline := regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=`)
	reference := regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	for _, page := range []string{"/", "/explore", "/graphiql"} {
		body, _ := io.ReadAll(get(t, h, page).Body)
		if m := inline.Find(body); m != nil {
			t.Errorf("%s has inline code: %s", page, m)
		}
		for _, m := range reference.FindAllSubmatch(body, -1) {
			ref := string(m[1])
			if strings.Contains(ref, ":") {
				t.Errorf("%s references %s, not a path on this server", page, ref)
				continue
			}
			if !strings.HasPrefix(ref, "./") {
				continue // a link to another page
			}
			if res := get(t, h, "/"+strings.TrimPrefix(ref, "./")); res.StatusCode != 200 {
				t.Errorf("%s references %s, which answers %d", page, ref, res.StatusCode)
			}
		}
	}
	css, _ := io.ReadAll(get(t, h, "/vendor/graphiql.min.css").Body)
	if bytes.Contains(css, []byte("data:")) {
		t.Errorf("GraphiQL's stylesheet still has data: URLs, which the policy refuses")
	}
}

// The GraphiQL files are the very files gqlgen's playground loads from a
// CDN with Subresource Integrity: the same bytes, served from the binary.
func TestGraphiQLFilesMatchGqlgenPins(t *testing.T) {
	w := httptest.NewRecorder()
	playground.Handler("x", "/graphql").ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	pins := map[string]string{} // file name → sha256 integrity
	for _, m := range regexp.MustCompile(`src="[^"]*/([^/"]+\.js)"\s+integrity="(sha256-[^"]+)"`).FindAllStringSubmatch(w.Body.String(), -1) {
		pins[m[1]] = html.UnescapeString(m[2])
	}
	h := web.Handler()
	for _, name := range []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js"} {
		pin, ok := pins[name]
		if !ok {
			t.Errorf("gqlgen's playground pins no %s (it pins %v)", name, pins)
			continue
		}
		body, _ := io.ReadAll(get(t, h, "/vendor/"+name).Body)
		sum := sha256.Sum256(body)
		if got := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); got != pin {
			t.Errorf("/vendor/%s is %s, gqlgen pins %s", name, got, pin)
		}
	}
}

// Every example GraphiQL offers runs on the real data without an error.
func TestGraphiQLExamplesRun(t *testing.T) {
	st := datatest.Store(t)
	srv := httptest.NewServer(server.New(st, server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	files, err := fs.Glob(os.DirFS("src/examples"), "*.graphql")
	if err != nil || len(files) < 6 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		q, err := os.ReadFile(filepath.Join("src/examples", f))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"query": string(q)})
		res, err := http.Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Data   map[string]json.RawMessage
			Errors []struct{ Message string }
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if err != nil || len(out.Errors) > 0 || len(out.Data) == 0 {
			t.Errorf("%s: %v %+v", f, err, out.Errors)
			continue
		}
		for field, v := range out.Data {
			if string(v) == "null" || string(v) == "[]" {
				t.Errorf("%s: %s is empty", f, field)
			}
		}
	}
}
