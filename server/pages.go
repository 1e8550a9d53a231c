package server

import (
	"bytes"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/web"
)

// readPages serves the reading view under /read/: the list of documents at
// /read/ itself, the page for /read/{document} when the store's current
// graph has that document, the page's assets (its relative URLs resolve
// under /read/), and for any other path a 404 page listing the documents,
// so that a mistyped link still leads somewhere.
func readPages(st *store.Store, ui http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/read/")
		switch {
		case rest == "":
			ui.ServeHTTP(w, r)
		case strings.HasPrefix(rest, "assets/"):
			ui.ServeHTTP(w, withPath(r, "/"+rest))
		case !strings.Contains(rest, "/") && st.Graph().Document(rest) != nil:
			ui.ServeHTTP(w, withPath(r, "/read/"))
		default:
			noDocument(w, r, rest, st.Graph().Documents(), log)
		}
	})
}

// withPath is r asking for another path of the same handler.
func withPath(r *http.Request, path string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = path, ""
	return r2
}

var noDocumentPage = template.Must(template.New("no-document").Parse(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>digidip · No document {{.ID}}</title>
    <link rel="stylesheet" href="{{.Up}}assets/site.css">
    <link rel="stylesheet" href="{{.Up}}assets/pages.css">
  </head>
  <body class="pages read">
    <header class="bar"><a class="brand" href="{{.Up}}../">digidip</a><h1>Reading view</h1></header>
    <main class="reading-missing">
      <p class="status error">There is no document “{{.ID}}”. The documents are:</p>
      <ul class="documents" id="documents">
      {{- range .Docs}}
        <li><a href="{{$.Up}}{{.ID}}" data-id="{{.ID}}">{{.Title}}</a>{{with .Date}} ({{.}}){{end}}</li>
      {{- end}}
      </ul>
    </main>
  </body>
</html>
`))

// noDocument answers 404 with a page listing the documents, under the
// same Content-Security-Policy as every page.
func noDocument(w http.ResponseWriter, r *http.Request, id string, docs []*domain.Document, log *slog.Logger) {
	var b bytes.Buffer
	err := noDocumentPage.Execute(&b, struct {
		ID, Up string
		Docs   []*domain.Document
	}{id, strings.Repeat("../", strings.Count(id, "/")), docs})
	if err != nil {
		log.ErrorContext(r.Context(), "server/pages.go: the no-document page", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", web.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Bytes())
	}
}
