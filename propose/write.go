package propose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/digidip/digidip/domain"
)

// Draft is what propose makes of one document.
type Draft struct {
	Doc        string
	Relations  []*Relation
	Candidates []Candidate
	// Stated maps a proposed relation another document's file already
	// states to that file.
	Stated map[[3]string]string
}

// Propose drafts a document's relations and candidate entities, keeping
// those at or above minConfidence.
func Propose(v *Vocabulary, doc *Document, minConfidence float64) (*Draft, error) {
	rels, err := Relations(v, doc)
	if err != nil {
		return nil, err
	}
	sortRelations(rels, doc)
	dr := &Draft{Doc: doc.ID, Stated: map[[3]string]string{}}
	for _, r := range rels {
		if r.Confidence >= minConfidence {
			dr.Relations = append(dr.Relations, r)
			if f, ok := v.stated[[3]string{r.Subject, r.Predicate, r.Object}]; ok {
				dr.Stated[[3]string{r.Subject, r.Predicate, r.Object}] = f
			}
		}
	}
	for _, c := range Candidates(v, doc) {
		if c.Confidence >= minConfidence {
			dr.Candidates = append(dr.Candidates, c)
		}
	}
	return dr, nil
}

// q is a YAML double-quoted scalar (a JSON string is one).
func q(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// RelationsYAML is the relations file of the draft: the format of
// data/graph/relations/*.yaml, each relation marked status: proposed with
// its confidence. texts maps a paragraph id to its text: every quote is
// checked verbatim against it here, so that none is ever written wrong.
func (dr *Draft) RelationsYAML(texts map[string]string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Relations proposed for %s by digidip propose: review each, then digidip accept.\n", dr.Doc)
	fmt.Fprintf(&b, "doc: %s\nrelations:\n", dr.Doc)
	if len(dr.Relations) == 0 {
		b.Reset()
		fmt.Fprintf(&b, "doc: %s\nrelations: []\n", dr.Doc)
	}
	for _, r := range dr.Relations {
		if f, ok := dr.Stated[[3]string{r.Subject, r.Predicate, r.Object}]; ok {
			// the loader refuses a relation stated in two files
			fmt.Fprintf(&b, "  # stated already in %s: on acceptance its evidence goes there\n", f)
		}
		fmt.Fprintf(&b, "  - subject: %s\n    predicate: %s\n    object: %s\n    implied: %t\n    status: proposed\n    confidence: %.2f\n    evidence:\n",
			r.Subject, r.Predicate, r.Object, r.Implied, r.Confidence)
		for _, e := range r.Evidence {
			text, ok := texts[e.Para]
			if !ok || !strings.Contains(text, e.Quote) {
				return nil, fmt.Errorf("%s:%s: quote %q is not verbatim in the paragraph", dr.Doc, e.Para, e.Quote)
			}
			if e.Verb != "" && !domain.ContainsWords(e.Quote, e.Verb) {
				return nil, fmt.Errorf("%s:%s: verb %q is not whole words of %q", dr.Doc, e.Para, e.Verb, e.Quote)
			}
			fmt.Fprintf(&b, "      - {para: %s, quote: %s", q(e.Para), q(e.Quote))
			if e.Occurrence > 1 {
				fmt.Fprintf(&b, ", occurrence: %d", e.Occurrence)
			}
			if e.Verb != "" {
				fmt.Fprintf(&b, ", verb: %s", q(e.Verb))
			}
			fmt.Fprintf(&b, ", modality: %s}\n", e.Modality)
		}
	}
	return b.Bytes(), nil
}

// EntitiesYAML is the candidate entities in the format of
// data/graph/entities/*.yaml, marked status: proposed, each under a
// comment with where the text first names it.
func (dr *Draft) EntitiesYAML() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Entities %s names that no entity of the graph carries, proposed by digidip propose.\n", dr.Doc)
	fmt.Fprintf(&b, "# Kinds are guessed from the name's head word: check each, merge a second wording into an alias.\n")
	if len(dr.Candidates) == 0 {
		b.WriteString("[]\n")
	}
	for _, c := range dr.Candidates {
		fmt.Fprintf(&b, "\n# first: %s:%s %s\n", dr.Doc, c.Para, q(c.Quote))
		fmt.Fprintf(&b, "- id: %s\n  name: %s\n  kind: %s\n", c.ID, q(c.Name), c.Kind)
		var as []string
		for _, a := range c.Aliases {
			as = append(as, q(a))
		}
		// the loader requires a description: a true one the curator
		// rewrites in review, never a guess at what the thing is
		desc := fmt.Sprintf("%s named in %s:%s.", kindPhrase[c.Kind], dr.Doc, c.Para)
		fmt.Fprintf(&b, "  aliases: [%s]\n  description: %s\n  status: proposed\n  confidence: %.2f\n", strings.Join(as, ", "), q(desc), c.Confidence)
	}
	return b.Bytes()
}

var kindPhrase = map[string]string{
	"ACTOR": "An actor", "COUNTRY": "A country", "REGION": "A region or group", "PERSON": "A person",
	"FORUM": "A forum", "PARTNERSHIP": "A partnership", "INSTRUMENT": "An instrument", "POLICY": "A text or policy",
	"COMMITMENT": "A commitment", "TOPIC": "A topic", "EVENT": "An event",
}
