package engine

import (
	"cmp"
	"slices"
)

// Sizes are the longest lists and texts one graph holds, measured once
// when the graph is built, so that the cost of a query can be priced from
// the data it would read rather than from bounds true of one dataset.
// Text lengths are in bytes as JSON writes them (escapes counted).
type Sizes struct {
	Entities, Relations, Documents, Predicates, Moments int

	// Longest lists under one object.
	Degree int // relations of one entity, both directions
	// PredicateDegrees: relations of one predicate of one entity, both
	// directions, by predicate.
	PredicateDegrees  map[string]int
	EntityMentions    int // paragraphs that mention one entity
	Facts             int // facts of one entity
	Evidence          int // evidence items of one relation
	Paragraphs        int // paragraphs of one document
	ParagraphNotes    int // footnotes one paragraph calls
	ParagraphMentions int // entities one paragraph names
	ParagraphRels     int // relations one paragraph states
	ParagraphChildren int // sub-points of one paragraph
	NoteCallers       int // paragraphs that call one footnote
	// ParagraphSpans and ParagraphQuotes are the most mention spans and
	// quotations (evidence items of relations and facts) of one paragraph;
	// zero in a summary written before they were measured.
	ParagraphSpans, ParagraphQuotes int

	// Longest texts.
	ParagraphText, Quote, FactText, Name, Description, Aliases, CommonNames, Title, Definition int

	// Typical lists, the 99th percentile over the objects that hold them:
	// what one of many entities (or relations) holds, for pricing lists
	// under lists, where the maximum would price every item as the hub.
	// Zero in a summary written before they were measured.
	DegreeP99           int
	PredicateDegreesP99 map[string]int
	EntityMentionsP99   int
	EvidenceP99         int

	// TopDegrees[i] is the sum of the i+1 largest degrees: the most
	// relations any i+1 entities can take part in; kept for up to
	// MaxSubgraph entities, the most a subgraph may hold.
	TopDegrees []int
}

// EdgesAmong bounds the relations among any n entities: no more than the
// graph holds, nor than the n best-connected entities take part in.
func (s *Sizes) EdgesAmong(n int) int {
	if n <= 0 || len(s.TopDegrees) == 0 {
		return 0
	}
	return min(s.Relations, s.TopDegrees[min(n, len(s.TopDegrees))-1])
}

// PredicateDegree is the most relations of one predicate any entity takes
// part in, both directions; Degree when predicate is empty.
func (s *Sizes) PredicateDegree(predicate string) int {
	if predicate == "" {
		return s.Degree
	}
	return s.PredicateDegrees[predicate]
}

// jsonLen is how many bytes a string takes as a JSON string: encoding/json
// writes <, > and & as six-byte escapes, control characters too.
func jsonLen(s string) int {
	n := 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n += 2
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			n += 6
		default:
			n++
		}
	}
	return n
}

func listLen(ss []string) int {
	n := 2
	for _, s := range ss {
		n += jsonLen(s) + 1
	}
	return n
}

// TypicalDegree is the 99th percentile of an entity's relations of one
// predicate (of all when predicate is empty), both directions; the maximum
// when the summary predates percentiles.
func (s *Sizes) TypicalDegree(predicate string) int {
	if predicate == "" {
		return cmp.Or(s.DegreeP99, s.Degree)
	}
	if n, ok := s.PredicateDegreesP99[predicate]; ok {
		return n
	}
	return s.PredicateDegrees[predicate]
}

// p99 is the 99th percentile of counts over n objects, the objects not in
// counts holding none.
func p99(counts []int, n int) int {
	if len(counts) == 0 || n == 0 {
		return 0
	}
	slices.Sort(counts)
	// the value below which 99% of the n objects fall: objects holding
	// none sit below all of counts
	rank := n - 1 - (n-1)/100
	if i := rank - (n - len(counts)); i >= 0 {
		return counts[i]
	}
	return 0
}
