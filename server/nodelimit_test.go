package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// drawing is the largest subgraph the node limit allows, with what a
// visualisation draws: every relation among engine.MaxSubgraph entities.
var drawing = fmt.Sprintf(`{ subgraph(maxNodes: %d, maxEdges: %d) {
	nodes { id name kind degree }
	edges { id source target predicate evidenceCount modality relation { implied } }
	truncated } }`, engine.MaxSubgraph, engine.MaxSubgraphEdges)

// The drawing of a subgraph at the node limit is within the default cost
// limit, on a graph of exactly that many entities (6,000 relations among
// them) and on the curated one; asking for texts or lists on every one of
// its nodes or edges is still refused before it runs.
func TestDrawingAtTheNodeLimit(t *testing.T) {
	ctx := context.Background()
	big, err := store.Open(ctx, store.Options{Backend: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { big.Close() })
	if err := big.Replace(ctx, vocab.Quads(synth.Dataset(50*engine.MaxSubgraph, 1))); err != nil {
		t.Fatal(err)
	}
	if n := big.Graph().Stats().Entities; n != engine.MaxSubgraph {
		t.Fatalf("the synthetic graph has %d entities, want %d", n, engine.MaxSubgraph)
	}
	srvBig, _ := newServer(t, big, server.Config{})
	srvSmall, _ := newServer(t, datatest.Store(t), server.Config{})

	for _, tt := range []struct {
		name  string
		nodes int
	}{{"synthetic", engine.MaxSubgraph}, {"curated", 0}} {
		srv := srvBig
		if tt.name == "curated" {
			srv = srvSmall
		}
		r := post(t, srv, drawing, nil)
		if r.status != 200 || len(r.resp.Errors) > 0 {
			t.Fatalf("%s: the drawing at the node limit: %d %.300s", tt.name, r.status, r.body)
		}
		var d struct {
			Subgraph struct {
				Nodes     []json.RawMessage
				Edges     []json.RawMessage
				Truncated bool
			}
		}
		if err := json.Unmarshal(r.resp.Data, &d); err != nil {
			t.Fatal(err)
		}
		if tt.nodes > 0 && (len(d.Subgraph.Nodes) != tt.nodes || d.Subgraph.Truncated) {
			t.Errorf("%s: %d nodes, truncated %v", tt.name, len(d.Subgraph.Nodes), d.Subgraph.Truncated)
		}
		cost := r.resp.Extensions["cost"].(map[string]any)["requested"].(float64)
		if units := float64(len(r.body)) / 256; cost < units {
			t.Errorf("%s: costs %v for %d bytes (%.0f units)", tt.name, cost, len(r.body), units)
		}
		t.Logf("%s: %d nodes, %d edges, %d bytes, cost %v", tt.name, len(d.Subgraph.Nodes), len(d.Subgraph.Edges), len(r.body), cost)
	}

	limit := fmt.Sprintf("maxNodes: %d, maxEdges: %d", engine.MaxSubgraph, engine.MaxSubgraphEdges)
	for name, q := range map[string]string{
		"every edge's evidence quotes": `{ subgraph(` + limit + `) { nodes { id name kind degree } edges { id source target predicate relation { evidence { quote } } } } }`,
		"and their paragraphs' text":   `{ subgraph(` + limit + `) { nodes { id } edges { id relation { evidence { quote paragraph { text } } } } } }`,
		"every node's relations":       `{ subgraph(maxNodes: 2000) { nodes { id relations { nodes { id evidence { quote } } } } } }`,
		"every node's description":     `{ subgraph(maxNodes: 2000) { nodes { id name description aliases commonNames mentions { id } } } }`,
	} {
		r := post(t, srvBig, q, nil)
		if r.status != 400 || r.resp.code() != "COMPLEXITY_LIMIT_EXCEEDED" || r.resp.Data != nil {
			t.Errorf("%s: %d %q %.200s", name, r.status, r.resp.code(), r.body)
		}
	}
}

// One node limit and one default for every route: the schema states them,
// GraphQL and /export cut a neighbourhood at the same default, and both
// refuse one entity more than the limit.
func TestOneNodeLimit(t *testing.T) {
	srv, _ := newServer(t, datatest.Store(t), server.Config{})
	r := post(t, srv, `{ __type(name: "Query") { fields { name args { name defaultValue description } } } }`, nil)
	var d struct {
		Type struct {
			Fields []struct {
				Name string
				Args []struct{ Name, DefaultValue, Description string }
			}
		} `json:"__type"`
	}
	if err := json.Unmarshal(r.resp.Data, &d); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range d.Type.Fields {
		for _, a := range f.Args {
			if a.Name != "maxNodes" {
				continue
			}
			found = true
			if a.DefaultValue != fmt.Sprint(engine.DefaultSubgraph) || !strings.Contains(a.Description, fmt.Sprintf("1 to %d, default %d", engine.MaxSubgraph, engine.DefaultSubgraph)) {
				t.Errorf("%s(maxNodes) defaults to %s: %q", f.Name, a.DefaultValue, a.Description)
			}
		}
	}
	if !found {
		t.Fatal("no maxNodes argument in the schema")
	}

	// the EU at depth 2 has more entities than the default
	q := `{ subgraph(roots: ["eu"], depth: 2) { nodes { id } truncated } }`
	var sg struct {
		Subgraph struct {
			Nodes     []struct{ ID string }
			Truncated bool
		}
	}
	if r := post(t, srv, q, nil); json.Unmarshal(r.resp.Data, &sg) != nil || len(sg.Subgraph.Nodes) != engine.DefaultSubgraph || !sg.Subgraph.Truncated {
		t.Fatalf("GraphQL: %d nodes, truncated %v: %.200s", len(sg.Subgraph.Nodes), sg.Subgraph.Truncated, r.body)
	}
	ex := do(t, mustGet(t, srv.URL+"/export?format=graphml&roots=eu&depth=2"))
	if n := strings.Count(string(ex.body), "<node "); ex.status != 200 || n != engine.DefaultSubgraph || ex.header.Get("Digidip-Truncated") != "true" {
		t.Errorf("/export: %d, %d nodes, Digidip-Truncated %q", ex.status, n, ex.header.Get("Digidip-Truncated"))
	}
	over := engine.MaxSubgraph + 1
	if r := post(t, srv, fmt.Sprintf(`{ subgraph(maxNodes: %d) { truncated } }`, over), nil); r.resp.code() != "BAD_USER_INPUT" {
		t.Errorf("GraphQL maxNodes %d: %.200s", over, r.body)
	}
	if r := do(t, mustGet(t, srv.URL+"/export?format=graphml&maxNodes="+url.QueryEscape(fmt.Sprint(over)))); r.status != 400 || !strings.Contains(string(r.body), fmt.Sprint(engine.MaxSubgraph)) {
		t.Errorf("/export maxNodes %d: %d %.200s", over, r.status, r.body)
	}
}
