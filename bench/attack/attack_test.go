//go:build linux

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	digidip "github.com/digidip/digidip/server"
)

// TestPayloadsAreValid checks that the attacks meant to be answered are
// valid against digidip's schema, so a row measures the answer and not a
// validation error.
func TestPayloadsAreValid(t *testing.T) {
	files, err := filepath.Glob("../../schema/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files: %v", err)
	}
	var srcs []*ast.Source
	for _, f := range files {
		sdl, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, &ast.Source{Name: f, Input: string(sdl)})
	}
	schema, gerr := gqlparser.LoadSchema(srcs...)
	if gerr != nil {
		t.Fatal(gerr)
	}
	for _, tc := range []struct{ name, query string }{
		{"nested mentions", nestedMentions(4, 3)},
		{"nested mentions, even levels", nestedMentions(1, 2)},
		{"export aliases", exportAliases(maxAliases)},
		{"introspection aliases", introspectionAliases(maxAliases)},
		{"distinct large", distinctLarge(7)},
		{"repeated field", repeatedField(50)},
		{"persisted", persistedQuery(3, 1000)},
		{"warm-up", warmQuery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, errs := gqlparser.LoadQueryWithRules(schema, tc.query, nil); errs != nil {
				t.Errorf("%s: %v", tc.query[:min(len(tc.query), 200)], errs)
			}
			if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: tc.query}, tokenLimit); err != nil {
				t.Errorf("over the token limit: %v", err)
			}
		})
	}
}

// TestPayloadsFitTheTokenLimit checks the two attacks sized by the token
// limit: the most pairs it allows must parse, one more must not.
func TestPayloadsFitTheTokenLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string
		fits  bool
	}{
		{"most pairs", conflictingAliases(maxPairs(tokenLimit)), true},
		{"one pair more", conflictingAliases(maxPairs(tokenLimit) + 1), false},
		{"1,000 pairs", conflictingAliases(1000), true},
		{"14,900 fields", repeatedField(14900), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: tc.query}, tokenLimit)
			if (err == nil) != tc.fits {
				t.Errorf("fits %v, want %v (err %v)", err == nil, tc.fits, err)
			}
		})
	}
	if n := len(repeatedField(14900)); n < 74000 || n > 76000 {
		t.Errorf("14,900 fields are %d bytes, want about 75 KB as in the issue", n)
	}
}

func TestPersistedQueries(t *testing.T) {
	a, b := persistedQuery(1, 500_000), persistedQuery(2, 500_000)
	if len(a) != 500_000 || len(b) != 500_000 {
		t.Errorf("sizes %d and %d, want 500,000", len(a), len(b))
	}
	if a == b {
		t.Error("two registrations are the same query")
	}
	body, err := json.Marshal(graphqlBody{Query: a, Extensions: map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > digidip.DefaultMaxBodyBytes {
		t.Errorf("a registration is %d bytes, over the default body limit", len(body))
	}
}

func TestReadProc(t *testing.T) {
	before, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if before.rss <= 0 || before.hwm < before.rss {
		t.Errorf("rss %d, peak %d", before.rss, before.hwm)
	}
	// Burn some CPU, as getrusage counts it (a loaded machine gives the test
	// less CPU than wall time), and touch 64 MB: both must show.
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	start := ownCPU(t)
	for x := 0; ownCPU(t)-start < 300*time.Millisecond; x++ {
		for range 1000 {
			buf[x%len(buf)]++
			x += 4096
		}
	}
	after, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after.cpu-before.cpu < 250*time.Millisecond {
		t.Errorf("CPU went from %s to %s after 300 ms of work", before.cpu, after.cpu)
	}
	if after.rss-before.rss < 32<<20 {
		t.Errorf("RSS went from %d to %d after touching 64 MB", before.rss, after.rss)
	}
	buf = nil
	if err := resetPeak(os.Getpid()); err != nil {
		t.Skipf("VmHWM cannot be reset here: %v", err)
	}
}

func ownCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestReadAnswer checks what is made of answers: the code of a short and
// a long error answer, a file, an answer cut short.
func TestReadAnswer(t *testing.T) {
	long := `{"errors":[{"message":"` + strings.Repeat("x", 2*prefixBytes) + `","extensions":{"code":"LATE"}}]}`
	for _, tc := range []struct {
		name, ctype, body string
		cut               bool
		want              result
		ok                bool
	}{
		{"data", "application/json", `{"data":{"a":1}}`, false, result{Status: 200}, true},
		{"short error", "application/graphql-response+json", `{"errors":[{"message":"m","extensions":{"code":"TOO_DEEP"}}]}`, false, result{Status: 200, Errors: true, Code: "TOO_DEEP"}, true},
		{"error without a code", "application/json", `{"errors":[{"message":"m"}]}`, false, result{Status: 200, Errors: true}, false},
		{"long error", "application/json", `{"errors":[{"message":"m","extensions":{"code":"FIRST"}},` + long[len(`{"errors":[`):], false, result{Status: 200, Errors: true, Code: "FIRST"}, true},
		{"file", "application/n-quads", `<a> <b> <c> .` + "\n", false, result{Status: 200}, true},
		{"cut short", "application/json", `{"data":{"a":"` + strings.Repeat("y", 100) + `"}}`, true, result{Status: 200}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				if tc.cut {
					w.Header().Set("Content-Length", "100000")
				}
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			tg := newTarget(0, srv.URL, 5*time.Second)
			defer tg.close()
			got := tg.get(t.Context(), "/")
			if got.Status != tc.want.Status || got.Code != tc.want.Code || got.Errors != tc.want.Errors {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if !tc.cut && got.Bytes != int64(len(tc.body)) {
				t.Errorf("counted %d bytes of %d", got.Bytes, len(tc.body))
			}
			if ok, why := got.outcome(); ok != tc.ok {
				t.Errorf("answered %v (%s), want %v", ok, why, tc.ok)
			}
		})
	}
}

// TestGetKeepsTheQueryString checks that a malformed escape reaches the
// server as it was written.
func TestGetKeepsTheQueryString(t *testing.T) {
	var raw string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { raw = r.URL.RawQuery }))
	defer srv.Close()
	tg := newTarget(0, srv.URL, 5*time.Second)
	defer tg.close()
	tg.get(t.Context(), "/export?roots=%zz&format=nquads")
	if raw != "roots=%zz&format=nquads" {
		t.Errorf("server saw %q", raw)
	}
}

