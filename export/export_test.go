package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"

	"github.com/cayleygraph/quad/jsonld"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
	"gonum.org/v1/gonum/graph/formats/gexf12"
)

func TestParseFormat(t *testing.T) {
	for _, f := range export.Formats {
		got, err := export.ParseFormat(strings.ToUpper(string(f)))
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", strings.ToUpper(string(f)), got, err)
		}
		if f.MediaType() == "" || f.Ext() == "" {
			t.Errorf("%s has no media type or extension", f)
		}
	}
	_, err := export.ParseFormat("xls")
	if !errors.Is(err, domain.ErrInvalidArgument) || !strings.Contains(err.Error(), `"xls"`) ||
		!strings.Contains(err.Error(), "nquads, jsonld, trig, graphml, gexf, csv, cytoscape") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestSelectRefusesBadSelections(t *testing.T) {
	g, _ := embedded(t)
	tests := []struct {
		name string
		sel  export.Selection
		is   error
		msg  string
	}{
		{"unknown root", export.Selection{Roots: []string{"global-gatway"}, Depth: 1}, domain.ErrNotFound, `unknown root "global-gatway": no entity has this id (did you mean "global-gateway"?)`},
		{"unknown from", export.Selection{From: "nosuch-entity-at-all", To: "d4d-hub"}, domain.ErrNotFound, `unknown from entity "nosuch-entity-at-all"`},
		{"depth above max", export.Selection{Roots: []string{"d4d-hub"}, Depth: engine.MaxDepth + 1}, domain.ErrInvalidArgument, "depth 5 is above the maximum, 4"},
		{"negative depth", export.Selection{Roots: []string{"d4d-hub"}, Depth: -1}, domain.ErrInvalidArgument, "depth -1 is negative"},
		{"maxNodes above max", export.Selection{MaxNodes: engine.MaxSubgraph + 1}, domain.ErrInvalidArgument, "maxNodes 2001 is above the maximum, 2000"},
		{"maxHops above max", export.Selection{From: "d4d-hub", To: "european-commission", MaxHops: 7}, domain.ErrInvalidArgument, "maxHops 7 is above the maximum, 6"},
		{"depth without roots", export.Selection{Depth: 2}, domain.ErrInvalidArgument, "depth applies to roots"},
		{"roots and paths", export.Selection{Roots: []string{"d4d-hub"}, From: "d4d-hub", To: "european-commission"}, domain.ErrInvalidArgument, "two different selections"},
		{"from without to", export.Selection{From: "d4d-hub"}, domain.ErrInvalidArgument, "from and to go together"},
		{"kinds on paths", export.Selection{From: "d4d-hub", To: "european-commission", Kinds: []domain.Kind{domain.Actor}}, domain.ErrInvalidArgument, "kinds filters roots"},
		{"unknown predicate", export.Selection{Predicates: []string{"likes"}}, domain.ErrInvalidArgument, `unknown predicate "likes"; the predicates are `},
		{"unknown kind", export.Selection{Kinds: []domain.Kind{"PLANET"}}, domain.ErrInvalidArgument, `unknown kind "PLANET"; the kinds are ACTOR, COUNTRY`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := export.Select(context.Background(), g, tt.sel)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want %v containing %q", err, tt.is, tt.msg)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		query string
		want  export.Request
		err   string // part of the error, "" for none
	}{
		{"format=graphml&roots=global-gateway&depth=2", export.Request{Format: export.GraphML, Selection: export.Selection{Roots: []string{"global-gateway"}, Depth: 2}}, ""},
		{"format=gexf&roots=global-gateway,d4d-hub&roots=eib", export.Request{Format: export.GEXF, Selection: export.Selection{Roots: []string{"global-gateway", "d4d-hub", "eib"}, Depth: export.DefaultDepth}}, ""},
		{"format=nquads&predicates=CALLS_ON,funds&kinds=actor", export.Request{Format: export.NQuads, Selection: export.Selection{Predicates: []string{"calls-on", "funds"}, Kinds: []domain.Kind{domain.Actor}}}, ""},
		{"format=csv&from=a&to=b&maxHops=3&evidence=false", export.Request{Format: export.CSV, NoEvidence: true, Selection: export.Selection{From: "a", To: "b", MaxHops: 3}}, ""},
		{"format=cytoscape&maxNodes=200", export.Request{Format: export.Cytoscape, Selection: export.Selection{MaxNodes: 200}}, ""},
		{"", export.Request{}, "no format given; the formats are nquads, jsonld"},
		{"format=xls", export.Request{}, `unknown format "xls"; the formats are nquads, jsonld, trig, graphml, gexf, csv, cytoscape`},
		{"format=gexf&root=global-gateway", export.Request{}, `unknown parameter "root"; the parameters are format, roots, depth`},
		{"format=gexf&roots=x&depth=two", export.Request{}, `depth must be a whole number, not "two"`},
		{"format=gexf&depth=1&depth=2", export.Request{}, "parameter depth is given 2 times"},
		{"format=gexf&evidence=false", export.Request{}, "evidence applies to the csv format only"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := export.ParseQuery(q)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, domain.ErrInvalidArgument) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			// the URL GraphQL builds from a request parses back to it
			back, err := export.ParseQuery(mustQuery(t, got.Query()))
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Errorf("%s parses back as %+v, %v", got.Query(), back, err)
			}
		})
	}
}

