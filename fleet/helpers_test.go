package fleet_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// tailBuffer keeps the start and the end of what a process writes: a
// replica logs every request, and a failure wants its first lines (how it
// started) and its last.
type tailBuffer struct {
	mu      sync.Mutex
	head    []byte
	tail    []byte
	dropped int
}

const (
	headMax = 16 << 10
	tailMax = 64 << 10
)

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := headMax - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	b.tail = append(b.tail, p...)
	if len(b.tail) > 2*tailMax {
		drop := len(b.tail) - tailMax
		b.dropped += drop
		b.tail = append([]byte(nil), b.tail[drop:]...)
	}
	return n, nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := b.tail
	dropped := b.dropped
	if len(tail) > tailMax {
		dropped += len(tail) - tailMax
		tail = tail[len(tail)-tailMax:]
	}
	if dropped == 0 {
		return string(b.head) + string(tail)
	}
	return fmt.Sprintf("%s\n[... %d bytes left out ...]\n%s", b.head, dropped, tail)
}

// proc is a child process: a replica, a writer-mode server, HAProxy.
type proc struct {
	name    string
	path    string
	args    []string
	env     []string
	cmd     *exec.Cmd
	stdout  *tailBuffer
	stderr  *tailBuffer
	started time.Time
	done    chan struct{}
	err     error // once done is closed
}

func startProc(name, path string, env []string, args ...string) (*proc, error) {
	p := &proc{name: name, path: path, args: args, env: env, stdout: &tailBuffer{}, stderr: &tailBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// again starts a process like p, with the same arguments.
func (p *proc) again() (*proc, error) { return startProc(p.name, p.path, p.env, p.args...) }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit, up to d, and returns how it exited.
func (p *proc) wait(d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		return fmt.Errorf("%s did not exit within %s", p.name, d)
	}
}

func (p *proc) signal(s os.Signal) {
	if !p.exited() {
		_ = p.cmd.Process.Signal(s)
	}
}

// kill ends the process if it still runs and waits for it.
func (p *proc) kill() {
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

func (p *proc) describe() string {
	state := "running"
	if p.exited() {
		state = fmt.Sprintf("exited (%v)", p.err)
	}
	return fmt.Sprintf("== %s: %s %s\n== %s; stderr:\n%s\n== stdout:\n%s", p.name, p.path, strings.Join(p.args, " "), state, p.stderr, p.stdout)
}

// result is what a command that runs to its end did.
type result struct {
	stdout, stderr string
	code           int // -1: did not finish (killed at the context's end)
	took           time.Duration
}

// run runs a command to its end, or until ctx ends.
func run(ctx context.Context, env []string, path string, args ...string) (result, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: o.String(), stderr: e.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.code = -1
		return r, fmt.Errorf("%s %s did not finish: %w", path, strings.Join(args, " "), ctx.Err())
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		return r, err
	}
	return r, nil
}

// freeAddr is a loopback address with a port no one listens on (now).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// tcpProxy relays TCP connections to a target: between a replica and
// PostgreSQL, so that the test can cut the database off and bring it back.
type tcpProxy struct {
	addr, target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func (p *tcpProxy) start() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln = ln
	if p.conns == nil {
		p.conns = map[net.Conn]struct{}{}
	}
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.relay(c)
			}()
		}
	}()
	return nil
}

func (p *tcpProxy) relay(c net.Conn) {
	u, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		c.Close()
		u.Close()
		return
	}
	p.conns[c], p.conns[u] = struct{}{}, struct{}{}
	p.mu.Unlock()
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			c.Close()
			u.Close()
			p.mu.Lock()
			delete(p.conns, c)
			delete(p.conns, u)
			p.mu.Unlock()
		})
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); io.Copy(u, c); closeBoth() }()
	go func() { defer wg.Done(); io.Copy(c, u); closeBoth() }()
	wg.Wait()
}

// stop closes the listener and every connection relayed: the database is
// gone for whoever was behind the proxy.
func (p *tcpProxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// readmeBlock is the fenced block of the given language that first follows
// a line of the README containing marker.
func readmeBlock(readme, marker, lang string) (string, error) {
	i := strings.Index(readme, marker)
	if i < 0 {
		return "", fmt.Errorf("the README has no line containing %q", marker)
	}
	m := regexp.MustCompile("(?s)\n```" + regexp.QuoteMeta(lang) + "\n(.*?)\n```").FindStringSubmatch(readme[i:])
	if m == nil {
		return "", fmt.Errorf("no ```%s block follows %q in the README", lang, marker)
	}
	return m[1] + "\n", nil
}

// sqlStatements splits SQL into its statements: each ends with a ; at the
// end of a line; lines starting with -- are comments.
func sqlStatements(block string) []string {
	var out []string
	var cur []string
	for _, l := range strings.Split(block, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur = append(cur, l)
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n"))
	}
	return out
}

// HTTP

type answer struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func do(ctx context.Context, c *http.Client, method, url string, body []byte) (answer, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return answer{took: time.Since(start)}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(start)}
	return a, err
}

