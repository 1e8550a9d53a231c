package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// BenchmarkCacheMemory is issue 12's attack on the caches, from one client:
// 1,200 distinct answers of 216 KB (just under the 256 KiB the response
// cache keeps), then 300 distinct 500 KB queries registered as persisted
// queries (a comment makes them distinct; each parses, validates and runs).
// The goal is less than 150 MB of growth.
//
// In process it reports the heap kept after a collection (heap-MB) and the
// test process's RSS growth. With DIGIDIP_BENCH_URL and DIGIDIP_BENCH_PID it
// attacks that server instead and reports its RSS growth from /proc
// (bench/caches.sh runs it so against `digidip serve`):
//
//	go test ./server -run '^$' -bench CacheMemory -benchtime 1x
func BenchmarkCacheMemory(b *testing.B) {
	url, pid := os.Getenv("DIGIDIP_BENCH_URL"), os.Getenv("DIGIDIP_BENCH_PID")
	inProcess := url == ""
	rss := func() float64 { return vmRSS(b, "self") }
	if inProcess {
		st := datatest.Store(b)
		srv := httptest.NewServer(server.New(st, server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
		defer srv.Close()
		url = srv.URL
	} else {
		rss = func() float64 { return vmRSS(b, pid) }
	}
	answers := make([]string, 1200)
	for i := range answers {
		var q strings.Builder
		q.WriteString("{ ")
		for _, a := range []string{"a", "b", "c"} {
			fmt.Fprintf(&q, `%s%d: subgraph(roots: ["global-gateway"], depth: 1) { export(format: NQUADS) { text } } `, a, i)
		}
		q.WriteString("}")
		answers[i] = `{"query":` + strconv.Quote(q.String()) + `}`
	}
	filler := strings.Repeat("x", 500<<10)
	persisted := make([]string, 300)
	for i := range persisted {
		q := "{ stats { entities } }\n# " + strconv.Itoa(i) + filler
		sum := sha256.Sum256([]byte(q))
		persisted[i] = `{"query":` + strconv.Quote(q) + `,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}}`
	}
	send := func(bodies []string, wantBytes int) {
		var wg sync.WaitGroup
		next := make(chan string)
		for range 4 {
			wg.Go(func() {
				for body := range next {
					res, err := http.Post(url+"/graphql", "application/json", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						continue
					}
					got, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != 200 || len(got) < wantBytes || bytes.Contains(got, []byte(`"errors"`)) {
						b.Errorf("%d, %d bytes: %.200s", res.StatusCode, len(got), got)
					}
				}
			})
		}
		for _, body := range bodies {
			next <- body
		}
		close(next)
		wg.Wait()
	}
	for b.Loop() {
		send(answers[:1], 200_000) // warm: the read model, the pools
		heap0, rss0 := heapKept(), rss()
		send(answers, 200_000)
		send(persisted, 10)
		heap1, rss1 := heapKept(), rss()
		if inProcess {
			b.ReportMetric(heap1-heap0, "heap-MB")
			b.Logf("heap after GC %.0f -> %.0f MB", heap0, heap1)
		}
		b.ReportMetric(rss1-rss0, "rss-MB")
		b.Logf("RSS %.0f -> %.0f MB", rss0, rss1)
		// In process, the client's own buffers are in the RSS too: the goal
		// holds the heap the server keeps.
		if grew := map[bool]float64{true: heap1 - heap0, false: rss1 - rss0}[inProcess]; grew >= 150 {
			b.Errorf("the server grew by %.0f MB, over the 150 MB goal", grew)
		}
	}
}

func heapKept() float64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// vmRSS reads a process's resident set from /proc, in MB.
func vmRSS(b *testing.B, pid string) float64 {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatalf("no VmRSS in /proc/%s/status", pid)
	return 0
}
