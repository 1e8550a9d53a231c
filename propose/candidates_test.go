package propose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/digidip/digidip/mention"
)

// With the entities only council-2023 names removed from the graph (named
// in no other document's text and used by no other document's relations),
// the candidates hold most of them again. Commitments are left out: they
// are the curators' names of the actions, not the text's words. A
// candidate matches an entity when, ignoring case, it equals its name or
// an alias, or holds one as whole words with at most two words more
// ("Southern Neighbourhood region" for "Southern Neighbourhood").
func TestCandidatesFindRemovedEntities(t *testing.T) {
	const doc = "council-2023"
	dir := copyData(t, doc)
	v, _, err := Load(dir, doc)
	if err != nil {
		t.Fatal(err)
	}
	var other []string
	used := map[string]bool{}
	for _, src := range []string{"eeas-2022"} {
		_, od, err := Load(dir, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range od.Paragraphs {
			other = append(other, p.Text)
		}
		for k := range goldTriples(t, filepath.Join(dir, "graph", "relations", src+".yaml")) {
			used[k[0]], used[k[1]] = true, true
		}
	}
	m := mention.New(v.domainEntities())
	named := map[string]bool{}
	for _, t := range other {
		for _, sp := range m.Spans(t) {
			named[sp.Entity] = true
		}
	}
	removed := map[string]bool{}
	var gone []Entity
	for _, e := range v.Entities {
		if e.Kind != "COMMITMENT" && !named[e.ID] && !used[e.ID] {
			removed[e.ID] = true
			gone = append(gone, e)
		}
	}
	dropEntities(t, filepath.Join(dir, "graph", "entities"), removed)
	v2, d2, err := Load(dir, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(v2.Entities) != len(v.Entities)-len(removed) {
		t.Fatalf("%d entities left of %d, %d removed", len(v2.Entities), len(v.Entities), len(removed))
	}
	cands := Candidates(v2, d2)
	found := 0
	for _, e := range gone {
		if candidateFor(e, cands) {
			found++
		} else if os.Getenv("PROPOSE_DEBUG") != "" {
			t.Logf("not found: %s %q %q", e.ID, e.Name, e.Aliases)
		}
	}
	share := float64(found) / float64(len(gone))
	t.Logf("%s: %d entities only it names, %d found among %d candidates: %.2f", doc, len(gone), found, len(cands), share)
	if share < 0.80 {
		t.Errorf("candidates hold %.2f of the removed entities, want at least 0.80", share)
	}
}

func candidateFor(e Entity, cands []Candidate) bool {
	labels := append([]string{e.Name}, e.Aliases...)
	for _, c := range cands {
		for _, cn := range append([]string{c.Name}, c.Aliases...) {
			for _, l := range labels {
				a, b := strings.ToLower(cn), strings.ToLower(l)
				if a == b {
					return true
				}
				if strings.Contains(a, b) && wholeWords(a, b) && wordsBetween(a)-wordsBetween(b) <= 2 {
					return true
				}
			}
		}
	}
	return false
}

// dropEntities rewrites the entity files without the removed entities.
func dropEntities(t *testing.T, dir string, removed map[string]bool) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var keep []any
		var items []yaml.Node
		var root yaml.Node
		if err := yaml.Unmarshal(b, &root); err != nil {
			t.Fatal(err)
		}
		if len(root.Content) == 0 {
			continue
		}
		for _, n := range root.Content[0].Content {
			id := ""
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "id" {
					id = n.Content[i+1].Value
				}
			}
			if !removed[id] {
				items = append(items, *n)
			}
		}
		for i := range items {
			keep = append(keep, &items[i])
		}
		out, err := yaml.Marshal(keep)
		if err != nil {
			t.Fatal(err)
		}
		if len(keep) == 0 {
			out = []byte("[]\n")
		}
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Dates, register codes, pointing phrases and broken quote marks are not
// names; names with digits, capitals or a plural possessive are.
func TestNotNames(t *testing.T) {
	for _, c := range []struct {
		name string
		not  bool
	}{
		{"June 2023", true},
		{"13 June 2023", true},
		{"REV 1", true},
		{"10603/1/23", true},
		{"CYBER 160 COPS 313 POLMIL 148", true},
		{"This Revision", true},
		{"These Partnerships", true},
		{"A' ITEM NOTE", true},
		{"Horizon 2020", false},
		{"G7", false},
		{"5G", false},
		{"EU-US TTC", false},
		{"EU Cyber Ambassadors' Network", false},
		{"June Initiative", false},
	} {
		if got := dateOrCode(c.name) || reference(c.name); got != c.not {
			t.Errorf("%q: not a name %v, want %v", c.name, got, c.not)
		}
	}
}
