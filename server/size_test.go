package server_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

const mediaJSON = "application/json"

// introspectionQuery is the query GraphiQL sends once per page load
// (graphql-js getIntrospectionQuery with descriptions, specifiedByURL,
// repeatable directives, the schema's description, deprecated input
// values and oneOf), the same a front-end's codegen sends.
const introspectionQuery = `query IntrospectionQuery { ` + schemaSelection + ` }` + introspectionFragments

const schemaSelection = `__schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }`

const introspectionFragments = `
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// aliased repeats a selection n times under aliases a0, a1...
func aliased(n int, sel string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, sel)
	}
	b.WriteString("}")
	return b.String()
}

// The answer-size attacks: cheap to ask, each answered megabytes before
// answers were priced by their size. Each is refused by its cost before it
// runs, and a normal query is answered after it.
func TestAnswerSizeIsPriced(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	tests := []struct {
		name, query string
	}{
		{"30 aliased subgraph export texts", aliased(30, `subgraph { export(format: GEXF) { text } }`)},
		{"nested mentions with their text", `{ entities(first: 100) { nodes { mentions { text mentions { mentions { text } } } } } }`},
		{"documents' paragraphs' mentions' mentions", `{ documents { paragraphs { text mentions { mentions { text mentions { mentions { text } } } } } } }`},
		// 30 of them are refused earlier, for their 7,141 fields
		// (DOCUMENT_LIMIT_EXCEEDED, in the hostile table); 5 pass that
		{"5 aliased introspection queries", aliased(5, schemaSelection) + introspectionFragments},
		{"introspection of every field's type's fields", aliased(5, `__schema { types { fields { args { name description } type { fields { name description args { name description } } } } } }`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, srv, tt.query, nil)
			if r.status != 400 || r.resp.code() != "COMPLEXITY_LIMIT_EXCEEDED" || r.resp.Data != nil {
				t.Fatalf("status %d, code %q, %d bytes: %.300s", r.status, r.resp.code(), len(r.body), r.body)
			}
			cost, _ := r.resp.Errors[0].Extensions["cost"].(map[string]any)
			if cost == nil || cost["requested"].(float64) <= cost["limit"].(float64) {
				t.Errorf("no cost over the limit in the error: %s", r.body)
			}
			if after := post(t, srv, `{ entity(id: "global-gateway") { name } }`, nil); after.status != 200 || after.resp.code() != "" {
				t.Errorf("the normal query after it: %d %s", after.status, after.body)
			}
		})
	}
}

// Introspection is priced by the schema's real sizes, close enough that the
// queries tools send once per page or build pass with room to spare, and
// that the price bounds the answer.
func TestIntrospectionIsPriced(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	tests := []struct {
		name, query string
	}{
		{"GraphiQL's introspection query", introspectionQuery},
		{"a codegen's introspection (no descriptions)", strings.NewReplacer("description\n", "\n", "    description\n", "\n").Replace(introspectionQuery)},
		{"one type", `{ __type(name: "Entity") { name description fields { name description args { name type { name kind ofType { name } } } type { name kind ofType { name kind ofType { name } } } } } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, srv, tt.query, nil)
			if r.status != 200 || len(r.resp.Errors) > 0 {
				t.Fatalf("status %d: %.300s", r.status, r.body)
			}
			cost := r.resp.Extensions["cost"].(map[string]any)
			requested, limit := cost["requested"].(float64), cost["limit"].(float64)
			if requested > limit/2 {
				t.Errorf("costs %v, more than half the limit %v", requested, limit)
			}
			// a cost unit is a field or 256 bytes of text: the price
			// must cover the answer
			if units := float64(len(r.body)) / 256; requested < units {
				t.Errorf("costs %v for %d bytes (%v units of 256 bytes)", requested, len(r.body), units)
			}
			if requested < 10 {
				t.Errorf("introspection priced at %v", requested)
			}
		})
	}
}

