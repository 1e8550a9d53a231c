package cayley_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/query"
	_ "github.com/cayleygraph/cayley/query/gizmo" // Cayley's Gizmo, the anchor

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// oneHop is the 1-hop question: an entity's first ten relations out (of
// the predicates, when any are given) and the names and kinds of their
// objects.
func oneHop(ctx context.Context, r engine.Reader, id string, predicates []string) ([]*domain.Entity, error) {
	out, err := r.Edges(ctx, []string{id}, engine.Out, predicates)
	if err != nil {
		return nil, err
	}
	edges := out[0][:min(10, len(out[0]))]
	objs := make([]string, len(edges))
	for i, e := range edges {
		objs[i] = e.Object
	}
	return r.Entities(ctx, objs)
}

// gizmoOneHop asks Cayley's Gizmo the same question as Cayley's HTTP
// endpoint would, without the HTTP: a session, the query, its results
// collated as JSON.
func gizmoOneHop(ctx context.Context, qs graph.QuadStore, id string, predicates []string) ([]byte, error) {
	iris := make([]string, len(predicates))
	for i, p := range predicates {
		iris[i] = fmt.Sprintf("%q", vocab.PredicateIRI(p))
	}
	q := fmt.Sprintf(`g.V(%q).Out([%s]).Save(%q, "name").Save(%q, "kind").Limit(10).All()`,
		vocab.EntityIRI(id), strings.Join(iris, ","), vocab.RDFSLabel, vocab.RDFType)
	it, err := query.Execute(ctx, qs, "gizmo", q, query.Options{Collation: query.JSON, Limit: 100})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []any
	for it.Next(ctx) {
		out = append(out, it.Result())
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// BenchmarkOneHop asks the 1-hop question of the projection, of the cayley
// engine over bolt, and of Cayley's Gizmo over the same bolt store (in
// process: a lower bound of Gizmo over HTTP), on a synthetic graph of
// 20,000 quads. Two questions: "out10" is every relation out of entities
// with at least ten; "funds" is the load generator's, the funds relations
// of entities that fund something. Besides ns/op it reports the 50th and
// 99th percentiles of one question's time.
func BenchmarkOneHop(b *testing.B) {
	ctx := context.Background()
	ds := synth.Dataset(20000, 1)
	quads := vocab.Quads(ds)
	qs := openBolt(b, quads)
	want, got := readers(b, backends[1], ds)
	var preds []string
	for _, p := range ds.Predicates {
		preds = append(preds, p.ID)
	}
	questions := []struct {
		name  string
		preds []string // for the engines; Gizmo gets every predicate when none
		pick  func(out []engine.Edge, funds []engine.Edge) bool
	}{
		{"out10", nil, func(out, _ []engine.Edge) bool { return len(out) >= 10 }},
		{"funds", []string{"funds"}, func(_, funds []engine.Edge) bool { return len(funds) > 0 }},
	}
	for _, q := range questions {
		var ids []string
		for _, e := range ds.Entities {
			out, _ := want.Edges(ctx, []string{e.ID}, engine.Out, nil)
			funds, _ := want.Edges(ctx, []string{e.ID}, engine.Out, []string{"funds"})
			if q.pick(out[0], funds[0]) {
				ids = append(ids, e.ID)
			}
		}
		gizmoPreds := q.preds
		if gizmoPreds == nil {
			gizmoPreds = preds
		}
		askers := []struct {
			name string
			ask  func(id string) error
		}{
			{"projection", func(id string) error { _, err := oneHop(ctx, want, id, q.preds); return err }},
			{"cayley-bolt", func(id string) error { _, err := oneHop(ctx, got, id, q.preds); return err }},
			{"gizmo-bolt", func(id string) error { _, err := gizmoOneHop(ctx, qs, id, gizmoPreds); return err }},
		}
		for _, a := range askers {
			b.Run(q.name+"/"+a.name, func(b *testing.B) {
				b.ReportAllocs()
				var times []time.Duration
				i := 0
				for b.Loop() {
					start := time.Now()
					if err := a.ask(ids[i%len(ids)]); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
					i++
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
			})
		}
	}
}

// The benchmark's Gizmo question is the engines' question: the same
// objects, by name, for the funds question (whose answers have at most ten
// relations, so Gizmo's unordered Limit keeps them all).
func TestGizmoAsksTheSameQuestion(t *testing.T) {
	ctx := context.Background()
	ds := synth.Dataset(20000, 1)
	qs := openBolt(t, vocab.Quads(ds))
	want, _ := readers(t, backends[0], ds)
	checked := 0
	for _, e := range ds.Entities {
		es, err := oneHop(ctx, want, e.ID, []string{"funds"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 || len(es) == 10 {
			continue
		}
		js, err := gizmoOneHop(ctx, qs, e.ID, []string{"funds"})
		if err != nil {
			t.Fatal(err)
		}
		var got []map[string]any
		if err := json.Unmarshal(js, &got); err != nil {
			t.Fatal(err)
		}
		var names, gotNames []string
		for _, x := range es {
			names = append(names, x.Name)
		}
		for _, g := range got {
			gotNames = append(gotNames, fmt.Sprint(g["name"]))
			if kind := fmt.Sprint(g["kind"]); !strings.HasPrefix(kind, "<"+vocab.NSVocab) {
				t.Errorf("gizmo kind %s", kind)
			}
		}
		slices.Sort(names)
		slices.Sort(gotNames)
		if !slices.Equal(names, gotNames) {
			t.Errorf("%s: gizmo names %q, want %q", e.ID, gotNames, names)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d entities checked", checked)
	}
}
