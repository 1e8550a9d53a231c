package querytest_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/graph/querytest"
)

// schema is the API's schema as the server parses it.
func schema() *ast.Schema { return graph.NewExecutableSchema(graph.Config{}).Schema() }

var pool = querytest.Pool{
	Args: map[string][]string{
		"Query.entity.id":     {"global-gateway", "eu"},
		"Query.timeline.from": {"2023", "2024-06"},
		"subject":             {"eu"},
	},
	Strings: []string{"gateway", "council-2023"},
	Invalid: []string{"no-such-id", "", "\"quoted\"\n\\"},
	Harvest: map[string]string{"endCursor": "after"},
}

func generator(seed uint64) *querytest.Generator {
	return querytest.New(schema(), pool, rand.New(rand.NewPCG(seed, 1)), querytest.Options{})
}

// validate parses and validates a query and its variables as the server
// does, failing the test on any error.
func validate(t *testing.T, s *ast.Schema, q querytest.Query) (*ast.QueryDocument, map[string]any) {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(s, q.Text, nil)
	if errs != nil {
		t.Fatalf("invalid query: %v\n%s", errs, q.Text)
	}
	if len(doc.Operations) != 1 {
		t.Fatalf("%d operations, want 1:\n%s", len(doc.Operations), q.Text)
	}
	vars, err := validator.VariableValues(s, doc.Operations[0], q.Variables)
	if err != nil {
		t.Fatalf("invalid variables %v: %v\n%s", q.Variables, err, q.Text)
	}
	return doc, vars
}

// Every field of every type a query can reach, every argument and every
// enum value an argument takes appears in a few thousand queries, in
// documents the schema validates. What must appear is read from the
// schema, so this stays true as it grows.
func TestQueriesCoverTheSchema(t *testing.T) {
	s := schema()
	want := required(s)
	seen := map[string]bool{}
	g := generator(1)
	for range 2000 {
		q := g.Query()
		doc, vars := validate(t, s, q)
		cover(doc, vars, seen)
	}
	var missing []string
	for _, w := range want {
		if !seen[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d never appear in 2000 queries: %s", len(missing), len(want), strings.Join(missing, ", "))
	}
	// the walk sees what it must: a sample of what the schema has today
	for _, w := range []string{"Query.subgraph", "Subgraph.export(format)", "ExportFormat.GEXF", "Relation.evidence(paragraph)", "Node.id", "Predicate.PROMOTES"} {
		if !slices.Contains(want, w) {
			t.Errorf("%s is not among what the schema asks for", w)
		}
	}
}

// required lists what queries must use: "Type.field" for every field of
// every object and interface reachable from the query root,
// "Type.field(argument)" for each of their arguments and "Enum.VALUE" for
// every value of an enum an argument takes.
func required(s *ast.Schema) []string {
	var out []string
	seen := map[string]bool{}
	var visit func(*ast.Definition)
	enumArg := func(t *ast.Type) {
		def := s.Types[t.Name()]
		if def.Kind != ast.Enum || seen[def.Name] {
			return
		}
		seen[def.Name] = true
		for _, v := range def.EnumValues {
			out = append(out, def.Name+"."+v.Name)
		}
	}
	visit = func(d *ast.Definition) {
		if seen[d.Name] {
			return
		}
		seen[d.Name] = true
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			out = append(out, d.Name+"."+f.Name)
			for _, a := range f.Arguments {
				out = append(out, d.Name+"."+f.Name+"("+a.Name+")")
				enumArg(a.Type)
			}
			if t := s.Types[f.Type.Name()]; t.Kind == ast.Object || t.Kind == ast.Interface {
				visit(t)
				for _, p := range s.GetPossibleTypes(t) {
					visit(p)
				}
			}
		}
	}
	visit(s.Query)
	return out
}

// cover marks what a validated query uses, as required names it.
func cover(doc *ast.QueryDocument, vars map[string]any, seen map[string]bool) {
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				if x.ObjectDefinition == nil || strings.HasPrefix(x.Name, "__") {
					continue
				}
				name := x.ObjectDefinition.Name + "." + x.Name
				seen[name] = true
				for _, a := range x.Arguments {
					seen[name+"("+a.Name+")"] = true
					def := x.Definition.Arguments.ForName(a.Name)
					enumValues(def.Type.Name(), a.Value, vars, seen)
				}
				walk(x.SelectionSet)
			case *ast.InlineFragment:
				walk(x.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
}

// enumValues marks the enum values a literal or variable argument gives.
func enumValues(enum string, v *ast.Value, vars map[string]any, seen map[string]bool) {
	switch v.Kind {
	case ast.EnumValue:
		seen[enum+"."+v.Raw] = true
	case ast.ListValue:
		for _, c := range v.Children {
			enumValues(enum, c.Value, vars, seen)
		}
	case ast.Variable:
		var mark func(any)
		mark = func(x any) {
			switch x := x.(type) {
			case string:
				seen[enum+"."+x] = true
			case []any:
				for _, y := range x {
					mark(y)
				}
			}
		}
		mark(vars[v.Raw])
	}
}

// The same seed writes the same queries; another seed, others.
func TestQueriesFollowTheSeed(t *testing.T) {
	a, b, c := generator(7), generator(7), generator(8)
	differ := false
	for i := range 50 {
		qa, qb, qc := a.Query(), b.Query(), c.Query()
		if qa.Text != qb.Text {
			t.Fatalf("query %d of seed 7 differs between two runs:\n%s\n---\n%s", i, qa.Text, qb.Text)
		}
		differ = differ || qa.Text != qc.Text
	}
	if !differ {
		t.Error("seeds 7 and 8 wrote the same 50 queries")
	}
}

// Cursors found in an answer come back as `after` arguments of later
// queries.
func TestObservedCursorsArePassedOn(t *testing.T) {
	g := generator(3)
	const cursor = "b2JzZXJ2ZWQtY3Vyc29y"
	answer := `{"data":{"entities":{"pageInfo":{"endCursor":"` + cursor + `","hasNextPage":true},"nodes":[{"id":"x","endCursor":["not a value"]}]}}}`
	if err := g.Observe([]byte(answer)); err != nil {
		t.Fatal(err)
	}
	used := false
	for range 500 {
		q := g.Query()
		used = used || strings.Contains(q.Text, `after: "`+cursor+`"`) || slices.Contains(varStrings(q.Variables), cursor)
		if strings.Contains(q.Text, "not a value") || strings.Contains(q.Text, `"x"`) {
			t.Fatalf("a value not under endCursor was kept:\n%s", q.Text)
		}
	}
	if !used {
		t.Error("the observed cursor never came back as `after` in 500 queries")
	}
	if err := g.Observe([]byte(`{"data":`)); err == nil {
		t.Error("a truncated answer was read without error")
	}
}

func varStrings(vars map[string]any) []string {
	var out []string
	for _, v := range vars {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