// graphQL posts a query and checks that it was answered: 200 and no
// errors.
func graphQL(ctx context.Context, c *http.Client, base, query string) (answer, error) {
	body, _ := json.Marshal(map[string]string{"query": query})
	a, err := do(ctx, c, http.MethodPost, base+"/graphql", body)
	if err != nil {
		return a, err
	}
	if a.status != http.StatusOK {
		return a, fmt.Errorf("status %d: %.300s", a.status, a.body)
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(a.body, &resp); err != nil {
		return a, fmt.Errorf("not JSON: %v: %.300s", err, a.body)
	}
	if len(resp.Errors) > 0 || len(resp.Data) == 0 || string(resp.Data) == "null" {
		return a, fmt.Errorf("GraphQL errors: %.300s", a.body)
	}
	return a, nil
}

// rawGet GETs path from addr over a connection of its own, in large
// reads, and returns the status and the size of the body; a chunked body
// must end with its last chunk (an export cut short does not).
func rawGet(ctx context.Context, addr, path string) (status int, size int64, err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr); err != nil {
		return 0, 0, err
	}
	br := bufio.NewReaderSize(conn, 1<<20)
	line, err := br.ReadString('\n')
	if err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
		return 0, 0, fmt.Errorf("status line %q: %w", line, err)
	}
	chunked := false
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return status, 0, err
		}
		if h == "\r\n" {
			break
		}
		if k, v, _ := strings.Cut(h, ":"); strings.EqualFold(k, "Transfer-Encoding") && strings.Contains(strings.ToLower(v), "chunked") {
			chunked = true
		}
	}
	buf := make([]byte, 1<<20)
	var last []byte
	for {
		n, err := br.Read(buf)
		size += int64(n)
		if n > 0 {
			last = append(last, buf[max(0, n-5):n]...)
			last = last[max(0, len(last)-5):]
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return status, size, err
		}
	}
	if chunked && string(last) != "0\r\n\r\n" {
		return status, size, fmt.Errorf("the chunked body ends without its last chunk (%q)", last)
	}
	return status, size, nil
}

// ready is the body of /readyz.
type ready struct {
	Status      string `json:"status"`
	Generation  string `json:"generation"`
	DataVersion *int   `json:"dataVersion"`
	Database    struct {
		Reachable bool   `json:"reachable"`
		Current   string `json:"current"`
	} `json:"database"`
}

func readyz(ctx context.Context, c *http.Client, base string) (ready, answer, error) {
	var r ready
	a, err := do(ctx, c, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return r, a, err
	}
	if err := json.Unmarshal(a.body, &r); err != nil {
		return r, a, fmt.Errorf("/readyz %d: not JSON: %v: %.300s", a.status, err, a.body)
	}
	return r, a, nil
}

// waitReady polls /readyz until it answers 200 (with generation gen, unless
// gen is ""), or until limit passes; it returns the last answer and how
// long it took from since.
func waitReady(ctx context.Context, c *http.Client, base, gen string, since time.Time, limit time.Duration) (ready, time.Duration, error) {
	deadline := since.Add(limit)
	var last ready
	var lastErr error
	for {
		r, a, err := readyz(ctx, c, base)
		if err == nil && a.status == http.StatusOK && (gen == "" || r.Generation == gen) {
			return r, time.Since(since), nil
		}
		last = r
		if err != nil {
			lastErr = err
		} else {
			lastErr = fmt.Errorf("/readyz %d: %s", a.status, bytes.TrimSpace(a.body))
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return last, time.Since(since), fmt.Errorf("%s not ready (generation %q) within %s: last: %v", base, gen, limit, lastErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// currentGeneration is the generation the store names as current.
func currentGeneration(ctx context.Context, db *sql.DB, prefix string) (string, error) {
	var g string
	err := db.QueryRowContext(ctx, `SELECT generation FROM `+prefix+`_current LIMIT 1`).Scan(&g)
	return g, err
}

var generationPrinted = regexp.MustCompile(`\(([a-z][a-z0-9_]*_g[0-9]+)\)`)