func mustQuery(t *testing.T, s string) url.Values {
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// The whole graph in N-Quads is every quad the store holds, whether it
// streams from the store or is made from the data, in any order.
func TestWholeNQuadsIsTheStore(t *testing.T) {
	st := datatest.Store(t)
	g, ds := embedded(t)
	fromStore := nquadSet(t, write(t, export.NQuads, sel(t, st.Graph(), export.Selection{}), allQuads(st)))
	fromData := nquadSet(t, write(t, export.NQuads, sel(t, g, export.Selection{}), export.Options{}))
	want := map[string]bool{}
	for _, q := range vocab.Quads(ds) {
		want[q.NQuad()] = true
	}
	if len(want) < 1000 {
		t.Fatalf("only %d quads in the data", len(want))
	}
	for name, got := range map[string]map[string]bool{"store": fromStore, "data": fromData} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("from the %s: %d quads, want the store's %d", name, len(got), len(want))
		}
	}
}

// Every RDF format holds the same statements: JSON-LD read back by
// json-gold (quad's JSON-LD reader) gives exactly the N-Quads' quads; a
// selection's quads are quads of the whole graph, load on their own as a
// graph, and that graph has the selection's entities and relations with all
// their evidence.
func TestRDFFormatsHoldTheSameQuads(t *testing.T) {
	g, _ := embedded(t)
	whole := nquadSet(t, write(t, export.NQuads, sel(t, g, export.Selection{}), export.Options{}))
	for _, s := range selections {
		t.Run(s.name, func(t *testing.T) {
			set := sel(t, g, s.sel)
			nq := write(t, export.NQuads, set, export.Options{})
			want := nquadSet(t, nq)
			got := quadSet(t, jsonld.NewReader(bytes.NewReader(write(t, export.JSONLD, set, export.Options{}))))
			if !reflect.DeepEqual(got, want) {
				for k := range want {
					if !got[k] {
						t.Errorf("JSON-LD lacks %s", k)
						break
					}
				}
				for k := range got {
					if !want[k] {
						t.Errorf("JSON-LD adds %s", k)
						break
					}
				}
				t.Fatalf("JSON-LD holds %d quads, N-Quads %d", len(got), len(want))
			}
			for k := range want {
				if !whole[k] {
					t.Fatalf("the selection invents a quad: %s", k)
				}
			}
			lines := strings.Split(strings.TrimSpace(string(nq)), "\n")
			if len(lines) != len(want) {
				t.Errorf("%d lines for %d distinct quads: the export repeats quads", len(lines), len(want))
			}
			ds, err := vocab.DecodeQuads(parseNQuads(t, nq))
			if err != nil {
				t.Fatalf("the selection's quads do not load as a graph: %v", err)
			}
			sg := projection.Graph(ds)
			exp := expect(set)
			var ents, rels []string
			for _, e := range domaintest.Must(sg.Entities(context.Background(), "")) {
				ents = append(ents, e.ID)
			}
			for _, r := range ds.Relations {
				rels = append(rels, r.ID)
				if want := domaintest.Must(g.Relation(context.Background(), r.ID)); len(r.Evidence) != len(want.Evidence) {
					t.Errorf("%s: %d evidence items, the store has %d", r.ID, len(r.Evidence), len(want.Evidence))
				}
			}
			slices.Sort(rels)
			if !slices.Equal(ents, exp.nodeIDs()) || !slices.Equal(rels, exp.edgeIDs()) {
				t.Errorf("the quads load as %d entities and %d relations, want %d and %d", len(ents), len(rels), len(exp.nodes), len(exp.edges))
			}
		})
	}
}

