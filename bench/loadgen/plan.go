package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/nquads"
)

const (
	base      = "https://w3id.org/digidip/"
	entityIRI = base + "entity/"
	vocabIRI  = base + "vocab/"
	rdfsLabel = "http://www.w3.org/2000/01/rdf-schema#label"
	rdfType   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	skosAlt   = "http://www.w3.org/2004/02/skos/core#altLabel"
	gqlPath   = "/graphql"
	gizmoPath = "/query/gizmo"
	jsonType  = "application/json"
	gqlErrors = `"errors"`
	// every object of every answer carries its kind, once: counting the
	// key counts the objects, whichever server answers
	kindKey = `"kind":`
)

// The predicates of synthetic relations (synth package).
var relationPredicates = []string{"calls-on", "funds", "partners-with", "coordinates-with", "participates-in",
	"concerns", "supports", "targets", "part-of", "member-of"}

// The queries. Variables carry what changes, as clients send them, so the
// parsed query is cached and each request's bytes (and cache key) differ.
const (
	qOneHop   = `query OneHop($id: ID!) { entity(id: $id) { relations(direction: OUT, first: %d) { nodes { object { id name kind } } } } }`
	qSearch   = `query Search($text: String!) { search(text: $text, first: 10) { id name kind } }`
	qText     = `query SearchText($q: String!, $docs: [ID!]) { searchText(query: $q, documents: $docs, first: 10) { totalCount nodes { paragraph { id } start end snippet } } }`
	qSubgraph = `query Subgraph($roots: [ID!]) { subgraph(roots: $roots, depth: 2) { nodes { id name } edges { source target predicate } truncated } }`
	qPath     = `query Path($from: ID!, $to: ID!) { path(from: $from, to: $to, maxHops: 4) { length nodes { id name } } }`
)

// graphData is what plan reads of a synthetic graph.
type graphData struct {
	ids       []string // entity ids by index (e0, e1, ...)
	index     map[string]int
	name      []string
	alias     []string
	out       []int   // relations with the entity as subject, of the relation predicates
	adj       [][]int // every relation, both directions
	relations int
}

// Plan sums up the lists written, for RESULTS.md.
type Plan struct {
	Entities   int `json:"entities"`
	Relations  int `json:"relations"`
	First      int `json:"first"`       // objects each 1-hop answer holds
	Candidates int `json:"candidates"`  // entities with at least First outgoing relations
	Chosen     int `json:"chosen"`      // the different entities the 1-hop list asks about
	Wanted     int `json:"wanted"`      // how many it should ask about (fewer: the graph has no more)
	MinOut     int `json:"min_out"`     // fewest outgoing relations among the chosen
	MedianOut  int `json:"median_out"`  // their median
	MaxOut     int `json:"max_out"`     // most
	Search     int `json:"search"`      // search requests
	SearchText int `json:"search_text"` // full-text search requests
	Subgraph   int `json:"subgraph"`    // subgraph roots
	PathPairs  int `json:"path_pairs"`  // path pairs
}

