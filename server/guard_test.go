package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

func TestRateLimit(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{RateLimit: 1, RateBurst: 3})
	var statuses []int
	for range 5 {
		r := post(t, srv, `{ stats { entities } }`, nil)
		statuses = append(statuses, r.status)
		if r.status == http.StatusTooManyRequests {
			if r.resp.code() != "RATE_LIMITED" {
				t.Errorf("429 with code %q", r.resp.code())
			}
			if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
			}
		}
	}
	if want := []int{200, 200, 200, 429, 429}; !equalInts(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	// health is never limited
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
	if r := do(t, req); r.status != 200 {
		t.Errorf("healthz under the limit: %d", r.status)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSecurityHeaders(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	for _, path := range []string{"/graphql?query=%7Bstats%7Bentities%7D%7D", "/explore", "/graphiql", "/healthz", "/export?format=nosuch", "/nosuch"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		r := do(t, req)
		h := r.header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: headers %v", path, h)
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") && strings.Contains(h.Get("Content-Security-Policy"), "'unsafe") {
			t.Errorf("%s: the page policy allows unsafe code", path)
		}
		// no stack trace, file path or address in any answer
		for _, leak := range []string{"goroutine ", ".go:", "/root/", "/work/", "127.0.0.1:5432"} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("%s: the answer holds %q", path, leak)
			}
		}
	}
}
