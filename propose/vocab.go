// Package propose drafts, by rules over a new document's text and the
// data's own vocabulary, the relations and new entities a curator reviews
// before they enter the graph.
package propose

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/digidip/digidip/domain"
)

// Entity is what propose needs of a known entity.
type Entity struct {
	ID          string   `yaml:"id"`
	Name        string   `yaml:"name"`
	Kind        string   `yaml:"kind"`
	Aliases     []string `yaml:"aliases"`
	Description string   `yaml:"description"`
}

// Predicate is a predicate's contract.
type Predicate struct {
	ID      string   `yaml:"id"`
	Subject []string `yaml:"subject"`
	Object  []string `yaml:"object"`
}

// Paragraph is one addressable paragraph of the document.
type Paragraph struct {
	ID   string `yaml:"id"`
	Text string `yaml:"text"`
}

// Document is the source metadata propose reads.
type Document struct {
	ID         string      `yaml:"id"`
	Author     string      `yaml:"author-entity"`
	Paragraphs []Paragraph `yaml:"paragraphs"`
}

type relFile struct {
	Doc       string `yaml:"doc"`
	Relations []struct {
		Subject   string `yaml:"subject"`
		Predicate string `yaml:"predicate"`
		Object    string `yaml:"object"`
	} `yaml:"relations"`
}

// Vocabulary is the data propose works from: the known entities and
// predicates, and how often the other documents' curated relations join
// each pair of kinds with each predicate (the curators' conventions).
type Vocabulary struct {
	Entities   []Entity
	byID       map[string]*Entity
	Predicates map[string]Predicate
	// prior[subjectKind+" "+objectKind][predicate] counts the curated
	// relations of the other documents.
	prior map[string]map[string]int
	// stated is, for each relation the other documents' files state, the
	// file it is in: a relation stated again goes there as evidence.
	stated map[[3]string]string
}

// Load reads the entities, predicates and document doc under dir, and the
// relations of every other document as priors. It never reads doc's own
// relations (they are what propose drafts) nor any proposed file, and it
// validates nothing beyond what it needs, so that a graph that does not
// check yet still gets proposals.
func Load(dir, doc string) (*Vocabulary, *Document, error) {
	v := &Vocabulary{byID: map[string]*Entity{}, Predicates: map[string]Predicate{}, prior: map[string]map[string]int{}, stated: map[[3]string]string{}}
	ents, err := filepath.Glob(filepath.Join(dir, "graph", "entities", "*.yaml"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(ents)
	for _, f := range ents {
		if strings.HasSuffix(f, ".proposed.yaml") {
			continue
		}
		var es []Entity
		if err := readYAML(f, &es); err != nil {
			return nil, nil, err
		}
		for _, e := range es {
			if e.ID == "" || e.Kind == "" {
				continue
			}
			v.Entities = append(v.Entities, e)
		}
	}
	for i := range v.Entities {
		v.byID[v.Entities[i].ID] = &v.Entities[i]
	}
	var preds []Predicate
	if err := readYAML(filepath.Join(dir, "graph", "predicates.yaml"), &preds); err != nil {
		return nil, nil, err
	}
	for _, p := range preds {
		v.Predicates[p.ID] = p
	}
	rels, err := filepath.Glob(filepath.Join(dir, "graph", "relations", "*.yaml"))
	if err != nil {
		return nil, nil, err
	}
	for _, f := range rels {
		base := filepath.Base(f)
		if strings.HasSuffix(base, ".proposed.yaml") || base == doc+".yaml" {
			continue
		}
		var rf relFile
		if err := readYAML(f, &rf); err != nil {
			return nil, nil, err
		}
		for _, r := range rf.Relations {
			if _, ok := v.stated[[3]string{r.Subject, r.Predicate, r.Object}]; !ok {
				v.stated[[3]string{r.Subject, r.Predicate, r.Object}] = filepath.Join("relations", base)
			}
			s, o := v.byID[r.Subject], v.byID[r.Object]
			if s == nil || o == nil {
				continue
			}
			k := s.Kind + " " + o.Kind
			if v.prior[k] == nil {
				v.prior[k] = map[string]int{}
			}
			v.prior[k][r.Predicate]++
		}
	}
	d := &Document{}
	src := filepath.Join(dir, "sources", doc+".yaml")
	if err := readYAML(src, d); errors.Is(err, fs.ErrNotExist) {
		have, _ := filepath.Glob(filepath.Join(dir, "sources", "*.yaml"))
		for i, h := range have {
			have[i] = strings.TrimSuffix(filepath.Base(h), ".yaml")
		}
		return nil, nil, fmt.Errorf("no document %q: %s does not exist (documents: %s; add one with digidip add-document)", doc, src, strings.Join(have, ", "))
	} else if err != nil {
		return nil, nil, err
	}
	if d.ID != doc {
		return nil, nil, fmt.Errorf("%s: id is %q, want %q", src, d.ID, doc)
	}
	if len(d.Paragraphs) == 0 {
		return nil, nil, fmt.Errorf("%s: no paragraphs", src)
	}
	return v, d, nil
}

func readYAML(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// domainEntities is the entities as the mention matcher takes them.
func (v *Vocabulary) domainEntities() []*domain.Entity {
	out := make([]*domain.Entity, len(v.Entities))
	for i, e := range v.Entities {
		out[i] = &domain.Entity{ID: e.ID, Name: e.Name, Kind: domain.Kind(e.Kind), Aliases: e.Aliases}
	}
	return out
}

// fits says whether the predicate's contract takes these kinds.
func (v *Vocabulary) fits(pred, subjKind, objKind string) bool {
	p, ok := v.Predicates[pred]
	if !ok {
		return false
	}
	return contains(p.Subject, subjKind) && contains(p.Object, objKind)
}

// likeliest is the predicate the other documents' curators most often used
// between these kinds, among those the contract allows ("" when none).
func (v *Vocabulary) likeliest(subjKind, objKind string) (string, float64) {
	best, n, total := "", 0, 0
	for p, c := range v.prior[subjKind+" "+objKind] {
		if !v.fits(p, subjKind, objKind) {
			continue
		}
		total += c
		if c > n || (c == n && p < best) {
			best, n = p, c
		}
	}
	if total == 0 {
		return "", 0
	}
	return best, float64(n) / float64(total)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// priorCount is how many curated relations of the other documents join
// these kinds, in this direction, under a predicate whose contract fits.
func (v *Vocabulary) priorCount(subjKind, objKind string) int {
	n := 0
	for p, c := range v.prior[subjKind+" "+objKind] {
		if v.fits(p, subjKind, objKind) {
			n += c
		}
	}
	return n
}
