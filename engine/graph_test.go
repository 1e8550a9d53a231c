package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/synth"
)

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func entityIDs(es []*domain.Entity) []string {
	return ids(es, func(e *domain.Entity) string { return e.ID })
}
func relationIDs(rs []engine.Edge) []string {
	return ids(rs, func(r engine.Edge) string { return r.ID })
}

func TestSearch(t *testing.T) {
	g := projection.NewGraph(domaintest.Memo())
	tests := []struct {
		text  string
		kinds []domain.Kind
		limit int
		want  []string
	}{
		{"D4D Hub", nil, 10, []string{"d4d-hub", "action-1"}},           // alias exact, then word prefix of another name
		{"d4d", nil, 10, []string{"d4d-hub", "action-1"}},               // common name exact beats a word inside a name
		{"EIB", nil, 10, []string{"eib"}},                               // abbreviation
		{"bei", nil, 10, []string{"eib"}},                               // common name, any case
		{"global gateway", nil, 10, []string{"global-gateway"}},         // case
		{"lulea", nil, 10, []string{"lulea"}},                           // accents
		{"LULEÅ university", nil, 10, []string{"lulea"}},                // accents and case
		{"Commission", nil, 10, []string{"commission"}},                 // alias exact
		{"European", nil, 10, []string{"commission", "eib", "council"}}, // prefixes, by degree then name
		{"Union", nil, 10, []string{"itu", "council"}},                  // word prefixes, by degree
		{"vestment", nil, 10, []string{"eib"}},                          // substring
		{"European", []domain.Kind{domain.Instrument}, 10, []string{}},  // kind filter
		{"European", nil, 1, []string{"commission"}},                    // limit
		{"  ", nil, 10, []string{}},                                     // nothing to look for
		{"zzz", nil, 10, []string{}},
		{"union european", nil, 10, []string{"council"}},                        // every word, in any order
		{"bank invest", nil, 10, []string{"eib"}},                               // word prefixes
		{"union telecom", nil, 10, []string{"itu"}},                             // only the label with both
		{"union zzz", nil, 10, []string{}},                                      // a word nowhere
		{"european union", nil, 10, []string{"council"}},                        // the words as written: a substring
		{"hub d4d", []domain.Kind{domain.Commitment}, 10, []string{"action-1"}}, // kinds still apply
	}
	for _, tt := range tests {
		got := entityIDs(domaintest.Must(g.Search(context.Background(), tt.text, tt.kinds, tt.limit)))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Search(%q, %v, %d) = %v, want %v", tt.text, tt.kinds, tt.limit, got, tt.want)
		}
	}
}

