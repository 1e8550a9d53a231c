package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// soakRequest is one request of the soak mix with the answer it must get,
// byte for byte once JSON is compacted.
type soakRequest struct {
	kind   string // query, export
	name   string
	method string
	path   string
	body   []byte
	want   []byte
}

// soakMain runs the soak of issue 8: the analyst queries (the golden files
// of server/testdata/queries), search, subgraph and path among them, a query
// of each entity's relations, and exports, at saturation for a while, with
// some clients reading slowly; every answer is compared with its reference,
// computed in this process from the embedded data (see reference), not asked
// of the server under test; the server's goroutines and RSS (from its
// /metrics) must come back to their baseline. Run the server with its
// response cache off, or the soak measures the cache, not the resolvers.
func soakMain(args []string) error {
	fs := flag.NewFlagSet("loadgen soak", flag.ContinueOnError)
	target := fs.String("target", "", "base URL of a digidip serving the embedded data")
	queries := fs.String("queries", "server/testdata/queries", "directory of *.graphql with their *.json answers")
	conns := fs.Int("c", 16, "clients at saturation")
	slow := fs.Int("slow", 4, "clients that read their answers slowly")
	dur := fs.Duration("d", 5*time.Minute, "how long to soak")
	warm := fs.Duration("warmup", 20*time.Second, "load before the baseline is taken")
	settle := fs.Duration("settle", 90*time.Second, "the longest wait for goroutines and RSS to come back")
	out := fs.String("out", "", "write the result table (Markdown) here too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" {
		return fmt.Errorf("--target is needed")
	}
	ref, err := newReference(context.Background())
	if err != nil {
		return err
	}
	defer ref.Close()
	if err := sameData(*target, ref); err != nil {
		return err
	}
	reqs, err := soakRequests(ref, *queries)
	if err != nil {
		return err
	}
	client := &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *conns + 4, MaxConnsPerHost: *conns + 4},
	}
	var st soakStats
	st.byKind = map[string]*atomic.Int64{"query": {}, "entity": {}, "export": {}}

	// Warm up, then take the baseline with the server idle.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	start := func(n int, seed uint64) {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st.fast(client, *target, reqs, rand.New(rand.NewPCG(seed, uint64(i))), stop)
			}()
		}
	}
	start(*conns, 1)
	time.Sleep(*warm)
	close(stop)
	wg.Wait()
	client.CloseIdleConnections()
	time.Sleep(2 * time.Second)
	before, err := serverGauges(*target)
	if err != nil {
		return err
	}
	st.reset()

	// The soak: fast clients at saturation, slow readers beside them.
	stop = make(chan struct{})
	t0 := time.Now()
	start(*conns, 2)
	for i := range *slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.slowReader(*target, i, stop)
		}()
	}
	time.Sleep(*dur)
	close(stop)
	wg.Wait()
	elapsed := time.Since(t0)
	client.CloseIdleConnections()

	// Back to baseline? Goroutines exactly (or nearly), RSS within a margin:
	// the Go runtime returns freed memory to the system over minutes.
	var after gauges
	deadline := time.Now().Add(*settle)
	for {
		after, err = serverGauges(*target)
		if err != nil {
			return err
		}
		if after.back(before) || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}

	rows := [][2]string{
		{"duration", fmt.Sprintf("%s at saturation: %d clients, %d reading slowly (%d B every %s)", elapsed.Round(time.Second), *conns, *slow, slowChunk, slowPause)},
		{"requests", fmt.Sprintf("%d (%.0f/s): %d analyst queries (%d distinct: search, subgraph, path, relations, timeline…), %d entity queries (%d distinct), %d exports", st.requests.Load(), float64(st.requests.Load())/elapsed.Seconds(), st.byKind["query"].Load(), countKind(reqs, "query"), st.byKind["entity"].Load(), countKind(reqs, "entity"), st.byKind["export"].Load())},
		{"references", "computed in the load generator from the embedded data in a memory store, no cache; the server under test serves bolt"},
		{"5xx answers", strconv.FormatInt(st.server5xx.Load(), 10)},
		{"wrong answers (differ from the reference)", strconv.FormatInt(st.wrong.Load(), 10)},
		{"other failures (transport, other statuses)", strconv.FormatInt(st.other.Load(), 10)},
		{"answers from the response cache (must be 0: the soak is of the resolvers)", strconv.FormatInt(st.cached.Load(), 10)},
		{"slow readers", fmt.Sprintf("%.0f KB read at a crawl: %d answers read whole, %d cut by the server, the rest still reading at the end", float64(st.slowBytes.Load())/1024, st.slowDone.Load(), st.slowCut.Load())},
		{"goroutines", fmt.Sprintf("%d before, %d after", before.goroutines, after.goroutines)},
		{"RSS", fmt.Sprintf("%.1f MB before, %.1f MB after (heap in use %.1f MB → %.1f MB)", mib(before.rss), mib(after.rss), mib(before.heap), mib(after.heap))},
	}
	var b strings.Builder
	b.WriteString("| soak | |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], r[1])
	}
	if e := st.firstError(); e != "" {
		fmt.Fprintf(&b, "\nFirst failure: %s\n", e)
	}
	fmt.Print(b.String())
	if *out != "" {
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	switch {
	case st.server5xx.Load() > 0 || st.wrong.Load() > 0 || st.other.Load() > 0:
		return fmt.Errorf("the soak saw failures")
	case st.cached.Load() > 0:
		return fmt.Errorf("%d answers came from the response cache: serve with --cache-entries 0", st.cached.Load())
	case !after.back(before):
		return fmt.Errorf("goroutines or RSS did not come back to the baseline")
	}
	return nil
}

