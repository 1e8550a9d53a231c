// Package vocab maps digidip's domain to RDF: the IRIs and vocabularies it
// stores under, and the quads a dataset becomes and is read back from.
package vocab

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/cayleygraph/quad"
	"github.com/digidip/digidip/domain"
)

// Base is the one namespace under which digidip names everything it stores.
// w3id.org gives a permanent address that can be redirected to documentation
// later without changing a single stored IRI.
const Base = "https://w3id.org/digidip/"

// Namespaces of the standard vocabularies the store reuses, so that an RDF
// export reads as ordinary SKOS, Dublin Core and Web Annotation data.
const (
	NSVocab   = Base + "vocab/"
	NSRDF     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	NSRDFS    = "http://www.w3.org/2000/01/rdf-schema#"
	NSSKOS    = "http://www.w3.org/2004/02/skos/core#"
	NSDCTerms = "http://purl.org/dc/terms/"
	NSOA      = "http://www.w3.org/ns/oa#"
	NSXSD     = "http://www.w3.org/2001/XMLSchema#"
	NSSchema  = "https://schema.org/"
)

// Properties and classes of the vocabulary.
var (
	RDFType      = quad.IRI(NSRDF + "type")
	RDFStatement = quad.IRI(NSRDF + "Statement")
	RDFSubject   = quad.IRI(NSRDF + "subject")
	RDFPredicate = quad.IRI(NSRDF + "predicate")
	RDFObject    = quad.IRI(NSRDF + "object")
	RDFProperty  = quad.IRI(NSRDF + "Property")

	RDFSLabel      = quad.IRI(NSRDFS + "label")
	SKOSAltLabel   = quad.IRI(NSSKOS + "altLabel")
	SKOSHidden     = quad.IRI(NSSKOS + "hiddenLabel")
	SKOSDefinition = quad.IRI(NSSKOS + "definition")

	// A predicate's contract: the kinds (classes) its subject and object may
	// have. schema.org's terms mean "one of these", where rdfs:domain and
	// rdfs:range, given several times, would mean all of them at once.
	SchemaDomainIncludes = quad.IRI(NSSchema + "domainIncludes")
	SchemaRangeIncludes  = quad.IRI(NSSchema + "rangeIncludes")

	DCDescription = quad.IRI(NSDCTerms + "description")
	DCTitle       = quad.IRI(NSDCTerms + "title")
	DCIdentifier  = quad.IRI(NSDCTerms + "identifier")
	DCDate        = quad.IRI(NSDCTerms + "date")
	DCCreator     = quad.IRI(NSDCTerms + "creator")
	DCSource      = quad.IRI(NSDCTerms + "source")
	DCIsPartOf    = quad.IRI(NSDCTerms + "isPartOf")
	DCAlternative = quad.IRI(NSDCTerms + "alternative")

	OAHasSource = quad.IRI(NSOA + "hasSource")
	OAExact     = quad.IRI(NSOA + "exact")
	OAStart     = quad.IRI(NSOA + "start")
	OAEnd       = quad.IRI(NSOA + "end")

	ClassDocument  = quad.IRI(NSVocab + "Document")
	ClassParagraph = quad.IRI(NSVocab + "Paragraph")
	ClassEvidence  = quad.IRI(NSVocab + "Evidence")
	ClassFact      = quad.IRI(NSVocab + "Fact")

	PropSHA256       = quad.IRI(NSVocab + "sha256")
	PropAuthorEntity = quad.IRI(NSVocab + "authorEntity")
	PropNumber       = quad.IRI(NSVocab + "number")
	PropSection      = quad.IRI(NSVocab + "section")
	PropOrder        = quad.IRI(NSVocab + "order")
	PropText         = quad.IRI(NSVocab + "text")
	PropParent       = quad.IRI(NSVocab + "parent")
	PropNote         = quad.IRI(NSVocab + "note")
	PropMentions     = quad.IRI(NSVocab + "mentions")
	PropVerb         = quad.IRI(NSVocab + "verb")
	PropModality     = quad.IRI(NSVocab + "modality")
	PropFactRole     = quad.IRI(NSVocab + "factRole")
	PropQualifier    = quad.IRI(NSVocab + "qualifier")
	PropImplied      = quad.IRI(NSVocab + "implied")
	PropInverse      = quad.IRI(NSVocab + "inverseLabel")
	PropExample      = quad.IRI(NSVocab + "example")
	PropFact         = quad.IRI(NSVocab + "fact")
	PropKey          = quad.IRI(NSVocab + "key")
	PropFactText     = quad.IRI(NSVocab + "factText")
	PropFactDate     = quad.IRI(NSVocab + "factDate")
	PropPrecision    = quad.IRI(NSVocab + "precision")
	PropQuantity     = quad.IRI(NSVocab + "quantity")
	PropUnit         = quad.IRI(NSVocab + "unit")
	PropEvidence     = quad.IRI(NSVocab + "evidence")
	PropDataHash     = quad.IRI(NSVocab + "dataHash")
	PropDataSource   = quad.IRI(NSVocab + "dataSource")
	PropDataVersion  = quad.IRI(NSVocab + "dataVersion")
)

