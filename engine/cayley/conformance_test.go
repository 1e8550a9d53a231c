package cayley_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/cayley"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/vocab"
)

// The cayley engine answers every question of engine.Reader exactly as the
// projection (the reference) does, over every backend: for every id of the
// dataset and ids that name nothing, every kind, predicate filters,
// directions and edge keys.
func TestConformance(t *testing.T) {
	for _, b := range backends {
		for _, d := range datasets {
			t.Run(b.name+"/"+d.name, func(t *testing.T) {
				ds := d.ds(t)
				want, got := readers(t, b, ds)
				conform(t, ds, want, got)
			})
		}
	}
}

// unknown are ids that name nothing, some of them other things' ids or
// IRIs' shapes.
var unknown = []string{"", "nope", "memo:1", "memo", "global-gateway/fact/1", "council/calls-on", "a/b/c",
	"council/funds/eib", "eib/funds/d4d-hub/x", "calls-on", "memo:1#char=0,3", "ÉIB"}

func conform(t *testing.T, ds *domain.Dataset, want, got engine.Reader) {
	ctx := context.Background()
	var entities, relations, docs, paras, preds []string
	for _, e := range ds.Entities {
		entities = append(entities, e.ID)
	}
	for _, r := range ds.Relations {
		relations = append(relations, r.ID)
	}
	for _, d := range ds.Documents {
		docs = append(docs, d.ID)
		for _, p := range d.Paragraphs {
			paras = append(paras, p.ID)
		}
	}
	for _, p := range ds.Predicates {
		preds = append(preds, p.ID)
	}
	with := func(ids []string) []string { return append(append([]string(nil), ids...), unknown...) }

	// each compares one method on a batch of every id and unknown ones, and
	// on some ids alone: a batch answers for each id as it would alone.
	each := func(what string, ids []string, call func(r engine.Reader, ids []string) (any, error)) {
		t.Helper()
		same(t, what+" (all at once)", call, want, got, with(ids))
		for _, id := range slices.Concat(ids[:min(40, len(ids))], unknown) {
			same(t, fmt.Sprintf("%s(%q)", what, id), call, want, got, []string{id})
		}
	}
	same(t, "Summary", func(r engine.Reader, _ []string) (any, error) { return r.Summary(ctx) }, want, got, nil)
	each("Entities", entities, func(r engine.Reader, ids []string) (any, error) { return r.Entities(ctx, ids) })
	for _, k := range append([]domain.Kind{"", "NOPE", "actor"}, domain.Kinds...) {
		same(t, fmt.Sprintf("EntityIDs(%q)", k), func(r engine.Reader, _ []string) (any, error) { return r.EntityIDs(ctx, k) }, want, got, nil)
	}
	same(t, "Names", func(r engine.Reader, _ []string) (any, error) { return r.Names(ctx) }, want, got, nil)
	each("Degrees", entities, func(r engine.Reader, ids []string) (any, error) { return r.Degrees(ctx, ids) })

	// No filter, each predicate alone, pairs and all of them, with unknown
	// predicates among them.
	filters := [][]string{nil, {}, preds, {"nope"}, append([]string{"nope"}, preds...)}
	for i, p := range preds {
		filters = append(filters, []string{p}, []string{p, preds[(i+1)%len(preds)]}, []string{preds[(i+3)%len(preds)], p, "nope"})
	}
	// Filters on the busiest entities, where they have most to keep or drop.
	busiest := slices.Clone(entities)
	degree := map[string]int{}
	for _, r := range ds.Relations {
		degree[r.Subject]++
		degree[r.Object]++
	}
	slices.SortStableFunc(busiest, func(a, b string) int { return degree[b] - degree[a] })
	busiest = with(busiest[:min(60, len(busiest))])
	for _, dir := range []engine.Direction{engine.Out, engine.In, engine.Both} {
		for _, f := range filters {
			if dir == engine.Both && len(f) > 1 {
				continue // Both reads as Out (see engine.Reader): nil and single filters suffice
			}
			same(t, fmt.Sprintf("Edges(dir %d, %q)", dir, f), func(r engine.Reader, ids []string) (any, error) {
				return r.Edges(ctx, ids, dir, f)
			}, want, got, busiest)
		}
		each(fmt.Sprintf("Edges(dir %d)", dir), entities, func(r engine.Reader, ids []string) (any, error) {
			return r.Edges(ctx, ids, dir, nil)
		})
	}
	keys := []engine.EdgeKey{{}}
	for _, p := range append(preds, unknown...) {
		keys = append(keys, engine.EdgeKey{Predicate: p})
	}
	for _, p := range with(paras) {
		keys = append(keys, engine.EdgeKey{Paragraph: p})
	}
	for _, d := range with(docs) {
		keys = append(keys, engine.EdgeKey{Document: d})
	}
	for _, k := range keys {
		same(t, fmt.Sprintf("EdgesBy(%+v)", k), func(r engine.Reader, _ []string) (any, error) { return r.EdgesBy(ctx, k) }, want, got, nil)
	}
	each("Relations", relations, func(r engine.Reader, ids []string) (any, error) { return r.Relations(ctx, ids) })
	same(t, "Documents", func(r engine.Reader, _ []string) (any, error) { return r.Documents(ctx) }, want, got, nil)
	each("DocumentParagraphs", docs, func(r engine.Reader, ids []string) (any, error) { return r.DocumentParagraphs(ctx, ids) })
	each("Paragraphs", paras, func(r engine.Reader, ids []string) (any, error) { return r.Paragraphs(ctx, ids) })
	each("Mentions", entities, func(r engine.Reader, ids []string) (any, error) { return r.Mentions(ctx, ids) })
	same(t, "Predicates", func(r engine.Reader, _ []string) (any, error) { return r.Predicates(ctx) }, want, got, nil)
}