func countKind(reqs []soakRequest, kind string) int {
	n := 0
	for _, r := range reqs {
		if r.kind == kind {
			n++
		}
	}
	return n
}

func mib(b float64) float64 { return b / (1 << 20) }

// soakRequests is the mix: the golden queries, a query of each entity, and
// exports, each with its answer from the reference. The golden files check
// the reference itself.
func soakRequests(ref *reference, dir string) ([]soakRequest, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no *.graphql in %s", dir)
	}
	var reqs []soakRequest
	add := func(kind, name, method, path string, body []byte) error {
		want, err := ref.answer(method, path, body)
		if err != nil {
			return err
		}
		if kind != "export" {
			var r struct{ Errors []any }
			if err := json.Unmarshal(want, &r); err != nil || len(r.Errors) > 0 {
				return fmt.Errorf("reference %s: %.300s", name, want)
			}
			want = compact(want)
		}
		reqs = append(reqs, soakRequest{kind: kind, name: name, method: method, path: path, body: body, want: want})
		return nil
	}
	for _, f := range files {
		q, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		golden, err := os.ReadFile(strings.TrimSuffix(f, ".graphql") + ".json")
		if err != nil {
			return nil, err
		}
		body, _ := json.Marshal(map[string]string{"query": string(q)})
		if err := add("query", filepath.Base(f), "POST", "/graphql", body); err != nil {
			return nil, err
		}
		if got := reqs[len(reqs)-1].want; !bytes.Equal(got, compact(golden)) {
			return nil, fmt.Errorf("the reference answers %s otherwise than its golden file: %.200s", f, got)
		}
	}
	const entityQuery = `query ($id: ID!) { entity(id: $id) { id name kind degree facts { key text date number unit }
  relations(first: 20) { totalCount nodes { id predicate subject { id name } object { id name } evidence { paragraph { id } quote } } } } }`
	ids, err := ref.st.Graph().EntityIDs(context.Background(), "")
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		body, _ := json.Marshal(map[string]any{"query": entityQuery, "variables": map[string]string{"id": id}})
		if err := add("entity", "entity "+id, "POST", "/graphql", body); err != nil {
			return nil, err
		}
	}
	for _, e := range []string{
		"/export?format=graphml&roots=global-gateway&depth=2",
		"/export?format=gexf&from=d4d-hub&to=european-commission",
		"/export?format=nquads&roots=d4d-hub&depth=1",
		"/export?format=cytoscape&roots=council-of-the-eu&depth=1",
		"/export?format=jsonld&roots=european-investment-bank&depth=1",
	} {
		if err := add("export", e, "GET", e, nil); err != nil {
			return nil, err
		}
	}
	return reqs, nil
}

// sameData checks that the server under test serves the data the
// reference loaded, so that a difference is a wrong answer, not other data.
func sameData(target string, ref *reference) error {
	res, err := http.Get(target + "/healthz")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var h struct {
		DataHash string `json:"dataHash"`
	}
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		return fmt.Errorf("%s/healthz: %w", target, err)
	}
	if want := ref.st.Graph().Hash(); h.DataHash != want {
		return fmt.Errorf("%s serves data %q, not the embedded data (%q) the references are computed from", target, h.DataHash, want)
	}
	return nil
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

type soakStats struct {
	requests, server5xx, wrong, other atomic.Int64
	cached                            atomic.Int64 // answers the response cache gave (X-Cache: hit)
	slowDone, slowCut, slowBytes      atomic.Int64
	byKind                            map[string]*atomic.Int64
	mu                                sync.Mutex
	first                             string
}

func (s *soakStats) reset() {
	s.requests.Store(0)
	s.server5xx.Store(0)
	s.wrong.Store(0)
	s.other.Store(0)
	s.cached.Store(0)
	for _, c := range s.byKind {
		c.Store(0)
	}
	s.mu.Lock()
	s.first = ""
	s.mu.Unlock()
}

