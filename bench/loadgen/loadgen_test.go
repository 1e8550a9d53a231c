package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// tenObjects is an answer with ten objects, as the 1-hop question wants.
var tenObjects = `{"data":{"entity":{"relations":{"nodes":[` +
	strings.TrimSuffix(strings.Repeat(`{"object":{"id":"e1","name":"E","kind":"ACTOR"}},`, 10), ",") + `]}}}}`

func oneHopRequests(n int) []Request {
	var reqs []Request
	for i := range n {
		reqs = append(reqs, Request{Method: "POST", Path: "/graphql", ContentType: jsonType,
			Body:   fmt.Sprintf(`{"query":"q","variables":{"id":"e%d"}}`, i),
			Expect: `"object":{"id":"`, Reject: gqlErrors, Count: kindKey, Want: 10})
	}
	return reqs
}

// A stall of the server is in the open loop's latencies of every request
// due while it lasted, and in the closed loop's of one request only: the
// open loop does not let the server decide when the next request is sent.
func TestOpenLoopCountsQueueing(t *testing.T) {
	const stall = 400 * time.Millisecond
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) == 100 {
			time.Sleep(stall)
		}
		io.WriteString(w, tenObjects)
	}))
	defer srv.Close()
	o := loadOptions{target: strings.TrimPrefix(srv.URL, "http://"), reqs: oneHopRequests(5), conns: 1, dur: 2 * time.Second, rate: 200, drain: time.Second}

	open := load(o, nil)
	if open.Errors != 0 || open.NonFull != 0 || open.Unsent != 0 {
		t.Fatalf("open loop: %d errors (%s), %d non-full, %d unsent", open.Errors, open.FirstError, open.NonFull, open.Unsent)
	}
	// at 200/s, the 80 requests due during the stall wait for it: a tenth
	// of the 400 or so waits more than 100 ms
	if open.MaxMs < float64(stall/time.Millisecond) || open.P90ms < 100 {
		t.Errorf("open loop hides the stall: p90 %.1f ms, max %.1f ms", open.P90ms, open.MaxMs)
	}
	if open.Requests < 350 || open.Requests > 401 {
		t.Errorf("open loop at 200/s for 2 s measured %d requests", open.Requests)
	}

	n.Store(0)
	o.rate = 0
	closed := load(o, nil)
	if closed.Errors != 0 || closed.Requests < 100 {
		t.Fatalf("closed loop: %d errors (%s), %d requests", closed.Errors, closed.FirstError, closed.Requests)
	}
	if closed.P90ms*4 > open.P90ms {
		t.Errorf("closed loop p90 %.1f ms: the stall should hide in it, against open loop %.1f ms", closed.P90ms, open.P90ms)
	}
}

// Requests due while the server holds the only connection past the end of
// the run are never sent; they count, with the time they had waited.
func TestOpenLoopCountsUnsent(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) == 2 {
			time.Sleep(1500 * time.Millisecond)
		}
		io.WriteString(w, tenObjects)
	}))
	defer srv.Close()
	res := load(loadOptions{target: strings.TrimPrefix(srv.URL, "http://"), reqs: oneHopRequests(1), conns: 1,
		dur: time.Second, rate: 100, drain: 100 * time.Millisecond}, nil)
	if res.Unsent < 50 {
		t.Fatalf("%d unsent, want most of the 100 due in the second (result %+v)", res.Unsent, res)
	}
	if res.P50ms < 500 {
		t.Errorf("p50 %.1f ms: the unsent requests' waits are not counted", res.P50ms)
	}
}

// An answer with fewer objects than asked for is counted as non-full, not
// as an error, and named.
func TestNonFullAnswers(t *testing.T) {
	nine := strings.Replace(tenObjects, `{"object":{"id":"e1","name":"E","kind":"ACTOR"}},`, "", 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), `"e2"`) {
			io.WriteString(w, nine)
			return
		}
		io.WriteString(w, tenObjects)
	}))
	defer srv.Close()
	res := load(loadOptions{target: strings.TrimPrefix(srv.URL, "http://"), reqs: oneHopRequests(4), conns: 2, dur: 300 * time.Millisecond}, nil)
	if res.Errors != 0 || res.Requests == 0 {
		t.Fatalf("%d errors (%s), %d requests", res.Errors, res.FirstError, res.Requests)
	}
	// one request in four asks about e2
	if res.NonFull < res.Requests/8 || res.NonFull > res.Requests/2 || !strings.Contains(res.FirstShort, `"e2"`) {
		t.Errorf("%d non-full of %d (first: %s)", res.NonFull, res.Requests, res.FirstShort)
	}
}