// TriG groups a subject's statements and keeps each relation in the named
// graph of its evidence.
func TestTriGReadsByEye(t *testing.T) {
	g, _ := embedded(t)
	out := string(write(t, export.TriG, sel(t, g, export.Selection{Roots: []string{"global-gateway"}, Depth: 1}), export.Options{}))
	for _, want := range []string{
		"@prefix entity: <https://w3id.org/digidip/entity/> .",
		"entity:global-gateway a vocab:Instrument ;\n    rdfs:label \"Global Gateway\"",
		"oa:exact ",
		"#char=",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("TriG lacks %q", want)
		}
	}
	if strings.Count(out, "{") != strings.Count(out, "}") || strings.Count(out, "{") == 0 {
		t.Errorf("unbalanced or missing graph blocks")
	}
}

// The graph formats carry the same nodes and edges, with names, kinds,
// degrees, predicates and the first evidence item of each edge.
func TestGraphFormatsCarryNodesEdgesAndProvenance(t *testing.T) {
	g, _ := embedded(t)
	for _, s := range selections {
		set := sel(t, g, s.sel)
		exp := expect(set)
		for _, f := range []export.Format{export.GraphML, export.GEXF, export.CSV, export.Cytoscape} {
			t.Run(s.name+"/"+string(f), func(t *testing.T) {
				got := readGraph(t, f, write(t, f, set, export.Options{}))
				checkGraph(t, g, exp, got)
			})
		}
	}
}

// graphRead is what a graph file says, format aside.
type graphRead struct {
	nodes map[string]nodeRead
	edges map[string]edgeRead
}

type nodeRead struct {
	name, kind string
	degree     int
}

type edgeRead struct {
	source, target, predicate, paragraph, quote string
	evidence                                    int
	verb, modality                              string
}

func checkGraph(t *testing.T, g *engine.Graph, exp expected, got graphRead) {
	t.Helper()
	if len(got.nodes) != len(exp.nodes) || len(got.edges) != len(exp.edges) {
		t.Fatalf("%d nodes and %d edges, want %d and %d", len(got.nodes), len(got.edges), len(exp.nodes), len(exp.edges))
	}
	for _, n := range exp.nodes {
		// the degree is GraphQL's Entity.degree, read the way its resolver reads it
		want := nodeRead{n.Name, string(n.Kind), domaintest.Must(g.Degree(context.Background(), n.ID))}
		if got.nodes[n.ID] != want {
			t.Errorf("node %s: %+v, want %+v", n.ID, got.nodes[n.ID], want)
		}
	}
	for _, r := range exp.edges {
		e := got.edges[r.ID]
		first := r.Evidence[0]
		want := edgeRead{r.Subject, r.Object, r.Predicate, first.Paragraph, first.Quote, len(r.Evidence), r.VerbIn("", ""), string(r.Modality())}
		if e != want {
			t.Errorf("edge %s: %+v, want %+v", r.ID, e, want)
		}
	}
}

