// Package domain is digidip's model of the texts and the graph they state:
// documents and paragraphs, entities, relations and the evidence for each.
package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Kind is what sort of thing an entity is.
type Kind string

// The kinds of entity. They mirror the GraphQL enum Kind.
const (
	Actor       Kind = "ACTOR"
	Country     Kind = "COUNTRY"
	Region      Kind = "REGION"
	Person      Kind = "PERSON"
	Forum       Kind = "FORUM"
	Partnership Kind = "PARTNERSHIP"
	Instrument  Kind = "INSTRUMENT"
	Policy      Kind = "POLICY"
	Commitment  Kind = "COMMITMENT"
	Topic       Kind = "TOPIC"
	Event       Kind = "EVENT"
)

// Kinds lists every kind, in the order the API documents them.
var Kinds = []Kind{Actor, Country, Region, Person, Forum, Partnership, Instrument, Policy, Commitment, Topic, Event}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// JoinKinds writes Kinds, in their order, separated by sep: for messages
// that list them and for formats that declare them.
func JoinKinds(sep string) string {
	ks := make([]string, len(Kinds))
	for i, k := range Kinds {
		ks[i] = string(k)
	}
	return strings.Join(ks, sep)
}

// SortKinds puts ks in the order of Kinds, each once, so that a contract
// reads the same whatever order it was written or stored in.
func SortKinds(ks []Kind) []Kind {
	slices.SortFunc(ks, func(a, b Kind) int { return slices.Index(Kinds, a) - slices.Index(Kinds, b) })
	return slices.Compact(ks)
}

// KindFilter is the set of kinds a query keeps; made from no kinds, it
// keeps every kind, as an empty kinds argument means no filter.
type KindFilter map[Kind]bool

// FilterKinds makes the filter that keeps kinds.
func FilterKinds(kinds []Kind) KindFilter {
	if len(kinds) == 0 {
		return nil
	}
	f := make(KindFilter, len(kinds))
	for _, k := range kinds {
		f[k] = true
	}
	return f
}

// Keeps reports whether the filter lets an entity of kind k through.
func (f KindFilter) Keeps(k Kind) bool { return len(f) == 0 || f[k] }

// Document is a source text: its metadata and its paragraphs in order.
type Document struct {
	ID           string
	Title        string
	Short        string // a short title for lists
	Reference    string // the body's document number, e.g. "10603/1/23 REV 1"
	Date         string // ISO 8601, empty when the document is undated
	Author       string // the author body, as the document names it
	AuthorEntity string // the entity id of the author body, if any
	URL          string
	SHA256       string // of the source file, so a citation names one exact version
	Paragraphs   []*Paragraph
}

// Paragraph is one addressable passage of a document.
type Paragraph struct {
	ID       string // "council-2023:4.A"
	Document string
	Number   string // "4.A"
	Section  string
	Parent   string   // paragraph id of the enclosing paragraph ("council-2023:4" for 4.A)
	Notes    []string // paragraph ids of the footnotes it calls
	Order    int      // position in the document, from 0
	Text     string
	Mentions []string // entity ids, in order of first occurrence
}

// Entity is a named thing of the graph.
type Entity struct {
	ID          string
	Name        string
	Kind        Kind
	Aliases     []string // other forms, as written in the sources
	Common      []string // names people search for that the sources do not use
	Description string
	Facts       []Fact
}

// Fact is a typed attribute of an entity, with the words it rests on.
type Fact struct {
	Key       string // date, deadline, amount, count, reference, status, period
	Role      string // what the date is: one of FactRoles; "" for a fact without one
	Qualifier string // how the figure or date bounds it: one of FactQualifiers, or ""
	Text      string // the source's words
	Date      string // ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD) or EDTF season (YYYY-21..24)
	Precision string // year, season, month, day
	Number    *float64
	Unit      string
	Evidence  Evidence
}

// FactKeys are the keys a Fact may have.
var FactKeys = []string{"date", "deadline", "amount", "count", "reference", "status", "period"}

// A FactTerm is one word of a fact's vocabulary (a role or a qualifier),
// with the keys it may go with (roles only) and what it means.
type FactTerm struct{ Name, Keys, Definition string }

// FactRoles say what a date, deadline or period fact marks: a timeline
// shows an entity once per role.
var FactRoles = []FactTerm{
	{"adopted", "date", "the day a text or decision was adopted"},
	{"agreed", "date", "the day a text was agreed (before its adoption)"},
	{"announced", "date", "the day something was announced"},
	{"dated", "date", "the date a document bears"},
	{"endorsed", "date", "the day a text was endorsed"},
	{"held", "date", "when a meeting, conference or election takes place"},
	{"opened", "date", "when an office or a process opened"},
	{"starts", "date period", "when something begins"},
	{"ends", "date period", "when something ends"},
	{"during", "period", "the span something covers or lasts"},
	{"deadline", "deadline", "the time by which something is to be done"},
}

