package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Request is one line of a request list (JSON Lines).
type Request struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"ctype,omitempty"`
	Body        string `json:"body,omitempty"`
	// Expect must occur in the answer's body.
	Expect string `json:"expect"`
	// Reject must not occur in it (GraphQL errors, say).
	Reject string `json:"reject,omitempty"`
}

// Result is what run prints.
type Result struct {
	Target      string         `json:"target"`
	Requests    int            `json:"requests"`
	Distinct    int            `json:"distinct"`
	Connections int            `json:"connections"`
	Seconds     float64        `json:"seconds"`
	RPS         float64        `json:"rps"`
	P50ms       float64        `json:"p50_ms"`
	P90ms       float64        `json:"p90_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	Errors      int            `json:"errors"`
	FirstError  string         `json:"first_error,omitempty"`
	Cache       map[string]int `json:"cache,omitempty"`
}

func runMain(args []string) error {
	fs := flag.NewFlagSet("loadgen run", flag.ContinueOnError)
	target := fs.String("target", "", "base URL of the server, e.g. http://127.0.0.1:8080")
	reqFile := fs.String("requests", "", "request list (JSON Lines, from loadgen plan)")
	conns := fs.Int("c", 16, "connections, each with one request in flight")
	dur := fs.Duration("d", 10*time.Second, "how long to measure")
	warm := fs.Duration("warmup", 2*time.Second, "how long to send requests before measuring")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" || *reqFile == "" || *conns < 1 || *dur <= 0 {
		fs.Usage()
		return errors.New("--target and --requests are required; -c and -d positive")
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--target %q is not a URL", *target)
	}
	reqs, err := readRequests(*reqFile)
	if err != nil {
		return err
	}
	wires := make([][]byte, len(reqs))
	for i, r := range reqs {
		wires[i] = wire(u.Host, r)
	}

	start := time.Now()
	measure := start.Add(*warm)
	end := measure.Add(*dur)
	workers := make([]*worker, *conns)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{addr: u.Host, reqs: reqs, wires: wires, next: i * len(reqs) / *conns, cache: map[string]int{}}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(measure, end)
		}()
	}
	wg.Wait()
	elapsed := time.Since(measure).Seconds()

	res := Result{Target: *target, Connections: *conns, Distinct: len(reqs), Seconds: elapsed, Cache: map[string]int{}}
	var lat []time.Duration
	for _, w := range workers {
		lat = append(lat, w.lat...)
		res.Errors += w.errors
		if res.FirstError == "" {
			res.FirstError = w.firstErr
		}
		for k, v := range w.cache {
			res.Cache[k] += v
		}
	}
	slices.Sort(lat)
	res.Requests = len(lat)
	if elapsed > 0 {
		res.RPS = float64(len(lat)) / elapsed
	}
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := min(int(p*float64(len(lat))), len(lat)-1)
		return float64(lat[i]) / 1e6
	}
	res.P50ms, res.P90ms, res.P99ms = pct(0.50), pct(0.90), pct(0.99)
	if len(lat) > 0 {
		res.MaxMs = float64(lat[len(lat)-1]) / 1e6
	}
	if len(res.Cache) == 0 {
		res.Cache = nil
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func readRequests(name string) ([]Request, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var reqs []Request
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r Request
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		if r.Expect == "" {
			return nil, fmt.Errorf("%s:%d: no expected answer", name, n)
		}
		reqs = append(reqs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("%s: no requests", name)
	}
	return reqs, nil
}

// wire is a request as the bytes sent for it: HTTP/1.1, kept alive.
func wire(host string, r Request) []byte {
	var b bytes.Buffer
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: digidip-bench\r\nAccept: */*\r\n", method, r.Path, host)
	if r.Body != "" || method == http.MethodPost {
		if r.ContentType != "" {
			fmt.Fprintf(&b, "Content-Type: %s\r\n", r.ContentType)
		}
		b.WriteString("Content-Length: " + strconv.Itoa(len(r.Body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return b.Bytes()
}

// worker is one connection: it writes a request, reads the whole answer and
// checks it, then sends the next. Raw HTTP/1.1 over one TCP connection
// keeps the client's own cost small (no per-request goroutines or pools),
// so the figure is the server's.
type worker struct {
	addr  string
	reqs  []Request
	wires [][]byte
	next  int

	conn net.Conn
	br   *bufio.Reader
	body bytes.Buffer

	lat      []time.Duration
	errors   int
	firstErr string
	cache    map[string]int
}

func (w *worker) fail(counted bool, format string, args ...any) {
	if !counted {
		return
	}
	w.errors++
	if w.firstErr == "" {
		w.firstErr = fmt.Sprintf(format, args...)
	}
}

func (w *worker) loop(measure, end time.Time) {
	defer func() {
		if w.conn != nil {
			w.conn.Close()
		}
	}()
	for {
		t0 := time.Now()
		if !t0.Before(end) {
			return
		}
		counted := !t0.Before(measure)
		i := w.next
		w.next = (w.next + 1) % len(w.reqs)
		if w.conn == nil {
			c, err := net.Dial("tcp", w.addr)
			if err != nil {
				w.fail(counted, "dial: %v", err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			w.conn, w.br = c, bufio.NewReaderSize(c, 32<<10)
		}
		ok, keep := w.do(i, counted)
		t1 := time.Now()
		if !keep {
			w.conn.Close()
			w.conn = nil
		}
		if ok && counted && !t1.After(end) {
			w.lat = append(w.lat, t1.Sub(t0))
		}
	}
}

// do sends request i and checks its answer. It reports whether the answer
// was right and whether the connection can be used again.
func (w *worker) do(i int, counted bool) (ok, keep bool) {
	r := w.reqs[i]
	w.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := w.conn.Write(w.wires[i]); err != nil {
		w.fail(counted, "write: %v", err)
		return false, false
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		w.fail(counted, "read: %v", err)
		return false, false
	}
	w.body.Reset()
	_, err = w.body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		w.fail(counted, "read body: %v", err)
		return false, false
	}
	keep = !resp.Close
	if counted {
		if c := resp.Header.Get("X-Cache"); c != "" {
			w.cache[c]++
		}
	}
	body := w.body.Bytes()
	switch {
	case resp.StatusCode != http.StatusOK:
		w.fail(counted, "%s %s: status %d: %.200s", r.Method, r.Path, resp.StatusCode, body)
		return false, keep
	case !bytes.Contains(body, []byte(r.Expect)):
		w.fail(counted, "%s %s %.200s: answer lacks %q: %.300s", r.Method, r.Path, r.Body, r.Expect, body)
		return false, keep
	case r.Reject != "" && bytes.Contains(body, []byte(r.Reject)):
		w.fail(counted, "%s %s %.200s: answer has %q: %.300s", r.Method, r.Path, r.Body, r.Reject, body)
		return false, keep
	}
	return true, keep
}