func TestJudge(t *testing.T) {
	ok := result{Status: 200, Bytes: 100, Secs: 0.1}
	o := options{rssCap: 2000 * mB}
	for _, tc := range []struct {
		name string
		rec  record
		b    budget
		want []string
	}{
		{"within", record{Results: []result{ok}, Longest: 0.1, CPU: 0.5, CPUAfter: 0, BytesMax: 100, RSSBefore: 50 * mB, RSSPeak: 60 * mB, RSSAfter: 55 * mB}, perAttack, nil},
		{"slow, busy, large", record{Results: []result{ok}, Longest: 2.5, CPU: 3.5, CPUAfter: 0.5, BytesMax: 9 * mB, RSSBefore: 50 * mB, RSSPeak: 200 * mB}, perAttack,
			[]string{"an answer took 2.5 s", "3.5 s of CPU", "0.5 s of CPU after the answer", "a 9 MB answer", "RSS peaked 150 MB higher"}},
		{"unanswered", record{Results: []result{ok, {Err: "no answer within 6s"}}}, perAttack, []string{"1 of 2 not answered with a code (no answer within 6s)"}},
		{"wrong status", record{Results: []result{ok}}, perAttack.want(400), []string{"1 of 1 answered 200, not 400"}},
		{"kept within", record{Results: []result{ok}, RSSBefore: 50 * mB, RSSPeak: 400 * mB, RSSAfter: 190 * mB}, caches, nil},
		{"kept", record{Results: []result{ok}, RSSBefore: 50 * mB, RSSPeak: 400 * mB, RSSAfter: 210 * mB}, caches, []string{"RSS stayed 160 MB higher"}},
		{"killed", record{Results: []result{{Err: "EOF"}}, Killed: true}, perAttack, []string{"killed: its RSS passed 2000 MB", "1 of 1 not answered with a code (EOF)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judge(&tc.rec, tc.b, o)
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestPoolAndTogether checks the two ways requests are sent: pool keeps at
// most c in flight and together has all n in flight at once, each result
// in its request's place.
func TestPoolAndTogether(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	send := func(arrived *sync.WaitGroup) func(i int) result {
		return func(i int) result {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			if arrived != nil {
				// wait for every request to be in flight: a together that
				// sent them one by one would never get past this
				arrived.Done()
				done := make(chan struct{})
				go func() { arrived.Wait(); close(done) }()
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					t.Error("the requests were not all in flight at once")
				}
			} else {
				time.Sleep(time.Millisecond)
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
			return result{Status: i}
		}
	}
	check := func(name string, rs []result, n, wantMost int, exact bool) {
		t.Helper()
		if len(rs) != n {
			t.Fatalf("%s: %d results, want %d", name, len(rs), n)
		}
		for i, r := range rs {
			if r.Status != i {
				t.Errorf("%s: result %d is request %d's", name, i, r.Status)
			}
		}
		if most > wantMost || exact && most != wantMost {
			t.Errorf("%s: %d in flight at most, want %d", name, most, wantMost)
		}
	}
	check("pool", pool(40, 4, send(nil)), 40, 4, false)
	most = 0
	var arrived sync.WaitGroup
	arrived.Add(8)
	check("together", together(8, send(&arrived)), 8, 8, true)
}