func readGraph(t *testing.T, f export.Format, b []byte) graphRead {
	t.Helper()
	out := graphRead{nodes: map[string]nodeRead{}, edges: map[string]edgeRead{}}
	atoi := func(what, s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s %s: %v", f, what, err)
		}
		return n
	}
	switch f {
	case export.GraphML:
		var doc struct {
			Graph struct {
				Nodes []struct {
					ID   string `xml:"id,attr"`
					Data []struct {
						Key   string `xml:"key,attr"`
						Value string `xml:",chardata"`
					} `xml:"data"`
				} `xml:"node"`
				Edges []struct {
					ID     string `xml:"id,attr"`
					Source string `xml:"source,attr"`
					Target string `xml:"target,attr"`
					Data   []struct {
						Key   string `xml:"key,attr"`
						Value string `xml:",chardata"`
					} `xml:"data"`
				} `xml:"edge"`
			} `xml:"http://graphml.graphdrawing.org/xmlns graph"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, n := range doc.Graph.Nodes {
			d := map[string]string{}
			for _, x := range n.Data {
				d[x.Key] = x.Value
			}
			out.nodes[n.ID] = nodeRead{d["name"], d["kind"], atoi("degree", d["degree"])}
		}
		for _, e := range doc.Graph.Edges {
			d := map[string]string{}
			for _, x := range e.Data {
				d[x.Key] = x.Value
			}
			out.edges[e.ID] = edgeRead{e.Source, e.Target, d["predicate"], d["paragraph"], d["quote"], atoi("evidenceCount", d["evidenceCount"]), d["verb"], d["modality"]}
		}
	case export.GEXF:
		// gonum's gexf12 types are the 1.2draft schema's elements in its
		// namespace: a file in another namespace or shape reads as nothing
		var doc gexf12.Content
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("GEXF does not read as GEXF 1.2draft: %v", err)
		}
		if doc.Version != "1.2" || doc.Meta == nil || doc.Meta.Creator != "digidip" || doc.Graph.DefaultEdgeType != "directed" {
			t.Fatalf("GEXF version %q, meta %+v, default edge type %q: want 1.2, digidip's, directed", doc.Version, doc.Meta, doc.Graph.DefaultEdgeType)
		}
		// every attvalue names an attribute its class declares, as Gephi
		// and NetworkX look them up
		declared := map[string]bool{}
		for _, as := range doc.Graph.Attributes {
			for _, a := range as.Attributes {
				declared[as.Class+"/"+a.ID] = true
			}
		}
		values := func(class, id string, vs *gexf12.AttValues) map[string]string {
			d := map[string]string{}
			if vs == nil {
				t.Fatalf("GEXF %s %s has no attvalues", class, id)
			}
			for _, x := range vs.AttValues {
				if !declared[class+"/"+x.For] {
					t.Errorf("GEXF %s %s: attvalue for %q, which no %s attribute declares", class, id, x.For, class)
				}
				d[x.For] = x.Value
			}
			return d
		}
		for _, n := range doc.Graph.Nodes.Nodes {
			d := values("node", n.ID, n.AttValues)
			if d["name"] != n.Label {
				t.Errorf("node %s: label %q, name %q", n.ID, n.Label, d["name"])
			}
			out.nodes[n.ID] = nodeRead{d["name"], d["kind"], atoi("degree", d["degree"])}
		}
		for _, e := range doc.Graph.Edges.Edges {
			d := values("edge", e.ID, e.AttValues)
			out.edges[e.ID] = edgeRead{e.Source, e.Target, d["predicate"], d["paragraph"], d["quote"], atoi("evidenceCount", d["evidenceCount"]), d["verb"], d["modality"]}
		}
	case export.CSV:
		tables := readZip(t, b)
		for _, r := range tables[export.NodesCSV] {
			out.nodes[r["id"]] = nodeRead{r["name"], r["kind"], atoi("degree", r["degree"])}
		}
		for _, r := range tables[export.EdgesCSV] {
			out.edges[r["id"]] = edgeRead{r["source"], r["target"], r["predicate"], r["paragraph"], r["quote"], atoi("evidenceCount", r["evidenceCount"]), r["verb"], r["modality"]}
		}
		// evidence.csv has one row per evidence item of the edges
		perEdge := map[string]int{}
		for _, r := range tables[export.EvidenceCSV] {
			perEdge[r["relation"]]++
		}
		for id, e := range out.edges {
			if perEdge[id] != e.evidence {
				t.Errorf("evidence.csv has %d rows for %s, edges.csv counts %d", perEdge[id], id, e.evidence)
			}
		}
	case export.Cytoscape:
		var doc struct {
			Elements struct {
				Nodes []struct{ Data map[string]any } `json:"nodes"`
				Edges []struct{ Data map[string]any } `json:"edges"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		str := func(v any) string { s, _ := v.(string); return s }
		num := func(what string, v any) int {
			n, ok := v.(float64)
			if !ok {
				t.Fatalf("cytoscape %s is %v, not a number", what, v)
			}
			return int(n)
		}
		for _, n := range doc.Elements.Nodes {
			out.nodes[str(n.Data["id"])] = nodeRead{str(n.Data["name"]), str(n.Data["kind"]), num("degree", n.Data["degree"])}
		}
		for _, e := range doc.Elements.Edges {
			d := e.Data
			out.edges[str(d["id"])] = edgeRead{str(d["source"]), str(d["target"]), str(d["predicate"]), str(d["paragraph"]), str(d["quote"]), num("evidenceCount", d["evidenceCount"]), str(d["verb"]), str(d["modality"])}
		}
	}
	return out
}

