package engine_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/synth"
)

// Sizes are measured once per graph: each is checked against the fixture
// counted by hand, and text sizes against encoding/json's own output.
func TestSizes(t *testing.T) {
	ds := domaintest.Memo()
	ds.Entities[0].Description = `a<b & "c"` // escapes: JSON writes this in 23 bytes
	g := projection.NewGraph(ds)
	s := g.Sizes()
	jsonLen := func(texts ...string) int {
		most := 0
		for _, x := range texts {
			b, _ := json.Marshal(x)
			most = max(most, len(b))
		}
		return most
	}
	var paras, quotes, descriptions []string
	for _, p := range ds.Documents[0].Paragraphs {
		paras = append(paras, p.Text)
	}
	for _, r := range ds.Relations {
		for _, e := range r.Evidence {
			quotes = append(quotes, e.Quote)
		}
	}
	for _, e := range ds.Entities {
		descriptions = append(descriptions, e.Description)
		for _, f := range e.Facts {
			quotes = append(quotes, f.Evidence.Quote)
		}
	}
	tests := []struct {
		name      string
		got, want int
	}{
		{"entities", s.Entities, 8},
		{"relations", s.Relations, 5},
		{"documents", s.Documents, 1},
		{"predicates", s.Predicates, 4},
		{"moments (no date, deadline or period)", s.Moments, 0},
		{"degree (action-1, commission, eib, d4d-hub: 2 each)", s.Degree, 2},
		{"calls-on of one entity (action-1)", s.PredicateDegree("calls-on"), 2},
		{"funds of one entity", s.PredicateDegree("funds"), 1},
		{"any predicate", s.PredicateDegree(""), 2},
		{"a predicate nothing has", s.PredicateDegree("no-such"), 0},
		{"paragraphs naming one entity (commission, d4d-hub, global-gateway)", s.EntityMentions, 2},
		{"facts of one entity", s.Facts, 1},
		{"evidence of one relation (coordinates-with)", s.Evidence, 2},
		{"paragraphs of one document", s.Paragraphs, 3},
		{"notes of one paragraph", s.ParagraphNotes, 1},
		{"entities one paragraph names (memo:1)", s.ParagraphMentions, 5},
		{"relations one paragraph states (memo:1)", s.ParagraphRels, 3},
		{"longest paragraph text", s.ParagraphText, jsonLen(paras...)},
		{"longest quote", s.Quote, jsonLen(quotes...)},
		{"longest description, escaped", s.Description, 23},
		{"longest description, as encoding/json writes it", s.Description, jsonLen(descriptions...)},
		{"the most relations among all 8 entities", s.EdgesAmong(8), 5},
		{"among more entities than the graph has", s.EdgesAmong(100), 5},
		{"among one entity", s.EdgesAmong(1), 2},
		{"among none", s.EdgesAmong(0), 0},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// EdgesAmong bounds every subgraph the graph can give: no walk finds more
// relations among its entities than the bound for that many entities.
func TestEdgesAmongBoundsEverySubgraph(t *testing.T) {
	g := projection.NewGraph(domaintest.Memo())
	s := g.Sizes()
	walks := 0
	for _, root := range domaintest.Must(g.Entities(context.Background(), "")) {
		for depth := 0; depth <= 2; depth++ {
			for maxNodes := 1; maxNodes <= 8; maxNodes++ {
				sg, err := g.Subgraph(context.Background(), engine.SubgraphQuery{Roots: []string{root.ID}, Depth: depth, MaxNodes: maxNodes})
				if err != nil {
					t.Fatal(err)
				}
				walks++
				if bound := s.EdgesAmong(len(sg.Nodes)); len(sg.Edges) > bound {
					t.Errorf("%s depth %d max %d: %d relations among %d entities, bound %d", root.ID, depth, maxNodes, len(sg.Edges), len(sg.Nodes), bound)
				}
			}
		}
	}
	// and MaxEdges cuts, saying so
	sg, err := g.Subgraph(context.Background(), engine.SubgraphQuery{MaxNodes: 8, MaxEdges: 2})
	if err != nil || len(sg.Edges) != 2 || !sg.Truncated {
		t.Errorf("MaxEdges 2 over the whole graph: %v, %d relations, truncated %v", err, len(sg.Edges), sg.Truncated)
	}
	if _, err := g.Subgraph(context.Background(), engine.SubgraphQuery{MaxNodes: 8, MaxEdges: engine.MaxSubgraphEdges + 1}); err == nil {
		t.Error("MaxEdges over the maximum accepted")
	}
}

// The typical sizes are the 99th percentile over every entity (those with
// no relations too), checked against a sort of the synthetic graph's
// degrees; the hubs make the maximum many times larger.
func TestTypicalSizes(t *testing.T) {
	ds := synth.Dataset(40000, 9)
	s := projection.NewGraph(ds).Sizes()
	degree := map[string]int{}
	for _, r := range ds.Relations {
		degree[r.Subject]++
		if r.Object != r.Subject {
			degree[r.Object]++
		}
	}
	all := make([]int, len(ds.Entities))
	for i, e := range ds.Entities {
		all[i] = degree[e.ID]
	}
	slices.Sort(all)
	want := all[len(all)-1-(len(all)-1)/100]
	if s.DegreeP99 != want || s.TypicalDegree("") != want {
		t.Errorf("DegreeP99 = %d, TypicalDegree = %d, want %d", s.DegreeP99, s.TypicalDegree(""), want)
	}
	if s.Degree < 5*want {
		t.Errorf("the hub's degree %d is not far above the typical %d: the synthetic graph has no hubs", s.Degree, want)
	}
	for p, n := range s.PredicateDegreesP99 {
		if n < 1 || n > s.PredicateDegrees[p] || n > want {
			t.Errorf("typical %s degree %d (max %d, all predicates %d)", p, n, s.PredicateDegrees[p], want)
		}
	}
	if s.EvidenceP99 != 1 || s.EntityMentionsP99 < 1 || s.EntityMentionsP99 > s.EntityMentions {
		t.Errorf("typical evidence %d, mentions %d (max %d)", s.EvidenceP99, s.EntityMentionsP99, s.EntityMentions)
	}
	// a summary from before percentiles prices by the maximum
	old := engine.Sizes{Degree: 40, PredicateDegrees: map[string]int{"funds": 7}}
	if old.TypicalDegree("") != 40 || old.TypicalDegree("funds") != 7 {
		t.Errorf("an old summary's typical degrees: %d, %d", old.TypicalDegree(""), old.TypicalDegree("funds"))
	}
}
