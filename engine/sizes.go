package engine

import "sort"

// Sizes are the longest lists and texts one graph holds, measured once
// when the graph is built, so that the cost of a query can be priced from
// the data it would read rather than from bounds true of one dataset.
// Text lengths are in bytes as JSON writes them (escapes counted).
type Sizes struct {
	Entities, Relations, Documents, Predicates, Moments int

	// Longest lists under one object.
	Degree int // relations of one entity, both directions
	// relations of one predicate of one entity, both directions, by predicate
	predicateDegree   map[string]int
	EntityMentions    int // paragraphs that mention one entity
	Facts             int // facts of one entity
	Evidence          int // evidence items of one relation
	Paragraphs        int // paragraphs of one document
	ParagraphNotes    int // footnotes one paragraph calls
	ParagraphMentions int // entities one paragraph names
	ParagraphRels     int // relations one paragraph states

	// Longest texts.
	ParagraphText, Quote, FactText, Name, Description, Aliases, CommonNames, Title, Definition int

	// topDegrees[i] is the sum of the i+1 largest degrees: the most
	// relations any i+1 entities can take part in.
	topDegrees []int
}

// EdgesAmong bounds the relations among any n entities: no more than the
// graph holds, nor than the n best-connected entities take part in.
func (s *Sizes) EdgesAmong(n int) int {
	if n <= 0 || len(s.topDegrees) == 0 {
		return 0
	}
	return min(s.Relations, s.topDegrees[min(n, len(s.topDegrees))-1])
}

// PredicateDegree is the most relations of one predicate any entity takes
// part in, both directions; Degree when predicate is empty.
func (s *Sizes) PredicateDegree(predicate string) int {
	if predicate == "" {
		return s.Degree
	}
	return s.predicateDegree[predicate]
}

// Sizes reports the graph's longest lists and texts.
func (g *Graph) Sizes() *Sizes { return g.sizes }

func measureSizes(g *Graph) *Sizes {
	s := &Sizes{
		Entities:   len(g.entities),
		Relations:  len(g.relations),
		Documents:  len(g.documents),
		Predicates: len(g.predicates),
	}
	degrees := make([]int, 0, len(g.degree))
	for _, d := range g.degree {
		degrees = append(degrees, d)
		s.Degree = max(s.Degree, d)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(degrees)))
	s.topDegrees = make([]int, len(degrees))
	sum := 0
	for i, d := range degrees {
		sum += d
		s.topDegrees[i] = sum
	}
	s.predicateDegree = map[string]int{}
	perEntity := map[[2]string]int{}
	for _, r := range g.relations {
		perEntity[[2]string{r.Subject, r.Predicate}]++
		if r.Object != r.Subject {
			perEntity[[2]string{r.Object, r.Predicate}]++
		}
	}
	for k, n := range perEntity {
		s.predicateDegree[k[1]] = max(s.predicateDegree[k[1]], n)
	}
	for _, ps := range g.mentioned {
		s.EntityMentions = max(s.EntityMentions, len(ps))
	}
	for _, e := range g.entities {
		s.Facts = max(s.Facts, len(e.Facts))
		s.Name = max(s.Name, jsonLen(e.Name))
		s.Description = max(s.Description, jsonLen(e.Description))
		s.Aliases = max(s.Aliases, listLen(e.Aliases))
		s.CommonNames = max(s.CommonNames, listLen(e.Common))
		for _, f := range e.Facts {
			if isTimelineKey(f.Key) {
				s.Moments++ // a bound: undated dates are left out of the timeline
			}
			s.FactText = max(s.FactText, jsonLen(f.Text))
			s.Quote = max(s.Quote, jsonLen(f.Evidence.Quote))
		}
	}
	for _, r := range g.relations {
		s.Evidence = max(s.Evidence, len(r.Evidence))
		for _, e := range r.Evidence {
			s.Quote = max(s.Quote, jsonLen(e.Quote))
		}
	}
	for _, d := range g.documents {
		s.Paragraphs = max(s.Paragraphs, len(d.Paragraphs))
		s.Title = max(s.Title, jsonLen(d.Title))
		for _, p := range d.Paragraphs {
			s.ParagraphNotes = max(s.ParagraphNotes, len(p.Notes))
			s.ParagraphMentions = max(s.ParagraphMentions, len(p.Mentions))
			s.ParagraphText = max(s.ParagraphText, jsonLen(p.Text))
		}
	}
	for _, rs := range g.byPara {
		s.ParagraphRels = max(s.ParagraphRels, len(rs))
	}
	for _, p := range g.predicates {
		s.Definition = max(s.Definition, jsonLen(p.Definition))
	}
	return s
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
