package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/web"
)

// The reading view and the commitments board are served as pages (with the
// Content-Security-Policy); a document the graph lacks answers 404 with a
// page listing the documents it has.
func TestReadingPagesRoutes(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	tests := []struct {
		path   string
		status int
		has    []string // in the body
	}{
		{"/read/council-2023", 200, []string{`src="./assets/read.js"`}},
		{"/read/eeas-2022", 200, []string{`src="./assets/read.js"`}},
		{"/read/", 200, []string{`src="./assets/read.js"`}},
		{"/read/nope", 404, []string{`There is no document “nope”`, `href="council-2023"`, `href="eeas-2022"`}},
		{"/read/council-2023/7", 404, []string{`href="../council-2023"`, `href="../assets/site.css"`}},
		{"/read/assets/read.js", 200, nil},
		{"/commitments", 200, []string{`src="./assets/commitments.js"`}},
	}
	for _, tt := range tests {
		res, err := srv.Client().Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, res.StatusCode, tt.status)
			continue
		}
		html := strings.HasPrefix(res.Header.Get("Content-Type"), "text/html")
		if csp := res.Header.Get("Content-Security-Policy"); html && csp != web.ContentSecurityPolicy {
			t.Errorf("GET %s: Content-Security-Policy %q", tt.path, csp)
		}
		if !html && !strings.HasSuffix(tt.path, ".js") {
			t.Errorf("GET %s: Content-Type %q", tt.path, res.Header.Get("Content-Type"))
		}
		for _, want := range tt.has {
			if !strings.Contains(string(body), want) {
				t.Errorf("GET %s: the page lacks %s", tt.path, want)
			}
		}
	}
	// every document the graph has is listed on the 404 page, and readable
	res, err := srv.Client().Get(srv.URL + "/read/nope")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	docs := st.Graph().Documents()
	if len(docs) < 2 {
		t.Fatalf("the store has %d documents", len(docs))
	}
	for _, d := range docs {
		if !strings.Contains(string(body), fmt.Sprintf(`data-id="%s"`, d.ID)) {
			t.Errorf("the 404 page does not list %s", d.ID)
		}
		if r, err := srv.Client().Head(srv.URL + "/read/" + d.ID); err != nil || r.StatusCode != http.StatusOK {
			t.Errorf("HEAD /read/%s: %v %v", d.ID, r.StatusCode, err)
		}
	}
}

type pageQuery struct {
	text string
	vars map[string]any
}

// readingPagesQueries are the reading view's and the commitments board's
// queries at their largest: a batch of the longest paragraphs (read.ts
// asks readingBatch at a time), a whole document, a page of commitments.
func readingPagesQueries(t *testing.T, st *store.Store) map[string]pageQuery {
	t.Helper()
	fragment, err := os.ReadFile("../web/src/reading.graphql")
	if err != nil {
		t.Fatal(err)
	}
	board, err := os.ReadFile("../web/src/commitments.graphql")
	if err != nil {
		t.Fatal(err)
	}
	const readingBatch = 6 // BATCH in web/src/read.ts
	var paras []*domain.Paragraph
	g := st.Graph()
	for _, d := range g.Documents() {
		ps, err := g.DocumentParagraphs(context.Background(), d.ID, -1)
		if err != nil {
			t.Fatal(err)
		}
		paras = append(paras, ps...)
	}
	slices.SortFunc(paras, func(a, b *domain.Paragraph) int { return len(b.Text) - len(a.Text) })
	var decl, fields []string
	vars := map[string]any{}
	for i, p := range paras[:min(readingBatch, len(paras))] {
		decl = append(decl, fmt.Sprintf("$p%d: ID!", i))
		fields = append(fields, fmt.Sprintf("p%d: paragraph(id: $p%d) { ...Reading }", i, i))
		vars[fmt.Sprintf("p%d", i)] = p.ID
	}
	return map[string]pageQuery{
		"reading view: the longest paragraphs": {fmt.Sprintf("query Reading(%s) {\n%s\n}\n%s", strings.Join(decl, ", "), strings.Join(fields, "\n"), fragment), vars},
		"reading view: a document": {`query Document($id: ID!) {
  document(id: $id) { id title date paragraphs { id number section parent { id } notes { id number } text } }
}`, map[string]any{"id": "council-2023"}},
		"commitments board": {string(board), nil},
	}
}
