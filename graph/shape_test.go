package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

func defaultLimits() *Limits {
	l := &Limits{}
	l.withDefaults()
	return l
}

func parse(t testing.TB, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// introspection is the kind of query GraphiQL and code generators send at
// start: every type with its fields, arguments, enum values and type
// references seven wrappers deep.
const introspectionQuery = `query Introspection {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...Full }
    directives { name description locations args { ...Input } }
  }
}
fragment Full on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...Input } type { ...Ref } isDeprecated deprecationReason }
  inputFields { ...Input }
  interfaces { ...Ref }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...Ref }
}
fragment Input on __InputValue { name description type { ...Ref } defaultValue }
fragment Ref on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// repeated writes n copies of a field under one response key, alternating
// two fields so that every pair conflicts.
func repeated(key string, n int) string {
	var b strings.Builder
	for i := range n {
		f := "name"
		if i%2 == 1 {
			f = "id"
		}
		fmt.Fprintf(&b, "%s: %s ", key, f)
	}
	return b.String()
}

func TestShape(t *testing.T) {
	l := defaultLimits()
	var bomb strings.Builder
	bomb.WriteString(`{ entity(id: "eu") { ...F0 } }`)
	for i := range 12 {
		fmt.Fprintf(&bomb, " fragment F%d on Entity { ...F%d ...F%d }", i, i+1, i+1)
	}
	bomb.WriteString(" fragment F12 on Entity { id }")
	// through fragments and inline fragments, the same key at one place
	viaFragments := `{ entity(id: "eu") { ...A ...B ... on Entity { ` + repeated("x", 10) + ` } } }
		fragment A on Entity { ` + repeated("x", 11) + ` }
		fragment B on Entity { ` + repeated("x", 10) + ` }`
	// under two fields of one key, their children merge
	underMerged := `{ e: entity(id: "eu") { ` + repeated("x", 16) + ` } e: entity(id: "eu") { ` + repeated("x", 16) + ` } }`
	cases := []struct {
		name, query, code, msg string
	}{
		{"introspection", introspectionQuery, "", ""},
		{"a plain query", `{ entity(id: "eu") { name relations(first: 5) { nodes { id subject { name } } } } }`, "", ""},
		{"repeats at the limit", `{ entity(id: "eu") { ` + repeated("x", 30) + ` } }`, "", ""},
		{"repeats over the limit", `{ entity(id: "eu") { ` + repeated("x", 31) + ` } }`, CodeDocument, "`x` is asked for 31 times at `entity`"},
		{"repeats through fragments", viaFragments, CodeDocument, "`x` is asked for 31 times at `entity`"},
		{"repeats under merged fields", underMerged, CodeDocument, "`x` is asked for 32 times at `e`"},
		{"repeats in a fragment on its own", `{ __typename } fragment A on Entity { ` + repeated("x", 31) + ` }`, CodeDocument, "at `...A`"},
		{"a fragment bomb", bomb.String(), CodeDocument, "holds 12288 fields"},
		{"selections", `{ entity(id: "eu") { ` + strings.Repeat("... on Entity { id } ", 201) + ` } }`, CodeDocument, "the selection at `entity` holds 201 fields"},
		{"spreads", `{ entity(id: "eu") { ` + strings.Repeat("...A ", 501) + ` } } fragment A on Entity { id }`, CodeDocument, "501 fragment spreads"},
		{"directives", `{ entity(id: "eu") { ` + strings.Repeat("id @include(if: true) ", 20) + ` } } fragment A on Query { ` + strings.Repeat("a: __typename @skip(if: false) ", 1) + ` }` + strings.Repeat(` fragment B on Query { ...A @skip(if: false) }`, 0), "", ""},
		{"directives over the limit", `{ e: entity(id: "eu") { ...A ...A ...A ...A ...A ...A ...A ...A ...A ...A ...A } } fragment A on Entity { ` + strings.Repeat("id @include(if: true) ", 20) + ` }`, CodeDocument, "240 directives"},
		{"a cycle", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, "GRAPHQL_VALIDATION_FAILED", `Cannot spread fragment "A" within itself (A → B → A)`},
		{"a cycle through fields", `{ entity(id: "eu") { ...A } } fragment A on Entity { relations { nodes { subject { ...A } } } }`, "GRAPHQL_VALIDATION_FAILED", "within itself"},
		{"an unknown fragment is for validation", `{ ...Nope }`, "", ""},
		{"depth", `{ entity(id: "eu") { ` + strings.Repeat("relations { nodes { subject { ", 6) + "id" + strings.Repeat(" } } }", 6) + ` } }`, CodeDepth, "nested 20 deep"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := l.checkShape(parse(t, tt.query))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("passed; want %s", tt.code)
			}
			if err.Extensions["code"] != tt.code || !strings.Contains(err.Message, tt.msg) {
				t.Errorf("%v %q; want %s containing %q", err.Extensions["code"], err.Message, tt.code, tt.msg)
			}
		})
	}
}

// worstAdmitted is a document at every default bound at once, made to
// give the overlapping-fields rule the most pairs to compare and report:
// ten places of 180 fields, six keys a place, each key asked 30 times with
// two different fields.
func worstAdmitted() string {
	var b strings.Builder
	b.WriteString("{ ")
	for p := range 10 {
		fmt.Fprintf(&b, "e%d: entity(id: \"eu\") { ", p)
		for k := range 6 {
			b.WriteString(repeated(fmt.Sprintf("k%d", k), 30))
		}
		b.WriteString("} ")
	}
	b.WriteString("}")
	return b.String()
}

// BenchmarkValidateWorstAdmitted prices what the shape bounds let through:
// validating the worst document they admit, every rule on.
func BenchmarkValidateWorstAdmitted(b *testing.B) {
	schema := NewExecutableSchema(Config{Resolvers: &Resolver{}}).Schema()
	q := worstAdmitted()
	if err := defaultLimits().checkShape(parse(b, q)); err != nil {
		b.Fatalf("the worst document is refused: %v", err)
	}
	b.ReportAllocs()
	var errs int
	for b.Loop() {
		doc := parse(b, q)
		errs = len(validator.ValidateWithRules(schema, doc, rules.NewDefaultRules()))
	}
	b.ReportMetric(float64(errs), "errors")
	b.ReportMetric(float64(len(q)), "bytes")
}
