package export_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/export"
)

// The Python blocks of README's Exports section run as printed. Each block's
// first line is the `digidip export` command that writes the file it reads;
// the test writes that file, under the name -o gives, from a real store with
// the same selection, and runs the block verbatim with /usr/bin/python3 in
// the file's directory. A block must print a line ending in an evidence quote
// of the data; a NetworkX block must also print the file's counts ("N
// entities and M relations") and every degree it names ("degree of ID: D")
// as GraphQL's Entity.degree gives it.
func TestREADMEExportSnippets(t *testing.T) {
	requireConsumers(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	snippets := exportSnippets(t, string(readme))
	st := datatest.Store(t)
	g := st.Graph()
	quotes := map[string]bool{}
	for r := range sel(t, g, export.Selection{}).Edges() {
		for _, ev := range r.Evidence {
			quotes[ev.Quote] = true
		}
	}
	for i, code := range snippets {
		first, _, _ := strings.Cut(code, "\n")
		t.Run(strconv.Itoa(i+1)+"/"+strings.TrimPrefix(first, "# "), func(t *testing.T) {
			f, s, name := snippetCommand(t, first)
			set := sel(t, g, s)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, name), write(t, f, set, allQuads(st)), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(python, "-")
			cmd.Dir, cmd.Stdin = dir, strings.NewReader(code)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("README.md's block %d fails: %v\n%s", i+1, err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			quoted := 0
			for _, l := range lines {
				for q := range quotes {
					if len(q) >= 10 && strings.HasSuffix(l, q) {
						quoted++
						break
					}
				}
			}
			if quoted == 0 {
				t.Errorf("README.md's block %d prints no evidence quote of the data:\n%s", i+1, out)
			}
			if !strings.Contains(code, "import networkx") {
				return
			}
			exp := expect(set)
			counts := regexp.MustCompile(`(?m)^(\d+) entities and (\d+) relations$`).FindStringSubmatch(string(out))
			if counts == nil || counts[1] != strconv.Itoa(len(exp.nodes)) || counts[2] != strconv.Itoa(len(exp.edges)) {
				t.Errorf("README.md's block %d prints counts %q; the file has %d entities and %d relations", i+1, counts, len(exp.nodes), len(exp.edges))
			}
			degrees := regexp.MustCompile(`(?m)^degree of ([a-z0-9-]+): (\d+)$`).FindAllStringSubmatch(string(out), -1)
			if len(degrees) == 0 {
				t.Errorf("README.md's block %d prints no degree", i+1)
			}
			for _, d := range degrees {
				want, err := g.Degree(context.Background(), d[1])
				if err != nil || d[2] != strconv.Itoa(want) {
					t.Errorf("README.md's block %d prints degree %s for %s; GraphQL's is %d (%v)", i+1, d[2], d[1], want, err)
				}
			}
		})
	}
}

// exportSnippets returns the ```python blocks of README's Exports section,
// verbatim; a section without both an rdflib and a NetworkX block fails.
func exportSnippets(t *testing.T, readme string) []string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Exports\n")
	if !ok {
		t.Fatal("README.md has no Exports section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []string
	var rdflib, networkx bool
	for _, m := range regexp.MustCompile("(?s)\n```python\n(.*?)```\n").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
		rdflib = rdflib || strings.Contains(m[1], "import rdflib")
		networkx = networkx || strings.Contains(m[1], "import networkx")
	}
	if !rdflib || !networkx {
		t.Fatalf("README.md's Exports section has %d python blocks, want an rdflib one and a NetworkX one", len(blocks))
	}
	return blocks
}

// snippetCommand reads a block's first line, `# digidip export --format F
// [--root R]... [--depth D] -o FILE`, as the CLI would: the format, the
// selection and the file name.
func snippetCommand(t *testing.T, line string) (export.Format, export.Selection, string) {
	t.Helper()
	args, ok := strings.CutPrefix(line, "# digidip export ")
	if !ok {
		t.Fatalf("the block's first line %q is not the `# digidip export ... -o FILE` command that writes its file", line)
	}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	format := fs.String("format", "", "")
	var roots []string
	fs.Func("root", "", func(v string) error { roots = append(roots, strings.Split(v, ",")...); return nil })
	depth := fs.Int("depth", export.DefaultDepth, "")
	out := fs.String("o", "", "")
	if err := fs.Parse(strings.Fields(args)); err != nil || fs.NArg() > 0 || *out == "" || strings.ContainsRune(*out, '/') {
		t.Fatalf("%q: %v (this test knows --format, --root, --depth and -o FILE; extend it for more)", line, err)
	}
	f, err := export.ParseFormat(*format)
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	s := export.Selection{Roots: roots}
	if len(roots) > 0 {
		s.Depth = *depth
	}
	return f, s, *out
}
