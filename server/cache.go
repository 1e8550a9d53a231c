package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/digidip/digidip/graph"
)

// responseCache keeps whole GraphQL responses, keyed by the read model that
// answered them and the request's exact bytes. The data changes only at a
// load, and a load makes a new read model, so an entry is never stale: it
// is simply never asked for again.
type responseCache struct {
	entries *lru.Cache[cacheKey, *answer]
}

type cacheKey struct {
	version uint64
	request [sha256.Size]byte
}

// answer is a response as it was sent.
type answer struct {
	status      int
	contentType string
	body        []byte
	etag        string
}

// Responses larger than this are not kept: a few such would crowd out the
// thousands of small answers that make up most traffic.
const maxCachedResponse = 256 << 10

func newResponseCache(entries int) *responseCache {
	if entries <= 0 {
		return nil
	}
	c, _ := lru.New[cacheKey, *answer](entries)
	return &responseCache{entries: c}
}

// wrap answers repeated requests from the cache (when there is one) and
// gives every successful GET answer an ETag, revalidated with 304. It must
// run inside withGraph, whose read model keys the entries.
func (c *responseCache) wrap(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := graph.FromContext(r.Context())
		if g == nil || (r.Method != http.MethodGet && r.Method != http.MethodPost) || c == nil && r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		var key cacheKey
		if c != nil {
			h := sha256.New()
			io.WriteString(h, r.Method+"\x00"+r.Header.Get("Accept")+"\x00"+r.Header.Get("Content-Type")+"\x00"+r.URL.RawQuery+"\x00")
			if r.Method == http.MethodPost {
				// Read the body once, up to the transport's own limit plus
				// one byte, so an oversized body still gets its 413 there.
				body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
				if err != nil {
					next.ServeHTTP(w, r)
					return
				}
				h.Write(body)
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			key = cacheKey{version: g.Version()}
			h.Sum(key.request[:0])
			if a, ok := c.entries.Get(key); ok {
				a.serve(w, r, "hit")
				return
			}
		}
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
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
			if c != nil && len(a.body) <= maxCachedResponse {
				c.entries.Add(key, a)
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

func (a *answer) serve(w http.ResponseWriter, r *http.Request, state string) {
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("X-Cache", state)
	if r.Method == http.MethodGet && a.etag != "" {
		w.Header().Set("ETag", a.etag)
		w.Header().Set("Cache-Control", "no-cache")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	w.Write(a.body)
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
