package projection_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/synth"
)

// datasets makes each dataset the projection is compared on, afresh at
// each call (the reference sorts what it is given).
func datasets(t testing.TB) map[string]func() *domain.Dataset {
	return map[string]func() *domain.Dataset{
		"memo": domaintest.Memo,
		"data": func() *domain.Dataset {
			ds, err := loaders.Read(data.FS(), "data")
			if err != nil {
				t.Fatal(err)
			}
			return ds
		},
		"synth-100k": func() *domain.Dataset { return synth.Dataset(100_000, 1) },
		"odd":        odd,
		"empty":      func() *domain.Dataset { return &domain.Dataset{} },
	}
}

// odd is a dataset no loader would let through, with every shape the
// projection's answers depend on: lists empty but not nil and unsorted,
// ids given twice, relations to ids that are no entity, self-loops,
// evidence out of order, in unknown paragraphs and in none, mentions
// repeated, ids shared by a document and a paragraph, numbers beyond 32
// bits.
func odd() *domain.Dataset {
	n, nan := 1.5, 0.0
	ev := func(doc, para string, start int) domain.Evidence {
		return domain.Evidence{Document: doc, Paragraph: para, Quote: "q" + para, Start: start, End: start + 3}
	}
	worded := func(e domain.Evidence, verb string, m domain.Modality) domain.Evidence {
		e.Verb, e.Modality = verb, m
		return e
	}
	return &domain.Dataset{
		Hash: "odd", Source: "test",
		Documents: []*domain.Document{
			{ID: "d2", Title: "Two", Paragraphs: []*domain.Paragraph{
				{ID: "d2:2", Document: "d2", Order: 2, Text: "two", Notes: []string{"z", "a", "m"}, Mentions: []string{"b", "a", "b", "ghost"}},
				{ID: "d2:1", Document: "d2", Order: -1 << 40, Notes: []string{}, Mentions: []string{}},
				{ID: "shared", Document: "d2", Order: 7},
			}},
			{ID: "d1", Title: "One", Short: "1", Reference: "r", Date: "2020", Author: "au", AuthorEntity: "a", URL: "u", SHA256: "s",
				Paragraphs: []*domain.Paragraph{{ID: "d1:1", Document: "elsewhere", Number: "1", Section: "S", Parent: "d1", Order: 0, Mentions: []string{"a"}}}},
			{ID: "shared"},
			{ID: "empty-doc", Paragraphs: []*domain.Paragraph{}},
		},
		Predicates: []*domain.Predicate{
			{ID: "p2", Label: "two"},
			{ID: "p1", Label: "one", Inverse: "eno", Definition: "def", Example: &domain.Evidence{Document: "d1", Paragraph: "d1:1", Quote: "x", Start: 1 << 40, End: -1}},
		},
		Entities: []*domain.Entity{
			{ID: "b", Name: "Bee", Kind: domain.Topic, Aliases: []string{}, Facts: []domain.Fact{}},
			{ID: "a", Name: "Ay", Kind: domain.Actor, Aliases: []string{"z", "a", "a"}, Common: []string{"y", "x"}, Description: "an a",
				Facts: []domain.Fact{
					{Key: "amount", Text: "1.5", Number: &n, Unit: "EUR", Evidence: ev("d1", "d1:1", 0)},
					{Key: "date", Role: "held", Qualifier: "after", Text: "then", Date: "2020-21", Precision: "season"},
					{Key: "count", Number: &nan},
				}},
			{ID: "dup", Name: "first", Kind: domain.Actor},
			{ID: "dup", Name: "second", Kind: "STRANGE"},
			{ID: "c", Name: "See", Kind: domain.Topic, Common: []string{}},
		},
		Relations: []*domain.Relation{
			{ID: "a/p1/b", Subject: "a", Predicate: "p1", Object: "b", Implied: true, Evidence: []domain.Evidence{
				ev("d2", "d2:2", 5), ev("d1", "d1:1", 9), ev("d2", "d2:1", 1), ev("d2", "nowhere", 0), ev("d2", "d2:2", 0),
				ev("d2", "", 3), ev("d2", "d2:2", 8), ev("shared", "shared", 2),
			}},
			{ID: "a/p1/a", Subject: "a", Predicate: "p1", Object: "a", Evidence: []domain.Evidence{}},
			{ID: "ghost/p2/a", Subject: "ghost", Predicate: "p2", Object: "a"},
			{ID: "twice", Subject: "b", Predicate: "p2", Object: "c", Evidence: []domain.Evidence{worded(ev("d1", "d1:1", 0), "first", domain.Future)}},
			{ID: "twice", Subject: "c", Predicate: "undefined", Object: "b", Evidence: []domain.Evidence{worded(ev("d1", "d1:1", 1), "second", "strange")}},
		},
	}
}

