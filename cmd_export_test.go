package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	if _, stderr, code := digidip(t, "load", "--store", db); code != 0 {
		t.Fatalf("load: %s", stderr)
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string   // part of standard error
		stdout string   // part of standard output
		files  []string // files that must exist afterwards, "" for none
		absent string   // a file that must not exist afterwards
		holds  string   // part of files[0]
	}{
		{"gexf of a neighbourhood", []string{"--format", "gexf", "--root", "global-gateway", "--depth", "2", "-o", out("gg.gexf")}, 0, "", "", []string{"gg.gexf"}, "", `<node id="global-gateway" label="Global Gateway">`},
		{"graphml on stdout", []string{"--format", "graphml", "--root", "d4d-hub"}, 0, "", `<node id="d4d-hub">`, nil, "", ""},
		{"paths from the store", []string{"--store", db, "--format", "cytoscape", "--from", "d4d-hub", "--to", "european-commission", "-o", out("path.json")}, 0, "", "", []string{"path.json"}, "", `"source":"d4d-hub"`},
		{"csv into a directory", []string{"--format", "csv", "--root", "d4d-hub", "-o", out("csv") + "/"}, 0, "", "", []string{"csv/nodes.csv", "csv/edges.csv", "csv/evidence.csv"}, "", "id,name,kind,description,degree\n"},
		{"csv as a zip", []string{"--format", "csv", "--kind", "ACTOR,FORUM", "--evidence=false", "-o", out("actors.zip")}, 0, "", "", []string{"actors.zip"}, "", "nodes.csv"},
		{"csv to a .csv file", []string{"--format", "csv", "-o", out("one.csv")}, 1, "give -o FILE.zip for one zip, or -o DIR/ for the files", "", nil, "one.csv", ""},
		{"unknown format", []string{"--format", "xls", "-o", out("bad.xls")}, 1, `unknown format "xls"; the formats are nquads, jsonld, trig, graphml, gexf, csv, cytoscape`, "", nil, "bad.xls", ""},
		{"unknown root", []string{"--format", "gexf", "--root", "global-gatway", "-o", out("bad.gexf")}, 1, `unknown root "global-gatway": no entity has this id (did you mean "global-gateway"?)`, "", nil, "bad.gexf", ""},
		{"depth above the maximum", []string{"--root", "global-gateway", "--depth", "9", "-o", out("deep.nq")}, 1, "depth 9 is above the maximum, 4", "", nil, "deep.nq", ""},
		{"depth without roots", []string{"--depth", "2"}, 1, "depth applies to roots", "", nil, "", ""},
		{"evidence outside csv", []string{"--format", "graphml", "--evidence=false"}, 1, "--evidence applies to --format csv only", "", nil, "", ""},
		{"two sources", []string{"--store", db, "--data", "data"}, 2, "--data and --store/--backend are two sources", "", nil, "", ""},
		{"a store that is not there", []string{"--store", out("nosuch")}, 1, "does not exist: run digidip load", "", nil, "nosuch", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := digidip(t, append([]string{"export"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) || !strings.Contains(stdout, tt.stdout) {
				t.Fatalf("exit %d, want %d\nstderr: %s\nwant it to contain %q and stdout %q", code, tt.code, stderr, tt.stderr, tt.stdout)
			}
			for i, f := range tt.files {
				b, err := os.ReadFile(out(f))
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 && !strings.Contains(string(b), tt.holds) {
					t.Errorf("%s lacks %q", f, tt.holds)
				}
			}
			if tt.absent != "" {
				if _, err := os.Stat(out(tt.absent)); !os.IsNotExist(err) {
					t.Errorf("a failed export left %s", tt.absent)
				}
			}
			// no temporary file is left behind either
			left, _ := filepath.Glob(filepath.Join(dir, ".*"))
			left2, _ := filepath.Glob(filepath.Join(dir, "csv", ".*"))
			if len(left)+len(left2) > 0 {
				t.Errorf("temporary files left: %v %v", left, left2)
			}
		})
	}
	zr, err := zip.OpenReader(out("actors.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"nodes.csv", "edges.csv"}) {
		t.Errorf("--evidence=false zip holds %v", names)
	}
}

// The N-Quads round trip: export a store, load the file into an empty store,
// export again: the same quads, byte for byte once sorted; and the same as
// an export of the data with no store at all.
func TestNQuadsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	first, second := filepath.Join(dir, "a.nq"), filepath.Join(dir, "b.nq")
	steps := [][]string{
		{"load", "--store", a},
		{"export", "--store", a, "-o", first},
		{"load", "--store", b, "--nquads", first},
		{"export", "--store", b, "-o", second},
	}
	for _, s := range steps {
		if _, stderr, code := digidip(t, s...); code != 0 {
			t.Fatalf("%v: exit %d: %s", s, code, stderr)
		}
	}
	fromData, _, code := digidip(t, "export", "--format", "nquads")
	if code != 0 {
		t.Fatal("export of the data failed")
	}
	x, _ := os.ReadFile(first)
	y, _ := os.ReadFile(second)
	lines := sortedLines(string(x))
	if len(lines) < 1000 {
		t.Fatalf("only %d quads", len(lines))
	}
	if !slices.Equal(lines, sortedLines(string(y))) {
		t.Error("export → load --nquads → export changed the quads")
	}
	if !slices.Equal(lines, sortedLines(fromData)) {
		t.Error("the store's export differs from the data's")
	}
	if strings.Contains(string(x), "^^<xsd:") {
		t.Error("typed literals with short datatype IRIs: RDF tools read them as unknown datatypes")
	}

	// The graph formats read the same from the store as from the data.
	g1, _, _ := digidip(t, "export", "--format", "graphml", "--store", b)
	g2, _, _ := digidip(t, "export", "--format", "graphml")
	if g1 != g2 || len(g1) == 0 {
		t.Error("GraphML from the reloaded store differs from GraphML of the data")
	}

	// A bad file names its line and leaves the store as it was.
	bad := filepath.Join(dir, "bad.nq")
	os.WriteFile(bad, []byte(strings.Join(lines[:3], "\n")+"\n<a> <b> .\n"), 0o644)
	if _, stderr, code := digidip(t, "load", "--store", b, "--nquads", bad); code != 1 || !strings.Contains(stderr, bad+":4:") {
		t.Errorf("bad N-Quads: exit %d: %s", code, stderr)
	}
	partial := filepath.Join(dir, "partial.nq")
	os.WriteFile(partial, []byte(strings.Join(lines[:len(lines)/2], "\n")+"\n"), 0o644)
	if _, stderr, code := digidip(t, "load", "--store", b, "--nquads", partial); code != 1 || !strings.Contains(stderr, "the store was not changed") {
		t.Errorf("half a graph: exit %d: %s", code, stderr)
	}
	after, _, _ := digidip(t, "export", "--store", b)
	if !slices.Equal(sortedLines(after), lines) {
		t.Error("a failed load --nquads changed the store")
	}
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return lines
}
