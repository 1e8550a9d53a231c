package httpenc_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/digidip/digidip/server/httpenc"
)

func TestNegotiate(t *testing.T) {
	for _, tt := range []struct{ header, want string }{
		{"", httpenc.Identity},
		{"gzip", httpenc.Gzip},
		{"br", httpenc.Brotli},
		{"gzip, deflate, br, zstd", httpenc.Brotli}, // a browser's: br first on a tie
		{"br;q=0.5, gzip", httpenc.Gzip},            // q-values decide before preference
		{"br;q=0, gzip;q=0", httpenc.Identity},      // q=0 refuses
		{"GZIP;Q=0.8", httpenc.Gzip},                // names and parameters are case-insensitive
		{"x-gzip", httpenc.Gzip},
		{"*", httpenc.Brotli},
		{"*;q=0.5, br;q=0", httpenc.Gzip}, // * stands for what is not named
		{"*;q=0", httpenc.Identity},
		{"identity", httpenc.Identity},
		{"gzip;q=0.5, identity", httpenc.Identity}, // identity weighted above
		{"gzip, identity;q=0.5", httpenc.Gzip},
		{"deflate, zstd", httpenc.Identity},
		{"gzip;q=2", httpenc.Identity}, // a malformed weight accepts nothing
		{"gzip;q=abc, br;q=0.1", httpenc.Brotli},
		{" , ;q=1,", httpenc.Identity},
	} {
		if got := httpenc.Negotiate(tt.header); got != tt.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestCompressible(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/javascript; charset=utf-8":           true,
		"application/graphql-response+json":        true,
		"application/json; charset=utf-8":          true,
		"application/graphml+xml":                  true,
		"application/n-quads":                      true,
		"application/ld+json":                      true,
		"image/svg+xml":                            true,
		"image/png":                                false,
		"font/woff2":                               false,
		"application/zip":                          false,
		"application/octet-stream":                 false,
		"":                                         false,
		"not a media type;;":                       false,
		"text/html; charset=utf-8":                 true,
		"application/vnd.example+json; charset=x8": true,
	} {
		if got := httpenc.Compressible(ct); got != want {
			t.Errorf("Compressible(%q) = %v", ct, got)
		}
	}
}

func TestETagAndNoneMatch(t *testing.T) {
	for _, tt := range []struct{ etag, coding, want string }{
		{`"abc"`, httpenc.Brotli, `"abc-br"`},
		{`W/"abc"`, httpenc.Gzip, `W/"abc-gzip"`},
		{`"abc"`, httpenc.Identity, `"abc"`},
		{``, httpenc.Gzip, ``},
	} {
		if got := httpenc.ETag(tt.etag, tt.coding); got != tt.want {
			t.Errorf("ETag(%q, %q) = %q, want %q", tt.etag, tt.coding, got, tt.want)
		}
	}
	for _, tt := range []struct {
		header, etag string
		want         bool
	}{
		{`"abc-br"`, `"abc-br"`, true},
		{`"abc-br"`, `"abc-gzip"`, false}, // a client holding brotli asks again with gzip
		{`"abc"`, `"abc-gzip"`, false},
		{`"x", W/"abc-gzip"`, `"abc-gzip"`, true}, // a list, weak comparison
		{`*`, `"abc"`, true},
		{`"abc"`, ``, false},
		{``, `"abc"`, false},
	} {
		if got := httpenc.NoneMatch(tt.header, tt.etag); got != tt.want {
			t.Errorf("NoneMatch(%q, %q) = %v", tt.header, tt.etag, got)
		}
	}
}

func TestVaryOnce(t *testing.T) {
	h := http.Header{}
	h.Add("Vary", "Origin")
	httpenc.Vary(h)
	httpenc.Vary(h)
	if got := h.Values("Vary"); len(got) != 2 || got[1] != "Accept-Encoding" {
		t.Errorf("Vary %q", got)
	}
}

func decode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch coding {
	case httpenc.Brotli:
		r = brotli.NewReader(bytes.NewReader(b))
	case httpenc.Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	default:
		return b
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", coding, err)
	}
	return out
}

// A stream sends what it is given as it goes: after more than FlushEvery
// bytes the client has received a part of the file, decodable, before the
// stream is closed; after Close, the whole file.
func TestStreamFlushes(t *testing.T) {
	body := []byte(strings.Repeat(`<node id="n"><data key="name">A name</data></node>`+"\n", 4*httpenc.FlushEvery/50))
	for _, coding := range []string{httpenc.Brotli, httpenc.Gzip} {
		t.Run(coding, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/export", nil)
			req.Header.Set("Accept-Encoding", coding)
			rec.Header().Set("Content-Type", "application/graphml+xml")
			rec.Header().Set("Content-Length", "99")
			s := httpenc.NewStream(rec, req)
			half := len(body) / 2
			if _, err := s.Write(body[:half]); err != nil {
				t.Fatal(err)
			}
			if !rec.Flushed || rec.Body.Len() == 0 {
				t.Fatalf("after %d bytes nothing was flushed (%d bytes sent)", half, rec.Body.Len())
			}
			if _, err := s.Write(body[half:]); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			h := rec.Result().Header
			if h.Get("Content-Encoding") != coding || h.Get("Vary") != "Accept-Encoding" || h.Get("Content-Length") != "" {
				t.Errorf("headers %v", h)
			}
			if got := decode(t, coding, rec.Body.Bytes()); !bytes.Equal(got, body) {
				t.Errorf("decoded %d bytes, want the %d written", len(got), len(body))
			}
		})
	}
}

// A stream leaves alone what compression does not help (a zip) and HEAD.
func TestStreamAsIs(t *testing.T) {
	for _, tt := range []struct{ name, method, ctype, vary string }{
		{"zip", http.MethodGet, "application/zip", ""},
		{"HEAD", http.MethodHead, "application/graphml+xml", "Accept-Encoding"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(tt.method, "/export", nil)
			req.Header.Set("Accept-Encoding", "br, gzip")
			rec.Header().Set("Content-Type", tt.ctype)
			s := httpenc.NewStream(rec, req)
			s.Write([]byte("PK\x03\x04 already compressed"))
			s.Close()
			if ce := rec.Header().Get("Content-Encoding"); ce != "" || rec.Body.String() != "PK\x03\x04 already compressed" {
				t.Errorf("Content-Encoding %q, body %q", ce, rec.Body.String())
			}
			if v := rec.Header().Get("Vary"); v != tt.vary {
				t.Errorf("Vary %q, want %q", v, tt.vary)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	body := []byte(strings.Repeat(`{"id":"european-commission","kind":"ACTOR"},`, 200))
	for _, c := range []string{httpenc.Brotli, httpenc.Gzip} {
		for _, l := range []httpenc.Level{httpenc.Fast, httpenc.Best} {
			enc := httpenc.Encode(body, c, l)
			if got := decode(t, c, enc); !bytes.Equal(got, body) || len(enc) >= len(body)/4 {
				t.Errorf("%s level %d: %d bytes from %d, round trip equal %v", c, l, len(enc), len(body), bytes.Equal(got, body))
			}
		}
	}
}
