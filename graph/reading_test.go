package graph_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/graph/querytest"
)

// readingQuery is what the reading view asks of a paragraph.
const readingQuery = `query($id: ID!) { paragraph(id: $id) {
  id text mentions { id }
  mentionSpans { entity { id name aliases } start end }
  quotations { evidence { id start end quote verb modality } relation { id } entity { id } fact { key role text } }
} }`

type readingAnswer struct {
	Data struct {
		Paragraph struct {
			ID, Text     string
			Mentions     []struct{ ID string }
			MentionSpans []struct {
				Entity struct {
					ID, Name string
					Aliases  []string
				}
				Start, End int
			}
			Quotations []struct {
				Evidence struct {
					ID, Quote  string
					Start, End int
				}
				Relation, Entity *struct{ ID string }
				Fact             *struct{ Key, Text string }
			}
		}
	}
	Errors []json.RawMessage
}

// Paragraph.mentionSpans and quotations answer the same on every engine,
// for every paragraph, and say what the data
// says: the spans are the loader's mentions with positions, each span's
// text is one of its entity's labels, and the quotations are exactly the
// evidence items (of relations and facts) quoting the paragraph.
func TestReadingFields(t *testing.T) {
	ds := embedded(t)
	ref := serve(t, "in-memory", projection.NewGraph(ds))
	want := expectedQuotations(ds)
	var queries []querytest.Query
	var answers []answer
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			q := querytest.Query{Text: readingQuery, Variables: map[string]any{"id": p.ID}}
			a, err := ref.ask(q)
			if err != nil {
				t.Fatal(err)
			}
			var got readingAnswer
			if err := json.Unmarshal(a.body, &got); err != nil || len(got.Errors) > 0 || a.status != 200 {
				t.Fatalf("%s: %d %s (%v)", p.ID, a.status, a.body, err)
			}
			checkSpans(t, p, got)
			var quotes []string
			for _, qu := range got.Data.Paragraph.Quotations {
				if text := cpSlice(p.Text, qu.Evidence.Start, qu.Evidence.End); text != qu.Evidence.Quote {
					t.Errorf("%s: quote %q is %q at its offsets", qu.Evidence.ID, qu.Evidence.Quote, text)
				}
				switch {
				case qu.Relation != nil && qu.Entity == nil && qu.Fact == nil:
					quotes = append(quotes, qu.Evidence.ID+" "+qu.Relation.ID)
				case qu.Relation == nil && qu.Entity != nil && qu.Fact != nil:
					quotes = append(quotes, qu.Evidence.ID+" "+qu.Entity.ID+" "+qu.Fact.Key)
				default:
					t.Errorf("%s: a quotation is neither a relation's nor a fact's", qu.Evidence.ID)
				}
			}
			if !slices.Equal(quotes, want[p.ID]) {
				t.Errorf("%s: quotations\n%v\nwant (the data's evidence in the paragraph)\n%v", p.ID, quotes, want[p.ID])
			}
			queries, answers = append(queries, q), append(answers, a)
		}
	}
	if len(queries) < 20 {
		t.Fatalf("checked %d paragraphs; the documents are missing", len(queries))
	}
	for _, e := range engines[1:] {
		t.Run(e.name, func(t *testing.T) {
			o := serve(t, e.name, e.build(t, ds))
			for i, q := range queries {
				b, err := o.ask(q)
				if err != nil {
					t.Fatal(err)
				}
				if !same(answers[i], b) {
					t.Errorf("%v: %s answers differently from in-memory:\n%s", q.Variables["id"], o.name, diff(answers[i].body, b.body))
				}
			}
		})
	}
}

// checkSpans holds a paragraph's spans to its mentions and to its text.
func checkSpans(t *testing.T, p *domain.Paragraph, got readingAnswer) {
	t.Helper()
	var ids []string
	last := 0
	for _, s := range got.Data.Paragraph.MentionSpans {
		if s.Start < last || s.End <= s.Start {
			t.Errorf("%s: span %d,%d out of order or empty", p.ID, s.Start, s.End)
		}
		last = s.End
		if !slices.Contains(ids, s.Entity.ID) {
			ids = append(ids, s.Entity.ID)
		}
		text := cpSlice(p.Text, s.Start, s.End)
		if !slices.ContainsFunc(append([]string{s.Entity.Name}, s.Entity.Aliases...), func(l string) bool { return strings.EqualFold(l, text) }) {
			t.Errorf("%s: span %d,%d %q is no label of %s", p.ID, s.Start, s.End, text, s.Entity.ID)
		}
	}
	if !slices.Equal(ids, p.Mentions) {
		t.Errorf("%s: spans name %v, mentions are %v", p.ID, ids, p.Mentions)
	}
}

// expectedQuotations lists, by paragraph, "evidenceID relationID" and
// "evidenceID entityID key" for every evidence item, in the API's order.
func expectedQuotations(ds *domain.Dataset) map[string][]string {
	type item struct {
		ev  domain.Evidence
		key string
	}
	by := map[string][]item{}
	for _, r := range ds.Relations {
		for _, e := range r.Evidence {
			by[e.Paragraph] = append(by[e.Paragraph], item{e, "0" + r.ID})
		}
	}
	for _, en := range ds.Entities {
		for _, f := range en.Facts {
			by[f.Evidence.Paragraph] = append(by[f.Evidence.Paragraph], item{f.Evidence, "1" + en.ID + " " + f.Key})
		}
	}
	out := map[string][]string{}
	for p, items := range by {
		slices.SortStableFunc(items, func(a, b item) int {
			return cmp.Or(cmp.Compare(a.ev.Start, b.ev.Start), cmp.Compare(a.ev.End, b.ev.End), cmp.Compare(a.key, b.key))
		})
		for _, it := range items {
			out[p] = append(out[p], fmt.Sprintf("%s %s", it.ev.ID(), it.key[1:]))
		}
	}
	return out
}

// cpSlice is text[start:end] in code points.
func cpSlice(text string, start, end int) string {
	r := []rune(text)
	if start < 0 || end > len(r) || start > end {
		return fmt.Sprintf("<%d,%d outside %d code points>", start, end, len(r))
	}
	return string(r[start:end])
}