// same asks both readers and reports where their answers differ.
func same(t *testing.T, what string, call func(engine.Reader, []string) (any, error), want, got engine.Reader, ids []string) {
	t.Helper()
	w, err := call(want, ids)
	if err != nil {
		t.Fatalf("%s: projection: %v", what, err)
	}
	g, err := call(got, ids)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if reflect.DeepEqual(g, w) {
		return
	}
	wv, gv := reflect.ValueOf(w), reflect.ValueOf(g)
	if wv.Kind() == reflect.Slice && gv.Kind() == reflect.Slice && wv.Len() == gv.Len() {
		for i := range wv.Len() {
			if !reflect.DeepEqual(gv.Index(i).Interface(), wv.Index(i).Interface()) {
				t.Errorf("%s: [%d] (of %d) is\n%s\nwant\n%s", what, i, wv.Len(), show(gv.Index(i).Interface()), show(wv.Index(i).Interface()))
				return
			}
		}
	}
	t.Errorf("%s is\n%s\nwant\n%s", what, show(g), show(w))
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	if len(b) > 2000 {
		b = append(b[:2000], "..."...)
	}
	return fmt.Sprintf("%T %s", v, b)
}

// Quads the loader never writes read as the decoder (the projection's
// source until now) reads them: a relation's statement without its quads
// is no relation, and an entity without a label is named by its id.
func TestMalformedQuadsReadAsDecoded(t *testing.T) {
	ctx := context.Background()
	var quads []quad.Quad
	for _, q := range vocab.Quads(domaintest.Memo()) {
		// the statement keeps its type, verb and implied but loses its
		// quads and its evidence links (EdgesBy reads the links, as it reads
		// statements: a load writes them together)
		if q.Subject == vocab.EntityIRI("eib") && q.Predicate == vocab.PredicateIRI("funds") ||
			q.Subject == vocab.RelationIRI("eib/funds/d4d-hub") && q.Predicate == vocab.PropEvidence ||
			q.Subject == vocab.EntityIRI("lulea") && q.Predicate == vocab.RDFSLabel {
			continue
		}
		quads = append(quads, q)
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			qs := b.open(t, quads)
			ds, err := vocab.DecodeQuads(quads)
			if err != nil {
				t.Fatal(err)
			}
			want := projection.New(ds)
			sum, _ := want.Summary(ctx)
			got, err := cayley.New(ctx, qs, sum)
			if err != nil {
				t.Fatal(err)
			}
			if es, _ := got.Entities(ctx, []string{"lulea"}); es[0] == nil || es[0].Name != "lulea" {
				t.Errorf("lulea without a label is %s, want named lulea", show(es[0]))
			}
			if rs, _ := got.Relations(ctx, []string{"eib/funds/d4d-hub"}); rs[0] != nil {
				t.Errorf("a statement without its quads reads as %s, want no relation", show(rs[0]))
			}
			ents := []string{"eib", "d4d-hub", "lulea", "commission"}
			rels := []string{"eib/funds/d4d-hub", "commission/coordinates-with/itu"}
			call := map[string]func(r engine.Reader, _ []string) (any, error){
				"Entities":  func(r engine.Reader, _ []string) (any, error) { return r.Entities(ctx, ents) },
				"Names":     func(r engine.Reader, _ []string) (any, error) { return r.Names(ctx) },
				"Degrees":   func(r engine.Reader, _ []string) (any, error) { return r.Degrees(ctx, ents) },
				"Edges":     func(r engine.Reader, _ []string) (any, error) { return r.Edges(ctx, ents, engine.Out, nil) },
				"Edges(in)": func(r engine.Reader, _ []string) (any, error) { return r.Edges(ctx, ents, engine.In, nil) },
				"Relations": func(r engine.Reader, _ []string) (any, error) { return r.Relations(ctx, rels) },
				"EdgesBy": func(r engine.Reader, _ []string) (any, error) {
					return r.EdgesBy(ctx, engine.EdgeKey{Paragraph: "memo:1"})
				},
			}
			for name, c := range call {
				same(t, name, c, want, got, nil)
			}
		})
	}
}
