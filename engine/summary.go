package engine

import (
	"slices"
	"sort"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/mention"
)

// Stats counts what the graph holds.
type Stats struct {
	Entities, Relations, Evidence, Documents, Paragraphs, Mentions int
	ByKind                                                         map[domain.Kind]int
	ByPredicate                                                    map[string]int
}

// Summarize measures a dataset as it will be written: its counts, its
// longest lists and texts, and its timeline. It reads the dataset and
// changes nothing in it.
func Summarize(ds *domain.Dataset) *Summary {
	sum := &Summary{Hash: ds.Hash, Source: ds.Source, Version: ds.Version}
	st := Stats{
		Entities:    len(ds.Entities),
		Relations:   len(ds.Relations),
		Documents:   len(ds.Documents),
		ByKind:      map[domain.Kind]int{},
		ByPredicate: map[string]int{},
	}
	s := Sizes{
		Entities:         len(ds.Entities),
		Relations:        len(ds.Relations),
		Documents:        len(ds.Documents),
		Predicates:       len(ds.Predicates),
		PredicateDegrees: map[string]int{},
	}
	degree := map[string]int{}
	perEntity := map[[2]string]int{}
	byPara := map[string]int{}
	for _, r := range ds.Relations {
		st.ByPredicate[r.Predicate]++
		st.Evidence += len(r.Evidence)
		degree[r.Subject]++
		perEntity[[2]string{r.Subject, r.Predicate}]++
		if r.Object != r.Subject {
			degree[r.Object]++
			perEntity[[2]string{r.Object, r.Predicate}]++
		}
		s.Evidence = max(s.Evidence, len(r.Evidence))
		seen := map[string]bool{}
		for _, e := range r.Evidence {
			s.Quote = max(s.Quote, jsonLen(e.Quote))
			if !seen[e.Paragraph] {
				seen[e.Paragraph] = true
				byPara[e.Paragraph]++
			}
		}
	}
	degrees := make([]int, 0, len(degree))
	for _, d := range degree {
		degrees = append(degrees, d)
		s.Degree = max(s.Degree, d)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(degrees)))
	s.TopDegrees = make([]int, min(len(degrees), MaxSubgraph))
	sum2 := 0
	for i := range s.TopDegrees {
		sum2 += degrees[i]
		s.TopDegrees[i] = sum2
	}
	s.DegreeP99 = p99(slices.Clone(degrees), len(ds.Entities))
	byPred := map[string][]int{}
	for k, n := range perEntity {
		s.PredicateDegrees[k[1]] = max(s.PredicateDegrees[k[1]], n)
		byPred[k[1]] = append(byPred[k[1]], n)
	}
	s.PredicateDegreesP99 = map[string]int{}
	for p, ns := range byPred {
		s.PredicateDegreesP99[p] = p99(ns, len(ds.Entities))
	}
	evidence := make([]int, len(ds.Relations))
	for i, r := range ds.Relations {
		evidence[i] = len(r.Evidence)
	}
	s.EvidenceP99 = p99(evidence, len(ds.Relations))
	for _, n := range byPara {
		s.ParagraphRels = max(s.ParagraphRels, n)
	}

	// quotes counts each paragraph's evidence items, of relations and facts
	quotes := map[string]int{}
	for _, r := range ds.Relations {
		for _, e := range r.Evidence {
			quotes[e.Paragraph]++
		}
	}
	for _, e := range ds.Entities {
		for _, f := range e.Facts {
			quotes[f.Evidence.Paragraph]++
		}
	}
	for _, n := range quotes {
		s.ParagraphQuotes = max(s.ParagraphQuotes, n)
	}
	matcher := mention.New(ds.Entities)

	mentioned := map[string]int{}
	children, callers := map[string]int{}, map[string]int{}
	for _, d := range ds.Documents {
		st.Paragraphs += len(d.Paragraphs)
		s.Paragraphs = max(s.Paragraphs, len(d.Paragraphs))
		s.Title = max(s.Title, jsonLen(d.Title))
		for _, p := range d.Paragraphs {
			s.ParagraphNotes = max(s.ParagraphNotes, len(p.Notes))
			if p.Parent != "" {
				children[p.Parent]++
				s.ParagraphChildren = max(s.ParagraphChildren, children[p.Parent])
			}
			for _, n := range p.Notes {
				callers[n]++
				s.NoteCallers = max(s.NoteCallers, callers[n])
			}
			s.ParagraphMentions = max(s.ParagraphMentions, len(p.Mentions))
			s.ParagraphSpans = max(s.ParagraphSpans, len(matcher.SpansOf(p.Text, p.Mentions)))
			s.ParagraphText = max(s.ParagraphText, jsonLen(p.Text))
			seen := map[string]bool{}
			for _, m := range p.Mentions {
				if !seen[m] {
					seen[m] = true
					mentioned[m]++
					st.Mentions++
				}
			}
		}
	}
	mentions := make([]int, 0, len(mentioned))
	for _, n := range mentioned {
		s.EntityMentions = max(s.EntityMentions, n)
		mentions = append(mentions, n)
	}
	s.EntityMentionsP99 = p99(mentions, len(ds.Entities))

	for _, e := range ds.Entities {
		st.ByKind[e.Kind]++
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
	for _, p := range ds.Predicates {
		s.Definition = max(s.Definition, jsonLen(p.Definition))
	}
	sum.Stats, sum.Sizes = st, s
	sum.Timeline = timeline(ds.Entities)
	return sum
}

// timeline orders the timeline facts of the entities: dated ones by the
// first day they may mean, then entity id; then the undated ones.
func timeline(ents []*domain.Entity) []MomentRef {
	ents = append([]*domain.Entity(nil), ents...)
	sort.Slice(ents, func(i, j int) bool { return ents[i].ID < ents[j].ID })
	var dated, rest []MomentRef
	for _, e := range ents {
		for i, f := range e.Facts {
			if !isTimelineKey(f.Key) {
				continue
			}
			m := MomentRef{Entity: e.ID, Fact: i, Date: f.Date, Kind: e.Kind, Key: f.Key}
			if f.Date == "" {
				rest = append(rest, m)
			} else {
				dated = append(dated, m)
			}
		}
	}
	sort.SliceStable(dated, func(i, j int) bool {
		a, _ := bounds(dated[i].Date)
		b, _ := bounds(dated[j].Date)
		return a < b
	})
	return append(dated, rest...)
}
