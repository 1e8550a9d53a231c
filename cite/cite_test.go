package cite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/digidip/digidip/cite"
	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/loaders"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// base is the origin the goldens' links are made from.
const base = "https://digidip.example"

// The relation the goldens cite: one quote of council-2023 paragraph 7.
const (
	para7Relation = "action-7-partner-offer/implemented-through/global-gateway"
	// a relation quoted in six paragraphs of council-2023, 7 among them
	manyRelation = "council-of-the-eu/calls-on/high-representative"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cite/ -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func citation(t *testing.T, g *engine.Graph, relID string, evidence int) *cite.Citation {
	t.Helper()
	ctx := context.Background()
	r, err := g.Relation(ctx, relID)
	if err != nil || r == nil {
		t.Fatalf("relation %s: %v", relID, err)
	}
	var only *domain.Evidence
	if evidence >= 0 {
		only = &r.Evidence[evidence]
	}
	c, err := cite.Gather(ctx, g, r, only)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFormats holds every format of a claim of paragraph 7, and of a
// relation with all its quotes, to its golden file.
func TestFormats(t *testing.T) {
	g := projection.Graph(datatest.Dataset(t))
	one := citation(t, g, para7Relation, 0)
	if p := one.Quotes[0].Evidence.Paragraph; p != "council-2023:7" {
		t.Fatalf("the golden relation's evidence quotes %s, not council-2023:7", p)
	}
	many := citation(t, g, manyRelation, -1)
	if len(many.Quotes) < 2 {
		t.Fatalf("%s has %d quotes; the test wants a relation with several", manyRelation, len(many.Quotes))
	}
	ext := map[cite.Format]string{cite.CSLJSON: "json", cite.BibTeX: "bib", cite.RIS: "ris", cite.Text: "txt", cite.WebAnnotation: "jsonld"}
	for _, tc := range []struct {
		name string
		c    *cite.Citation
	}{{"claim", one}, {"relation", many}} {
		for _, f := range cite.Formats {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				b, err := cite.Write(tc.c, f, cite.Options{Base: base})
				if err != nil {
					t.Fatal(err)
				}
				// an annotation is identified by the citation's id; the
				// others list each quote by its claim id
				want := tc.c.Quotes[0].ID
				if f == cite.WebAnnotation {
					want = tc.c.ID
				}
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("the %s citation does not name the cite id %s", f, want)
				}
				golden(t, tc.name+"."+ext[f], b)
			})
		}
	}
}

type annotation struct {
	Context string          `json:"@context"`
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Target  json.RawMessage `json:"target"`
}

type target struct {
	Source   string `json:"source"`
	Selector []struct {
		Type                  string
		Exact, Prefix, Suffix string
		Start, End            *int
	} `json:"selector"`
}

// TestAnnotationSelectors checks, for every relation's every quote, that
// the Web Annotation's TextQuoteSelector is the quote and is the
// paragraph's text between the TextPositionSelector's offsets, counted in
// code points, with its prefix and suffix next to it.
func TestAnnotationSelectors(t *testing.T) {
	ds := datatest.Dataset(t)
	g := projection.Graph(ds)
	paras := map[string]*domain.Paragraph{}
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			paras[p.ID] = p
		}
	}
	nonASCII := 0
	for _, r := range ds.Relations {
		c := citation(t, g, r.ID, -1)
		b, err := cite.Write(c, cite.WebAnnotation, cite.Options{})
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		var a annotation
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		if a.Context != "http://www.w3.org/ns/anno.jsonld" || a.Type != "Annotation" || a.ID != "/cite/"+c.ID {
			t.Errorf("%s: @context %q, type %q, id %q", r.ID, a.Context, a.Type, a.ID)
		}
		var ts []target
		if len(c.Quotes) == 1 {
			ts = make([]target, 1)
			err = json.Unmarshal(a.Target, &ts[0])
		} else {
			err = json.Unmarshal(a.Target, &ts)
		}
		if err != nil || len(ts) != len(r.Evidence) {
			t.Fatalf("%s: %d targets for %d quotes (%v)", r.ID, len(ts), len(r.Evidence), err)
		}
		for i, tg := range ts {
			e := r.Evidence[i]
			text := []rune(paras[e.Paragraph].Text)
			if len(text) != len(paras[e.Paragraph].Text) {
				nonASCII++
			}
			q, pos := tg.Selector[0], tg.Selector[1]
			if q.Type != "TextQuoteSelector" || pos.Type != "TextPositionSelector" || pos.Start == nil || pos.End == nil {
				t.Fatalf("%s: selectors %+v", e.ID(), tg.Selector)
			}
			if got := string(text[*pos.Start:*pos.End]); got != q.Exact || q.Exact != e.Quote {
				t.Errorf("%s: text[%d:%d] = %q, exact %q, quote %q", e.ID(), *pos.Start, *pos.End, got, q.Exact, e.Quote)
			}
			if !strings.HasSuffix(string(text[:*pos.Start]), q.Prefix) || !strings.HasPrefix(string(text[*pos.End:]), q.Suffix) {
				t.Errorf("%s: prefix %q or suffix %q is not next to the quote", e.ID(), q.Prefix, q.Suffix)
			}
			if want := "/read/" + e.Document + "#" + paras[e.Paragraph].Number; tg.Source != want {
				t.Errorf("%s: source %q, want %q", e.ID(), tg.Source, want)
			}
		}
	}
	if nonASCII == 0 {
		t.Error("no quoted paragraph has a character beyond ASCII: code points and bytes went untested")
	}
}

