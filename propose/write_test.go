package propose

import (
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/digidip/digidip/domain"
)

type writtenRelations struct {
	Doc       string `yaml:"doc"`
	Relations []struct {
		Subject    string  `yaml:"subject"`
		Predicate  string  `yaml:"predicate"`
		Object     string  `yaml:"object"`
		Status     string  `yaml:"status"`
		Confidence float64 `yaml:"confidence"`
		Evidence   []struct {
			Para       string `yaml:"para"`
			Quote      string `yaml:"quote"`
			Occurrence int    `yaml:"occurrence"`
			Verb       string `yaml:"verb"`
			Modality   string `yaml:"modality"`
		} `yaml:"evidence"`
	} `yaml:"relations"`
}

type writtenEntity struct {
	ID          string   `yaml:"id"`
	Name        string   `yaml:"name"`
	Kind        string   `yaml:"kind"`
	Aliases     []string `yaml:"aliases"`
	Description string   `yaml:"description"`
	Status      string   `yaml:"status"`
	Confidence  float64  `yaml:"confidence"`
}

var modalities = set("stated recalled requested obligation future possible conditional")

// Every written quote is verbatim in its paragraph, every verb whole words
// of its quote, every relation keeps its predicate's contract and is
// marked proposed; every candidate is marked proposed with a known kind.
// The files are read back as YAML, as the loader would.
func TestWrittenProposalsAreVerbatim(t *testing.T) {
	for _, doc := range []string{"council-2023", "eeas-2022"} {
		t.Run(doc, func(t *testing.T) {
			v, d, err := Load(filepath.Join("..", "data"), doc)
			if err != nil {
				t.Fatal(err)
			}
			dr, err := Propose(v, d, 0)
			if err != nil {
				t.Fatal(err)
			}
			texts := map[string]string{}
			for _, p := range d.Paragraphs {
				texts[p.ID] = p.Text
			}
			b, err := dr.RelationsYAML(texts)
			if err != nil {
				t.Fatal(err)
			}
			// a relation the other document's file states is marked, for
			// the loader refuses it twice
			if n := strings.Count(string(b), "# stated already in relations/"); n != len(dr.Stated) || doc == "eeas-2022" && n == 0 {
				t.Errorf("%d relations marked as stated already, %d are", n, len(dr.Stated))
			}
			var w writtenRelations
			if err := yaml.Unmarshal(b, &w); err != nil {
				t.Fatalf("relations file does not parse: %v", err)
			}
			if w.Doc != doc || len(w.Relations) < 40 {
				t.Fatalf("doc %q, %d relations", w.Doc, len(w.Relations))
			}
			quotes := 0
			for i, r := range w.Relations {
				s, o := v.byID[r.Subject], v.byID[r.Object]
				if s == nil || o == nil {
					t.Errorf("relation %d: unknown end %s or %s", i, r.Subject, r.Object)
					continue
				}
				if !v.fits(r.Predicate, s.Kind, o.Kind) {
					t.Errorf("relation %d: %s %s %s breaks the contract (%s, %s)", i, r.Subject, r.Predicate, r.Object, s.Kind, o.Kind)
				}
				if r.Status != "proposed" || r.Confidence <= 0 || r.Confidence > 1 {
					t.Errorf("relation %d: status %q confidence %v", i, r.Status, r.Confidence)
				}
				for _, e := range r.Evidence {
					quotes++
					text, ok := texts[e.Para]
					if !ok || !strings.Contains(text, e.Quote) {
						t.Errorf("%s:%s: quote %q is not verbatim", doc, e.Para, e.Quote)
					}
					if e.Occurrence > 1 && occurrence(text, e.Quote, nth(text, e.Quote, e.Occurrence)) != e.Occurrence {
						t.Errorf("%s:%s: occurrence %d of %q", doc, e.Para, e.Occurrence, e.Quote)
					}
					if e.Verb != "" && (!wholeWords(e.Quote, e.Verb) || !domain.ContainsWords(e.Quote, e.Verb)) {
						t.Errorf("%s:%s: verb %q is not whole words of %q", doc, e.Para, e.Verb, e.Quote)
					}
					if !modalities[e.Modality] {
						t.Errorf("%s:%s: modality %q", doc, e.Para, e.Modality)
					}
				}
			}
			var es []writtenEntity
			if err := yaml.Unmarshal(dr.EntitiesYAML(), &es); err != nil {
				t.Fatalf("entities file does not parse: %v", err)
			}
			kinds := set("ACTOR COUNTRY REGION PERSON FORUM PARTNERSHIP INSTRUMENT POLICY COMMITMENT TOPIC EVENT")
			for _, e := range es {
				if e.Status != "proposed" || !kinds[e.Kind] || e.Name == "" || len(e.Aliases) == 0 || e.Description == "" || v.byID[e.ID] != nil {
					t.Errorf("candidate %+v", e)
				}
			}
			t.Logf("%s: %d relations, %d quotes, %d candidates", doc, len(w.Relations), quotes, len(es))
		})
	}
}

// A quote that is not in its paragraph is never written.
func TestRelationsYAMLRefusesAQuoteNotVerbatim(t *testing.T) {
	dr := &Draft{Doc: "d", Relations: []*Relation{{Subject: "a", Predicate: "supports", Object: "b",
		Evidence: []Evidence{{Para: "1", Quote: "the EU  supports", Modality: "stated"}}}}}
	if _, err := dr.RelationsYAML(map[string]string{"1": "the EU supports Africa"}); err == nil {
		t.Fatal("a quote with a doubled space was written")
	}
	dr.Relations[0].Evidence[0] = Evidence{Para: "1", Quote: "the EU supports", Verb: "support", Modality: "stated"}
	if _, err := dr.RelationsYAML(map[string]string{"1": "the EU supports Africa"}); err == nil {
		t.Fatal("a verb that is part of a word was written")
	}
}

// nth is where the loader finds the nth occurrence of quote (-1: none).
func nth(text, quote string, n int) int {
	at := -1
	for i, from := 0, 0; i < n; i++ {
		j := strings.Index(text[from:], quote)
		if j < 0 {
			return -1
		}
		at = from + j
		from = at + 1
	}
	return at
}