// keys lists every string a dataset's indexes could be asked about, and
// some they could not.
func keys(ds *domain.Dataset) (ids, preds []string, kinds []domain.Kind) {
	set := map[string]bool{"": true, "nope": true, "zzz": true, "0": true}
	kindSet := map[domain.Kind]bool{"": true, "NOPE": true}
	predSet := map[string]bool{"nope": true}
	for _, e := range ds.Entities {
		set[e.ID] = true
		kindSet[e.Kind] = true
	}
	for _, k := range domain.Kinds {
		kindSet[k] = true
	}
	for _, d := range ds.Documents {
		set[d.ID] = true
		for _, p := range d.Paragraphs {
			set[p.ID] = true
			for _, m := range p.Mentions {
				set[m] = true
			}
		}
	}
	for _, p := range ds.Predicates {
		set[p.ID], predSet[p.ID] = true, true
	}
	for _, r := range ds.Relations {
		set[r.ID], set[r.Subject], set[r.Object], set[r.Predicate] = true, true, true, true
		predSet[r.Predicate] = true
		for _, e := range r.Evidence {
			set[e.Paragraph], set[e.Document] = true, true
		}
	}
	for k := range set {
		ids = append(ids, k)
	}
	for k := range predSet {
		preds = append(preds, k)
	}
	for k := range kindSet {
		kinds = append(kinds, k)
	}
	sort.Strings(ids)
	sort.Strings(preds)
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	return ids, preds, kinds
}

