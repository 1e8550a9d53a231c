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

// Node is what an IRI names, parsed back from the vocabulary.
type Node struct {
	Type NodeType
	ID   string // entity, document, paragraph, relation or predicate id
	N    int    // fact number
	// evidence span
	Start, End int
}

// NodeType is the sort of thing an IRI of the vocabulary names.
type NodeType int

// The sorts of node: NodeOther is an IRI outside the vocabulary (or a
// literal).
const (
	NodeOther NodeType = iota
	NodeEntity
	NodeFact
	NodeDocument
	NodeParagraph
	NodeEvidence
	NodeRelation
	NodePredicate
)

// ParseIRI reads what an IRI of the vocabulary names.
func ParseIRI(v quad.Value) Node {
	iri, ok := v.(quad.IRI)
	if !ok {
		return Node{}
	}
	s := string(iri)
	if !strings.HasPrefix(s, Base) {
		return Node{}
	}
	rest := s[len(Base):]
	switch {
	case strings.HasPrefix(rest, "entity/"):
		rest = rest[len("entity/"):]
		if id, n, ok := strings.Cut(rest, "/fact/"); ok {
			k, err := strconv.Atoi(n)
			if err != nil {
				return Node{}
			}
			return Node{Type: NodeFact, ID: id, N: k}
		}
		return Node{Type: NodeEntity, ID: rest}
	case strings.HasPrefix(rest, "doc/"):
		rest = rest[len("doc/"):]
		doc, num, ok := strings.Cut(rest, "/")
		if !ok {
			return Node{Type: NodeDocument, ID: doc}
		}
		num, frag, hasFrag := strings.Cut(num, "#char=")
		num, err := url.PathUnescape(num)
		if err != nil {
			return Node{}
		}
		id := domain.ParagraphID(doc, num)
		if !hasFrag {
			return Node{Type: NodeParagraph, ID: id}
		}
		a, b, _ := strings.Cut(frag, ",")
		start, err1 := strconv.Atoi(a)
		end, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil {
			return Node{}
		}
		return Node{Type: NodeEvidence, ID: id, Start: start, End: end}
	case strings.HasPrefix(rest, "relation/"):
		return Node{Type: NodeRelation, ID: rest[len("relation/"):]}
	case strings.HasPrefix(rest, "vocab/"):
		return Node{Type: NodePredicate, ID: rest[len("vocab/"):]}
	}
	return Node{}
}

