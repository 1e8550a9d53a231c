package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cayleygraph/quad"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/vocab"
)

// term is a name the JSON-LD @context gives an IRI. id says its values are
// IRIs ("@type": "@id"), written as plain strings.
type term struct {
	name string
	iri  quad.IRI
	id   bool
}

// vocabTerms are the readable names of the vocabulary the store uses.
var vocabTerms = []term{
	{"label", vocab.RDFSLabel, false},
	{"alias", vocab.SKOSAltLabel, false},
	{"commonName", vocab.SKOSHidden, false},
	{"definition", vocab.SKOSDefinition, false},
	{"description", vocab.DCDescription, false},
	{"title", vocab.DCTitle, false},
	{"shortTitle", vocab.DCAlternative, false},
	{"reference", vocab.DCIdentifier, false},
	{"date", vocab.DCDate, false},
	{"author", vocab.DCCreator, false},
	{"url", vocab.DCSource, true},
	{"partOf", vocab.DCIsPartOf, true},
	{"source", vocab.OAHasSource, true},
	{"quote", vocab.OAExact, false},
	{"start", vocab.OAStart, false},
	{"end", vocab.OAEnd, false},
	{"subject", vocab.RDFSubject, true},
	{"predicate", vocab.RDFPredicate, true},
	{"object", vocab.RDFObject, true},
	{"sha256", vocab.PropSHA256, false},
	{"authorEntity", vocab.PropAuthorEntity, true},
	{"number", vocab.PropNumber, false},
	{"section", vocab.PropSection, false},
	{"order", vocab.PropOrder, false},
	{"text", vocab.PropText, false},
	{"parent", vocab.PropParent, true},
	{"note", vocab.PropNote, true},
	{"mentions", vocab.PropMentions, true},
	{"verb", vocab.PropVerb, false},
	{"modality", vocab.PropModality, false},
	{"domainIncludes", vocab.SchemaDomainIncludes, true},
	{"rangeIncludes", vocab.SchemaRangeIncludes, true},
	{"implied", vocab.PropImplied, false},
	{"inverseLabel", vocab.PropInverse, false},
	{"example", vocab.PropExample, true},
	{"fact", vocab.PropFact, true},
	{"key", vocab.PropKey, false},
	{"factRole", vocab.PropFactRole, false},
	{"qualifier", vocab.PropQualifier, false},
	{"factText", vocab.PropFactText, false},
	{"factDate", vocab.PropFactDate, false},
	{"precision", vocab.PropPrecision, false},
	{"quantity", vocab.PropQuantity, false},
	{"unit", vocab.PropUnit, false},
	{"evidence", vocab.PropEvidence, true},
	{"dataHash", vocab.PropDataHash, false},
	{"dataSource", vocab.PropDataSource, false},
	{"dataVersion", vocab.PropDataVersion, false},
}

// jsonldContext is the @context of an export: the prefixes, the classes (the
// kinds, Document, Evidence, ...), the vocabulary, and one term per relation
// predicate ("calls-on", "funds"), so a node reads
// {"@id": "entity:eib", "@type": "Instrument", "label": "...", "funds": "entity:..."}.
type jsonldContext struct {
	entries [][2]any // name, definition, in the order they are written
	byIRI   map[quad.IRI]*term
	classes map[quad.IRI]string
}

