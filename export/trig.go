package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/cayleygraph/quad"
	"github.com/digidip/digidip/vocab"
)

// prefixes are the namespaces TriG and JSON-LD abbreviate, longest first so
// that an IRI takes its most specific prefix.
var prefixes = []struct{ name, ns string }{
	{"entity", vocab.Base + "entity/"},
	{"relation", vocab.Base + "relation/"},
	{"vocab", vocab.NSVocab},
	{"doc", vocab.Base + "doc/"},
	{"dd", vocab.Base},
	{"rdf", vocab.NSRDF},
	{"rdfs", vocab.NSRDFS},
	{"skos", vocab.NSSKOS},
	{"dcterms", vocab.NSDCTerms},
	{"oa", vocab.NSOA},
	{"xsd", vocab.NSXSD},
	{"schema", vocab.NSSchema},
}

// prefixed abbreviates an IRI as prefix:local when the local part is a plain
// name that needs no escaping in Turtle (letters, digits, '-', '_', inner
// dots); anything else (a '/', a '#char=' fragment) stays a full IRI.
func prefixed(iri string) (string, bool) {
	for _, p := range prefixes {
		if local, ok := strings.CutPrefix(iri, p.ns); ok && plainLocal(local) {
			return p.name + ":" + local, true
		}
	}
	return "", false
}

func plainLocal(s string) bool {
	if s == "" || s[len(s)-1] == '.' || s[0] == '.' || s[0] == '-' {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// trigWriter writes quads as TriG, the Turtle syntax with named graphs, for
// people who read RDF by eye: prefixed names, and consecutive quads of one
// subject in one graph grouped with ';' and ','. It holds one line of state,
// not the graph, so it streams; quads in the store's order (subject by
// subject) come out grouped. A relation's quads stay in the named graph of
// their evidence, so no provenance is lost, which plain Turtle could not keep.
type trigWriter struct {
	w          *bufio.Writer
	started    bool
	inGraph    bool
	graph      quad.Value
	subj, pred quad.Value
}

func newTrigWriter(w io.Writer) *trigWriter { return &trigWriter{w: bufio.NewWriter(w)} }

func (t *trigWriter) header() {
	t.started = true
	t.w.WriteString("# digidip: EU digital diplomacy as RDF. A relation's quads sit in the named\n")
	t.w.WriteString("# graph of their evidence (an oa:exact quote at oa:start..oa:end of a paragraph).\n")
	for _, p := range prefixes {
		t.w.WriteString("@prefix " + p.name + ": <" + p.ns + "> .\n")
	}
}

func (t *trigWriter) indent() string {
	if t.inGraph {
		return "    "
	}
	return ""
}

func (t *trigWriter) endSubject() {
	if t.subj != nil {
		t.w.WriteString(" .\n")
		t.subj, t.pred = nil, nil
	}
}

func (t *trigWriter) WriteQuad(q quad.Quad) error {
	if !q.IsValid() {
		return quad.ErrInvalid
	}
	if !t.started {
		t.header()
	}
	if !sameValue(q.Label, t.graph) {
		t.endSubject()
		if t.inGraph {
			t.w.WriteString("}\n")
			t.inGraph = false
		}
		t.graph = q.Label
		if q.Label != nil {
			t.w.WriteString("\n" + turtleTerm(q.Label) + " {\n")
			t.inGraph = true
		}
	}
	switch {
	case sameValue(q.Subject, t.subj) && sameValue(q.Predicate, t.pred):
		t.w.WriteString(", ")
	case sameValue(q.Subject, t.subj):
		t.w.WriteString(" ;\n" + t.indent() + "    " + turtlePredicate(q.Predicate) + " ")
	default:
		t.endSubject()
		if !t.inGraph {
			t.w.WriteString("\n")
		}
		t.w.WriteString(t.indent() + turtleTerm(q.Subject) + " " + turtlePredicate(q.Predicate) + " ")
	}
	t.subj, t.pred = q.Subject, q.Predicate
	_, err := t.w.WriteString(turtleTerm(q.Object))
	return err
}

func (t *trigWriter) WriteQuads(qs []quad.Quad) (int, error) {
	for i, q := range qs {
		if err := t.WriteQuad(q); err != nil {
			return i, err
		}
	}
	return len(qs), nil
}

func (t *trigWriter) Close() error {
	if !t.started {
		t.header()
	}
	t.endSubject()
	if t.inGraph {
		t.w.WriteString("}\n")
	}
	return t.w.Flush()
}

func sameValue(a, b quad.Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a == b
}

func turtlePredicate(v quad.Value) string {
	if v == vocab.RDFType {
		return "a"
	}
	return turtleTerm(v)
}

// turtleTerm writes a term in Turtle. Literals keep the exact lexical form
// and datatype the N-Quads export has (quad's own escaping), so the two
// formats hold the same statements; integers and booleans are written bare,
// which Turtle reads as the same xsd:integer and xsd:boolean literals.
func turtleTerm(v quad.Value) string {
	switch x := v.(type) {
	case quad.IRI:
		if p, ok := prefixed(string(x)); ok {
			return p
		}
		return x.String()
	case quad.TypedString:
		if n, ok := canonicalInt(x); ok {
			return strconv.FormatInt(n, 10)
		}
		if b, ok := canonicalBool(x); ok {
			return strconv.FormatBool(b)
		}
		return x.Value.String() + "^^" + turtleTerm(x.Type)
	case interface{ TypedString() quad.TypedString }:
		return turtleTerm(x.TypedString())
	}
	return v.String()
}
