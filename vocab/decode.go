package vocab

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/digidip/digidip/domain"

	"github.com/cayleygraph/quad"
)

// node is what an IRI names, parsed back from the vocabulary.
type node struct {
	typ nodeType
	id  string // entity, document, paragraph, relation or predicate id
	n   int    // fact number
	// evidence span
	start, end int
}

type nodeType int

const (
	nodeOther nodeType = iota
	nodeEntity
	nodeFact
	nodeDocument
	nodeParagraph
	nodeEvidence
	nodeRelation
	nodePredicate
)

func parseIRI(v quad.Value) node {
	iri, ok := v.(quad.IRI)
	if !ok {
		return node{}
	}
	s := string(iri)
	if !strings.HasPrefix(s, Base) {
		return node{}
	}
	rest := s[len(Base):]
	switch {
	case strings.HasPrefix(rest, "entity/"):
		rest = rest[len("entity/"):]
		if id, n, ok := strings.Cut(rest, "/fact/"); ok {
			k, err := strconv.Atoi(n)
			if err != nil {
				return node{}
			}
			return node{typ: nodeFact, id: id, n: k}
		}
		return node{typ: nodeEntity, id: rest}
	case strings.HasPrefix(rest, "doc/"):
		rest = rest[len("doc/"):]
		doc, num, ok := strings.Cut(rest, "/")
		if !ok {
			return node{typ: nodeDocument, id: doc}
		}
		num, frag, hasFrag := strings.Cut(num, "#char=")
		num, err := url.PathUnescape(num)
		if err != nil {
			return node{}
		}
		id := domain.ParagraphID(doc, num)
		if !hasFrag {
			return node{typ: nodeParagraph, id: id}
		}
		a, b, _ := strings.Cut(frag, ",")
		start, err1 := strconv.Atoi(a)
		end, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil {
			return node{}
		}
		return node{typ: nodeEvidence, id: id, start: start, end: end}
	case strings.HasPrefix(rest, "relation/"):
		return node{typ: nodeRelation, id: rest[len("relation/"):]}
	case strings.HasPrefix(rest, "vocab/"):
		return node{typ: nodePredicate, id: rest[len("vocab/"):]}
	}
	return node{}
}

func stringOf(v quad.Value) string {
	switch x := v.(type) {
	case quad.String:
		return string(x)
	case quad.TypedString:
		return string(x.Value)
	case quad.LangString:
		return string(x.Value)
	case quad.IRI:
		return string(x)
	case nil:
		return ""
	}
	return quad.StringOf(v)
}

func intOf(v quad.Value) (int, bool) {
	switch x := v.(type) {
	case quad.Int:
		return int(x), true
	case quad.Float:
		return int(x), true
	}
	n, err := strconv.Atoi(stringOf(v))
	return n, err == nil
}

func floatOf(v quad.Value) (float64, bool) {
	switch x := v.(type) {
	case quad.Float:
		return float64(x), true
	case quad.Int:
		return float64(x), true
	}
	f, err := strconv.ParseFloat(stringOf(v), 64)
	return f, err == nil
}

type relQuad struct {
	s, p, o string
	ev      node
}

type factKey struct {
	entity string
	n      int
}

// builder gathers quads in any order and assembles the read model at the end.
// Decoder reads a dataset back from quads given in any order: Add each
// quad, then Dataset checks that they make a consistent graph.
type Decoder struct{ b *builder }

// NewDecoder starts reading a dataset.
func NewDecoder() *Decoder { return &Decoder{newBuilder()} }

// Add reads one quad.
func (d *Decoder) Add(q quad.Quad) { d.b.add(q) }

// Dataset is the dataset the quads added make, or an error wrapping
// ErrInvalidGraph that lists what they refer to but do not describe.
func (d *Decoder) Dataset() (*domain.Dataset, error) { return d.b.finish() }

type builder struct {
	docs     map[string]*domain.Document
	paras    map[string]*domain.Paragraph
	ents     map[string]*domain.Entity
	preds    map[string]*domain.Predicate
	examples map[string]node
	facts    map[factKey]*domain.Fact
	factEv   map[factKey]node
	evQuote  map[node]string
	rels     map[string]*domain.Relation
	relQuads []relQuad
	hash     string
	source   string
	problems []string
}

func newBuilder() *builder {
	return &builder{
		docs:     map[string]*domain.Document{},
		paras:    map[string]*domain.Paragraph{},
		ents:     map[string]*domain.Entity{},
		preds:    map[string]*domain.Predicate{},
		examples: map[string]node{},
		facts:    map[factKey]*domain.Fact{},
		factEv:   map[factKey]node{},
		evQuote:  map[node]string{},
		rels:     map[string]*domain.Relation{},
	}
}

func (b *builder) problem(format string, args ...any) {
	if len(b.problems) < 20 {
		b.problems = append(b.problems, fmt.Sprintf(format, args...))
	}
}