// readZip reads every CSV table of a zip with encoding/csv, as maps by
// header, after checking each row has the header's width.
func readZip(t *testing.T, b []byte) map[string][]map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(rc).ReadAll()
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		for _, r := range rows[1:] {
			m := map[string]string{}
			for i, h := range rows[0] {
				m[h] = r[i]
			}
			out[f.Name] = append(out[f.Name], m)
		}
	}
	return out
}

func TestCSVWithoutEvidence(t *testing.T) {
	g, _ := embedded(t)
	b := write(t, export.CSV, sel(t, g, export.Selection{Roots: []string{"d4d-hub"}, Depth: 1}), export.Options{NoEvidence: true})
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{export.NodesCSV, export.EdgesCSV}) {
		t.Errorf("tables %v", names)
	}
}

// Without roots, a maxNodes that does not cut gives the same file as the
// uncapped whole graph: the GraphQL subgraph and /export agree.
func TestCappedWholeGraphIsTheWholeGraph(t *testing.T) {
	g, _ := embedded(t)
	if n := len(domaintest.Must(g.Entities(context.Background(), ""))); n > engine.MaxSubgraph {
		t.Skipf("%d entities: the cap cuts", n)
	}
	whole := write(t, export.Cytoscape, sel(t, g, export.Selection{}), export.Options{})
	capped := write(t, export.Cytoscape, sel(t, g, export.Selection{MaxNodes: engine.MaxSubgraph}), export.Options{})
	if !bytes.Equal(whole, capped) {
		t.Error("the capped whole graph differs from the whole graph")
	}
	small := sel(t, g, export.Selection{MaxNodes: 5})
	if !small.Truncated || len(expect(small).nodes) != 5 {
		t.Errorf("maxNodes 5: truncated %v, %d nodes", small.Truncated, len(expect(small).nodes))
	}
}

// The same selection of the same data gives the same bytes: ids, order and
// the zip's timestamps are stable.
func TestExportsAreStable(t *testing.T) {
	g1, _ := embedded(t)
	g2, _ := embedded(t)
	for _, f := range export.Formats {
		a := write(t, f, sel(t, g1, export.Selection{}), export.Options{})
		b := write(t, f, sel(t, g2, export.Selection{}), export.Options{})
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two exports of the same data", f)
		}
	}
}