// A list without `first` stops at its default, and is priced by the graph
// served: on a synthetic graph whose hubs are named in hundreds of
// paragraphs, the same query costs more than on the curated data (where no
// entity is named in more than 35) and returns the default 100.
func TestListsWithoutFirstFollowTheData(t *testing.T) {
	ctx := context.Background()
	big, err := store.Open(ctx, store.Options{Backend: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { big.Close() })
	if err := big.Replace(ctx, vocab.Quads(synth.Dataset(100_000, 1))); err != nil {
		t.Fatal(err)
	}
	// the entity named in the most paragraphs
	g := big.Graph()
	hub, most := "", 0
	for _, e := range domaintest.Must(g.Entities(context.Background(), "")) {
		if n := len(domaintest.Must(g.Mentions(context.Background(), e.ID, "", -1))); n > most {
			hub, most = e.ID, n
		}
	}
	if most <= 100 {
		t.Fatalf("the synthetic graph's biggest hub is named in %d paragraphs; the test needs more than 100", most)
	}
	q := `query($id: ID!) { entity(id: $id) { mentions { id } } }`
	srvBig, _ := newServer(t, big, server.Config{})
	r := post(t, srvBig, q, map[string]any{"id": hub})
	var d struct {
		Entity struct{ Mentions []struct{ ID string } }
	}
	if err := json.Unmarshal(r.resp.Data, &d); err != nil || r.resp.code() != "" {
		t.Fatalf("%v: %.300s", err, r.body)
	}
	if len(d.Entity.Mentions) != 100 {
		t.Errorf("mentions gives %d without first, want the default 100 (of %d)", len(d.Entity.Mentions), most)
	}
	bigCost := r.resp.Extensions["cost"].(map[string]any)["requested"].(float64)

	srvSmall, _ := newServer(t, datatest.Store(t), server.Config{})
	small := post(t, srvSmall, q, map[string]any{"id": "european-commission"})
	smallCost := small.resp.Extensions["cost"].(map[string]any)["requested"].(float64)
	if bigCost < 100 || smallCost >= bigCost {
		t.Errorf("mentions cost %v on the synthetic graph, %v on the curated one", bigCost, smallCost)
	}
	if r := post(t, srvBig, `query($id: ID!) { entity(id: $id) { mentions(first: 101) { id } } }`, map[string]any{"id": hub}); r.resp.code() != "BAD_USER_INPUT" {
		t.Errorf("first: 101: %.300s", r.body)
	}

	// A subgraph's edges are bounded by maxEdges, not by the hubs' degrees:
	// the explorer's neighbourhood of a hub (its query in web/src/api.ts)
	// is answered, and maxEdges cuts.
	var sg struct {
		Subgraph struct {
			Edges     []struct{ Source string }
			Truncated bool
		}
	}
	for _, tt := range []struct {
		query     string
		edges     int // 0: any
		truncated bool
	}{
		{`query($id: ID!) { subgraph(roots: [$id], depth: 2, maxNodes: 300) { nodes { id name kind degree } edges { id source target predicate evidenceCount } truncated } }`, 0, true},
		{`query($id: ID!) { subgraph(roots: [$id], depth: 1, maxEdges: 3) { edges { source } truncated } }`, 3, true},
	} {
		r := post(t, srvBig, tt.query, map[string]any{"id": hub})
		if err := json.Unmarshal(r.resp.Data, &sg); err != nil || r.resp.code() != "" {
			t.Fatalf("%v: %.300s", err, r.body)
		}
		if tt.edges > 0 && len(sg.Subgraph.Edges) != tt.edges || sg.Subgraph.Truncated != tt.truncated {
			t.Errorf("%s: %d edges, truncated %v", tt.query, len(sg.Subgraph.Edges), sg.Subgraph.Truncated)
		}
	}
}

// The response budget: an answer over it is one RESPONSE_TOO_LARGE error
// and none of the data, whichever check catches it (the tally while
// executing, or the exact size before writing); under it, the answer.
func TestResponseBudget(t *testing.T) {
	st := datatest.Store(t)
	small, _ := newServer(t, st, server.Config{MaxResponseBytes: 64 << 10})
	tiny, _ := newServer(t, st, server.Config{MaxResponseBytes: 60})
	tests := []struct {
		name   string
		srv    *httptest.Server
		query  string
		accept string
		status int
		code   string
	}{
		{"an export text over 64 KiB", small, `{ subgraph { export(format: GEXF) { text } } }`, "", 400, "RESPONSE_TOO_LARGE"},
		{"GraphiQL's introspection over 64 KiB", small, introspectionQuery, "", 400, "RESPONSE_TOO_LARGE"},
		{"over it under application/json", small, `{ subgraph { export(format: GEXF) { text } } }`, mediaJSON, 200, "RESPONSE_TOO_LARGE"},
		{"a small answer under 64 KiB", small, `{ entity(id: "global-gateway") { name description } }`, "", 200, ""},
		// the tally counts 29 bytes, the answer is 85 with its punctuation
		{"past the budget by punctuation only", tiny, `{ stats { entities } }`, "", 400, "RESPONSE_TOO_LARGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tt.query})
			req, _ := http.NewRequest(http.MethodPost, tt.srv.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", cmp.Or(tt.accept, "application/graphql-response+json"))
			r := do(t, req)
			if r.status != tt.status || r.resp.code() != tt.code {
				t.Fatalf("status %d, code %q, want %d %q: %.300s", r.status, r.resp.code(), tt.status, tt.code, r.body)
			}
			if tt.code == "" {
				return
			}
			var members map[string]json.RawMessage
			json.Unmarshal(r.body, &members)
			if _, ok := members["data"]; ok || len(r.resp.Errors) != 1 {
				t.Errorf("data or more errors beside RESPONSE_TOO_LARGE: %.300s", r.body)
			}
			if msg := r.resp.Errors[0].Message; !strings.Contains(msg, "`first`") || !strings.Contains(msg, "/export") {
				t.Errorf("the message does not say to page or export: %s", msg)
			}
		})
	}
}

// A price bounds its answer: a cost unit stands for a field or 256 bytes of
// text, so no answer is larger than its cost in units of 256 bytes, however
// long the texts it holds.
func TestPriceCoversTheAnswer(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	for _, q := range []string{
		`{ documents { paragraphs { text } } }`,
		`{ relations(first: 100) { nodes { evidence { quote } } } }`,
		`{ entities(first: 100) { nodes { name description aliases commonNames } } }`,
		`{ timeline(includeUndated: true) { text entity { description } } }`,
		`{ entity(id: "european-commission") { mentions { text } } }`,
		`{ paragraph(id: "council-2023:7") { mentions { name description } relations(first: 100) { nodes { evidence { quote } } } } }`,
		`{ subgraph { export(format: GEXF) { text } } }`,
		`{ predicates { definition example { quote } } }`,
	} {
		r := post(t, srv, q, nil)
		if r.status != 200 || len(r.resp.Errors) > 0 {
			t.Errorf("%s: %d %.300s", q, r.status, r.body)
			continue
		}
		cost := r.resp.Extensions["cost"].(map[string]any)["requested"].(float64)
		if units := float64(len(r.body)) / 256; cost < units {
			t.Errorf("%s costs %v for %d bytes (%.0f units)", q, cost, len(r.body), units)
		}
	}
}

// The queries the pages send fit the limits at their largest: GraphiQL's
// worked examples, and the explorer's (web/src/api.ts) with its own
// maximums (300 nodes at depth 4, paths of 6 hops).
func TestPagesQueriesFit(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	queries := map[string]string{
		"explorer: neighbourhood": `{ subgraph(roots: ["global-gateway"], depth: 4, maxNodes: 300) { nodes { id name kind degree } edges { id source target predicate evidenceCount } truncated } }`,
		"explorer: paths":         `{ path(from: "d4d-hub", to: "european-commission", maxHops: 6, first: 5) { length nodes { id name kind degree } steps { relation { id predicate subject { id } object { id } evidence { id } } } } }`,
		"explorer: a relation":    `{ node(id: "d4d-hub/instance-of/team-europe-approach") { __typename ... on Entity { id name kind degree description aliases commonNames } ... on Relation { id label verb implied subject { id name } object { id name } evidence { quote start end document { id title } paragraph { id number text } } } } }`,
		"explorer: predicates":    `{ predicates { predicate id label definition } }`,
	}
	files, _ := filepath.Glob("../web/src/examples/*.graphql")
	if len(files) == 0 {
		t.Fatal("no GraphiQL examples under web/src/examples")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		queries["GraphiQL: "+filepath.Base(f)] = string(b)
	}
	for name, q := range queries {
		if r := post(t, srv, q, nil); r.status != 200 || len(r.resp.Errors) > 0 {
			t.Errorf("%s: %d %.300s", name, r.status, r.body)
		}
	}
	for name, q := range readingPagesQueries(t, st) {
		if r := post(t, srv, q.text, q.vars); r.status != 200 || len(r.resp.Errors) > 0 {
			t.Errorf("%s: %d %.300s", name, r.status, r.body)
		}
	}
}