// The pointer-free projection answers every question exactly as the maps
// of pointers did, on every id, built from a dataset or read back from its
// snapshot; and building it changes nothing in the dataset.
func TestSameAnswersAsTheReference(t *testing.T) {
	for name, mk := range datasets(t) {
		t.Run(name, func(t *testing.T) {
			ids, preds, kinds := keys(mk())
			want := newReference(mk())
			ds := mk()
			p := projection.New(ds)
			if !reflect.DeepEqual(ds, mk()) {
				t.Error("New changed the dataset it indexed")
			}
			var buf bytes.Buffer
			if n, err := p.WriteTo(&buf); err != nil || n != int64(p.Size()) {
				t.Fatalf("WriteTo = %d, %v; want %d bytes", n, err, p.Size())
			}
			reread, err := projection.Open(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			for what, got := range map[string]engine.Reader{"built": p, "reread": reread} {
				t.Run(what, func(t *testing.T) { compare(t, want, got, ids, preds, kinds) })
			}
		})
	}
}

// compare asks both readers every question of engine.Reader about ids.
func compare(t *testing.T, want, got engine.Reader, ids, preds []string, kinds []domain.Kind) {
	ctx := context.Background()
	same := func(what string, w, g any) {
		t.Helper()
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s:\n got %s\nwant %s", what, show(g), show(w))
		}
	}
	// each compares answers given per id, naming the first ids that differ.
	each := func(what string, keys []string, w, g any) {
		t.Helper()
		wv, gv := reflect.ValueOf(w), reflect.ValueOf(g)
		if wv.Len() != len(keys) || gv.Len() != len(keys) {
			t.Fatalf("%s: %d and %d answers for %d ids", what, gv.Len(), wv.Len(), len(keys))
		}
		bad := 0
		for i := range keys {
			if !reflect.DeepEqual(wv.Index(i).Interface(), gv.Index(i).Interface()) {
				if bad++; bad <= 3 {
					t.Errorf("%s(%q):\n got %s\nwant %s", what, keys[i], show(gv.Index(i).Interface()), show(wv.Index(i).Interface()))
				}
			}
		}
	}
	must := func(v any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Asked twice over, so answers for an id given twice are checked too.
	twice := append(append([]string(nil), ids...), ids...)

	same("Summary", must(want.Summary(ctx)), must(got.Summary(ctx)))
	for _, k := range kinds {
		same(fmt.Sprintf("EntityIDs(%q)", k), must(want.EntityIDs(ctx, k)), must(got.EntityIDs(ctx, k)))
	}
	each("Entities", twice, must(want.Entities(ctx, twice)), must(got.Entities(ctx, twice)))
	same("Names", must(want.Names(ctx)), must(got.Names(ctx)))
	each("Degrees", twice, must(want.Degrees(ctx, twice)), must(got.Degrees(ctx, twice)))
	predSets := [][]string{nil, {}, {"nope"}, preds}
	for i, p := range preds {
		predSets = append(predSets, []string{p}, []string{"nope", p}, []string{p, preds[(i+1)%len(preds)]})
	}
	for _, dir := range []engine.Direction{engine.Out, engine.In, engine.Both} {
		for _, ps := range predSets {
			what := fmt.Sprintf("Edges(dir %d, predicates %q)", dir, ps)
			each(what, twice, must(want.Edges(ctx, twice, dir, ps)), must(got.Edges(ctx, twice, dir, ps)))
		}
	}
	for _, id := range ids {
		for _, key := range []engine.EdgeKey{{Predicate: id}, {Paragraph: id}, {Document: id}} {
			same(fmt.Sprintf("EdgesBy(%+v)", key), must(want.EdgesBy(ctx, key)), must(got.EdgesBy(ctx, key)))
		}
	}
	each("Relations", twice, must(want.Relations(ctx, twice)), must(got.Relations(ctx, twice)))
	same("Documents", must(want.Documents(ctx)), must(got.Documents(ctx)))
	each("DocumentParagraphs", twice, must(want.DocumentParagraphs(ctx, twice)), must(got.DocumentParagraphs(ctx, twice)))
	each("Paragraphs", twice, must(want.Paragraphs(ctx, twice)), must(got.Paragraphs(ctx, twice)))
	each("Mentions", twice, must(want.Mentions(ctx, twice)), must(got.Mentions(ctx, twice)))
	same("Predicates", must(want.Predicates(ctx)), must(got.Predicates(ctx)))
}

// show prints an answer with what its pointers point to, and nil lists
// told from empty ones.
func show(v any) string {
	s := fmt.Sprintf("%#v", deref(reflect.ValueOf(v)))
	if len(s) > 2000 {
		s = s[:2000] + "..."
	}
	return s
}

func deref(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return deref(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return "nil"
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = deref(v.Index(i))
		}
		return out
	}
	return v.Interface()
}

// The answers of a projection are the caller's: changing one changes
// nothing in the next.
func TestAnswersAreFresh(t *testing.T) {
	ctx := context.Background()
	p := projection.New(domaintest.Memo())
	es := domaintest.Must(p.Entities(ctx, []string{"eib", "d4d-hub"}))
	es[0].Aliases = append(es[0].Aliases, "extra")
	es[0].Name = "changed"
	again := domaintest.Must(p.Entities(ctx, []string{"eib", "d4d-hub"}))
	if again[0].Name != "European Investment Bank" || len(again[0].Aliases) != 1 || again[1].Aliases[0] != "D4D Hub" {
		t.Errorf("a changed answer leaked into the next: %+v", again)
	}
}
