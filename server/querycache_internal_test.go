package server

import (
	"runtime"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/digidip/digidip/graph"
)

// TestDocCostBoundsTheAST measures, after a garbage collection, the heap a
// parsed and validated document keeps beyond its source, and holds docCost
// to be at least that for every shape of query: the parsed-query cache's
// budget is only as good as this estimate.
func TestDocCostBoundsTheAST(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}, Complexity: graph.Complexity(nil)}).Schema()
	tests := []struct{ name, query string }{
		{"a typical query", `query OneHop($id: ID!) { entity(id: $id) { neighbours(predicate: FUNDS, first: 20) { id name } } }`},
		{"one field, dense", "{ " + strings.Repeat("__typename ", 2000) + "}"},
		{"fields with arguments", "{ " + strings.Repeat(`entity(id: "eu") { id } `, 1000) + "}"},
		{"aliases", "{ " + strings.Repeat("a: __typename ", 2000) + "}"},
		{"fragment spreads", "{ " + strings.Repeat("...F ", 5000) + "} fragment F on Query { stats { entities } }"},
		{"variables with defaults", `query($n: Int = 5, $k: Kind = PERSON) { entities(first: $n, kind: $k) { totalCount } }`},
		{"escaped strings", "{ " + strings.Repeat(`search(text: "a\nb\u00e9c") { id } `, 1000) + "}"},
		{"a 500 KB comment", "# " + strings.Repeat("c", 500<<10) + "\n{ stats { entities } }"},
		{"a 500 KB string", `{ search(text: "` + strings.Repeat("a", 500<<10) + `") { id } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Small documents are parsed many times over, so that the
			// collector's own noise is small beside what they keep.
			copies := max(1, (4<<20)/docCost(tt.query))
			docs := make([]*ast.QueryDocument, copies)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range docs {
				doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: tt.query}, DefaultTokenLimit)
				if err != nil {
					t.Fatal(err)
				}
				if errs := validator.ValidateWithRules(schema, doc, nil); errs != nil {
					t.Fatal(errs)
				}
				docs[i] = doc
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(docs)
			kept := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / copies
			// the source was allocated before the measure began
			estimate := docCost(tt.query) - int64(len(tt.query))
			t.Logf("%d bytes, %d tokens: AST %d bytes, estimated %d", len(tt.query), countTokens(tt.query), kept, estimate)
			if kept > estimate {
				t.Errorf("the AST keeps %d bytes, more than the %d docCost charges for it", kept, estimate)
			}
		})
	}
}
