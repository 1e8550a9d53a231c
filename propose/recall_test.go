package propose

import (
	"os"
	"path/filepath"
	"testing"
)

// With a document's curated relations removed, propose finds most of their
// (subject, object, paragraph) triples, and most of what it proposes is
// among them: the acceptance figures.
func TestRecoversCuratedRelations(t *testing.T) {
	for _, doc := range []string{"council-2023", "eeas-2022"} {
		t.Run(doc, func(t *testing.T) {
			gold := goldTriples(t, filepath.Join("..", "data", "graph", "relations", doc+".yaml"))
			dir := copyData(t, doc)
			v, d, err := Load(dir, doc)
			if err != nil {
				t.Fatal(err)
			}
			rels, err := Relations(v, d)
			if err != nil {
				t.Fatal(err)
			}
			got := map[[3]string]bool{}
			byConf := map[float64][2]int{}
			for _, r := range rels {
				for _, e := range r.Evidence {
					k := [3]string{r.Subject, r.Object, e.Para}
					if !got[k] {
						c := byConf[r.Confidence]
						c[0]++
						if gold[k] {
							c[1]++
						}
						byConf[r.Confidence] = c
					}
					got[k] = true
					if os.Getenv("PROPOSE_DEBUG") == "2" && !gold[k] || os.Getenv("PROPOSE_DEBUG") == "3" && gold[k] {
						t.Logf("wrong %.2f %s %s %s %s: %q", r.Confidence, r.Subject, r.Predicate, r.Object, e.Para, e.Quote)
					}
				}
			}
			if os.Getenv("PROPOSE_DEBUG") != "" {
				t.Logf("by confidence (proposed, right): %v", byConf)
			}
			hit := 0
			for k := range got {
				if gold[k] {
					hit++
				} else if os.Getenv("PROPOSE_DEBUG") != "" {
					t.Logf("extra %v", k)
				}
			}
			if os.Getenv("PROPOSE_DEBUG") != "" {
				for k := range gold {
					if !got[k] {
						t.Logf("missed %v", k)
					}
				}
			}
			recall := float64(hit) / float64(len(gold))
			precision := float64(hit) / float64(max(1, len(got)))
			t.Logf("%s: %d relations proposed, %d triples; %d of %d curated triples found: recall %.2f, precision %.2f", doc, len(rels), len(got), hit, len(gold), recall, precision)
			// what --min-confidence trades: the same figures above each floor
			for _, floor := range []float64{0.5, 0.6} {
				kept, right := map[[3]string]bool{}, 0
				for _, r := range rels {
					for _, e := range r.Evidence {
						k := [3]string{r.Subject, r.Object, e.Para}
						if r.Confidence >= floor && !kept[k] {
							kept[k] = true
							if gold[k] {
								right++
							}
						}
					}
				}
				t.Logf("%s at --min-confidence %.1f: recall %.2f, precision %.2f", doc, floor, float64(right)/float64(len(gold)), float64(right)/float64(max(1, len(kept))))
			}
			// the same counted per relation: a curated relation is found
			// when one of its triples is proposed, a proposal matches when
			// one of its triples is curated
			found := 0
			byRel := goldByRelation(t, filepath.Join("..", "data", "graph", "relations", doc+".yaml"), doc)
			for _, ts := range byRel {
				for k := range ts {
					if got[k] {
						found++
						break
					}
				}
			}
			matching := 0
			for _, r := range rels {
				for _, e := range r.Evidence {
					if gold[[3]string{r.Subject, r.Object, e.Para}] {
						matching++
						break
					}
				}
			}
			relRecall, relPrecision := float64(found)/float64(len(byRel)), float64(matching)/float64(max(1, len(rels)))
			t.Logf("%s per relation: %d of %d curated relations found: recall %.2f; %d of %d proposals match: precision %.2f", doc, found, len(byRel), relRecall, matching, len(rels), relPrecision)
			if relRecall < 0.60 || relPrecision < 0.70 {
				t.Errorf("per relation: recall %.2f, precision %.2f: under 0.60 or 0.70", relRecall, relPrecision)
			}
			if recall < 0.60 {
				t.Errorf("recall %.2f < 0.60", recall)
			}
			if precision < 0.70 {
				t.Errorf("precision %.2f < 0.70", precision)
			}
		})
	}
}
