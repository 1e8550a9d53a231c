package propose

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

type goldRelations struct {
	Relations []struct {
		Subject  string `yaml:"subject"`
		Object   string `yaml:"object"`
		Evidence []struct {
			Doc  string `yaml:"doc"`
			Para string `yaml:"para"`
		} `yaml:"evidence"`
	} `yaml:"relations"`
}

func readGold(t *testing.T, path string) goldRelations {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g goldRelations
	if err := yaml.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return g
}

// triples are the (subject, object, paragraph) of a relations file.
func goldTriples(t *testing.T, path string) map[[3]string]bool {
	t.Helper()
	g := readGold(t, path)
	out := map[[3]string]bool{}
	for _, r := range g.Relations {
		for _, e := range r.Evidence {
			out[[3]string{r.Subject, r.Object, e.Para}] = true
		}
	}
	return out
}

// goldByRelation is each curated relation's triples in its own document
// (evidence a relation draws from another document left out), for the
// figures counted per relation.
func goldByRelation(t *testing.T, path, doc string) []map[[3]string]bool {
	t.Helper()
	g := readGold(t, path)
	var out []map[[3]string]bool
	for _, r := range g.Relations {
		ts := map[[3]string]bool{}
		for _, e := range r.Evidence {
			if e.Doc == "" || e.Doc == doc {
				ts[[3]string{r.Subject, r.Object, e.Para}] = true
			}
		}
		if len(ts) > 0 {
			out = append(out, ts)
		}
	}
	return out
}

// copyData copies the data directory without one document's relations:
// the answer key propose must not see.
func copyData(t *testing.T, doc string) string {
	t.Helper()
	src := filepath.Join("..", "data")
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if rel == filepath.Join("graph", "relations", doc+".yaml") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
