package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/server/bytelru"
	"github.com/digidip/digidip/server/httpenc"
)

// responseCache keeps whole GraphQL responses, keyed by the read model that
// answered them and what the request asks: the hash of its document as
// printed (so comments and layout do not count), the operation, the
// variables and the response's media type. The data changes only at a
// load, and a load makes a new read model, so an entry is never stale: it
// is simply never asked for again.
type responseCache struct {
	entries *bytelru.Cache[responseKey, *answer]
}

type responseKey [sha256.Size]byte

// answer is a response as it was sent.
type answer struct {
	status      int
	contentType string
	body        []byte
	etag        string
}

// cost is what an answer pins in the cache: the body's whole array, its
// strings, the answer itself (answerSize) and the cache's bookkeeping.
func (a *answer) cost() int64 {
	return int64(cap(a.body)+len(a.contentType)+len(a.etag)) + answerSize + bytelru.Overhead
}

// answerSize is the size of an answer struct with its key, rounded up.
const answerSize = 96

// Responses larger than this are not kept: a few such would crowd out the
// thousands of small answers that make up most traffic.
const maxCachedResponse = 256 << 10

// newResponseCache keeps up to budget bytes in at most entries answers; it
// is nil, no cache, when either is 0 or less.
func newResponseCache(budget int64, entries int) *responseCache {
	if budget <= 0 || entries <= 0 {
		return nil
	}
	return &responseCache{entries: bytelru.New[responseKey, *answer](budget, entries)}
}

// keyOf names a request by what its answer depends on. Variables are
// printed as canonical JSON (encoding/json sorts object keys, and numbers
// keep their text); a value it cannot print makes the request uncacheable.
func keyOf(version uint64, media string, doc docHash, operation string, variables map[string]any) (responseKey, bool) {
	vars := []byte("{}")
	if len(variables) > 0 {
		var err error
		if vars, err = json.Marshal(variables); err != nil {
			return responseKey{}, false
		}
	}
	h := sha256.New()
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], version)
	h.Write(v[:])
	h.Write(doc[:])
	// lengths first, so that no two requests print the same bytes
	for _, s := range []string{media, operation, string(vars)} {
		binary.BigEndian.PutUint64(v[:], uint64(len(s)))
		h.Write(v[:])
		h.Write([]byte(s))
	}
	var k responseKey
	h.Sum(k[:0])
	return k, true
}

// cacheSlot carries a request's cache key from the transport, which reads
// the request, back to wrap, which keeps the answer; or a hit the transport
// found before running anything.
type cacheSlot struct {
	cache   *responseCache
	version uint64
	key     responseKey
	keyed   bool
	hit     *answer
}

type slotKey struct{}

func slotFrom(ctx context.Context) *cacheSlot {
	s, _ := ctx.Value(slotKey{}).(*cacheSlot)
	return s
}

// lookup keys the request and, when its answer is kept, holds it as the hit.
func (s *cacheSlot) lookup(media string, doc docHash, operation string, variables map[string]any) bool {
	s.key, s.keyed = keyOf(s.version, media, doc, operation, variables)
	if s.keyed {
		s.hit, _ = s.cache.entries.Get(s.key)
	}
	return s.hit != nil
}

// wrap answers a POST whose declared body is over maxBody with 413 before
// reading it, answers repeated requests from the cache (when there is one),
// gives every successful GET answer an ETag, revalidated with 304, and
// compresses answers as the client accepts. It must run inside withGraph,
// whose read model keys the entries.
func (c *responseCache) wrap(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			// The connection cannot be reused: its body is left unread.
			w.Header().Set("Connection", "close")
			media, rerr := negotiate(r.Header.Get("Accept"))
			if rerr != nil {
				media = mediaJSON
			}
			writeRequestError(w, media, tooLarge(maxBody))
			return
		}
		g := graph.FromContext(r.Context())
		if g == nil || r.Method != http.MethodGet && r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		var slot *cacheSlot
		if c != nil {
			slot = &cacheSlot{cache: c, version: g.Version()}
			r = r.WithContext(context.WithValue(r.Context(), slotKey{}, slot))
		}
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
		if slot != nil && slot.hit != nil {
			slot.hit.serve(w, r, "hit")
			return
		}
		a := &answer{status: rec.status, contentType: rec.header.Get("Content-Type"), body: rec.buf.Bytes()}
		for k, v := range rec.header {
			if k != "Content-Type" && k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		// Only complete answers without errors are kept or tagged: an error
		// may come from the request's own deadline, not from the data.
		ok := a.status == http.StatusOK && bytes.HasPrefix(a.body, []byte(`{"data":`))
		if ok {
			a.etag = etagOf(a.body)
			if slot != nil && slot.keyed && len(a.body) <= maxCachedResponse {
				// a copy: the recorder's buffer may have grown to twice the
				// body, and the cache would pin all of it
				kept := *a
				kept.body = bytes.Clone(a.body)
				c.entries.Add(slot.key, &kept, kept.cost())
			}
		}
		state := "miss"
		if c == nil {
			state = "off"
		}
		a.serve(w, r, state)
	})
}

func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// serve sends an answer, kept or new, in the coding the client accepts
// (compressed per request: the cache keeps one copy, counted once in its
// budget). Each coding is its own variant with its own ETag, so a client
// revalidates the copy it holds.
func (a *answer) serve(w http.ResponseWriter, r *http.Request, state string) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Cache", state)
	httpenc.Vary(h)
	coding := httpenc.Identity
	if len(a.body) >= httpenc.MinSize {
		coding = httpenc.Negotiate(r.Header.Get("Accept-Encoding"))
	}
	if r.Method == http.MethodGet && a.etag != "" {
		etag := httpenc.ETag(a.etag, coding)
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		if httpenc.NoneMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := a.body
	if coding != httpenc.Identity {
		body = httpenc.Encode(a.body, coding, httpenc.Fast)
		h.Set("Content-Encoding", coding)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(a.status)
	w.Write(body)
}

// recorder holds a whole response: GraphQL answers are small JSON documents,
// and holding one lets the cache decide, and an ETag be set, before anything
// is sent.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(b)
}