// Graph labels for quads that are not relations: a relation quad's label is
// its evidence; everything else is either curated description, derived by the
// loader, or bookkeeping.
var (
	LabelDerived = quad.IRI(Base + "graph/derived")
	LabelMeta    = quad.IRI(Base + "graph/meta")
	StoreNode    = quad.IRI(Base + "store")
)

// EntityIRI and the functions below map digidip's ids to IRIs and back.
// Ids are kebab-case slugs, so they are safe in a path segment as they are;
// paragraph numbers ("4.A", "fn1", "bilateral.7") are escaped all the same.
func EntityIRI(id string) quad.IRI   { return quad.IRI(Base + "entity/" + id) }
func DocumentIRI(id string) quad.IRI { return quad.IRI(Base + "doc/" + id) }
func PredicateIRI(id string) quad.IRI {
	return quad.IRI(NSVocab + id)
}

// KindIRI is the class of entities of a kind: vocab/Actor, vocab/Forum, ...
func KindIRI(k domain.Kind) quad.IRI { return quad.IRI(NSVocab + className(k)) }

// KindOf is the kind whose class iri is.
func KindOf(iri quad.Value) (domain.Kind, bool) {
	class, ok := trimIRI(iri, NSVocab)
	if !ok {
		return "", false
	}
	return kindOfClass(class)
}

// className is a kind as an RDF class name: "PARTNERSHIP" is "Partnership".
func className(k domain.Kind) string {
	s := strings.ToLower(string(k))
	return strings.ToUpper(s[:1]) + s[1:]
}

func kindOfClass(class string) (domain.Kind, bool) {
	k := domain.Kind(strings.ToUpper(class))
	return k, k.Valid() && className(k) == class
}

// ParagraphIRI addresses a paragraph inside its document.
func ParagraphIRI(paragraphID string) quad.IRI {
	doc, num, _ := strings.Cut(paragraphID, ":")
	return quad.IRI(Base + "doc/" + doc + "/" + url.PathEscape(num))
}

// EvidenceIRI addresses a span of a paragraph's text with an RFC 5147
// fragment, so the IRI itself says which characters it cites.
func EvidenceIRI(paragraphID string, start, end int) quad.IRI {
	return quad.IRI(fmt.Sprintf("%s#char=%d,%d", string(ParagraphIRI(paragraphID)), start, end))
}

// RelationIRI names the reified statement that carries a relation's own
// attributes (verb, implied).
func RelationIRI(id string) quad.IRI { return quad.IRI(Base + "relation/" + id) }

// FactIRI names the n-th fact of an entity.
func FactIRI(entityID string, n int) quad.IRI {
	return quad.IRI(fmt.Sprintf("%sentity/%s/fact/%d", Base, entityID, n))
}

func trimIRI(v quad.Value, prefix string) (string, bool) {
	iri, ok := v.(quad.IRI)
	if !ok {
		return "", false
	}
	s := string(iri)
	if !strings.HasPrefix(s, prefix) {
		return "", false
	}
	return s[len(prefix):], true
}
