package propose

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

type construction struct {
	Text string      `yaml:"text"`
	Want [][3]string `yaml:"want"`
	Not  [][3]string `yaml:"not"`
}

// Each construction of testdata/constructions.yaml, alone in a paragraph,
// gives the relations it states and not those it does not.
func TestConstructions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "constructions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []construction
	if err := yaml.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	v, _, err := Load(filepath.Join("..", "data"), "council-2023")
	if err != nil {
		t.Fatal(err)
	}
	doc := &Document{ID: "constructions"}
	for i, c := range cases {
		doc.Paragraphs = append(doc.Paragraphs, Paragraph{ID: fmt.Sprint(i + 1), Text: c.Text})
	}
	rels, err := Relations(v, doc)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range rels {
		for _, e := range r.Evidence {
			got[fmt.Sprintf("%s|%s %s %s", e.Para, r.Subject, r.Predicate, r.Object)] = true
		}
	}
	for i, c := range cases {
		para := fmt.Sprint(i + 1)
		for _, w := range c.Want {
			if !got[fmt.Sprintf("%s|%s %s %s", para, w[0], w[1], w[2])] {
				t.Errorf("%q: no %s %s %s", c.Text, w[0], w[1], w[2])
			}
		}
		for _, w := range c.Not {
			if got[fmt.Sprintf("%s|%s %s %s", para, w[0], w[1], w[2])] {
				t.Errorf("%q: gave %s %s %s", c.Text, w[0], w[1], w[2])
			}
		}
	}
}
