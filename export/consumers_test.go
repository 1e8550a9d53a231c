package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
)

// The consumer tests open every format in the tool a researcher would use
// (NetworkX, rdflib, Python's csv, the cytoscape npm package) and check
// what the tool read against the store. .ci/run installs the tools and sets
// DIGIDIP_TEST_CONSUMERS=1, which makes them required; without it they skip.
const python = "/usr/bin/python3" // Debian's: the only one that sees python3-networkx and python3-rdflib

func requireConsumers(t *testing.T) {
	t.Helper()
	if os.Getenv("DIGIDIP_TEST_CONSUMERS") == "" {
		t.Skip("DIGIDIP_TEST_CONSUMERS not set: needs /usr/bin/python3 with python3-networkx and python3-rdflib, and npm ci in export/testdata/cytoscape")
	}
	if out, err := exec.Command(python, "-c", "import networkx, rdflib").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import networkx and rdflib (apt-get install python3-networkx python3-rdflib): %v\n%s", python, err, out)
	}
	if _, err := os.Stat("testdata/cytoscape/node_modules/cytoscape"); err != nil {
		t.Fatalf("cytoscape is not installed: run npm ci in export/testdata/cytoscape (%v)", err)
	}
}

// consumerServer is the real server over a real bolt store.
func consumerServer(t *testing.T) (*store.Store, string) {
	t.Helper()
	st := datatest.Store(t)
	srv := httptest.NewServer(server.New(st, server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	return st, srv.URL
}

// fetch downloads an export into a file named as the server names it.
func fetch(t *testing.T, base string, req export.Request) string {
	t.Helper()
	res, err := http.Get(base + req.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", req.Path(), res.StatusCode, body)
	}
	name := filepath.Join(t.TempDir(), "export"+req.Format.Ext())
	if err := os.WriteFile(name, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// consume runs a consumer and decodes the one JSON line it prints.
func consume(t *testing.T, into any, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(out, into); err != nil {
		t.Fatalf("%s output %.200q: %v", name, out, err)
	}
}

// consumerSelections: the whole graph and a neighbourhood (the paths door
// runs through the same writers).
var consumerSelections = []struct {
	name string
	sel  export.Selection
}{
	{"whole", export.Selection{}},
	{"neighbourhood", export.Selection{Roots: []string{"global-gateway"}, Depth: 2}},
	{"paths", export.Selection{From: "d4d-hub", To: "european-commission", MaxHops: 4}},
}

// readGraphOut is what read.py and load.mjs print for a graph format.
type readGraphOut struct {
	Nodes []struct {
		ID, Name, Kind string
		Degree         *int // nil: the tool read no degree
	}
	Edges []struct {
		ID, Source, Target, Predicate, Quote string
		Verb, Modality                       string
		EvidenceCount                        int `json:"evidenceCount"`
	}
}

func TestNetworkXAndCytoscapeReadTheGraph(t *testing.T) {
	requireConsumers(t)
	st, base := consumerServer(t)
	for _, s := range consumerSelections {
		exp := expect(sel(t, st.Graph(), s.sel))
		if len(exp.edges) == 0 {
			t.Fatalf("%s: an empty selection tests nothing", s.name)
		}
		for _, c := range []struct {
			format export.Format
			tool   string
			args   func(file string) []string
		}{
			{export.GraphML, "networkx read_graphml", func(f string) []string { return []string{python, "testdata/consumers/read.py", "graphml", f} }},
			{export.GEXF, "networkx read_gexf", func(f string) []string { return []string{python, "testdata/consumers/read.py", "gexf", f} }},
			{export.Cytoscape, "cytoscape cy.add()", func(f string) []string { return []string{"node", "testdata/cytoscape/load.mjs", f} }},
		} {
			t.Run(s.name+"/"+string(c.format), func(t *testing.T) {
				file := fetch(t, base, export.Request{Format: c.format, Selection: s.sel})
				var got readGraphOut
				args := c.args(file)
				consume(t, &got, args[0], args[1:]...)
				if len(got.Nodes) != len(exp.nodes) || len(got.Edges) != len(exp.edges) {
					t.Fatalf("%s read %d nodes and %d edges; the store has %d and %d",
						c.tool, len(got.Nodes), len(got.Edges), len(exp.nodes), len(exp.edges))
				}
				nodes := map[string]string{}
				for _, n := range got.Nodes {
					degree := "no degree"
					if n.Degree != nil {
						degree = strconv.Itoa(*n.Degree)
					}
					nodes[n.ID] = fmt.Sprintf("%s (%s), degree %s", n.Name, n.Kind, degree)
				}
				for _, n := range exp.nodes {
					d, err := st.Graph().Degree(context.Background(), n.ID)
					if err != nil {
						t.Fatal(err)
					}
					if want := fmt.Sprintf("%s (%s), degree %d", n.Name, n.Kind, d); nodes[n.ID] != want {
						t.Errorf("%s: node %s reads %q, the store has %q", c.tool, n.ID, nodes[n.ID], want)
					}
				}
				// an edge is one relation: subject, predicate, object
				edges := map[string]string{}
				for _, e := range got.Edges {
					edges[e.Source+"/"+e.Predicate+"/"+e.Target] = fmt.Sprintf("%d %s (%s; %s)", e.EvidenceCount, e.Quote, e.Verb, e.Modality)
				}
				for _, r := range exp.edges {
					want := fmt.Sprintf("%d %s (%s; %s)", len(r.Evidence), r.Evidence[0].Quote, r.VerbIn("", ""), r.Modality())
					if edges[r.ID] != want {
						t.Errorf("%s: edge %s reads %q, the store has %q", c.tool, r.ID, edges[r.ID], want)
					}
				}
			})
		}
	}
}

func TestRDFLibReadsTheStatements(t *testing.T) {
	requireConsumers(t)
	st, base := consumerServer(t)
	for _, s := range consumerSelections {
		// what the store says the selection holds: the quads of its N-Quads,
		// and for the whole graph every quad the store streams
		set := sel(t, st.Graph(), s.sel)
		exp := expect(set)
		want := len(nquadSet(t, write(t, export.NQuads, set, allQuads(st))))
		if s.sel.Whole() {
			n, err := st.WriteQuads(context.Background(), &countQuads{})
			if err != nil || n != want {
				t.Fatalf("the store streams %d quads (%v), its N-Quads export holds %d", n, err, want)
			}
		}
		for _, f := range []export.Format{export.NQuads, export.JSONLD, export.TriG} {
			t.Run(s.name+"/"+string(f), func(t *testing.T) {
				file := fetch(t, base, export.Request{Format: f, Selection: s.sel})
				var got struct {
					Statements, Graphs, Modalities int
					Datatypes                      []string
				}
				consume(t, &got, python, "testdata/consumers/read.py", string(f), file)
				if got.Statements != want {
					t.Errorf("rdflib read %d statements from %s; the store holds %d", got.Statements, f, want)
				}
				if evs := evidenceItems(exp.edges); got.Modalities != evs {
					t.Errorf("rdflib read %d modalities from %s; the selection's relations have %d evidence items", got.Modalities, f, evs)
				}
				// relations sit in the named graph of their evidence
				if got.Graphs < 2 {
					t.Errorf("rdflib read %d graphs: the evidence graphs are lost", got.Graphs)
				}
				for _, dt := range got.Datatypes {
					if !strings.HasPrefix(dt, "http://www.w3.org/2001/XMLSchema#") {
						t.Errorf("rdflib reads datatype %q: not an XSD IRI", dt)
					}
				}
			})
		}
	}
}

func TestPythonCSVReadsTheTables(t *testing.T) {
	requireConsumers(t)
	st, base := consumerServer(t)
	for _, s := range consumerSelections {
		t.Run(s.name, func(t *testing.T) {
			exp := expect(sel(t, st.Graph(), s.sel))
			dir := unzip(t, fetch(t, base, export.Request{Format: export.CSV, Selection: s.sel}))
			var got map[string][]map[string]string
			consume(t, &got, python, "testdata/consumers/read.py", "csv", dir)
			if len(got[export.NodesCSV]) != len(exp.nodes) || len(got[export.EdgesCSV]) != len(exp.edges) {
				t.Fatalf("csv read %d nodes and %d edges; the store has %d and %d",
					len(got[export.NodesCSV]), len(got[export.EdgesCSV]), len(exp.nodes), len(exp.edges))
			}
			for i, n := range exp.nodes {
				r := got[export.NodesCSV][i]
				d, err := st.Graph().Degree(context.Background(), n.ID)
				if err != nil {
					t.Fatal(err)
				}
				if r["id"] != n.ID || r["name"] != n.Name || r["kind"] != string(n.Kind) || r["description"] != n.Description || r["degree"] != strconv.Itoa(d) {
					t.Errorf("nodes.csv row %d: %v, the store has %s %q %s, degree %d", i+1, r, n.ID, n.Name, n.Kind, d)
				}
			}
			evidence := 0
			for i, e := range exp.edges {
				r := got[export.EdgesCSV][i]
				evidence += len(e.Evidence)
				if r["source"] != e.Subject || r["target"] != e.Object || r["predicate"] != e.Predicate ||
					r["evidenceCount"] != strconv.Itoa(len(e.Evidence)) || r["quote"] != e.Evidence[0].Quote || r["paragraph"] != e.Evidence[0].Paragraph ||
					r["verb"] != e.VerbIn("", "") || r["modality"] != string(e.Modality()) {
					t.Errorf("edges.csv row %d: %v, the store has %s", i+1, r, e.ID)
				}
			}
			rows := got[export.EvidenceCSV]
			if len(rows) != evidence {
				t.Fatalf("evidence.csv: %d rows, the store has %d evidence items", len(rows), evidence)
			}
			i := 0
			for _, e := range exp.edges {
				for _, ev := range e.Evidence {
					r := rows[i]
					i++
					if r["relation"] != e.ID || r["quote"] != ev.Quote || r["start"] != strconv.Itoa(ev.Start) || r["end"] != strconv.Itoa(ev.End) ||
						r["verb"] != ev.Verb || r["modality"] != string(ev.Modality) {
						t.Errorf("evidence.csv row %d: %v, the store has %s %q %d-%d (%q, %s)", i, r, e.ID, ev.Quote, ev.Start, ev.End, ev.Verb, ev.Modality)
					}
				}
			}
		})
	}
}

func evidenceItems(rels []*domain.Relation) int {
	n := 0
	for _, r := range rels {
		n += len(r.Evidence)
	}
	return n
}

// unzip extracts the CSV zip into a directory, as a researcher would.
func unzip(t *testing.T, file string) string {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
