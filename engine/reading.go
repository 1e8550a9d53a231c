package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/mention"
)

// MentionSpan is one place a paragraph names an entity, in Unicode code
// points of its text, as Evidence counts them.
type MentionSpan struct {
	Entity     string
	Start, End int
}

// Quotation is one quote of a paragraph and one thing it is evidence for:
// a relation, or an entity's fact.
type Quotation struct {
	Evidence domain.Evidence
	Relation *domain.Relation // nil for a fact's quote
	Entity   *domain.Entity   // the fact's entity; nil for a relation's quote
	Fact     *domain.Fact
}

// reading is what the reading view needs of a whole generation, built on
// first use: the loader's matcher over the graph's names, and each
// paragraph's fact quotes (no engine indexes facts by paragraph).
type reading struct {
	matcher *mention.Matcher
	facts   map[string][]Quotation // paragraph id -> its facts' quotes
}

// readingIndex builds the reading index once; a failure is not kept.
func (g *Graph) readingIndex(ctx context.Context) (*reading, error) {
	g.readMu.Lock()
	defer g.readMu.Unlock()
	if g.read != nil {
		return g.read, nil
	}
	names, err := g.r.Names(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading index: names: %w", err)
	}
	labels := make([]*domain.Entity, len(names))
	for i, n := range names {
		labels[i] = &domain.Entity{ID: n.ID, Kind: n.Kind, Name: n.Name, Aliases: n.Aliases}
	}
	ids, err := g.r.EntityIDs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("reading index: entity ids: %w", err)
	}
	es, err := g.r.Entities(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading index: entities: %w", err)
	}
	rd := &reading{matcher: mention.New(labels), facts: map[string][]Quotation{}}
	for _, e := range es {
		if e == nil {
			continue
		}
		for i := range e.Facts {
			f := &e.Facts[i]
			rd.facts[f.Evidence.Paragraph] = append(rd.facts[f.Evidence.Paragraph], Quotation{Evidence: f.Evidence, Entity: e, Fact: f})
		}
	}
	g.read = rd
	return rd, nil
}

// MentionSpans lists where the paragraph names entities, in text order:
// the matches from which the loader derived its Mentions, with positions.
func (g *Graph) MentionSpans(ctx context.Context, p *domain.Paragraph) ([]MentionSpan, error) {
	rd, err := g.readingIndex(ctx)
	if err != nil {
		return nil, err
	}
	spans := rd.matcher.SpansOf(p.Text, p.Mentions)
	out := make([]MentionSpan, len(spans))
	// spans come in text order: count code points up to each offset once
	byteAt, cp := 0, 0
	points := func(b int) int {
		cp += utf8.RuneCountInString(p.Text[byteAt:b])
		byteAt = b
		return cp
	}
	for i, s := range spans {
		out[i] = MentionSpan{Entity: s.Entity, Start: points(s.Start), End: points(s.End)}
	}
	return out, nil
}

// Quotations lists the quotes of a paragraph, each with what it is
// evidence for, by position (start, then end), relations before facts,
// then by relation id or entity id.
func (g *Graph) Quotations(ctx context.Context, paragraph string) ([]Quotation, error) {
	rd, err := g.readingIndex(ctx)
	if err != nil {
		return nil, err
	}
	edges, err := g.r.EdgesBy(ctx, EdgeKey{Paragraph: paragraph})
	if err != nil {
		return nil, fmt.Errorf("quotations of %s: %w", paragraph, err)
	}
	ids := make([]string, len(edges))
	for i, e := range edges {
		ids[i] = e.ID
	}
	rels, err := g.r.Relations(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("quotations of %s: %w", paragraph, err)
	}
	var out []Quotation
	for _, r := range rels {
		if r == nil {
			continue
		}
		for _, ev := range r.Evidence {
			if ev.Paragraph == paragraph {
				out = append(out, Quotation{Evidence: ev, Relation: r})
			}
		}
	}
	out = append(out, rd.facts[paragraph]...)
	slices.SortStableFunc(out, func(a, b Quotation) int {
		return cmp.Or(
			cmp.Compare(a.Evidence.Start, b.Evidence.Start),
			cmp.Compare(a.Evidence.End, b.Evidence.End),
			cmp.Compare(quotedID(a), quotedID(b)),
		)
	})
	return out, nil
}

// quotedID orders a relation's quote ("0" + id) before a fact's ("1" + id).
func quotedID(q Quotation) string {
	if q.Relation != nil {
		return "0" + q.Relation.ID
	}
	return "1" + q.Entity.ID
}
