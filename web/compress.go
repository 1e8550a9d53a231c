package web

import (
	"net/http"
	"sync"

	"github.com/digidip/digidip/server/httpenc"
)

// codings holds a file's brotli and gzip variants, each compressed at the
// best level on its first request and kept for the process: the files are
// embedded and never change, so no request pays for compressing one twice.
type codings struct {
	br, gzip func() []byte
}

func newCodings(body []byte) *codings {
	at := func(coding string) func() []byte {
		return sync.OnceValue(func() []byte { return httpenc.Encode(body, coding, httpenc.Best) })
	}
	return &codings{br: at(httpenc.Brotli), gzip: at(httpenc.Gzip)}
}

// variant picks the body, ETag and coding of f for r: compressed when the
// file's type gains from it, it is not tiny, the request is not HEAD and
// its Accept-Encoding takes br or gzip; as is otherwise. A compressible
// file's response varies by Accept-Encoding whichever it gets.
func (f file) variant(w http.ResponseWriter, r *http.Request) (body []byte, etag string) {
	if f.coded == nil {
		return f.body, f.etag
	}
	httpenc.Vary(w.Header())
	if r.Method == http.MethodHead {
		return f.body, f.etag
	}
	c := httpenc.Negotiate(r.Header.Get("Accept-Encoding"))
	switch c {
	case httpenc.Brotli:
		body = f.coded.br()
	case httpenc.Gzip:
		body = f.coded.gzip()
	default:
		return f.body, f.etag
	}
	w.Header().Set("Content-Encoding", c)
	return body, httpenc.ETag(f.etag, c)
}