// ids lists the cite ids of every relation and quote of g, by relation id
// and evidence id.
func ids(t *testing.T, g *engine.Graph) map[string]string {
	t.Helper()
	ctx := context.Background()
	edges, err := g.Relations(ctx, engine.RelationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rels, err := g.Load(ctx, edges)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rels {
		out[r.ID] = cite.RelationCiteID(r, cite.DocHashes(g))
		for _, e := range r.Evidence {
			out[r.ID+" "+e.ID()] = cite.ClaimID(r.Subject, r.Predicate, r.Object, g.Document(e.Document).SHA256, e)
		}
	}
	return out
}

// TestIDsStable: the same data read twice, or stored and read back by the
// Cayley engine, gives the same ids; a changed word in council-2023's
// paragraph 7 changes every claim id of that document and none of the
// other's.
func TestIDsStable(t *testing.T) {
	first := ids(t, projection.Graph(datatest.Dataset(t)))
	if len(first) < 100 {
		t.Fatalf("only %d ids", len(first))
	}
	seen := map[string]string{}
	for k, id := range first {
		if !cite.IsCiteID(id) {
			t.Errorf("%s: %q is not a cite id", k, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("%s and %s have the same cite id %s", prev, k, id)
		}
		seen[id] = k
	}
	again := ids(t, projection.Graph(datatest.Dataset(t)))
	stored := ids(t, datatest.StoreEngine(t, "cayley").Graph())
	for k, id := range first {
		if again[k] != id || stored[k] != id {
			t.Errorf("%s: %s, then %s, from Cayley %s", k, id, again[k], stored[k])
		}
	}

	// "common" and "shared" are as long: every offset stays, only the text changes
	changed := copyData(t)
	for _, name := range []string{"sources/council-2023.md", "sources/council-2023.yaml"} {
		f := changed[name]
		if bytes.Count(f.Data, []byte("common challenges")) != 1 {
			t.Fatalf("%s: the phrase to change is not there once", name)
		}
		f.Data = bytes.Replace(f.Data, []byte("common challenges"), []byte("shared challenges"), 1)
	}
	ds, err := loaders.Read(changed, "data")
	if err != nil {
		t.Fatal(err)
	}
	after := ids(t, projection.Graph(ds))
	var same, differ int
	for k, id := range first {
		switch {
		case after[k] == "":
			t.Errorf("%s: gone after the change", k)
		case strings.Contains(k, " eeas-2022:"):
			if after[k] != id {
				t.Errorf("%s: eeas-2022 did not change, yet its id went from %s to %s", k, id, after[k])
			}
			same++
		case strings.Contains(k, " council-2023:"):
			if after[k] == id {
				t.Errorf("%s: council-2023 changed, yet its id stayed %s", k, id)
			}
			differ++
		}
	}
	if same == 0 || differ == 0 {
		t.Errorf("%d ids checked unchanged, %d changed: the test checks nothing", same, differ)
	}
}

func copyData(t *testing.T) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(data.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(data.FS(), p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestResolve finds a citation by each kind of id.
func TestResolve(t *testing.T) {
	ctx := context.Background()
	g := projection.Graph(datatest.Dataset(t))
	claim := citation(t, g, para7Relation, 0)
	rel := citation(t, g, manyRelation, -1)
	shared := "council-2023:7#char=" // the connectivity quote three relations share
	r, _ := g.Relation(ctx, "subsea-data-cables/instance-of/secure-connectivity")
	if r == nil {
		t.Fatal("no relation subsea-data-cables/instance-of/secure-connectivity")
	}
	shared = r.Evidence[0].ID()
	var x cite.Index
	for _, tc := range []struct {
		id, want string
		quotes   int
		err      error
	}{
		{claim.ID, claim.ID, 1, nil},
		{claim.Quotes[0].Evidence.ID(), claim.ID, 1, nil},
		{rel.ID, rel.ID, len(rel.Quotes), nil},
		{manyRelation, rel.ID, len(rel.Quotes), nil},
		{rel.Quotes[1].ID, rel.Quotes[1].ID, 1, nil},
		{"c-aaaaaaaaaaaaaaaa", "", 0, domain.ErrNotFound},
		{"council-of-the-eu/calls-on/nobody", "", 0, domain.ErrNotFound},
		{"council-2023:7#char=0,1", "", 0, domain.ErrNotFound},
		{"nowhere:1#char=0,1", "", 0, domain.ErrNotFound},
		{"nothing", "", 0, domain.ErrNotFound},
		{shared, "", 0, &cite.AmbiguousError{}},
	} {
		c, err := x.Resolve(ctx, g, tc.id)
		var amb *cite.AmbiguousError
		switch {
		case tc.err == nil && err != nil:
			t.Errorf("%s: %v", tc.id, err)
		case tc.err == domain.ErrNotFound && !errors.Is(err, domain.ErrNotFound):
			t.Errorf("%s: error %v, want not found", tc.id, err)
		case tc.err != nil && tc.err != domain.ErrNotFound && (!errors.As(err, &amb) || len(amb.Claims) < 2):
			t.Errorf("%s: error %v, want an ambiguous evidence id", tc.id, err)
		case tc.err == nil && (c.ID != tc.want || len(c.Quotes) != tc.quotes):
			t.Errorf("%s: cite id %s with %d quotes, want %s with %d", tc.id, c.ID, len(c.Quotes), tc.want, tc.quotes)
		}
	}
}

// TestMaxQuoteBytes: no citation of the data, in any format, is longer
// than MaxQuoteBytes a quote prices it at, with the sizes the graph
// measured.
func TestMaxQuoteBytes(t *testing.T) {
	ds := datatest.Dataset(t)
	g := projection.Graph(ds)
	s := g.Sizes()
	bound := cite.MaxQuoteBytes(s.Title, s.Quote, s.Name)
	most := 0.0
	for _, r := range ds.Relations {
		c := citation(t, g, r.ID, -1)
		for _, f := range cite.Formats {
			b, err := cite.Write(c, f, cite.Options{Base: base})
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > len(c.Quotes)*bound {
				t.Errorf("%s in %s: %d bytes for %d quotes, over %d a quote", r.ID, f, len(b), len(c.Quotes), bound)
			}
			most = max(most, float64(len(b))/float64(len(c.Quotes)*bound))
		}
	}
	t.Logf("the longest citation a quote is %.0f%% of MaxQuoteBytes (%d)", 100*most, bound)
}

// TestBibTeXEscapes: TeX's special characters in a title or a quote read
// as written once TeX has read them; a URL stays a URL.
func TestBibTeXEscapes(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Trade & Technology", `Trade \& Technology`},
		{"100% of $5 #1 a_b", `100\% of \$5 \#1 a\_b`},
		{"{braces}", `\{braces\}`},
		{`back\slash ~ ^`, `back\textbackslash{}slash \textasciitilde{} \textasciicircum{}`},
		{"no\u00a0break", "no~break"},
		{"“curly” é", "“curly” é"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			d := &domain.Document{ID: "d", Title: tt.in, Author: "A & B", Reference: "1/24", Date: "2024-02", URL: "https://x.example/a_b%20{c}"}
			p := &domain.Paragraph{ID: "d:1", Number: "1", Text: tt.in}
			c := &cite.Citation{ID: "c-x", Statement: "s", Quotes: []cite.Quote{{ID: "c-q", Evidence: domain.Evidence{Document: "d", Paragraph: "d:1", Quote: tt.in, End: len([]rune(tt.in))}, Document: d, Paragraph: p}}}
			b, err := cite.Write(c, cite.BibTeX, cite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"title = {" + tt.want + "},",
				"“" + tt.want + "”",
				"author = {{A \\& B}},",
				"month = feb,",
				"url = {https://x.example/a_b%20%7Bc%7D},",
			} {
				if !strings.Contains(string(b), want) {
					t.Errorf("no %q in\n%s", want, b)
				}
			}
		})
	}
}
