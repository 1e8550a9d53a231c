package vocab

import (
	"github.com/cayleygraph/quad"
	"github.com/digidip/digidip/domain"
)

// Quads turns a dataset into the quads the store keeps, in a deterministic
// order. A relation becomes one quad per evidence item, whose label is the
// evidence node: provenance lives in the label, not in a side table.
func Quads(ds *domain.Dataset) []quad.Quad { return NewEncoder().Quads(ds) }

// Encoder turns a dataset into quads a part at a time, so that a whole
// graph can be written without holding all its quads: what Quads gives
// for a dataset, the encoder gives for the same dataset split into parts
// (its documents, predicates and entities, then its relations in batches),
// the parts' quads together. An evidence node two parts share is written
// with the first.
type Encoder struct {
	seen map[quad.IRI]bool
}

// NewEncoder is an encoder that has written nothing yet.
func NewEncoder() *Encoder { return &Encoder{seen: map[quad.IRI]bool{}} }

// Quads encodes one part of a dataset (see Encoder).
func (enc *Encoder) Quads(ds *domain.Dataset) []quad.Quad {
	var out []quad.Quad
	add := func(s quad.Value, p quad.IRI, o quad.Value, label quad.Value) {
		out = append(out, quad.Quad{Subject: s, Predicate: p, Object: o, Label: label})
	}
	str := func(s quad.Value, p quad.IRI, v string) {
		if v != "" {
			add(s, p, quad.String(v), nil)
		}
	}
	seen := enc.seen
	evidence := func(e domain.Evidence) quad.IRI {
		iri := EvidenceIRI(e.Paragraph, e.Start, e.End)
		if !seen[iri] {
			seen[iri] = true
			add(iri, RDFType, ClassEvidence, nil)
			add(iri, OAHasSource, ParagraphIRI(e.Paragraph), nil)
			add(iri, OAExact, quad.String(e.Quote), nil)
			add(iri, OAStart, quad.Int(e.Start), nil)
			add(iri, OAEnd, quad.Int(e.End), nil)
		}
		return iri
	}

	for _, d := range ds.Documents {
		s := DocumentIRI(d.ID)
		add(s, RDFType, ClassDocument, nil)
		str(s, DCTitle, d.Title)
		str(s, DCAlternative, d.Short)
		str(s, DCIdentifier, d.Reference)
		str(s, DCDate, d.Date)
		str(s, DCCreator, d.Author)
		if d.AuthorEntity != "" {
			add(s, PropAuthorEntity, EntityIRI(d.AuthorEntity), nil)
		}
		if d.URL != "" {
			add(s, DCSource, quad.IRI(d.URL), nil)
		}
		str(s, PropSHA256, d.SHA256)
		for _, p := range d.Paragraphs {
			ps := ParagraphIRI(p.ID)
			add(ps, RDFType, ClassParagraph, nil)
			add(ps, DCIsPartOf, s, nil)
			str(ps, PropNumber, p.Number)
			str(ps, PropSection, p.Section)
			add(ps, PropOrder, quad.Int(p.Order), nil)
			add(ps, PropText, quad.String(p.Text), nil)
			if p.Parent != "" {
				add(ps, PropParent, ParagraphIRI(p.Parent), nil)
			}
			for _, n := range p.Notes {
				add(ps, PropNote, ParagraphIRI(n), nil)
			}
			for _, m := range p.Mentions {
				add(ps, PropMentions, EntityIRI(m), LabelDerived)
			}
		}
	}

	for _, p := range ds.Predicates {
		s := PredicateIRI(p.ID)
		add(s, RDFType, RDFProperty, nil)
		str(s, RDFSLabel, p.Label)
		str(s, PropInverse, p.Inverse)
		str(s, SKOSDefinition, p.Definition)
		for _, k := range p.SubjectKinds {
			add(s, SchemaDomainIncludes, KindIRI(k), nil)
		}
		for _, k := range p.ObjectKinds {
			add(s, SchemaRangeIncludes, KindIRI(k), nil)
		}
		if p.Example != nil {
			add(s, PropExample, evidence(*p.Example), nil)
		}
	}

	for _, e := range ds.Entities {
		s := EntityIRI(e.ID)
		add(s, RDFType, KindIRI(e.Kind), nil)
		add(s, RDFSLabel, quad.String(e.Name), nil)
		for _, a := range e.Aliases {
			add(s, SKOSAltLabel, quad.String(a), nil)
		}
		for _, a := range e.Common {
			add(s, SKOSHidden, quad.String(a), nil)
		}
		str(s, DCDescription, e.Description)
		for i, f := range e.Facts {
			fs := FactIRI(e.ID, i+1)
			add(s, PropFact, fs, nil)
			add(fs, RDFType, ClassFact, nil)
			add(fs, PropKey, quad.String(f.Key), nil)
			str(fs, PropFactRole, f.Role)
			str(fs, PropQualifier, f.Qualifier)
			str(fs, PropFactText, f.Text)
			str(fs, PropFactDate, f.Date)
			str(fs, PropPrecision, f.Precision)
			if f.Number != nil {
				add(fs, PropQuantity, quad.Float(*f.Number), nil)
			}
			str(fs, PropUnit, f.Unit)
			add(fs, PropEvidence, evidence(f.Evidence), nil)
		}
	}

	for _, r := range ds.Relations {
		s, p, o := EntityIRI(r.Subject), PredicateIRI(r.Predicate), EntityIRI(r.Object)
		for _, e := range r.Evidence {
			add(s, p, o, evidence(e))
		}
		rs := RelationIRI(r.ID)
		add(rs, RDFType, RDFStatement, nil)
		// The statement names its evidence too: the labels say which
		// passage states each quad, but no store indexes labels, and this
		// lets "the relations a paragraph states" be asked of an index.
		for _, e := range r.Evidence {
			add(rs, PropEvidence, evidence(e), nil)
		}
		add(rs, RDFSubject, s, nil)
		add(rs, RDFPredicate, p, nil)
		add(rs, RDFObject, o, nil)
		// How each quote words the relation is said of the statement in
		// that quote's graph: one passage may say "invites", another "will".
		for _, e := range r.Evidence {
			if e.Verb != "" {
				add(rs, PropVerb, quad.String(e.Verb), evidence(e))
			}
			if e.Modality != "" {
				add(rs, PropModality, quad.String(string(e.Modality)), evidence(e))
			}
		}
		if r.Implied {
			add(rs, PropImplied, quad.Bool(true), nil)
		}
	}
	if ds.Hash != "" {
		add(StoreNode, PropDataHash, quad.String(ds.Hash), LabelMeta)
	}
	if ds.Source != "" {
		add(StoreNode, PropDataSource, quad.String(ds.Source), LabelMeta)
	}
	if ds.Version != 0 {
		add(StoreNode, PropDataVersion, quad.Int(ds.Version), LabelMeta)
	}
	return out
}

// WithDefaultSource returns quads that name their source: the quads' own, if
// they name one (an export carries the source of the data it came from, so
// that a round trip keeps it), else source.
func WithDefaultSource(qs []quad.Quad, source string) []quad.Quad {
	for _, q := range qs {
		if q.Predicate == PropDataSource {
			return qs
		}
	}
	return append(qs, quad.Quad{Subject: StoreNode, Predicate: PropDataSource, Object: quad.String(source), Label: LabelMeta})
}