// cancelAfter passes writes through to a count and cancels the export's
// context once the export has written limit bytes, as a client that goes
// away mid-download does; it records how far the export got by then.
type cancelAfter struct {
	limit, n int
	cancel   context.CancelFunc
	atCancel int // bytes written when it cancelled
	reads    func() int64
	readsAt  int64 // quads read from the store when it cancelled
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.n += len(p)
	if c.atCancel == 0 && c.n >= c.limit {
		c.atCancel = c.n
		c.readsAt = c.reads()
		c.cancel()
	}
	return len(p), nil
}

// An export whose context ends while it writes stops soon after: it returns
// context.Canceled, and what it writes after the cancel (bytes, and quads
// read from the store) is a small bounded part of the whole, whatever the
// size of the graph. A context already over writes nothing.
func TestCancelledExportStops(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "bolt", Address: filepath.Join(t.TempDir(), "db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Replace(ctx, vocab.Quads(synth.Dataset(60_000, 1))); err != nil {
		t.Fatal(err)
	}
	set := sel(t, st.Graph(), export.Selection{})
	// Each writer looks at the context every few hundred elements and
	// buffers 64 KiB: that is all it may add once cancelled, a small part of
	// an export of this graph (the smallest, CSV's zip, is about 230 KB).
	const maxReadsAfterCancel = 1024 // store.WriteQuads looks every 1024 quads
	for _, f := range export.Formats {
		opts := map[string]export.Options{"read model": {}}
		if f.RDF() {
			opts["store stream"] = allQuads(st)
		}
		// the store holds the quads the read model makes: one size for both
		var whole countingWriter
		if err := export.Write(ctx, &whole, f, set, export.Options{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cancelAt, afterCancel := whole.n/8, whole.n/3
		for name, opt := range opts {

			cctx, cancel := context.WithCancel(ctx)
			w := &cancelAfter{limit: cancelAt, cancel: cancel, reads: st.Reads}
			reads := st.Reads()
			err := export.Write(cctx, w, f, set, opt)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s from the %s: %v, want context.Canceled", f, name, err)
			}
			if w.atCancel == 0 {
				t.Fatalf("%s from the %s: never reached %d bytes", f, name, cancelAt)
			}
			if after := w.n - w.atCancel; after > afterCancel {
				t.Errorf("%s from the %s: %d bytes written after the cancel (at %d of %d), want at most %d", f, name, after, w.atCancel, whole.n, afterCancel)
			}
			if name == "store stream" {
				if after := st.Reads() - w.readsAt; after > maxReadsAfterCancel {
					t.Errorf("%s from the %s: %d quads read after the cancel (%d before it)", f, name, after, w.readsAt-reads)
				}
			}
			t.Logf("%s from the %s: cancelled at %d bytes of %d, then %d more", f, name, w.atCancel, whole.n, w.n-w.atCancel)

			dead, cancel := context.WithCancel(ctx)
			cancel()
			var none countingWriter
			if err := export.Write(dead, &none, f, set, opt); !errors.Is(err, context.Canceled) || none.n != 0 {
				t.Errorf("%s from the %s with a context already over: %v after %d bytes", f, name, err, none.n)
			}
		}
	}
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func TestFilenames(t *testing.T) {
	g, _ := embedded(t)
	tests := []struct {
		sel  export.Selection
		f    export.Format
		want string
	}{
		{export.Selection{}, export.NQuads, "digidip.nq"},
		{export.Selection{Roots: []string{"global-gateway"}, Depth: 2}, export.GEXF, "digidip-global-gateway-d2.gexf"},
		{export.Selection{Roots: []string{"global-gateway", "d4d-hub"}, Depth: 1}, export.CSV, "digidip-global-gateway-and-1-d1.zip"},
		{export.Selection{From: "d4d-hub", To: "european-commission"}, export.Cytoscape, "digidip-path-d4d-hub-european-commission.cyjs.json"},
	}
	for _, tt := range tests {
		if got := sel(t, g, tt.sel).Filename(tt.f); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.sel, got, tt.want)
		}
	}
}