// upsert returns m[k], made by mk the first time k is asked for: quads come
// in any order, so whichever names a thing first creates it.
func upsert[K comparable, V any](m map[K]*V, k K, mk func() *V) *V {
	v := m[k]
	if v == nil {
		v = mk()
		m[k] = v
	}
	return v
}

func (b *builder) doc(id string) *domain.Document {
	return upsert(b.docs, id, func() *domain.Document { return &domain.Document{ID: id} })
}

func (b *builder) para(id string) *domain.Paragraph {
	return upsert(b.paras, id, func() *domain.Paragraph {
		doc, num, _ := strings.Cut(id, ":")
		return &domain.Paragraph{ID: id, Document: doc, Number: num}
	})
}

func (b *builder) ent(id string) *domain.Entity {
	return upsert(b.ents, id, func() *domain.Entity { return &domain.Entity{ID: id} })
}

func (b *builder) pred(id string) *domain.Predicate {
	return upsert(b.preds, id, func() *domain.Predicate { return &domain.Predicate{ID: id} })
}

func (b *builder) fact(k factKey) *domain.Fact {
	return upsert(b.facts, k, func() *domain.Fact { return &domain.Fact{} })
}

func (b *builder) rel(id string) *domain.Relation {
	return upsert(b.rels, id, func() *domain.Relation { return &domain.Relation{ID: id} })
}

// add files one quad into the builder.
func (b *builder) add(q quad.Quad) {
	s := parseIRI(q.Subject)
	switch q.Predicate {
	case PropDataHash:
		b.hash = stringOf(q.Object)
		return
	case PropDataSource:
		b.source = stringOf(q.Object)
		return
	}
	p, _ := q.Predicate.(quad.IRI)
	switch s.typ {
	case nodeEntity:
		b.addEntity(s.id, p, q)
	case nodeFact:
		b.addFact(factKey{s.id, s.n}, p, q.Object)
	case nodeDocument:
		b.addDocument(s.id, p, q.Object)
	case nodeParagraph:
		b.addParagraph(s.id, p, q.Object)
	case nodeEvidence:
		if p == OAExact {
			b.evQuote[s] = stringOf(q.Object)
		}
	case nodeRelation:
		r := b.rel(s.id)
		switch p {
		case PropVerb:
			r.Verb = stringOf(q.Object)
		case PropImplied:
			r.Implied = stringOf(q.Object) == "true" || q.Object == quad.Bool(true)
		}
	case nodePredicate:
		pr := b.pred(s.id)
		switch p {
		case RDFSLabel:
			pr.Label = stringOf(q.Object)
		case PropInverse:
			pr.Inverse = stringOf(q.Object)
		case SKOSDefinition:
			pr.Definition = stringOf(q.Object)
		case PropExample:
			b.examples[s.id] = parseIRI(q.Object)
		}
	}
}

func (b *builder) addEntity(id string, p quad.IRI, q quad.Quad) {
	switch p {
	case RDFType:
		class, ok := trimIRI(q.Object, NSVocab)
		if !ok {
			return
		}
		k, ok := kindOfClass(class)
		if !ok {
			b.problem("entity %s: unknown kind class %s", id, q.Object)
			return
		}
		b.ent(id).Kind = k
	case RDFSLabel:
		b.ent(id).Name = stringOf(q.Object)
	case SKOSAltLabel:
		e := b.ent(id)
		e.Aliases = append(e.Aliases, stringOf(q.Object))
	case SKOSHidden:
		e := b.ent(id)
		e.Common = append(e.Common, stringOf(q.Object))
	case DCDescription:
		b.ent(id).Description = stringOf(q.Object)
	case PropFact:
		// the fact node carries everything; its IRI names its entity
	default:
		o := parseIRI(q.Object)
		pn := parseIRI(p)
		if o.typ == nodeEntity && pn.typ == nodePredicate {
			b.relQuads = append(b.relQuads, relQuad{s: id, p: pn.id, o: o.id, ev: parseIRI(q.Label)})
		}
	}
}

func (b *builder) addFact(k factKey, p quad.IRI, o quad.Value) {
	switch p {
	case PropKey:
		b.fact(k).Key = stringOf(o)
	case PropFactText:
		b.fact(k).Text = stringOf(o)
	case PropFactDate:
		b.fact(k).Date = stringOf(o)
	case PropPrecision:
		b.fact(k).Precision = stringOf(o)
	case PropQuantity:
		if f, ok := floatOf(o); ok {
			b.fact(k).Number = &f
		}
	case PropUnit:
		b.fact(k).Unit = stringOf(o)
	case PropEvidence:
		b.factEv[k] = parseIRI(o)
	}
}

func (b *builder) addDocument(id string, p quad.IRI, o quad.Value) {
	switch p {
	case RDFType:
		b.doc(id)
	case DCTitle:
		b.doc(id).Title = stringOf(o)
	case DCAlternative:
		b.doc(id).Short = stringOf(o)
	case DCIdentifier:
		b.doc(id).Reference = stringOf(o)
	case DCDate:
		b.doc(id).Date = stringOf(o)
	case DCCreator:
		b.doc(id).Author = stringOf(o)
	case PropAuthorEntity:
		b.doc(id).AuthorEntity = parseIRI(o).id
	case DCSource:
		b.doc(id).URL = stringOf(o)
	case PropSHA256:
		b.doc(id).SHA256 = stringOf(o)
	}
}

