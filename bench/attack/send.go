//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// result is one request's outcome.
type result struct {
	Status int     `json:"status"`
	Code   string  `json:"code,omitempty"`   // the first error's extensions.code
	Errors bool    `json:"errors,omitempty"` // the answer carries errors
	Bytes  int64   `json:"bytes"`            // of the body
	Secs   float64 `json:"secs"`             // from sending to the answer's last byte
	Err    string  `json:"err,omitempty"`    // no (whole) answer: why
}

// outcome says whether a request was answered, or refused with a code a
// client can act on: a transport error, an answer cut short, or an error
// without a code is neither.
func (r result) outcome() (ok bool, why string) {
	switch {
	case r.Err != "":
		return false, r.Err
	case r.Errors && r.Code == "":
		return false, fmt.Sprintf("%d with an error that has no code", r.Status)
	case r.Status >= 500 && r.Code == "":
		return false, fmt.Sprintf("%d without a code", r.Status)
	}
	return true, ""
}

// label is the answer as the table shows it: status and code.
func (r result) label() string {
	switch {
	case r.Err != "":
		return "no answer"
	case r.Code != "":
		return fmt.Sprintf("%d %s", r.Status, r.Code)
	}
	return fmt.Sprint(r.Status)
}

// target is the server an attack is sent to.
type target struct {
	pid    int // the server's
	base   string
	client *http.Client
	wait   time.Duration
}

func newTarget(pid int, base string, wait time.Duration) *target {
	return &target{
		pid:  pid,
		base: base,
		wait: wait,
		client: &http.Client{Transport: &http.Transport{
			// the bytes counted are the bytes the server sent
			DisableCompression:  true,
			MaxIdleConnsPerHost: 64,
		}},
	}
}

func (t *target) close() { t.client.CloseIdleConnections() }

// rss is the server's resident memory now, 0 if it cannot be read.
func (t *target) rss() int64 {
	p, _ := readProc(t.pid)
	return p.rss
}

// graphqlBody is a POST body of the GraphQL-over-HTTP specification.
type graphqlBody struct {
	Query      string         `json:"query,omitempty"`
	Variables  map[string]any `json:"variables,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// post sends a GraphQL request and reads the whole answer.
func (t *target) post(ctx context.Context, body graphqlBody) result {
	b, err := json.Marshal(body)
	if err != nil {
		return result{Err: err.Error()}
	}
	return t.do(ctx, http.MethodPost, "/graphql", b)
}

// query posts a query alone.
func (t *target) query(ctx context.Context, q string) result {
	return t.post(ctx, graphqlBody{Query: q})
}

// persist registers q as an automatic persisted query: the query with its
// SHA-256, as Apollo clients send it after a hash alone was not known.
func (t *target) persist(ctx context.Context, q string) result {
	sum := sha256.Sum256([]byte(q))
	return t.post(ctx, graphqlBody{Query: q, Extensions: map[string]any{
		"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])},
	}})
}

// get sends a GET of path (with its query string as given, unescaped parts
// and all).
func (t *target) get(ctx context.Context, path string) result {
	return t.do(ctx, http.MethodGet, path, nil)
}

func (t *target) do(ctx context.Context, method, path string, body []byte) result {
	ctx, cancel := context.WithTimeout(ctx, t.wait)
	defer cancel()
	start := time.Now()
	u, err := url.Parse(t.base)
	if err != nil {
		return result{Err: err.Error()}
	}
	// Opaque keeps the path and query string byte for byte, so a malformed
	// escape like %zz reaches the server as it is.
	u.Opaque = "//" + u.Host + path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return result{Err: err.Error()}
	}
	req.URL = u
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Body, req.ContentLength = nil, 0
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return result{Err: transportError(err, t.wait), Secs: time.Since(start).Seconds()}
	}
	defer resp.Body.Close()
	return readAnswer(resp, start, t.wait)
}

func transportError(err error, wait time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", wait)
	}
	return err.Error()
}

// prefixBytes is how much of an answer is kept to find its error code: the
// errors come first in every answer the server writes, so a code is within
// the first bytes, and a 250 MB answer is counted, not held.
const prefixBytes = 64 << 10

var codeRe = regexp.MustCompile(`"code":"([^"\\]*)"`)

// readAnswer reads a response to its end, counting its bytes and keeping
// what it needs of it to find its error code.
func readAnswer(resp *http.Response, start time.Time, wait time.Duration) result {
	r := result{Status: resp.StatusCode}
	var prefix bytes.Buffer
	n, err := io.Copy(&prefix, io.LimitReader(resp.Body, prefixBytes))
	if err == nil {
		var m int64
		m, err = io.Copy(io.Discard, resp.Body)
		n += m
	}
	r.Bytes = n
	r.Secs = time.Since(start).Seconds()
	if err != nil {
		r.Err = "answer cut short after " + fmt.Sprint(n) + " bytes: " + transportError(err, wait)
		return r
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" && mt != "application/graphql-response+json" {
		return r
	}
	p := bytes.TrimSpace(prefix.Bytes())
	r.Errors = bytes.HasPrefix(p, []byte(`{"errors":[`))
	if !r.Errors {
		return r
	}
	if int64(prefix.Len()) == n {
		var v struct {
			Errors []struct {
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if json.Unmarshal(p, &v) == nil && len(v.Errors) > 0 {
			r.Code = v.Errors[0].Extensions.Code
		}
		return r
	}
	if m := codeRe.FindSubmatch(p); m != nil {
		r.Code = string(m[1])
	}
	return r
}

// declaredTooLarge sends a POST whose Content-Length declares more than the
// body limit, with a small body, and waits for the answer without sending
// the rest: a server that reads before refusing waits with it.
func (t *target) declaredTooLarge(ctx context.Context, declared int64) result {
	u, err := url.Parse(t.base)
	if err != nil {
		return result{Err: err.Error()}
	}
	start := time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return result{Err: err.Error()}
	}
	defer conn.Close()
	conn.SetDeadline(start.Add(t.wait))
	body := `{"query":"{ __typename }"}`
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", u.Host, declared, body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return result{Err: fmt.Sprintf("no answer within %s", t.wait), Secs: time.Since(start).Seconds()}
		}
		return result{Err: err.Error(), Secs: time.Since(start).Seconds()}
	}
	defer resp.Body.Close()
	return readAnswer(resp, start, t.wait)
}

// together sends n requests at once, each on its own connection, and
// returns their results in order.
func together(n int, send func(i int) result) []result {
	out := make([]result, n)
	var ready, wg sync.WaitGroup
	ready.Add(1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Wait()
			out[i] = send(i)
		}()
	}
	ready.Done()
	wg.Wait()
	return out
}

// pool sends n requests with c of them in flight at a time.
func pool(n, c int, send func(i int) result) []result {
	out := make([]result, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = send(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
