package cayley_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// engine.Graph answers the same over the cayley engine as over the
// projection: paths, subgraphs, search, filtered relations, the timeline
// and the whole dataset, on the embedded data in a bolt store.
func TestGraphOverCayley(t *testing.T) {
	ctx := context.Background()
	ds := named(t, "embedded")
	want, got := readers(t, backends[1], ds)
	pg, err := engine.New(ctx, "projection", want)
	if err != nil {
		t.Fatal(err)
	}
	cg, err := engine.New(ctx, "cayley", got)
	if err != nil {
		t.Fatal(err)
	}
	if cg.Engine() != "cayley" || !reflect.DeepEqual(cg.Predicates(), pg.Predicates()) || !reflect.DeepEqual(cg.Documents(), pg.Documents()) {
		t.Fatal("the graphs' predicates or documents differ")
	}
	// compare asks both graphs one question; errors must match too.
	compare := func(what string, ask func(g *engine.Graph) (any, error)) {
		t.Helper()
		w, werr := ask(pg)
		g, gerr := ask(cg)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Errorf("%s: error %v, want %v", what, gerr, werr)
			return
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s is\n%s\nwant\n%s", what, show(g), show(w))
		}
	}

	var sample []string // every seventh entity, and one that is none
	for i, e := range ds.Entities {
		if i%7 == 0 {
			sample = append(sample, e.ID)
		}
	}
	sample = append(sample, "nope")
	pred := ds.Relations[0].Predicate
	paths := 0
	for i, from := range sample {
		for _, to := range sample[i+1:] {
			compare(fmt.Sprintf("Paths(%s, %s)", from, to), func(g *engine.Graph) (any, error) {
				return g.Paths(ctx, from, to, 4, nil, 5)
			})
			if ps, err := pg.Paths(ctx, from, to, 4, nil, 5); err == nil && len(ps) > 0 {
				paths++
			}
		}
		compare(fmt.Sprintf("Paths(%s, ..., %s)", from, pred), func(g *engine.Graph) (any, error) {
			return g.Paths(ctx, from, sample[len(sample)/2], 6, []string{pred}, 20)
		})
	}
	if paths < 10 {
		t.Errorf("only %d pairs have paths: the comparison says little", paths)
	}

	queries := []engine.SubgraphQuery{
		{Depth: 0, MaxNodes: 2000},
		{Kinds: []domain.Kind{domain.Actor, domain.Country}, MaxNodes: 40},
		{Roots: []string{"nope"}, Depth: 1, MaxNodes: 10},
		{Roots: sample[:3], Depth: 5, MaxNodes: 10},
	}
	for _, r := range sample[:len(sample)-1] {
		queries = append(queries,
			engine.SubgraphQuery{Roots: []string{r}, Depth: 2, MaxNodes: 100},
			engine.SubgraphQuery{Roots: []string{r}, Depth: 3, MaxNodes: 60, MaxEdges: 20, Predicates: []string{pred}},
			engine.SubgraphQuery{Roots: []string{r}, Depth: 2, MaxNodes: 200, Kinds: []domain.Kind{domain.Actor, domain.Policy}})
	}
	for _, q := range queries {
		compare(fmt.Sprintf("Subgraph(%+v)", q), func(g *engine.Graph) (any, error) { return g.Subgraph(ctx, q) })
	}

	texts := []string{"", "zzz", "EU", "digital", "Global Gateway", "council", "afr", "ÉU"}
	for _, e := range ds.Entities[:40] {
		texts = append(texts, e.Name, strings.Fields(e.Name)[0])
	}
	for _, text := range texts {
		for _, kinds := range [][]domain.Kind{nil, {domain.Country, domain.Region}} {
			compare(fmt.Sprintf("Search(%q, %v)", text, kinds), func(g *engine.Graph) (any, error) {
				return g.Search(ctx, text, kinds, 15)
			})
		}
	}

	filters := []engine.RelationFilter{{}, {Predicates: []string{pred}}, {Predicates: []string{pred, "nope"}}, {Subject: "nope"}}
	for _, d := range ds.Documents {
		filters = append(filters, engine.RelationFilter{Document: d.ID}, engine.RelationFilter{Document: d.ID, Predicates: []string{pred}})
		for _, p := range d.Paragraphs {
			filters = append(filters,
				engine.RelationFilter{Paragraph: p.ID},
				engine.RelationFilter{Paragraph: p.ID, Document: d.ID, Predicates: []string{pred}})
		}
	}
	for _, e := range sample {
		filters = append(filters,
			engine.RelationFilter{Subject: e},
			engine.RelationFilter{Object: e, Predicates: []string{pred}},
			engine.RelationFilter{Subject: e, Document: ds.Documents[0].ID},
			engine.RelationFilter{Object: e, Paragraph: ds.Documents[0].Paragraphs[0].ID})
	}
	for _, f := range filters {
		compare(fmt.Sprintf("Relations(%+v)", f), func(g *engine.Graph) (any, error) {
			edges, err := g.Relations(ctx, f)
			if err != nil {
				return nil, err
			}
			return g.Load(ctx, edges)
		})
	}

	for _, undated := range []bool{false, true} {
		compare(fmt.Sprintf("Timeline(undated %v)", undated), func(g *engine.Graph) (any, error) {
			return g.Timeline(ctx, "", "", nil, undated, 1000)
		})
	}
	compare("Dataset", func(g *engine.Graph) (any, error) { return g.Dataset(ctx) })
	compare("Mentions", func(g *engine.Graph) (any, error) { return g.Mentions(ctx, sample[0], "", -1) })
}