func (b *builder) addParagraph(id string, p quad.IRI, o quad.Value) {
	switch p {
	case RDFType:
		b.para(id)
	case PropSection:
		b.para(id).Section = stringOf(o)
	case PropOrder:
		n, _ := intOf(o)
		b.para(id).Order = n
	case PropText:
		b.para(id).Text = stringOf(o)
	case PropParent:
		b.para(id).Parent = parseIRI(o).id
	case PropNote:
		pp := b.para(id)
		pp.Notes = append(pp.Notes, parseIRI(o).id)
	case PropMentions:
		pp := b.para(id)
		pp.Mentions = append(pp.Mentions, parseIRI(o).id)
	}
}

func (b *builder) evidence(n node) (domain.Evidence, bool) {
	if n.typ != nodeEvidence {
		return domain.Evidence{}, false
	}
	quote, ok := b.evQuote[n]
	if !ok {
		// the span alone still locates the quote in its paragraph
		p := b.paras[n.id]
		if p == nil {
			return domain.Evidence{}, false
		}
		r := []rune(p.Text)
		if n.start < 0 || n.end > len(r) || n.start > n.end {
			return domain.Evidence{}, false
		}
		quote = string(r[n.start:n.end])
	}
	doc, _, _ := strings.Cut(n.id, ":")
	return domain.Evidence{Document: doc, Paragraph: n.id, Quote: quote, Start: n.start, End: n.end}, true
}

// ErrInvalidGraph is returned, wrapped with the details, when quads do not
// make a consistent graph.
var ErrInvalidGraph = errors.New("invalid graph")

// finish assembles the graph; it fails when quads refer to things that are
// not described.
func (b *builder) finish() (*domain.Dataset, error) {
	for k, f := range b.facts {
		if ev, ok := b.evidence(b.factEv[k]); ok {
			f.Evidence = ev
		}
		e := b.ents[k.entity]
		if e == nil {
			b.problem("fact %d of unknown entity %s", k.n, k.entity)
			continue
		}
		_ = e
	}
	for id, ev := range b.examples {
		if e, ok := b.evidence(ev); ok {
			b.preds[id].Example = &e
		}
	}
	for _, rq := range b.relQuads {
		id := domain.RelationID(rq.s, rq.p, rq.o)
		r := b.rel(id)
		r.Subject, r.Predicate, r.Object = rq.s, rq.p, rq.o
		if ev, ok := b.evidence(rq.ev); ok {
			r.Evidence = append(r.Evidence, ev)
		}
		b.pred(rq.p)
	}
	for id, r := range b.rels {
		if r.Subject == "" {
			// a reified statement without its edge: nothing to serve
			delete(b.rels, id)
			continue
		}
		for _, x := range []string{r.Subject, r.Object} {
			if e := b.ents[x]; e == nil || e.Kind == "" {
				b.problem("relation %s: entity %s is not described (no kind)", id, x)
			}
		}
	}
	for id, e := range b.ents {
		if e.Kind == "" {
			b.problem("entity %s has no kind", id)
		}
		if e.Name == "" {
			e.Name = id
		}
	}
	for id, p := range b.paras {
		if b.docs[p.Document] == nil {
			b.problem("paragraph %s of unknown document", id)
		}
		for _, m := range p.Mentions {
			if b.ents[m] == nil {
				b.problem("paragraph %s mentions unknown entity %s", id, m)
			}
		}
	}
	if len(b.problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidGraph, strings.Join(b.problems, "; "))
	}

	ds := &domain.Dataset{Hash: b.hash, Source: b.source}
	facts := make(map[string][]factKey)
	for k := range b.facts {
		facts[k.entity] = append(facts[k.entity], k)
	}
	for _, e := range b.ents {
		ks := facts[e.ID]
		sort.Slice(ks, func(i, j int) bool { return ks[i].n < ks[j].n })
		for _, k := range ks {
			e.Facts = append(e.Facts, *b.facts[k])
		}
		ds.Entities = append(ds.Entities, e)
	}
	for _, d := range b.docs {
		ds.Documents = append(ds.Documents, d)
	}
	for _, p := range b.paras {
		d := b.docs[p.Document]
		d.Paragraphs = append(d.Paragraphs, p)
	}
	for _, p := range b.preds {
		ds.Predicates = append(ds.Predicates, p)
	}
	for _, r := range b.rels {
		ds.Relations = append(ds.Relations, r)
	}
	return ds, nil
}

// DecodeQuads reads a dataset from quads, in any order.
func DecodeQuads(qs []quad.Quad) (*domain.Dataset, error) {
	d := NewDecoder()
	for _, q := range qs {
		d.Add(q)
	}
	return d.Dataset()
}