func newJSONLDContext(g *engine.Graph) *jsonldContext {
	c := &jsonldContext{byIRI: map[quad.IRI]*term{}, classes: map[quad.IRI]string{}}
	names := map[string]bool{}
	for _, p := range prefixes {
		c.entries = append(c.entries, [2]any{p.name, p.ns})
		names[p.name] = true
	}
	class := func(name string, iri quad.IRI) {
		c.entries = append(c.entries, [2]any{name, c.compact(string(iri))})
		c.classes[iri] = name
		names[name] = true
	}
	for _, k := range domain.Kinds {
		iri := vocab.KindIRI(k)
		class(strings.TrimPrefix(string(iri), vocab.NSVocab), iri)
	}
	class("Document", vocab.ClassDocument)
	class("Paragraph", vocab.ClassParagraph)
	class("Evidence", vocab.ClassEvidence)
	class("Fact", vocab.ClassFact)
	class("Statement", vocab.RDFStatement)
	class("Property", vocab.RDFProperty)
	add := func(t term) {
		if names[t.name] || c.byIRI[t.iri] != nil {
			return // taken: the IRI is written as vocab:name instead
		}
		names[t.name] = true
		tt := t
		c.byIRI[t.iri] = &tt
		if t.id {
			c.entries = append(c.entries, [2]any{t.name, map[string]string{"@id": c.compact(string(t.iri)), "@type": "@id"}})
		} else {
			c.entries = append(c.entries, [2]any{t.name, c.compact(string(t.iri))})
		}
	}
	for _, t := range vocabTerms {
		add(t)
	}
	if g != nil {
		for _, p := range g.Predicates() {
			add(term{name: p.ID, iri: vocab.PredicateIRI(p.ID), id: true})
		}
	}
	return c
}

// compact writes an IRI as prefix:rest when a prefix covers it. JSON-LD
// expands any such compact IRI back, '/' and '#' included.
func (c *jsonldContext) compact(iri string) string {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(iri, p.ns); ok && rest != "" && !strings.HasPrefix(rest, "//") {
			return p.name + ":" + rest
		}
	}
	return iri
}

func (c *jsonldContext) key(p quad.Value) (string, *term) {
	iri, _ := p.(quad.IRI)
	if t := c.byIRI[iri]; t != nil {
		return t.name, t
	}
	return c.compact(string(iri)), nil
}

type idObject struct {
	ID string `json:"@id"`
}

type valueObject struct {
	Value any    `json:"@value"`
	Type  string `json:"@type,omitempty"`
	Lang  string `json:"@language,omitempty"`
}

// value is a quad's object as JSON-LD. Literals keep the lexical form and
// datatype of the N-Quads export; integers, booleans and strings are written
// as JSON numbers, booleans and strings, which JSON-LD reads back as the
// same xsd:integer, xsd:boolean and plain literals.
func (c *jsonldContext) value(t *term, v quad.Value) any {
	switch x := v.(type) {
	case quad.IRI:
		if t != nil && t.id {
			return c.compact(string(x))
		}
		return idObject{c.compact(string(x))}
	case quad.BNode:
		return idObject{x.String()}
	case quad.String:
		if t != nil && t.id {
			return valueObject{Value: string(x)}
		}
		return string(x)
	case quad.LangString:
		return valueObject{Value: string(x.Value), Lang: x.Lang}
	case quad.TypedString:
		if n, ok := canonicalInt(x); ok {
			return n
		}
		if b, ok := canonicalBool(x); ok {
			return b
		}
		return valueObject{Value: string(x.Value), Type: c.compact(string(x.Type))}
	}
	if ts, ok := v.(interface{ TypedString() quad.TypedString }); ok {
		return c.value(t, ts.TypedString())
	}
	return valueObject{Value: quad.StringOf(v)}
}

// jsonldWriter streams quads as one JSON-LD document:
//
//	{"@context": {...}, "@graph": [ node, node, ... ]}
//
// Consecutive quads of one subject in one graph become one node object; a
// relation's quad, whose graph is its evidence, becomes
// {"@id": <evidence>, "@graph": [{"@id": <subject>, "<predicate>": <object>}]}.
// Only the node being gathered is in memory. (quad's own jsonld writer would
// gather the whole dataset and compact it at Close.)
type jsonldWriter struct {
	w     *bufio.Writer
	ctx   *jsonldContext
	first bool
	began bool

	label, subj quad.Value
	types       []string
	props       []jsonldProp
}

type jsonldProp struct {
	key  string
	vals []any
}

func newJSONLDWriter(w io.Writer, g *engine.Graph) *jsonldWriter {
	return &jsonldWriter{w: bufio.NewWriter(w), ctx: newJSONLDContext(g), first: true}
}