// StringOf is the text of a literal or IRI, whatever its datatype or
// language: what the decoder reads a text field as.
func StringOf(v quad.Value) string {
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

// IntOf reads a number stored as an integer, a float or a numeral.
func IntOf(v quad.Value) (int, bool) {
	switch x := v.(type) {
	case quad.Int:
		return int(x), true
	case quad.Float:
		return int(x), true
	}
	n, err := strconv.Atoi(StringOf(v))
	return n, err == nil
}

// FloatOf reads a number stored as a float, an integer or a numeral.
func FloatOf(v quad.Value) (float64, bool) {
	switch x := v.(type) {
	case quad.Float:
		return float64(x), true
	case quad.Int:
		return float64(x), true
	}
	f, err := strconv.ParseFloat(StringOf(v), 64)
	return f, err == nil
}

type relQuad struct {
	s, p, o string
	ev      Node
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
	examples map[string]Node
	facts    map[factKey]*domain.Fact
	factEv   map[factKey]Node
	evQuote  map[Node]string
	rels     map[string]*domain.Relation
	relQuads []relQuad
	words    map[evUse]*domain.Evidence // how a relation's evidence item words it
	hash     string
	source   string
	version  int
	problems []string
}

func newBuilder() *builder {
	return &builder{
		docs:     map[string]*domain.Document{},
		paras:    map[string]*domain.Paragraph{},
		ents:     map[string]*domain.Entity{},
		preds:    map[string]*domain.Predicate{},
		examples: map[string]Node{},
		facts:    map[factKey]*domain.Fact{},
		factEv:   map[factKey]Node{},
		evQuote:  map[Node]string{},
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

// evUse is one evidence item of one relation.
type evUse struct {
	rel string
	ev  Node
}

// wording is where the verb and the modality a relation's quote in the graph
// label gives it are kept until the relation's evidence is assembled.
func (b *builder) wording(rel string, label quad.Value) *domain.Evidence {
	if b.words == nil {
		b.words = map[evUse]*domain.Evidence{}
	}
	return upsert(b.words, evUse{rel, ParseIRI(label)}, func() *domain.Evidence { return &domain.Evidence{} })
}

func (b *builder) rel(id string) *domain.Relation {
	return upsert(b.rels, id, func() *domain.Relation { return &domain.Relation{ID: id} })
}

// add files one quad into the builder.
func (b *builder) add(q quad.Quad) {
	s := ParseIRI(q.Subject)
	switch q.Predicate {
	case PropDataHash:
		b.hash = StringOf(q.Object)
		return
	case PropDataSource:
		b.source = StringOf(q.Object)
		return
	case PropDataVersion:
		if v, ok := q.Object.(quad.Int); ok {
			b.version = int(v)
		}
		return
	}
	p, _ := q.Predicate.(quad.IRI)
	switch s.Type {
	case NodeEntity:
		b.addEntity(s.ID, p, q)
	case NodeFact:
		b.addFact(factKey{s.ID, s.N}, p, q.Object)
	case NodeDocument:
		b.addDocument(s.ID, p, q.Object)
	case NodeParagraph:
		b.addParagraph(s.ID, p, q.Object)
	case NodeEvidence:
		if p == OAExact {
			b.evQuote[s] = StringOf(q.Object)
		}
	case NodeRelation:
		r := b.rel(s.ID)
		switch p {
		case PropVerb:
			b.wording(s.ID, q.Label).Verb = StringOf(q.Object)
		case PropModality:
			b.wording(s.ID, q.Label).Modality = domain.Modality(StringOf(q.Object))
		case PropImplied:
			r.Implied = StringOf(q.Object) == "true" || q.Object == quad.Bool(true)
		}
	case NodePredicate:
		pr := b.pred(s.ID)
		switch p {
		case RDFSLabel:
			pr.Label = StringOf(q.Object)
		case PropInverse:
			pr.Inverse = StringOf(q.Object)
		case SKOSDefinition:
			pr.Definition = StringOf(q.Object)
		case SchemaDomainIncludes:
			if k, ok := KindOf(q.Object); ok {
				pr.SubjectKinds = domain.SortKinds(append(pr.SubjectKinds, k))
			}
		case SchemaRangeIncludes:
			if k, ok := KindOf(q.Object); ok {
				pr.ObjectKinds = domain.SortKinds(append(pr.ObjectKinds, k))
			}
		case PropExample:
			b.examples[s.ID] = ParseIRI(q.Object)
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
		b.ent(id).Name = StringOf(q.Object)
	case SKOSAltLabel:
		e := b.ent(id)
		e.Aliases = append(e.Aliases, StringOf(q.Object))
	case SKOSHidden:
		e := b.ent(id)
		e.Common = append(e.Common, StringOf(q.Object))
	case DCDescription:
		b.ent(id).Description = StringOf(q.Object)
	case PropFact:
		// the fact node carries everything; its IRI names its entity
	default:
		o := ParseIRI(q.Object)
		pn := ParseIRI(p)
		if o.Type == NodeEntity && pn.Type == NodePredicate {
			b.relQuads = append(b.relQuads, relQuad{s: id, p: pn.ID, o: o.ID, ev: ParseIRI(q.Label)})
		}
	}
}

func (b *builder) addFact(k factKey, p quad.IRI, o quad.Value) {
	switch p {
	case PropKey:
		b.fact(k).Key = StringOf(o)
	case PropFactRole:
		b.fact(k).Role = StringOf(o)
	case PropQualifier:
		b.fact(k).Qualifier = StringOf(o)
	case PropFactText:
		b.fact(k).Text = StringOf(o)
	case PropFactDate:
		b.fact(k).Date = StringOf(o)
	case PropPrecision:
		b.fact(k).Precision = StringOf(o)
	case PropQuantity:
		if f, ok := FloatOf(o); ok {
			b.fact(k).Number = &f
		}
	case PropUnit:
		b.fact(k).Unit = StringOf(o)
	case PropEvidence:
		b.factEv[k] = ParseIRI(o)
	}
}

func (b *builder) addDocument(id string, p quad.IRI, o quad.Value) {
	switch p {
	case RDFType:
		b.doc(id)
	case DCTitle:
		b.doc(id).Title = StringOf(o)
	case DCAlternative:
		b.doc(id).Short = StringOf(o)
	case DCIdentifier:
		b.doc(id).Reference = StringOf(o)
	case DCDate:
		b.doc(id).Date = StringOf(o)
	case DCCreator:
		b.doc(id).Author = StringOf(o)
	case PropAuthorEntity:
		b.doc(id).AuthorEntity = ParseIRI(o).ID
	case DCSource:
		b.doc(id).URL = StringOf(o)
	case PropSHA256:
		b.doc(id).SHA256 = StringOf(o)
	}
}

func (b *builder) addParagraph(id string, p quad.IRI, o quad.Value) {
	switch p {
	case RDFType:
		b.para(id)
	case PropSection:
		b.para(id).Section = StringOf(o)
	case PropOrder:
		n, _ := IntOf(o)
		b.para(id).Order = n
	case PropText:
		b.para(id).Text = StringOf(o)
	case PropParent:
		b.para(id).Parent = ParseIRI(o).ID
	case PropNote:
		pp := b.para(id)
		pp.Notes = append(pp.Notes, ParseIRI(o).ID)
	case PropMentions:
		pp := b.para(id)
		pp.Mentions = append(pp.Mentions, ParseIRI(o).ID)
	}
}

func (b *builder) evidence(n Node) (domain.Evidence, bool) {
	if n.Type != NodeEvidence {
		return domain.Evidence{}, false
	}
	quote, ok := b.evQuote[n]
	if !ok {
		// the span alone still locates the quote in its paragraph
		p := b.paras[n.ID]
		if p == nil {
			return domain.Evidence{}, false
		}
		r := []rune(p.Text)
		if n.Start < 0 || n.End > len(r) || n.Start > n.End {
			return domain.Evidence{}, false
		}
		quote = string(r[n.Start:n.End])
	}
	return n.Evidence(quote), true
}

// Evidence is the evidence an evidence node names, with its quote: the
// node's IRI gives its paragraph (and so its document) and its span.
func (n Node) Evidence(quote string) domain.Evidence {
	doc, _, _ := strings.Cut(n.ID, ":")
	return domain.Evidence{Document: doc, Paragraph: n.ID, Quote: quote, Start: n.Start, End: n.End}
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
			if w := b.words[evUse{id, rq.ev}]; w != nil {
				ev.Verb, ev.Modality = w.Verb, w.Modality
			}
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

	ds := &domain.Dataset{Hash: b.hash, Source: b.source, Version: b.version}
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