// OneHop is the 1-hop question in terms of the graph, for the in-process
// anchor (bench/pathapi): start at each entity, follow the relation
// predicates out, keep First objects with their name and kind.
type OneHop struct {
	Entities   []string `json:"entities"`
	Predicates []string `json:"predicates"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	First      int      `json:"first"`
}

func planMain(args []string) error {
	fs := flag.NewFlagSet("loadgen plan", flag.ContinueOnError)
	in := fs.String("nquads", "", "the synthetic graph (digidip gen)")
	out := fs.String("out", "", "directory for the request lists")
	first := fs.Int("first", 10, "objects each 1-hop question asks for; only entities with at least this many outgoing relations are asked about")
	want := fs.Int("want", 1000, "least number of different entities the 1-hop list should ask about (fewer when the graph has fewer candidates; the plan says so)")
	most := fs.Int("max", 0, "most entities the 1-hop list asks about (0: every candidate)")
	seed := fs.Uint64("seed", 1, "seed of the choices")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" || *first < 1 {
		fs.Usage()
		return errors.New("--nquads and --out are required, --first positive")
	}
	g, err := readGraph(*in)
	if err != nil {
		return err
	}
	if len(g.ids) == 0 {
		return fmt.Errorf("%s has no entities", *in)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	rng := rand.New(rand.NewPCG(*seed, 7))
	p := Plan{Entities: len(g.ids), Relations: g.relations, First: *first, Wanted: *want}

	// 1-hop: only entities whose answer is full, shuffled so that hubs are
	// spread over the run.
	var chosen []int
	for i := range g.ids {
		if g.out[i] >= *first {
			chosen = append(chosen, i)
		}
	}
	p.Candidates = len(chosen)
	if len(chosen) == 0 {
		return fmt.Errorf("%s: no entity has %d outgoing relations", *in, *first)
	}
	rng.Shuffle(len(chosen), func(a, b int) { chosen[a], chosen[b] = chosen[b], chosen[a] })
	if *most > 0 && len(chosen) > *most {
		chosen = chosen[:*most]
	}
	p.Chosen = len(chosen)
	degrees := make([]int, len(chosen))
	for k, i := range chosen {
		degrees[k] = g.out[i]
	}
	slices.Sort(degrees)
	p.MinOut, p.MedianOut, p.MaxOut = degrees[0], degrees[len(degrees)/2], degrees[len(degrees)-1]

	preds := make([]string, len(relationPredicates))
	quoted := make([]string, len(relationPredicates))
	for k, r := range relationPredicates {
		preds[k] = vocabIRI + r
		quoted[k] = `"<` + preds[k] + `>"`
	}
	hop := OneHop{Predicates: preds, Name: rdfsLabel, Kind: rdfType, First: *first}
	query := fmt.Sprintf(qOneHop, *first)
	var gql, plain, gz []Request
	for _, i := range chosen {
		hop.Entities = append(hop.Entities, entityIRI+g.ids[i])
		body := gqlBody(query, map[string]any{"id": g.ids[i]})
		r := Request{Method: "POST", Path: gqlPath, ContentType: jsonType, Body: body,
			Expect: `"object":{"id":"`, Reject: gqlErrors, Count: kindKey, Want: *first}
		gql = append(gql, r)
		r.Path = "/plain"
		plain = append(plain, r)
		gizmo := fmt.Sprintf(`g.V("<%s%s>").Out([%s]).Save("<%s>", "name").Save("<%s>", "kind").Limit(%d).All()`,
			entityIRI, g.ids[i], strings.Join(quoted, ","), rdfsLabel, rdfType, *first)
		gz = append(gz, Request{Method: "POST", Path: gizmoPath, ContentType: "application/javascript", Body: gizmo,
			Expect: `"result":[{`, Reject: `"error"`, Count: kindKey, Want: *first})
	}

	// search: exact names, acronym aliases and two-word prefixes that match
	// many entities (ranked).
	sample := func(n int) []int {
		idx := rng.Perm(len(g.ids))
		return idx[:min(n, len(idx))]
	}
	var se []Request
	for k, i := range sample(300) {
		var text, exp string
		switch k % 3 {
		case 0:
			text, exp = g.name[i], `"id":"`+g.ids[i]+`"`
		case 1:
			if g.alias[i] == "" {
				continue
			}
			text, exp = g.alias[i], `"id":"`+g.ids[i]+`"`
		default:
			w := strings.Fields(g.name[i])
			text, exp = strings.Join(w[:min(2, len(w))], " "), `"search":[{"id":"`
		}
		se = append(se, Request{Method: "POST", Path: gqlPath, ContentType: jsonType, Body: gqlBody(qSearch, map[string]any{"text": text}), Expect: exp, Reject: gqlErrors})
	}
	p.Search = len(se)

	// full-text search over the paragraphs, whose sentences name two
	// entities each ("Open Agency 12 funds Green Hub 40."): a quoted name,
	// a name's words in reverse order, a prefix with a name's number, and
	// a predicate's words (in most paragraphs) within one document.
	docs := max(g.relations/500, 1) // synth: 10 relations a paragraph, 50 paragraphs a document
	var st []Request
	for _, i := range sample(len(g.ids)) {
		if len(g.adj[i]) == 0 {
			continue // named in no paragraph
		}
		if len(st) == 300 {
			break
		}
		w := strings.Fields(g.name[i])
		vars := map[string]any{}
		exp := `"paragraph":{"id":"`
		switch len(st) % 4 {
		case 0:
			vars["q"] = `"` + g.name[i] + `"`
		case 1:
			slices.Reverse(w)
			vars["q"] = strings.Join(w, " ")
		case 2:
			vars["q"] = w[0][:min(4, len(w[0]))] + "* " + w[len(w)-1]
		default:
			vars["q"] = `"` + strings.ReplaceAll(relationPredicates[len(st)%len(relationPredicates)], "-", " ") + `"`
			vars["docs"] = []string{fmt.Sprintf("doc-%d", len(st)%docs)}
			exp = `"totalCount":`
		}
		st = append(st, Request{Method: "POST", Path: gqlPath, ContentType: jsonType, Body: gqlBody(qText, vars), Expect: exp, Reject: gqlErrors})
	}
	p.SearchText = len(st)

	// 2-hop subgraph around entities that have relations.
	var sg []Request
	for _, i := range sample(len(g.ids)) {
		if len(g.adj[i]) == 0 {
			continue
		}
		sg = append(sg, Request{Method: "POST", Path: gqlPath, ContentType: jsonType,
			Body: gqlBody(qSubgraph, map[string]any{"roots": []string{g.ids[i]}}), Expect: `"id":"` + g.ids[i] + `"`, Reject: gqlErrors})
		if len(sg) == 500 {
			break
		}
	}
	p.Subgraph = len(sg)

	// path: pairs 2 to 4 relations apart (either direction), as far apart
	// as the graph allows; the answer's length is known.
	var pa []Request
	for _, from := range sample(400) {
		to, d := farPeer(g, from, 4, rng)
		if d < 2 {
			continue
		}
		pa = append(pa, Request{Method: "POST", Path: gqlPath, ContentType: jsonType,
			Body:   gqlBody(qPath, map[string]any{"from": g.ids[from], "to": g.ids[to]}),
			Expect: `"length":` + strconv.Itoa(d), Reject: gqlErrors})
		if len(pa) == 300 {
			break
		}
	}
	p.PathPairs = len(pa)

	for name, list := range map[string][]Request{
		"onehop-graphql.jsonl": gql, "onehop-gizmo.jsonl": gz, "onehop-plain.jsonl": plain,
		"search.jsonl": se, "searchtext.jsonl": st, "subgraph.jsonl": sg, "path.jsonl": pa,
	} {
		if len(list) == 0 {
			return fmt.Errorf("no requests for %s", name)
		}
		if err := writeJSONL(filepath.Join(*out, name), list); err != nil {
			return err
		}
	}
	if err := writeJSON(filepath.Join(*out, "onehop.json"), hop); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(*out, "plan.json"), p); err != nil {
		return err
	}
	b, _ := json.Marshal(p)
	fmt.Println(string(b))
	return nil
}

func writeJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := os.WriteFile(name, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	return nil
}

// farPeer finds, by breadth-first search over relations in either
// direction, an entity as far from `from` as possible within maxHops, and
// its distance (0 when from has no relation).
func farPeer(g *graphData, from, maxHops int, rng *rand.Rand) (int, int) {
	dist := map[int]int{from: 0}
	frontier := []int{from}
	last, d := []int(nil), 0
	for d < maxHops && len(frontier) > 0 {
		var next []int
		for _, u := range frontier {
			for _, v := range g.adj[u] {
				if _, seen := dist[v]; !seen {
					dist[v] = d + 1
					next = append(next, v)
				}
			}
		}
		if len(next) == 0 {
			break
		}
		d++
		last, frontier = next, next
		if d >= 3 && len(next) > 50 {
			break // far enough, and keeps the search small around hubs
		}
	}
	if len(last) == 0 {
		return from, 0
	}
	return last[rng.IntN(len(last))], d
}

func readGraph(name string) (*graphData, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g := &graphData{index: map[string]int{}}
	idx := func(iri string) int {
		id := strings.TrimPrefix(iri, entityIRI)
		i, ok := g.index[id]
		if !ok {
			i = len(g.ids)
			g.index[id] = i
			g.ids = append(g.ids, id)
			g.name = append(g.name, "")
			g.alias = append(g.alias, "")
			g.out = append(g.out, 0)
			g.adj = append(g.adj, nil)
		}
		return i
	}
	isRelation := map[string]bool{}
	for _, r := range relationPredicates {
		isRelation[vocabIRI+r] = true
	}
	// A relation is one subject, predicate and object, however many graphs
	// or evidence items state it: that is what digidip answers one of.
	type triple struct {
		s, o int
		p    string
	}
	type edge struct{ s, o int }
	rels, linked := map[triple]bool{}, map[edge]bool{}
	r := nquads.NewReader(bufio.NewReaderSize(f, 1<<20), false)
	for {
		q, err := r.ReadQuad()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s, ok := q.Subject.(quad.IRI)
		if !ok || !strings.HasPrefix(string(s), entityIRI) {
			continue
		}
		p, _ := q.Predicate.(quad.IRI)
		switch {
		case string(p) == rdfsLabel:
			g.name[idx(string(s))] = literal(q.Object)
		case string(p) == skosAlt:
			i := idx(string(s))
			if g.alias[i] == "" {
				g.alias[i] = literal(q.Object)
			}
		case isRelation[string(p)]:
			o, ok := q.Object.(quad.IRI)
			if !ok || !strings.HasPrefix(string(o), entityIRI) {
				continue
			}
			si, oi := idx(string(s)), idx(string(o))
			if t := (triple{si, oi, string(p)}); !rels[t] {
				rels[t] = true
				g.out[si]++
				g.relations++
			}
			if e := (edge{si, oi}); !linked[e] {
				linked[e] = true
				g.adj[si] = append(g.adj[si], oi)
				g.adj[oi] = append(g.adj[oi], si)
			}
		}
	}
	return g, nil
}

func literal(v quad.Value) string {
	switch v := v.(type) {
	case quad.String:
		return string(v)
	case quad.TypedString:
		return string(v.Value)
	case quad.LangString:
		return string(v.Value)
	}
	return quad.StringOf(v)
}

func gqlBody(query string, vars map[string]any) string {
	b, err := json.Marshal(struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}{query, vars})
	if err != nil {
		panic(err) // strings and string lists always marshal
	}
	return string(b)
}

func writeJSONL(name string, reqs []Request) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