func (j *jsonldWriter) begin() error {
	j.began = true
	j.w.WriteString("{\n  \"@context\": {")
	for i, e := range j.ctx.entries {
		if i > 0 {
			j.w.WriteString(",")
		}
		name, _ := json.Marshal(e[0])
		def, err := json.Marshal(e[1])
		if err != nil {
			return err
		}
		j.w.WriteString("\n    ")
		j.w.Write(name)
		j.w.WriteString(": ")
		j.w.Write(def)
	}
	_, err := j.w.WriteString("\n  },\n  \"@graph\": [")
	return err
}

func (j *jsonldWriter) WriteQuad(q quad.Quad) error {
	if !q.IsValid() {
		return quad.ErrInvalid
	}
	if !j.began {
		if err := j.begin(); err != nil {
			return err
		}
	}
	if !sameValue(q.Label, j.label) || !sameValue(q.Subject, j.subj) {
		if err := j.flush(); err != nil {
			return err
		}
		j.label, j.subj = q.Label, q.Subject
	}
	if q.Predicate == vocab.RDFType {
		if iri, ok := q.Object.(quad.IRI); ok {
			name, ok := j.ctx.classes[iri]
			if !ok {
				name = j.ctx.compact(string(iri))
			}
			j.types = append(j.types, name)
			return nil
		}
	}
	key, t := j.ctx.key(q.Predicate)
	v := j.ctx.value(t, q.Object)
	for i := range j.props {
		if j.props[i].key == key {
			j.props[i].vals = append(j.props[i].vals, v)
			return nil
		}
	}
	j.props = append(j.props, jsonldProp{key: key, vals: []any{v}})
	return nil
}

// flush writes the node gathered so far.
func (j *jsonldWriter) flush() error {
	if j.subj == nil {
		return nil
	}
	var b jsonBuilder
	b.raw(`{"@id":`)
	b.value(j.ctx.compactValue(j.subj))
	if len(j.types) == 1 {
		b.raw(`,"@type":`)
		b.value(j.types[0])
	} else if len(j.types) > 1 {
		b.raw(`,"@type":`)
		b.value(j.types)
	}
	for _, p := range j.props {
		b.raw(",")
		b.value(p.key)
		b.raw(":")
		if len(p.vals) == 1 {
			b.value(p.vals[0])
		} else {
			b.value(p.vals)
		}
	}
	b.raw("}")
	if b.err != nil {
		return fmt.Errorf("JSON-LD node %s: %w", j.subj, b.err)
	}
	node := b.String()
	if j.label != nil {
		var g jsonBuilder
		g.raw(`{"@id":`)
		g.value(j.ctx.compactValue(j.label))
		g.raw(`,"@graph":[` + node + `]}`)
		if g.err != nil {
			return fmt.Errorf("JSON-LD graph %s: %w", j.label, g.err)
		}
		node = g.String()
	}
	if !j.first {
		j.w.WriteString(",")
	}
	j.first = false
	j.w.WriteString("\n    ")
	_, err := j.w.WriteString(node)
	j.subj, j.label, j.types, j.props = nil, nil, j.types[:0], j.props[:0]
	return err
}

func (c *jsonldContext) compactValue(v quad.Value) string {
	switch x := v.(type) {
	case quad.IRI:
		return c.compact(string(x))
	case quad.BNode:
		return x.String()
	}
	return quad.StringOf(v)
}

// jsonBuilder writes JSON pieces, keeping the first marshalling error.
type jsonBuilder struct {
	strings.Builder
	err error
}

func (b *jsonBuilder) raw(s string) { b.WriteString(s) }

func (b *jsonBuilder) value(v any) {
	out, err := json.Marshal(v)
	if err != nil && b.err == nil {
		b.err = err
	}
	b.Write(out)
}

func (j *jsonldWriter) WriteQuads(qs []quad.Quad) (int, error) {
	for i, q := range qs {
		if err := j.WriteQuad(q); err != nil {
			return i, err
		}
	}
	return len(qs), nil
}

func (j *jsonldWriter) Close() error {
	if !j.began {
		if err := j.begin(); err != nil {
			return err
		}
	}
	if err := j.flush(); err != nil {
		return err
	}
	j.w.WriteString("\n  ]\n}\n")
	return j.w.Flush()
}