// FactQualifiers say how a figure or a date bounds what the text states:
// "over 20 dialogues" is more than 20, not 20.
var FactQualifiers = []FactTerm{
	{"over", "", "more than the figure"},
	{"at-least", "", "the figure or more"},
	{"up-to", "", "the figure or less"},
	{"about", "", "roughly the figure"},
	{"after", "", "later than the date"},
	{"before", "", "earlier than the date"},
	{"by", "", "no later than the date"},
	{"within", "", "inside the span, from the text's date"},
}

// FactRoleFits reports whether role is known and may go with key.
func FactRoleFits(role, key string) (known, fits bool) {
	for _, r := range FactRoles {
		if r.Name == role {
			return true, slices.Contains(strings.Fields(r.Keys), key)
		}
	}
	return false, false
}

// KnownTerm reports whether name is one of terms.
func KnownTerm(terms []FactTerm, name string) bool {
	return slices.ContainsFunc(terms, func(t FactTerm) bool { return t.Name == name })
}

// TermNames lists terms' names, joined by sep, for a message.
func TermNames(terms []FactTerm, sep string) string {
	s := make([]string, len(terms))
	for i, t := range terms {
		s[i] = t.Name
	}
	return strings.Join(s, sep)
}

// Predicate is a kind of relation, defined in one line.
type Predicate struct {
	ID         string // kebab-case: "calls-on"
	Label      string // "calls on"
	Inverse    string // "is called on by"
	Definition string
	Example    *Evidence
	// SubjectKinds and ObjectKinds are the predicate's contract: the kinds
	// its subject and its object may have. The loader holds every relation
	// to them; nil (a graph read back from a store) checks nothing.
	SubjectKinds, ObjectKinds []Kind
}

// Takes reports whether a relation of p may go from an entity of kind s to
// one of kind o.
func (p *Predicate) Takes(s, o Kind) bool {
	return (p.SubjectKinds == nil || slices.Contains(p.SubjectKinds, s)) &&
		(p.ObjectKinds == nil || slices.Contains(p.ObjectKinds, o))
}

// PredicateLabel is how the predicate id reads in prose: the Label of p
// (id's definition, nil when there is none), or else the id with spaces for
// its hyphens, "calls on" for "calls-on".
func PredicateLabel(id string, p *Predicate) string {
	if p != nil && p.Label != "" {
		return p.Label
	}
	return strings.ReplaceAll(id, "-", " ")
}

// Relation is one edge: subject, predicate, object, and every passage that
// states it.
type Relation struct {
	ID        string
	Subject   string
	Predicate string
	Object    string
	Implied   bool // the text implies the edge rather than states it
	Evidence  []Evidence
}

// Evidence is a verbatim quote of a paragraph, with its position in the
// paragraph's text counted in Unicode code points (as a W3C Web Annotation
// TextPositionSelector counts them).
type Evidence struct {
	Document  string
	Paragraph string // paragraph id
	Quote     string
	Start     int
	End       int
	// Verb is the text's own verb for the relation as this quote words it
	// ("calls on", "should be used"): "" when the quote states it without
	// one, and for a fact's or an example's evidence.
	Verb string
	// Modality is how the quote holds the relation; "" for a fact's or an
	// example's evidence.
	Modality Modality
}

// ID is the evidence's stable address: its paragraph and span.
func (e Evidence) ID() string {
	return fmt.Sprintf("%s#char=%d,%d", e.Paragraph, e.Start, e.End)
}

// Dataset is a whole graph as the loader validated it, ready to be written.
type Dataset struct {
	Documents  []*Document
	Predicates []*Predicate
	Entities   []*Entity
	Relations  []*Relation
	// Hash identifies the data files the dataset came from; the store keeps it
	// so that serve can tell whether its data changed since the last load.
	Hash string
	// Source names where the data came from (the data directory, an
	// N-Quads file, synthetic); serve replaces a graph with its own data
	// only when it came from the same source.
	Source string
	// Version is the data's release number (graph/version.yaml; 0 when
	// the data has none): a store never replaces data with a lower one
	// unless told to, so an older release started on a shared store does
	// not take its graph back in time.
	Version int
}

// ErrNotFound is wrapped by errors about ids that name nothing.
var ErrNotFound = errors.New("not found")

// ErrInvalidArgument is wrapped by errors about arguments out of range.
var ErrInvalidArgument = errors.New("invalid argument")

// RelationID is the stable, readable id of the relation (subject, predicate,
// object): one relation per triple, however many passages state it.
func RelationID(subject, predicate, object string) string {
	return subject + "/" + predicate + "/" + object
}

// ParagraphID joins a document id and a paragraph number ("council-2023:7").
func ParagraphID(doc, number string) string { return doc + ":" + number }

// CitesParagraph reports whether some evidence of r quotes that paragraph.
func (r *Relation) CitesParagraph(id string) bool {
	for _, e := range r.Evidence {
		if e.Paragraph == id {
			return true
		}
	}
	return false
}

// CitesDocument reports whether some evidence of r quotes that document.
func (r *Relation) CitesDocument(id string) bool {
	for _, e := range r.Evidence {
		if e.Document == id {
			return true
		}
	}
	return false
}