// A call whose context ends part way through stops with the context's
// error; one whose context has ended does not start.
func TestContextEnds(t *testing.T) {
	ds := named(t, "synth-20k")
	_, r := readers(t, backends[1], ds)
	var entities, relations, docs, paras []string
	for _, e := range ds.Entities {
		entities = append(entities, e.ID)
	}
	for _, rel := range ds.Relations {
		relations = append(relations, rel.ID)
	}
	for _, d := range ds.Documents {
		docs = append(docs, d.ID)
		for _, p := range d.Paragraphs {
			paras = append(paras, p.ID)
		}
	}
	calls := map[string]func(ctx context.Context) (any, error){
		"Entities":           func(ctx context.Context) (any, error) { return r.Entities(ctx, entities) },
		"EntityIDs":          func(ctx context.Context) (any, error) { return r.EntityIDs(ctx, "") },
		"Names":              func(ctx context.Context) (any, error) { return r.Names(ctx) },
		"Degrees":            func(ctx context.Context) (any, error) { return r.Degrees(ctx, entities) },
		"Edges":              func(ctx context.Context) (any, error) { return r.Edges(ctx, entities, engine.In, nil) },
		"Edges(predicate)":   func(ctx context.Context) (any, error) { return r.Edges(ctx, entities, engine.Out, []string{"funds"}) },
		"EdgesBy(all)":       func(ctx context.Context) (any, error) { return r.EdgesBy(ctx, engine.EdgeKey{}) },
		"EdgesBy(document)":  func(ctx context.Context) (any, error) { return r.EdgesBy(ctx, engine.EdgeKey{Document: docs[0]}) },
		"EdgesBy(predicate)": func(ctx context.Context) (any, error) { return r.EdgesBy(ctx, engine.EdgeKey{Predicate: "funds"}) },
		"Relations":          func(ctx context.Context) (any, error) { return r.Relations(ctx, relations) },
		"Documents":          func(ctx context.Context) (any, error) { return r.Documents(ctx) },
		"DocumentParagraphs": func(ctx context.Context) (any, error) { return r.DocumentParagraphs(ctx, docs) },
		"Paragraphs":         func(ctx context.Context) (any, error) { return r.Paragraphs(ctx, paras) },
		"Mentions":           func(ctx context.Context) (any, error) { return r.Mentions(ctx, entities) },
		"Predicates":         func(ctx context.Context) (any, error) { return r.Predicates(ctx) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			ended, cancel := context.WithCancel(context.Background())
			cancel()
			if v, err := call(ended); !errors.Is(err, context.Canceled) {
				t.Errorf("with an ended context: %v, %s; want context.Canceled", err, show(v))
			}
			// How many quads and values the whole call reads from bolt...
			before := fetches(t)
			if _, err := call(context.Background()); err != nil {
				t.Fatal(err)
			}
			reads := fetches(t) - before
			// ...and a context that ends a quarter of the way through it,
			// after which the call stops reading (within a batch or two).
			before = fetches(t)
			quarter := &progress{t: t, end: before + reads/4}
			quarter.Context, quarter.cancel = context.WithCancel(context.Background())
			if v, err := call(quarter); !errors.Is(err, context.Canceled) {
				t.Errorf("with a context ending after %.0f of %.0f reads: %v, %s; want context.Canceled", reads/4, reads, err, show(v))
			}
			if cut := fetches(t) - before; cut > reads/4+300 {
				t.Errorf("ended after %.0f reads, the call read %.0f of its %.0f quads and values", reads/4, cut, reads)
			}
		})
	}
}

// fetches is how many quads and values Cayley's bolt stores have read from
// their logs so far.
func fetches(t *testing.T) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "cayley_kv_primitive_fetch" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("Cayley counts no fetches")
	return 0
}

// progress is a context that ends once bolt has read up to end quads and
// values: it ends a call part way through its reading, wherever that is.
type progress struct {
	context.Context
	cancel context.CancelFunc
	t      *testing.T
	end    float64
}

func (p *progress) Err() error {
	if fetches(p.t) >= p.end {
		p.cancel()
	}
	return p.Context.Err()
}

// One reader answers many callers at once, each as it would alone.
func TestConcurrentCallers(t *testing.T) {
	ctx := context.Background()
	ds := named(t, "synth-20k")
	for _, b := range backends[:2] {
		t.Run(b.name, func(t *testing.T) {
			want, got := readers(t, b, ds)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for w := range 8 {
				wg.Go(func() {
					for i := w; i < len(ds.Entities); i += 8 {
						id := ds.Entities[i].ID
						g, err := oneHop(ctx, got, id, nil)
						if err != nil {
							errs <- err
							return
						}
						if expect, _ := oneHop(ctx, want, id, nil); !reflect.DeepEqual(g, expect) {
							errs <- fmt.Errorf("%s: %s, want %s", id, show(g), show(expect))
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
