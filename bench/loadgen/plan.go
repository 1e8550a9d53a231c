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
	base       = "https://w3id.org/digidip/"
	entityIRI  = base + "entity/"
	vocabIRI   = base + "vocab/"
	rdfsLabel  = "http://www.w3.org/2000/01/rdf-schema#label"
	skosAlt    = "http://www.w3.org/2004/02/skos/core#altLabel"
	gqlPath    = "/graphql"
	gizmoPath  = "/query/gizmo"
	jsonType   = "application/json"
	gqlErrors  = `"errors"`
	neighbours = 20
)

// The predicates of synthetic relations (synth package).
var relationPredicates = map[string]bool{
	"calls-on": true, "funds": true, "partners-with": true, "coordinates-with": true, "participates-in": true,
	"concerns": true, "supports": true, "targets": true, "part-of": true, "member-of": true,
}

// The queries. Variables carry what changes, as clients send them, so the
// parsed query is cached and each request's bytes (and cache key) differ.
const (
	qOneHop   = `query OneHop($id: ID!) { entity(id: $id) { neighbours(predicate: FUNDS, first: 20) { id name } } }`
	qSearch   = `query Search($text: String!) { search(text: $text, first: 10) { id name kind } }`
	qSubgraph = `query Subgraph($roots: [ID!]) { subgraph(roots: $roots, depth: 2) { nodes { id name } edges { source target predicate } truncated } }`
	qPath     = `query Path($from: ID!, $to: ID!) { path(from: $from, to: $to, maxHops: 4) { length nodes { id name } } }`
)

// graphData is what plan reads of a synthetic graph.
type graphData struct {
	ids   []string // entity ids by index (e0, e1, ...)
	index map[string]int
	name  []string
	alias []string
	funds [][]int // objects of funds relations, by subject
	adj   [][]int // every relation, both directions
}

// Plan sums up the lists written, for RESULTS.md.
type Plan struct {
	Entities       int     `json:"entities"`
	Funders        int     `json:"funders"`
	Spread         int     `json:"spread"`
	SpreadFunders  int     `json:"spread_funders"`
	SpreadEmpty    int     `json:"spread_empty"`
	MeanAnswer     float64 `json:"mean_answer"`
	SearchRequests int     `json:"search_requests"`
	SubgraphRoots  int     `json:"subgraph_roots"`
	PathPairs      int     `json:"path_pairs"`
}

func planMain(args []string) error {
	fs := flag.NewFlagSet("loadgen plan", flag.ContinueOnError)
	in := fs.String("nquads", "", "the synthetic graph (digidip gen)")
	out := fs.String("out", "", "directory for the request lists")
	spread := fs.Int("spread", 1000, "least number of different entities the 1-hop list asks about (all entities when the graph has fewer)")
	seed := fs.Uint64("seed", 1, "seed of the choices")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		fs.Usage()
		return errors.New("--nquads and --out are required")
	}
	g, err := readGraph(*in)
	if err != nil {
		return err
	}
	if len(g.ids) == 0 {
		return fmt.Errorf("%s has no entities", *in)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 7))
	var p Plan
	p.Entities = len(g.ids)

	// 1-hop: every entity that funds something, then (when they are fewer
	// than --spread) entities that fund nothing, whose answer is an empty
	// list; shuffled, so hubs are spread over the run.
	var funders, others []int
	for i := range g.ids {
		if len(g.funds[i]) > 0 {
			funders = append(funders, i)
		} else {
			others = append(others, i)
		}
	}
	p.Funders = len(funders)
	spreadList := slices.Clone(funders)
	for _, i := range others {
		if len(spreadList) >= *spread {
			break
		}
		spreadList = append(spreadList, i)
	}
	rng.Shuffle(len(spreadList), func(a, b int) { spreadList[a], spreadList[b] = spreadList[b], spreadList[a] })
	p.Spread = len(spreadList)
	var dd, gz, ce, pl []Request
	for _, i := range spreadList {
		body := gqlBody(qOneHop, map[string]any{"id": g.ids[i]})
		f := g.funds[i]
		p.MeanAnswer += float64(min(len(f), neighbours)) / float64(len(spreadList))
		var expD, expG string
		switch {
		case len(f) == 0:
			p.SpreadEmpty++
			expD, expG = `"neighbours":[]`, `"result":null`
		case len(f) <= neighbours:
			p.SpreadFunders++
			// all of them are in the answer: check one by name
			n := `"name":` + jsonString(g.name[f[len(f)-1]])
			expD, expG = n, n
		default:
			p.SpreadFunders++
			expD, expG = `"neighbours":[{"id":"`, `"result":[{`
		}
		dd = append(dd, Request{Method: "POST", Path: gqlPath, ContentType: jsonType, Body: body, Expect: expD, Reject: gqlErrors})
		ce = append(ce, Request{Method: "POST", Path: gqlPath, ContentType: jsonType, Body: body, Expect: `"name":"Global Digital Partnership 1019"`, Reject: gqlErrors})
		pl = append(pl, Request{Method: "POST", Path: "/plain", ContentType: jsonType, Body: body, Expect: `"name":"Global Digital Partnership 1019"`, Reject: gqlErrors})
		gizmo := fmt.Sprintf(`g.V("<%s%s>").Out("<%sfunds>").Save("<%s>", "name").Limit(%d).All()`, entityIRI, g.ids[i], vocabIRI, rdfsLabel, neighbours)
		gz = append(gz, Request{Method: "POST", Path: gizmoPath, ContentType: "application/javascript", Body: gizmo, Expect: expG, Reject: `"error"`})
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
	p.SearchRequests = len(se)

	// 2-hop subgraph around the 1-hop entities.
	var sg []Request
	for _, i := range spreadList[:min(500, len(spreadList))] {
		sg = append(sg, Request{Method: "POST", Path: gqlPath, ContentType: jsonType,
			Body: gqlBody(qSubgraph, map[string]any{"roots": []string{g.ids[i]}}), Expect: `"id":"` + g.ids[i] + `"`, Reject: gqlErrors})
	}
	p.SubgraphRoots = len(sg)

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
		"onehop-digidip.jsonl": dd, "onehop-gizmo.jsonl": gz, "onehop-ceiling.jsonl": ce, "onehop-plain.jsonl": pl,
		"search.jsonl": se, "subgraph.jsonl": sg, "path.jsonl": pa,
	} {
		if len(list) == 0 {
			return fmt.Errorf("no requests for %s", name)
		}
		if err := writeJSONL(filepath.Join(*out, name), list); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "plan.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println(string(b))
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
			g.funds = append(g.funds, nil)
			g.adj = append(g.adj, nil)
		}
		return i
	}
	type edge struct{ s, o int }
	seen, funded := map[edge]bool{}, map[edge]bool{}
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
		case strings.HasPrefix(string(p), vocabIRI) && relationPredicates[strings.TrimPrefix(string(p), vocabIRI)]:
			o, ok := q.Object.(quad.IRI)
			if !ok || !strings.HasPrefix(string(o), entityIRI) {
				continue
			}
			si, oi := idx(string(s)), idx(string(o))
			e := edge{si, oi}
			if strings.HasSuffix(string(p), "/funds") && !funded[e] {
				funded[e] = true
				g.funds[si] = append(g.funds[si], oi)
			}
			if !seen[e] {
				seen[e] = true
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

func jsonString(s string) string {
	b, _ := json.Marshal(s)
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