func (s *soakStats) fail(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	s.mu.Lock()
	if s.first == "" {
		s.first = fmt.Sprintf(format, args...)
	}
	s.mu.Unlock()
}

func (s *soakStats) firstError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// mixWeights share the load between the kinds of request: the few analyst
// queries (search, subgraph, path) as much as the hundreds of entity ones.
var mixWeights = []struct {
	kind   string
	weight int
}{{"query", 2}, {"entity", 2}, {"export", 1}}

// pick draws a kind by its weight, then a request of that kind; byKind
// holds the requests by kind.
func pick(byKind map[string][]soakRequest, rng *rand.Rand) soakRequest {
	total := 0
	for _, w := range mixWeights {
		if len(byKind[w.kind]) > 0 {
			total += w.weight
		}
	}
	n := rng.IntN(total)
	for _, w := range mixWeights {
		of := byKind[w.kind]
		if len(of) == 0 {
			continue
		}
		if n < w.weight {
			return of[rng.IntN(len(of))]
		}
		n -= w.weight
	}
	panic("unreachable: n < total")
}

// fast sends requests of the mix, in a random order, as fast as answers come.
func (s *soakStats) fast(c *http.Client, target string, reqs []soakRequest, rng *rand.Rand, stop chan struct{}) {
	byKind := map[string][]soakRequest{}
	for _, r := range reqs {
		byKind[r.kind] = append(byKind[r.kind], r)
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		r := pick(byKind, rng)
		req, _ := http.NewRequest(r.method, target+r.path, bytes.NewReader(r.body))
		if r.method == "POST" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			s.fail(&s.other, "%s: %v", r.name, err)
			continue
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		s.requests.Add(1)
		s.byKind[r.kind].Add(1)
		if strings.EqualFold(res.Header.Get("X-Cache"), "hit") {
			s.cached.Add(1)
		}
		switch {
		case err != nil:
			s.fail(&s.other, "%s: reading: %v", r.name, err)
		case res.StatusCode >= 500:
			s.fail(&s.server5xx, "%s: status %d: %.200s", r.name, res.StatusCode, body)
		case res.StatusCode != http.StatusOK:
			s.fail(&s.other, "%s: status %d: %.200s", r.name, res.StatusCode, body)
		case r.kind != "export" && !bytes.Equal(compact(body), r.want), r.kind == "export" && !bytes.Equal(body, r.want):
			s.fail(&s.wrong, "%s: the answer differs from the reference: %.200s", r.name, body)
		}
	}
}

// The pace of a slow reader: a modem's worth.
const (
	slowChunk = 512
	slowPause = 200 * time.Millisecond
)

// slowReader asks for the whole graph as GraphML and reads it at a crawl,
// over and over: the server must not let it hold anything for long.
func (s *soakStats) slowReader(target string, i int, stop chan struct{}) {
	host := strings.TrimPrefix(target, "http://")
	buf := make([]byte, slowChunk)
	for {
		select {
		case <-stop:
			return
		default:
		}
		c, err := net.Dial("tcp", host)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		fmt.Fprintf(c, "GET /export?format=graphml HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: slow-reader-%d\r\n\r\n", host, i)
		br := bufio.NewReaderSize(c, slowChunk)
		done := false
		for !done {
			select {
			case <-stop:
				c.Close()
				return
			default:
			}
			c.SetReadDeadline(time.Now().Add(time.Minute))
			n, err := br.Read(buf)
			if err == io.EOF {
				done = true
				break
			}
			if err != nil || n == 0 {
				break
			}
			s.slowBytes.Add(int64(n))
			time.Sleep(slowPause)
		}
		c.Close()
		if done {
			s.slowDone.Add(1)
		} else {
			s.slowCut.Add(1)
		}
	}
}

type gauges struct {
	goroutines int
	rss, heap  float64
}

// back reports whether the server came back to its baseline: goroutines
// within a handful (the metrics scrape itself, timers), RSS within a quarter.
func (g gauges) back(base gauges) bool {
	return g.goroutines <= base.goroutines+5 && g.rss <= base.rss*1.25+8<<20
}

// serverGauges reads the server's own figures from its /metrics.
func serverGauges(target string) (gauges, error) {
	res, err := http.Get(target + "/metrics")
	if err != nil {
		return gauges{}, err
	}
	defer res.Body.Close()
	var g gauges
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	vals := map[string]float64{}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 2 {
			if v, err := strconv.ParseFloat(f[1], 64); err == nil {
				vals[f[0]] = v
			}
		}
	}
	g.goroutines = int(vals["go_goroutines"])
	g.rss = vals["process_resident_memory_bytes"]
	g.heap = vals["go_memstats_heap_inuse_bytes"]
	if g.goroutines == 0 || g.rss == 0 {
		return g, fmt.Errorf("%s/metrics lacks go_goroutines or process_resident_memory_bytes", target)
	}
	return g, nil
}