func TestNeighboursAndRelations(t *testing.T) {
	g := projection.NewGraph(domaintest.Memo())
	if got := relationIDs(domaintest.Must(g.Neighbours(context.Background(), "eib", engine.Out, nil))); !reflect.DeepEqual(got, []string{"eib/funds/d4d-hub"}) {
		t.Errorf("out of eib = %v", got)
	}
	if got := relationIDs(domaintest.Must(g.Neighbours(context.Background(), "eib", engine.In, nil))); !reflect.DeepEqual(got, []string{"action-1/calls-on/eib"}) {
		t.Errorf("in of eib = %v", got)
	}
	if got := relationIDs(domaintest.Must(g.Neighbours(context.Background(), "eib", engine.Both, []string{"funds"}))); !reflect.DeepEqual(got, []string{"eib/funds/d4d-hub"}) {
		t.Errorf("funds of eib = %v", got)
	}
	if domaintest.Must(g.Degree(context.Background(), "commission")) != 2 || domaintest.Must(g.Degree(context.Background(), "action-1")) != 2 || domaintest.Must(g.Degree(context.Background(), "council")) != 0 {
		t.Errorf("degrees: commission %d, action-1 %d, council %d", domaintest.Must(g.Degree(context.Background(), "commission")), domaintest.Must(g.Degree(context.Background(), "action-1")), domaintest.Must(g.Degree(context.Background(), "council")))
	}
	tests := []struct {
		f    engine.RelationFilter
		want []string
	}{
		{engine.RelationFilter{Paragraph: "memo:2"}, []string{"commission/coordinates-with/itu", "d4d-hub/partners-with/lulea"}},
		{engine.RelationFilter{Paragraph: "memo:1", Predicates: []string{"calls-on"}}, []string{"action-1/calls-on/commission", "action-1/calls-on/eib"}},
		{engine.RelationFilter{Subject: "action-1", Object: "eib"}, []string{"action-1/calls-on/eib"}},
		{engine.RelationFilter{Document: "memo", Predicates: []string{"funds", "partners-with"}}, []string{"d4d-hub/partners-with/lulea", "eib/funds/d4d-hub"}},
		{engine.RelationFilter{Document: "nosuch"}, nil},
		{engine.RelationFilter{Subject: "eib", Paragraph: "memo:2"}, []string{}},
	}
	for _, tt := range tests {
		got := domaintest.Must(g.Relations(context.Background(), tt.f))
		if tt.want == nil {
			if len(got) != 0 {
				t.Errorf("Relations(%+v) = %v, want none", tt.f, relationIDs(got))
			}
			continue
		}
		if ids := relationIDs(got); !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("Relations(%+v) = %v, want %v", tt.f, ids, tt.want)
		}
	}
	if ps := domaintest.Must(g.Mentions(context.Background(), "d4d-hub", "", -1)); len(ps) != 2 || ps[0].ID != "memo:1" || ps[1].ID != "memo:2" {
		t.Errorf("mentions of d4d-hub = %v", ps)
	}
}

