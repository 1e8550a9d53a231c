package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
)

// A malformed query string is a bad request wherever a handler reads the
// query: dropping the pairs it spoils would answer another question (the
// whole graph for a selection).
func TestMalformedQueryStrings(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	long := strings.Repeat("x", 60<<10)
	for _, tc := range []struct {
		name, target string
		status       int
		msg          string
	}{
		{"bad escape in roots", "/export?format=nquads&roots=%zz", 400, `the query string is malformed: invalid URL escape "%zz"`},
		{"bad escape in a name", "/export?format=graphml&%zzroots=d4d-hub", 400, "the query string is malformed"},
		{"semicolon", "/export?format=graphml;roots=d4d-hub", 400, "the query string is malformed"},
		{"truncated escape", "/export?format=graphml&roots=d4d-hub%2", 400, "the query string is malformed"},
		{"GraphQL over GET", "/graphql?query=%7Bstats%7Bentities%7D%7D&x=%zz", 400, "the query string is malformed"},
		{"60 KB unknown root", "/export?format=nquads&roots=" + long, 400, "root 1 is 61440 bytes, longer than the longest an id may be, 256"},
		{"60 KB unknown path end", "/export?format=gexf&from=d4d-hub&to=" + long, 400, "to entity id is 61440 bytes"},
		// the well-formed neighbours still work
		{"well formed", "/export?format=nquads&roots=d4d-hub%2Cglobal-gateway", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tc.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", "application/graphql-response+json")
			r := do(t, req)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if tc.msg == "" {
				return
			}
			if len(r.resp.Errors) == 0 || !strings.Contains(r.resp.Errors[0].Message, tc.msg) {
				t.Errorf("answer %.300s, want a message with %q", r.body, tc.msg)
			}
			if len(r.body) > 1000 {
				t.Errorf("the answer is %d bytes: it quotes the input", len(r.body))
			}
		})
	}
}

// The rate limit counts an IPv6 /64 as one client, and behind a trusted
// proxy the client the proxy names.
func TestRateLimitKeys(t *testing.T) {
	st := datatest.Store(t)
	proxies, err := server.ParseTrustedProxies("192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(st, server.Config{RateLimit: 0.001, RateBurst: 1, TrustedProxies: proxies, Logger: slog.New(slog.DiscardHandler)})
	for _, tc := range []struct {
		name, remote, xff string
		status            int
	}{
		{"first from a /64", "[2001:db8:1:2::1]:1000", "", 200},
		{"another address of the same /64", "[2001:db8:1:2::ffff]:1000", "", 429},
		{"another /64", "[2001:db8:1:3::1]:1000", "", 200},
		{"an IPv4 client", "198.51.100.1:1000", "", 200},
		{"its neighbour is another client", "198.51.100.2:1000", "", 200},
		{"the IPv4 client again", "198.51.100.1:2000", "", 429},
		{"a client through the proxy", "192.0.2.10:1000", "203.0.113.5", 200},
		{"another client through the proxy", "192.0.2.10:1000", "203.0.113.6", 200},
		{"the first again, through the proxy", "192.0.2.10:1000", "203.0.113.5", 429},
		{"spoofing from an untrusted peer names itself", "198.51.100.3:1000", "203.0.113.7", 200},
		{"and is limited as itself", "198.51.100.3:1000", "203.0.113.8", 429},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.status)
		}
	}
}

// openBolt is a real bolt store loaded with the embedded data, in dir.
func openBolt(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Backend: "bolt", Address: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := loaders.Load(context.Background(), st, data.FS(), "data", false); err != nil {
		t.Fatal(err)
	}
	return st
}

type healthAnswer struct {
	status int
	body   map[string]any
}

// getHealth asks /healthz, giving up after 5 s (status 0).
func getHealth(t *testing.T, srv *httptest.Server) healthAnswer {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(srv.URL + "/healthz")
	if err != nil {
		t.Errorf("/healthz did not answer: %v", err)
		return healthAnswer{}
	}
	defer res.Body.Close()
	var a healthAnswer
	a.status = res.StatusCode
	if err := json.NewDecoder(res.Body).Decode(&a.body); err != nil {
		t.Error(err)
	}
	return a
}