// plan asks only about entities with at least --first outgoing relations,
// all of them, and digidip's answer to each holds that many objects.
func TestPlanAsksOnlyFullAnswers(t *testing.T) {
	ds := synth.Dataset(20000, 1)
	dir := t.TempDir()
	nq := filepath.Join(dir, "g.nq")
	f, err := os.Create(nq)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	qw := export.NQuadsWriter(bw)
	if _, err := qw.WriteQuads(vocab.Quads(ds)); err != nil {
		t.Fatal(err)
	}
	if err := qw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	out := filepath.Join(dir, "plan")
	if err := planMain([]string{"--nquads", nq, "--out", out, "--first", "10"}); err != nil {
		t.Fatal(err)
	}
	var hop OneHop
	b, err := os.ReadFile(filepath.Join(out, "onehop.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &hop); err != nil {
		t.Fatal(err)
	}
	outDeg := map[string]int{}
	for _, r := range ds.Relations {
		outDeg[entityIRI+r.Subject]++
	}
	want := 0
	for _, n := range outDeg {
		if n >= 10 {
			want++
		}
	}
	if len(hop.Entities) != want || want == 0 {
		t.Fatalf("plan asks about %d entities; the dataset has %d with 10 outgoing relations", len(hop.Entities), want)
	}
	for _, e := range hop.Entities {
		if outDeg[e] < 10 {
			t.Errorf("%s has %d outgoing relations", e, outDeg[e])
		}
	}

	// digidip itself answers every request of the list with ten objects
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := store.Prepare(vocab.Quads(ds))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, server.Config{CacheEntries: -1, RequestTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	reqs, err := readRequests(filepath.Join(out, "onehop-graphql.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != want {
		t.Fatalf("%d requests for %d entities", len(reqs), want)
	}
	res := load(loadOptions{target: strings.TrimPrefix(srv.URL, "http://"), reqs: reqs, conns: 2, dur: 500 * time.Millisecond}, nil)
	if res.Errors != 0 || res.NonFull != 0 || res.Requests < len(reqs) {
		t.Fatalf("%d requests, %d errors (%s), %d non-full (%s)", res.Requests, res.Errors, res.FirstError, res.NonFull, res.FirstShort)
	}
}

func TestPkgOf(t *testing.T) {
	for sym, want := range map[string]string{
		"github.com/digidip/digidip/graph.(*executionContext)._Entity_id.func2": "github.com/digidip/digidip/graph",
		"runtime.mallocgc":                        "runtime",
		"internal/runtime/syscall/linux.Syscall6": "internal/runtime/syscall/linux",
		"github.com/hashicorp/golang-lru/v2/internal.(*LruList[go.shape.struct { github.com/digidip/digidip/server.version uint64 }]).move": "github.com/hashicorp/golang-lru/v2/internal",
		"slices.insertionSortCmpFunc[go.shape.struct { net/http.key string }]":                                                              "slices",
		"aeshashbody":           "runtime (assembly)",
		"kernel pvm_irq_enable": "kernel",
	} {
		if got := pkgOf(sym); got != want {
			t.Errorf("pkgOf(%q) = %q, want %q", sym, got, want)
		}
	}
}

func TestJudge(t *testing.T) {
	v := judge("t", bound{limit: 0.9, unit: "×", decimal: 2}, []string{"10k", "1M"}, []float64{1.2, 0.72}, "")
	if v.met == nil || *v.met || v.by != "worst 0.72×, 20% short of 0.90×" {
		t.Errorf("at least 0.9, worst 0.72: met %v, %q", v.met, v.by)
	}
	v = judge("t", bound{limit: 200, atMost: true, unit: " MB"}, []string{""}, []float64{250}, "")
	if v.met == nil || *v.met || v.by != "worst 250 MB, 25% over 200 MB" {
		t.Errorf("at most 200, 250: met %v, %q", v.met, v.by)
	}
	v = judge("t", bound{limit: 2, atMost: true, unit: " s", decimal: 2}, []string{""}, []float64{1.5}, "")
	if v.met == nil || !*v.met {
		t.Errorf("at most 2, 1.5: met %v, %q", v.met, v.by)
	}
	if v := judge("t", bound{limit: 1}, nil, nil, "not measured"); v.met != nil {
		t.Errorf("no measure judged: %q", v.by)
	}
}
