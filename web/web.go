// Package web serves digidip's browser pages (the explorer at /explore,
// GraphiQL at /graphiql, the reading view at /read/, the commitments board
// at /commitments and the landing page at /) from the files that
// `npm run build` writes to dist/, embedded in the binary so that serving
// them needs neither Node.js nor the network.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/digidip/digidip/server/httpenc"
)

//go:embed dist
var dist embed.FS

// pages maps the URL path of each page to its file in dist.
var pages = map[string]string{
	"/":         "index.html",
	"/explore":  "explore.html",
	"/graphiql": "graphiql.html",
	// the reading view: the server answers /read/{document} with this page
	// for a document it has (see server/pages.go)
	"/read/":       "read.html",
	"/commitments": "commitments.html",
}

// assetDirs are the URL paths (and dist folders) of the pages' scripts,
// styles and fonts.
var assetDirs = []string{"/assets/", "/vendor/"}

// ContentSecurityPolicy is sent with every page: nothing may load from
// another origin, and no inline script or style runs. The pages are built for
// it (no inline code, no eval, no data: URLs).
const ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

type file struct {
	body  []byte
	ctype string
	etag  string
	coded *codings // nil: sent as is (tiny, or compressed already)
}

type handler struct {
	files map[string]file // by URL path
}

// Handler serves GET and HEAD for /, /explore, /graphiql and the files under
// /assets/ and /vendor/; any other path is 404.
func Handler() http.Handler {
	return embedded()
}

// embedded reads and hashes the compiled-in files once per process, however
// many servers are built.
var embedded = sync.OnceValue(func() *handler {
	h, err := newHandler(dist)
	if err != nil {
		// the files are compiled in: an error here is a broken build
		panic(err)
	}
	return h
})

func newHandler(fsys fs.FS) (*handler, error) {
	h := &handler{files: map[string]file{}}
	add := func(urlPath, name string) error {
		body, err := fs.ReadFile(fsys, "dist/"+name)
		if err != nil {
			return fmt.Errorf("web: %w (run npm ci && npm run build in web/)", err)
		}
		sum := sha256.Sum256(body)
		f := file{body: body, ctype: contentType(name), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		if len(body) >= httpenc.MinSize && httpenc.Compressible(f.ctype) {
			f.coded = newCodings(body)
		}
		h.files[urlPath] = f
		return nil
	}
	for urlPath, name := range pages {
		if err := add(urlPath, name); err != nil {
			return nil, err
		}
	}
	for _, prefix := range assetDirs {
		dir := strings.Trim(prefix, "/")
		err := fs.WalkDir(fsys, "dist/"+dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := strings.TrimPrefix(p, "dist/")
			return add("/"+name, name)
		})
		if err != nil {
			return nil, fmt.Errorf("web: reading %s: %w", dir, err)
		}
	}
	return h, nil
}

// contentType knows the types of the built files itself, since the system's
// MIME table may lack some (woff2) or differ between machines.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := h.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	// File names carry no content hash (so that builds are reproducible and
	// diffs small): browsers revalidate each time, and the ETag makes that a 304.
	hdr.Set("Cache-Control", "no-cache")
	body, etag := f.variant(w, r)
	hdr.Set("ETag", etag)
	if strings.HasPrefix(f.ctype, "text/html") {
		hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