// /healthz answers from the store's last check (made by each poll), never
// by asking the backend itself: a backend that hangs does not hold it, and
// a failed or stale check makes it 503.
func TestHealthAnswersFromTheLastCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	st := openBolt(t, dir)
	srv, _ := newServer(t, st, server.Config{HealthMaxAge: time.Hour})
	if a := getHealth(t, srv); a.status != 200 || a.body["status"] != "ok" || a.body["generation"] != st.Generation() || a.body["engine"] != st.Graph().Engine() || a.body["engine"] == "" || a.body["checked"] == "" {
		t.Fatalf("healthy store: %d %v", a.status, a.body)
	}

	// The backend hangs: CURRENT becomes a pipe nobody writes to, so
	// reading it blocks, as a query to a database that stopped answering.
	current := filepath.Join(dir, "CURRENT")
	gen, err := os.ReadFile(current)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(current)
	if err := syscall.Mkfifo(current, 0o644); err != nil {
		t.Fatal(err)
	}
	// a probe that reads the backend hangs with it: let it go, so that the
	// test fails rather than waits for it
	unblock := func() {
		if f, err := os.OpenFile(current, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}
	polled := make(chan error, 1)
	go func() { _, err := st.Refresh(context.Background()); polled <- err }()
	if a := getHealth(t, srv); a.status != 200 {
		t.Errorf("while the backend hangs: %d %v, want the last check's 200", a.status, a.body)
	}
	// unblock the poll: it reads a bad generation name, a failed check
	w, err := os.OpenFile(current, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("not a generation\n")
	w.Close()
	if err := <-polled; err == nil {
		t.Fatal("the poll read a bad CURRENT without an error")
	}
	if a := getHealth(t, srv); a.status != 503 || a.body["status"] != "unavailable" {
		t.Errorf("after a failed check: %d %v", a.status, a.body)
		unblock()
	}

	// repaired, the next poll makes it healthy again
	os.Remove(current)
	if err := os.WriteFile(current, gen, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a := getHealth(t, srv); a.status != 200 {
		t.Errorf("after a good check: %d %v", a.status, a.body)
	}

	// a check older than HealthMaxAge: the poll is stuck
	stale, _ := newServer(t, st, server.Config{HealthMaxAge: time.Nanosecond})
	if a := getHealth(t, stale); a.status != 503 || !strings.Contains(fmt.Sprint(a.body["error"]), "older than 1ns") {
		t.Errorf("stale check: %d %v", a.status, a.body)
	}
}

// /metrics answers clients on this machine only, not through a proxy, and
// not at all with MetricsOff; NewWithMetrics gives it for a listener of its
// own.
func TestMetricsAccess(t *testing.T) {
	st := datatest.Store(t)
	proxies, _ := server.ParseTrustedProxies("127.0.0.1")
	quiet := slog.New(slog.DiscardHandler)
	loopback := server.New(st, server.Config{Logger: quiet})
	behindProxy := server.New(st, server.Config{Logger: quiet, TrustedProxies: proxies})
	off, own := server.NewWithMetrics(st, server.Config{Logger: quiet, Metrics: server.MetricsOff})
	for _, tc := range []struct {
		name   string
		h      http.Handler
		remote string
		header string
		status int
	}{
		{"loopback IPv4", loopback, "127.0.0.1:5000", "", 200},
		{"loopback IPv6", loopback, "[::1]:5000", "", 200},
		{"a remote client", loopback, "203.0.113.9:5000", "", 404},
		{"a private-network client", loopback, "10.0.0.2:5000", "", 404},
		{"a local proxy's X-Forwarded-For", loopback, "127.0.0.1:5000", "X-Forwarded-For", 404},
		{"a local proxy's Forwarded", loopback, "127.0.0.1:5000", "Forwarded", 404},
		{"a local proxy's X-Real-IP", loopback, "127.0.0.1:5000", "X-Real-IP", 404},
		{"a trusted proxy on loopback", behindProxy, "127.0.0.1:5000", "", 404},
		{"off on the API", off, "127.0.0.1:5000", "", 404},
		{"its own handler", own, "203.0.113.9:5000", "", 200},
	} {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.RemoteAddr = tc.remote
		if tc.header != "" {
			r.Header.Set(tc.header, "for=203.0.113.9")
		}
		w := httptest.NewRecorder()
		tc.h.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.status)
		}
		if tc.status == 200 && !strings.Contains(w.Body.String(), "go_goroutines") {
			t.Errorf("%s: no metrics in %.200s", tc.name, w.Body.String())
		}
	}
}

// The operator's listener closes a connection that stalls in its headers,
// and lets a CPU profile of pprof's default length (30 s) run.
func TestAdminServerTimeouts(t *testing.T) {
	s := server.NewAdminServer(http.NotFoundHandler(), nil)
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("unbounded: %+v", s)
	}
	if s.WriteTimeout <= 30*time.Second {
		t.Errorf("WriteTimeout %s is shorter than a default profile", s.WriteTimeout)
	}
	s.ReadHeaderTimeout = 200 * time.Millisecond // the test's, not the default
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\n") // and never the end
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Errorf("the stalled connection was not closed: %v", err)
	}
}

// Behind a trusted proxy, the access log names the client as well.
func TestAccessLogNamesTheClient(t *testing.T) {
	st := datatest.Store(t)
	proxies, _ := server.ParseTrustedProxies("192.0.2.10")
	logs := &logBuffer{}
	h := server.New(st, server.Config{TrustedProxies: proxies, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	r.RemoteAddr = "192.0.2.10:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.5")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if out := logs.String(); !strings.Contains(out, "remote=192.0.2.10:4000 client=203.0.113.5") {
		t.Errorf("access log: %s", out)
	}
}
