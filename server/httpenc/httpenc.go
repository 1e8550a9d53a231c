// Package httpenc compresses HTTP responses with the content codings a
// client accepts (brotli, then gzip), for the static assets, the GraphQL
// answers and the exports alike, so that every route negotiates, tags and
// varies the same way.
package httpenc

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
)

// Content codings, as Content-Encoding names them; Identity is none.
const (
	Brotli   = "br"
	Gzip     = "gzip"
	Identity = ""
)

// MinSize is the smallest body worth compressing: below it, the coding's
// header and trailer outweigh the gain, and a short answer is sent as is.
const MinSize = 1024

// Negotiate picks the coding of a response from the request's
// Accept-Encoding (RFC 9110 §12.5.3): the one with the highest q-value among
// br and gzip, brotli on a tie; `*` stands for any coding not named, q=0
// refuses one, and an `identity` weighted above both wins. Identity is
// always acceptable here: a client that refuses it too gets it anyway
// rather than a 406, as the RFC allows.
func Negotiate(acceptEncoding string) string {
	q := map[string]float64{}
	star, hasStar := 0.0, false
	for _, part := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		w := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					w = f
				} else {
					w = 0 // a malformed weight accepts nothing
				}
			}
		}
		if name == "*" {
			star, hasStar = w, true
			continue
		}
		q[name] = w
	}
	weight := func(c string) float64 {
		if w, ok := q[c]; ok {
			return w
		}
		if c == Gzip {
			if w, ok := q["x-gzip"]; ok {
				return w
			}
		}
		if hasStar {
			return star
		}
		return 0
	}
	best, bestQ := Identity, 0.0
	for _, c := range []string{Brotli, Gzip} { // preference order on a tie
		if w := weight(c); w > bestQ {
			best, bestQ = c, w
		}
	}
	// not named, identity is acceptable but the least preferred
	if w, ok := q["identity"]; ok && w > bestQ {
		return Identity
	}
	return best
}

// Compressible reports whether a body of this media type shrinks when
// compressed: text, JSON, XML and RDF do; zip, images and fonts are
// compressed already.
func Compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "json"), strings.HasSuffix(mt, "xml"),
		strings.HasSuffix(mt, "javascript"):
		return true
	}
	switch mt {
	case "application/n-quads", "application/n-triples", "application/trig", "application/wasm":
		return true
	}
	return false
}

// Vary says, once, that the response depends on Accept-Encoding, so that a
// shared cache keeps one copy per coding and never gives brotli to a client
// that asked for gzip.
func Vary(h http.Header) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, "Accept-Encoding") {
				return
			}
		}
	}
	h.Add("Vary", "Accept-Encoding")
}

// ETag is the entity tag of a coding's variant of a representation tagged
// etag: the coding is appended inside the quotes (`"abc"` becomes
// `"abc-br"`), so each variant revalidates on its own, weak or strong.
func ETag(etag, coding string) string {
	if coding == Identity || !strings.HasSuffix(etag, `"`) || len(etag) < 2 {
		return etag
	}
	return etag[:len(etag)-1] + "-" + coding + `"`
}

// NoneMatch reports whether an If-None-Match header names etag: `*`, or one
// of its tags by weak comparison (RFC 9110 §13.1.2).
func NoneMatch(ifNoneMatch, etag string) bool {
	if etag == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// Levels of compression: Fast for bodies compressed per request, Best for
// files compressed once and served many times.
type Level int

const (
	Fast Level = iota
	Best
)

// Writer compresses what is written to it; Flush sends what it holds so
// far, Close ends the stream.
type Writer interface {
	io.WriteCloser
	Flush() error
}

// NewWriter compresses into w with a coding (Brotli or Gzip).
func NewWriter(w io.Writer, coding string, level Level) Writer {
	if coding == Brotli {
		q := 5 // about gzip's speed, a tenth smaller
		if level == Best {
			q = brotli.BestCompression
		}
		return brotli.NewWriterLevel(w, q)
	}
	l := gzip.DefaultCompression
	if level == Best {
		l = gzip.BestCompression
	}
	zw, _ := gzip.NewWriterLevel(w, l) // the level is valid
	return zw
}

// Encode compresses a whole body with a coding.
func Encode(body []byte, coding string, level Level) []byte {
	var b bytes.Buffer
	b.Grow(len(body) / 3)
	zw := NewWriter(&b, coding, level)
	zw.Write(body) // a bytes.Buffer never fails
	zw.Close()
	return b.Bytes()
}

// Stream compresses a streamed response (an export) as it is written, when
// the request accepts a coding and the Content-Type, set before the first
// Write, is Compressible. It flushes every FlushEvery bytes written, so the
// client receives the file as it is made, never held whole; Close ends it.
type Stream struct {
	w       http.ResponseWriter
	coding  string
	enc     Writer
	started bool
	pending int
}

// FlushEvery is how many bytes a Stream takes in between flushes.
const FlushEvery = 32 << 10

// NewStream negotiates the coding of r's response. A HEAD response has no
// body, and is not compressed.
func NewStream(w http.ResponseWriter, r *http.Request) *Stream {
	s := &Stream{w: w}
	if r.Method != http.MethodHead {
		s.coding = Negotiate(r.Header.Get("Accept-Encoding"))
	}
	return s
}

func (s *Stream) start() {
	s.started = true
	h := s.w.Header()
	if !Compressible(h.Get("Content-Type")) {
		return
	}
	Vary(h)
	if s.coding == Identity {
		return
	}
	h.Set("Content-Encoding", s.coding)
	h.Del("Content-Length")
	if et := h.Get("ETag"); et != "" {
		h.Set("ETag", ETag(et, s.coding))
	}
	s.enc = NewWriter(s.w, s.coding, Fast)
}

func (s *Stream) Write(p []byte) (int, error) {
	if !s.started {
		s.start()
	}
	if s.enc == nil {
		return s.w.Write(p)
	}
	n, err := s.enc.Write(p)
	if err != nil {
		return n, err
	}
	if s.pending += n; s.pending >= FlushEvery {
		s.pending = 0
		if err := s.enc.Flush(); err != nil {
			return n, err
		}
		// a writer that cannot flush (a test's recorder) still gets everything at Close
		http.NewResponseController(s.w).Flush()
	}
	return n, nil
}

// Close writes what the compressor holds and its trailer.
func (s *Stream) Close() error {
	if s.enc == nil {
		return nil
	}
	return s.enc.Close()
}
