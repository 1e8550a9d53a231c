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
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	// Count, when set, must occur exactly Want times: an answer with
	// fewer objects than asked for is "non-full", counted apart, because a
	// short answer is cheaper and would flatter the server that gave it.
	Count string `json:"count,omitempty"`
	Want  int    `json:"want,omitempty"`
}

// Result is what run prints: one measurement.
type Result struct {
	Target string  `json:"target"`
	Mode   string  `json:"mode"`           // saturation (closed loop) or open (fixed rate)
	Rate   float64 `json:"rate,omitempty"` // open loop: the rate asked for, req/s
	// Requests is how many answers the latencies cover: those read in the
	// window (closed loop), those due in it (open loop). RPS is answers read
	// in the window a second, whenever they were due.
	Requests    int     `json:"requests"`
	Distinct    int     `json:"distinct"`
	Connections int     `json:"connections"`
	Seconds     float64 `json:"duration_s"`
	RPS         float64 `json:"rps"`
	// Latency percentiles, ms. Open loop: from the moment the request was
	// due to be sent, so time queued behind a slow answer counts.
	P50ms float64 `json:"p50_ms"`
	P90ms float64 `json:"p90_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// Open loop: from the moment it was actually sent (service time alone).
	SvcP50ms float64 `json:"svc_p50_ms,omitempty"`
	SvcP99ms float64 `json:"svc_p99_ms,omitempty"`
	// Open loop: requests due before the end that were never sent because
	// the server fell too far behind; they count in the percentiles with
	// the time they had waited when the run stopped.
	Unsent     int            `json:"unsent,omitempty"`
	Errors     int            `json:"errors"`
	FirstError string         `json:"first_error,omitempty"`
	NonFull    int            `json:"nonfull"`
	FirstShort string         `json:"first_nonfull,omitempty"`
	Cache      map[string]int `json:"x_cache,omitempty"`
	// The server's CPU time over the window (from /proc), and that as a
	// share of the window: on a shared machine, what its core let it have.
	ServerCPU   float64 `json:"server_cpu_s,omitempty"`
	ServerShare float64 `json:"server_cpu_share,omitempty"`
}

// cpuWindow is a process's CPU time between the start and the end of the
// measured window (read once watch has returned).
type cpuWindow struct {
	from, to   float64
	start, end time.Time
	ok         bool
}

func (c *cpuWindow) watch(pid int, measure time.Time, end *deadline) {
	time.Sleep(time.Until(measure))
	a, err := procCPU(pid)
	t0 := time.Now()
	if err != nil {
		return
	}
	for time.Now().Before(end.at()) {
		time.Sleep(min(10*time.Millisecond, time.Until(end.at())+time.Millisecond))
	}
	b, err := procCPU(pid)
	if err != nil {
		return
	}
	c.from, c.to, c.start, c.end, c.ok = a, b, t0, time.Now(), true
}

func (c *cpuWindow) result() (float64, float64) {
	if !c.ok {
		return 0, 0
	}
	used := c.to - c.from
	return used, used / c.end.Sub(c.start).Seconds()
}

// procCPU is a process's user and system CPU time in seconds, from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// the command name (field 2) may hold spaces: count from its ')'
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	k, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return (u + k) / 100, nil
}

// loadOptions is one run of the load generator.
type loadOptions struct {
	target    string // host:port
	reqs      []Request
	conns     int
	dur, warm time.Duration
	rate      float64       // open loop: requests due a second; 0: closed loop
	drain     time.Duration // open loop: how long past the end due requests may still go
	serverPID int           // 0: no CPU time reported
}

func runMain(args []string) error {
	fs := flag.NewFlagSet("loadgen run", flag.ContinueOnError)
	target := fs.String("target", "", "base URL of the server, e.g. http://127.0.0.1:8080")
	reqFile := fs.String("requests", "", "request list (JSON Lines, from loadgen plan)")
	o := loadOptions{}
	fs.IntVar(&o.conns, "c", 16, "connections, each with one request in flight")
	fs.DurationVar(&o.dur, "d", 10*time.Second, "how long to measure (SIGTERM or SIGINT ends it sooner, and the result is printed)")
	fs.DurationVar(&o.warm, "warmup", 2*time.Second, "how long to send requests before measuring")
	fs.Float64Var(&o.rate, "rate", 0, "open loop: send this many requests a second whatever the answers do (0: closed loop, each connection sends when its last answer is read)")
	fs.DurationVar(&o.drain, "drain", 5*time.Second, "open loop: how long past the end requests already due may still be sent")
	fs.IntVar(&o.serverPID, "server-pid", 0, "the server's process: its CPU time over the window is reported (what a shared core let it have)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" || *reqFile == "" || o.conns < 1 || o.dur <= 0 || o.rate < 0 {
		fs.Usage()
		return errors.New("--target and --requests are required; -c and -d positive, --rate not negative")
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--target %q is not a URL", *target)
	}
	o.target = u.Host
	if o.reqs, err = readRequests(*reqFile); err != nil {
		return err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	res := load(o, stop)
	res.Target = *target
	return json.NewEncoder(os.Stdout).Encode(res)
}

// load runs the load generator; a value on stop ends the window early.
func load(o loadOptions, stop <-chan os.Signal) Result {
	wires := make([][]byte, len(o.reqs))
	for i, r := range o.reqs {
		wires[i] = wire(o.target, r)
	}
	start := time.Now()
	measure := start.Add(o.warm)
	end := newDeadline(measure.Add(o.dur))
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-stop:
			end.cut(time.Now())
		case <-finished:
		}
	}()
	var cpu cpuWindow
	cpuDone := make(chan struct{})
	if o.serverPID > 0 {
		go func() {
			defer close(cpuDone)
			cpu.watch(o.serverPID, measure, end)
		}()
	} else {
		close(cpuDone)
	}

	var sched *schedule
	if o.rate > 0 {
		sched = &schedule{start: start, interval: time.Duration(float64(time.Second) / o.rate), drain: o.drain}
	}
	workers := make([]*worker, o.conns)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{addr: o.target, reqs: o.reqs, wires: wires, next: i * len(o.reqs) / o.conns, cache: map[string]int{}}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sched != nil {
				w.open(sched, measure, end)
			} else {
				w.closed(measure, end)
			}
		}()
	}
	wg.Wait()
	stopped := end.at()
	elapsed := stopped.Sub(measure).Seconds()

	res := Result{Mode: "saturation", Connections: o.conns, Distinct: len(o.reqs), Seconds: elapsed, Cache: map[string]int{}}
	var lat, svc []time.Duration
	for _, w := range workers {
		lat = append(lat, w.lat...)
		svc = append(svc, w.svc...)
		res.Errors += w.errors
		res.NonFull += w.nonfull
		if res.FirstError == "" {
			res.FirstError = w.firstErr
		}
		if res.FirstShort == "" {
			res.FirstShort = w.firstShort
		}
		for k, v := range w.cache {
			res.Cache[k] += v
		}
	}
	res.Requests = len(lat)
	answered := res.Requests
	if sched != nil {
		answered = 0
		for _, w := range workers {
			answered += w.inWindow
		}
		res.Mode, res.Rate = "open", o.rate
		// Requests due in the window that no connection got to send: each
		// waited at least from its due time to the moment the run gave up.
		giveUp := time.Now()
		for due := range sched.unsent(measure, stopped) {
			lat = append(lat, giveUp.Sub(due))
			res.Unsent++
		}
	}
	slices.Sort(lat)
	slices.Sort(svc)
	if elapsed > 0 {
		res.RPS = float64(answered) / elapsed
	}
	res.P50ms, res.P90ms, res.P99ms, res.MaxMs = pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), pct(lat, 1)
	if sched != nil {
		res.SvcP50ms, res.SvcP99ms = pct(svc, 0.50), pct(svc, 0.99)
	}
	if len(res.Cache) == 0 {
		res.Cache = nil
	}
	<-cpuDone
	res.ServerCPU, res.ServerShare = cpu.result()
	return res
}

// pct is the p-quantile of sorted durations, in ms (p = 1: the largest).
func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(p*float64(len(sorted))), len(sorted)-1)
	return float64(sorted[i]) / 1e6
}

// deadline is the end of a run, which a signal may bring forward.
type deadline struct {
	mu sync.Mutex
	t  time.Time
}

func newDeadline(t time.Time) *deadline { return &deadline{t: t} }

func (d *deadline) at() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.t
}

func (d *deadline) cut(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t.Before(d.t) {
		d.t = t
	}
}

// schedule hands out the due times of an open-loop run: request k is due
// at start + k×interval, whoever sends it. A connection that falls behind
// sends late and the lateness is in the latency, as it is for a user.
type schedule struct {
	start    time.Time
	interval time.Duration
	drain    time.Duration
	next     atomic.Int64 // the first slot no connection has taken
}

// take returns the next due time, or false once the due times pass the end,
// or once the end plus the drain has passed (the rest are left unsent).
func (s *schedule) take(end *deadline) (time.Time, bool) {
	e := end.at()
	if time.Now().After(e.Add(s.drain)) {
		return time.Time{}, false
	}
	k := s.next.Add(1) - 1
	due := s.start.Add(time.Duration(k) * s.interval)
	if !due.Before(e) {
		return time.Time{}, false
	}
	return due, true
}

// unsent yields the due times in [from, to) of slots never taken, once
// every connection has stopped.
func (s *schedule) unsent(from, to time.Time) func(func(time.Time) bool) {
	return func(yield func(time.Time) bool) {
		for k := s.next.Load(); ; k++ {
			due := s.start.Add(time.Duration(k) * s.interval)
			if !due.Before(to) {
				return
			}
			if due.Before(from) {
				continue
			}
			if !yield(due) {
				return
			}
		}
	}
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
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if r.Expect == "" {
			return nil, fmt.Errorf("%s:%d: no expected answer", name, n)
		}
		reqs = append(reqs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
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

	lat, svc   []time.Duration
	inWindow   int // open loop: answers read within the window, whenever due
	errors     int
	firstErr   string
	nonfull    int
	firstShort string
	cache      map[string]int
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

// closed sends each request as soon as the last answer is read.
func (w *worker) closed(measure time.Time, end *deadline) {
	defer w.hangUp()
	for {
		t0 := time.Now()
		e := end.at()
		if !t0.Before(e) {
			return
		}
		counted := !t0.Before(measure)
		if ok := w.send(counted); ok && counted {
			if t1 := time.Now(); !t1.After(end.at()) {
				w.lat = append(w.lat, t1.Sub(t0))
			}
		}
	}
}

// open sends each request at its due time, or at once when it is already
// late, and measures from the due time.
func (w *worker) open(s *schedule, measure time.Time, end *deadline) {
	defer w.hangUp()
	for {
		due, ok := s.take(end)
		if !ok {
			return
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		counted := !due.Before(measure)
		t0 := time.Now()
		right := w.send(counted)
		t1 := time.Now()
		if right && !t1.Before(measure) && t1.Before(end.at()) {
			w.inWindow++
		}
		if right && counted {
			w.lat = append(w.lat, t1.Sub(due))
			w.svc = append(w.svc, t1.Sub(t0))
		}
	}
}

func (w *worker) hangUp() {
	if w.conn != nil {
		w.conn.Close()
	}
}

// send sends the next request of the list on the connection (dialling
// when there is none) and reports whether it was answered rightly.
func (w *worker) send(counted bool) bool {
	i := w.next
	w.next = (w.next + 1) % len(w.reqs)
	if w.conn == nil {
		c, err := net.Dial("tcp", w.addr)
		if err != nil {
			w.fail(counted, "dial: %v", err)
			time.Sleep(10 * time.Millisecond)
			return false
		}
		w.conn, w.br = c, bufio.NewReaderSize(c, 32<<10)
	}
	ok, keep := w.do(i, counted)
	if !keep {
		w.conn.Close()
		w.conn = nil
	}
	return ok
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
	if r.Count != "" && counted {
		if n := bytes.Count(body, []byte(r.Count)); n != r.Want {
			w.nonfull++
			if w.firstShort == "" {
				w.firstShort = fmt.Sprintf("%.200s: %d of %d: %.300s", r.Body, n, r.Want, body)
			}
		}
	}
	return true, keep
}