func TestPaths(t *testing.T) {
	g := projection.NewGraph(domaintest.Memo())
	ctx := context.Background()
	paths, err := g.Paths(ctx, "lulea", "commission", 6, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 {
		t.Fatalf("%d paths, want 1", len(paths))
	}
	want := []string{"lulea", "d4d-hub", "eib", "action-1", "commission"}
	if !reflect.DeepEqual(paths[0].Nodes, want) {
		t.Errorf("path = %v, want %v", paths[0].Nodes, want)
	}
	for i, st := range paths[0].Steps {
		r := st.Relation
		if st.From != want[i] || st.To != want[i+1] {
			t.Errorf("step %d goes %s→%s", i, st.From, st.To)
		}
		if (r.Subject == st.From) != st.Forward || len(r.Evidence) == 0 {
			t.Errorf("step %d: relation %s forward=%v evidence=%d", i, r.ID, st.Forward, len(r.Evidence))
		}
	}
	// too short a limit finds nothing; a predicate filter that breaks the
	// chain finds nothing
	if p, _ := g.Paths(ctx, "lulea", "commission", 3, nil, 5); len(p) != 0 {
		t.Errorf("found a path in 3 hops: %v", p)
	}
	if p, _ := g.Paths(ctx, "lulea", "commission", 6, []string{"calls-on", "funds"}, 5); len(p) != 0 {
		t.Errorf("found a path without partners-with: %v", p)
	}
	// two shortest paths from the commitment to the D4D Hub? only one: via eib
	if p, _ := g.Paths(ctx, "commission", "eib", 4, nil, 5); len(p) != 1 || len(p[0].Steps) != 2 {
		t.Errorf("commission→eib = %+v", p)
	}
	for _, tt := range []struct {
		from, to string
		hops, n  int
		want     error
	}{
		{"nosuch", "eib", 4, 3, domain.ErrNotFound},
		{"eib", "nosuch", 4, 3, domain.ErrNotFound},
		{"eib", "itu", 0, 3, domain.ErrInvalidArgument},
		{"eib", "itu", 7, 3, domain.ErrInvalidArgument},
		{"eib", "itu", 4, 0, domain.ErrInvalidArgument},
	} {
		if _, err := g.Paths(ctx, tt.from, tt.to, tt.hops, nil, tt.n); !errors.Is(err, tt.want) {
			t.Errorf("Paths(%s, %s, %d, %d) = %v, want %v", tt.from, tt.to, tt.hops, tt.n, err, tt.want)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.Paths(cancelled, "lulea", "commission", 6, nil, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled path search returned %v", err)
	}
}

func TestSubgraph(t *testing.T) {
	g := projection.NewGraph(domaintest.Memo())
	ctx := context.Background()
	tests := []struct {
		name      string
		q         engine.SubgraphQuery
		nodes     string
		edges     int
		truncated bool
	}{
		{"depth 0", engine.SubgraphQuery{Roots: []string{"eib"}, Depth: 0, MaxNodes: 100}, "eib", 0, false},
		{"depth 1", engine.SubgraphQuery{Roots: []string{"eib"}, Depth: 1, MaxNodes: 100}, "eib d4d-hub action-1", 2, false},
		{"depth 2", engine.SubgraphQuery{Roots: []string{"eib"}, Depth: 2, MaxNodes: 100}, "eib d4d-hub action-1 lulea commission", 4, false},
		{"predicates", engine.SubgraphQuery{Roots: []string{"eib"}, Depth: 3, Predicates: []string{"funds", "partners-with"}, MaxNodes: 100}, "eib d4d-hub lulea", 2, false},
		{"kinds", engine.SubgraphQuery{Roots: []string{"eib"}, Depth: 3, Kinds: []domain.Kind{domain.Instrument}, MaxNodes: 100}, "eib d4d-hub", 1, false},
		{"truncated", engine.SubgraphQuery{Roots: []string{"eib"}, Depth: 3, MaxNodes: 2}, "eib d4d-hub", 1, true},
		{"whole graph", engine.SubgraphQuery{Depth: 1, MaxNodes: 100}, "action-1 commission council d4d-hub eib global-gateway itu lulea", 5, false},
	}
	for _, tt := range tests {
		sg, err := g.Subgraph(ctx, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := strings.Join(entityIDs(sg.Nodes), " "); got != tt.nodes || len(sg.Edges) != tt.edges || sg.Truncated != tt.truncated {
			t.Errorf("%s: nodes %q, %d edges, truncated %v; want %q, %d, %v", tt.name, got, len(sg.Edges), sg.Truncated, tt.nodes, tt.edges, tt.truncated)
		}
	}
	for _, q := range []engine.SubgraphQuery{
		{Roots: []string{"nosuch"}, Depth: 1, MaxNodes: 10},
		{Roots: []string{"eib"}, Depth: 5, MaxNodes: 10},
		{Roots: []string{"eib"}, Depth: 1, MaxNodes: 0},
	} {
		if _, err := g.Subgraph(ctx, q); err == nil {
			t.Errorf("Subgraph(%+v) succeeded", q)
		}
	}
}

func TestTimeline(t *testing.T) {
	ds := domaintest.Memo()
	fact := func(key, text, date string) domain.Fact {
		return domain.Fact{Key: key, Text: text, Date: date, Evidence: domain.Evidence{Document: "memo", Paragraph: "memo:1", Quote: "Council", Start: 4, End: 11}}
	}
	ents := map[string]*domain.Entity{}
	for _, e := range ds.Entities {
		ents[e.ID] = e
	}
	ents["action-1"].Facts = []domain.Fact{fact("deadline", "by summer 2024", "2024-22"), fact("deadline", "within two years", "")}
	ents["itu"].Facts = []domain.Fact{fact("date", "in 2024", "2024"), fact("date", "July 2024", "2024-07"), fact("period", "2020-2024", "2020/2024"),
		fact("period", "after 2025", "2025/.."), fact("period", "over the next two years", "")}
	ents["council"].Facts = []domain.Fact{fact("date", "13 June 2023", "2023-06-13"), fact("status", "draft", "")}
	g := projection.NewGraph(ds)
	text := func(ms []engine.Moment) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Fact.Text)
		}
		return out
	}
	tests := []struct {
		name     string
		from, to string
		kinds    []domain.Kind
		undated  bool
		want     []string
	}{
		{"all, in order", "", "", nil, true, []string{"2020-2024", "13 June 2023", "in 2024", "by summer 2024", "July 2024", "after 2025", "within two years", "over the next two years"}},
		{"dated only", "", "", nil, false, []string{"2020-2024", "13 June 2023", "in 2024", "by summer 2024", "July 2024", "after 2025"}},
		{"from: what overlaps, intervals and years included", "2024-06", "", nil, false, []string{"2020-2024", "in 2024", "by summer 2024", "July 2024", "after 2025"}},
		{"to, inclusive of a month", "", "2023-06", nil, false, []string{"2020-2024", "13 June 2023"}},
		{"a month inside an interval", "2022-09", "2022-09", nil, false, []string{"2020-2024"}},
		{"open end", "2030", "2030", nil, false, []string{"after 2025"}},
		{"kinds", "", "", []domain.Kind{domain.Commitment}, true, []string{"by summer 2024", "within two years"}},
	}
	for _, tt := range tests {
		if got := text(domaintest.Must(g.Timeline(context.Background(), tt.from, tt.to, tt.kinds, tt.undated, -1))); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRelationsMatchesScan holds Relations, whichever index it reads, to a
// scan of the dataset, for filters of every combination of fields over ids
// of a synthetic graph (hubs and leaves, ids that name nothing).
func TestRelationsMatchesScan(t *testing.T) {
	embedded, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	// the shipped data has sub-points and footnotes; the synthetic graph
	// has hubs
	for _, ds := range []*domain.Dataset{embedded, synth.Dataset(20000, 3)} {
		t.Run(ds.Source, func(t *testing.T) { relationsMatchScan(t, ds) })
	}
}

func relationsMatchScan(t *testing.T, ds *domain.Dataset) {
	g := projection.NewGraph(domaintest.Clone(ds))
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	var ents, paras, docs, preds []string
	parent := map[string]string{}
	// under reports whether paragraph p is top or lies under it
	under := func(p, top string) bool {
		for ; p != ""; p = parent[p] {
			if p == top {
				return true
			}
		}
		return false
	}
	for _, e := range ds.Entities {
		ents = append(ents, e.ID)
	}
	for _, d := range ds.Documents {
		docs = append(docs, d.ID)
		for _, p := range d.Paragraphs {
			paras = append(paras, p.ID)
			parent[p.ID] = p.Parent
		}
	}
	for _, p := range ds.Predicates {
		preds = append(preds, p.ID)
	}
	// a hub as subject and object, so that an entity's list is long too
	hub := ds.Relations[0].Subject
	nonEmpty := 0
	for i := range 1600 {
		// half the filters are drawn from one relation, so that they
		// select it, and half at random
		r := ds.Relations[rng.IntN(len(ds.Relations))]
		from := func(own string, any []string) string {
			if i%2 == 0 {
				return own
			}
			return pick(any)
		}
		var f engine.RelationFilter
		if i&2 != 0 {
			f.Subject = from(r.Subject, append(ents, hub, hub, "nosuch"))
		}
		if i&4 != 0 {
			f.Object = from(r.Object, append(ents, hub, "nosuch"))
		}
		if i&256 != 0 {
			f.Entity = from(r.Subject, append(ents, hub, "nosuch"))
			if i&512 != 0 {
				f.Entity = from(r.Object, append(ents, hub, "nosuch"))
			}
		}
		if i&8 != 0 {
			f.Paragraph = from(r.Evidence[0].Paragraph, append(paras, "nosuch:1"))
			if f.Subtree = i&128 != 0; f.Subtree && i%2 == 0 && parent[f.Paragraph] != "" {
				f.Paragraph = parent[f.Paragraph] // the relation is stated under it
			}
		}
		if i&16 != 0 {
			f.Document = from(r.Evidence[len(r.Evidence)-1].Document, append(docs, "nosuch"))
		}
		for k := range (i >> 5) & 3 {
			f.Predicates = append(f.Predicates, from(r.Predicate, append(preds, "nosuch")))
			if k > 0 {
				f.Predicates[k] = pick(preds)
			}
		}
		want := []string{}
		for _, r := range ds.Relations {
			if (f.Subject == "" || r.Subject == f.Subject) &&
				(f.Object == "" || r.Object == f.Object) &&
				(f.Entity == "" || r.Subject == f.Entity || r.Object == f.Entity) &&
				(len(f.Predicates) == 0 || slices.Contains(f.Predicates, r.Predicate)) &&
				(f.Paragraph == "" || slices.ContainsFunc(r.Evidence, func(e domain.Evidence) bool {
					return e.Paragraph == f.Paragraph || f.Subtree && under(e.Paragraph, f.Paragraph)
				})) &&
				(f.Document == "" || r.CitesDocument(f.Document)) {
				want = append(want, r.ID)
			}
		}
		slices.Sort(want)
		got, err := g.Relations(ctx, f)
		if err != nil {
			t.Fatalf("Relations(%+v): %v", f, err)
		}
		if ids := relationIDs(got); !slices.Equal(ids, want) {
			t.Errorf("Relations(%+v) = %v, want %v", f, ids, want)
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 700 {
		t.Errorf("only %d of 1600 filters select anything: too few to test by", nonEmpty)
	}
}

// Search matches every word in any order, and still ranks exact names and
// aliases first.
func TestSearchAllWords(t *testing.T) {
	ds, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	g := projection.NewGraph(ds)
	for _, tt := range []struct{ text, first string }{
		{"Delegation expertise", "action-15-delegation-expertise"},
		{"expertise delegation", "action-15-delegation-expertise"},
		{"Global Gateway", "global-gateway"},
		{"EIB", "european-investment-bank"},
	} {
		got := entityIDs(domaintest.Must(g.Search(context.Background(), tt.text, nil, 10)))
		if len(got) == 0 || got[0] != tt.first {
			t.Errorf("Search(%q) = %v, want %s first", tt.text, got, tt.first)
		}
	}
}

func TestNotFoundSuggests(t *testing.T) {
	ds, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	g := projection.NewGraph(ds)
	rel := ds.Relations[len(ds.Relations)/2].ID
	tests := []struct {
		what, id string
		want     []string // the first suggestions, in order
	}{
		{"entity", "global-gatway", []string{"global-gateway"}},
		{"entity", "Global Gateway", []string{"global-gateway"}},
		{"entity", "EIB", []string{"european-investment-bank"}},
		{"entity", "European Investment", []string{"european-investment-bank"}},
		{"entity", "x", nil},
		{"entity", "no-such-entity", nil},
		{"document", "council", []string{"council-2023"}},
		{"document", "eeas-2021", []string{"eeas-2022"}},
		{"paragraph", "4.A", []string{"council-2023:4.A"}},
		{"paragraph", "council-2023:4.Z", []string{"council-2023:4.A"}},
		{"relation", rel[:len(rel)-1] + "x", []string{rel}},
	}
	for _, tt := range tests {
		err := g.NotFound(context.Background(), tt.what, tt.id)
		var nf *domain.NotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("NotFound(%s, %q) = %v, not a NotFoundError", tt.what, tt.id, err)
		}
		if len(nf.Suggestions) > engine.MaxSuggestions {
			t.Errorf("NotFound(%s, %q) suggests %d ids", tt.what, tt.id, len(nf.Suggestions))
		}
		if len(tt.want) == 0 && len(nf.Suggestions) > 0 || len(nf.Suggestions) < len(tt.want) || !slices.Equal(nf.Suggestions[:len(tt.want)], tt.want) {
			t.Errorf("NotFound(%s, %q) suggests %q, want %q first", tt.what, tt.id, nf.Suggestions, tt.want)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%s %q not found", tt.what, tt.id)) {
			t.Errorf("message %q", err)
		}
	}
}
