package engine

import (
	"context"
	"slices"
	"strings"

	"github.com/digidip/digidip/domain"
)

// Comparison is what two documents share and what sets them apart: the
// entities their paragraphs name and the relations their evidence states,
// each list in id order.
type Comparison struct {
	A, B  *domain.Document
	OnlyA Side // named or stated in A and not in B
	OnlyB Side
	Both  Side
}

// Side is one part of a comparison.
type Side struct {
	Entities  []string
	Relations []Edge
}

// Compare compares two documents by the entities they name and the
// relations they state. An id that names no document is a NotFound error.
func (g *Graph) Compare(ctx context.Context, a, b string) (*Comparison, error) {
	for _, id := range []string{a, b} {
		if err := g.CheckDocument(ctx, id); err != nil {
			return nil, err
		}
	}
	c := &Comparison{A: g.docByID[a], B: g.docByID[b]}
	lists, err := g.r.DocumentParagraphs(ctx, []string{a, b})
	if err != nil {
		return nil, err
	}
	var named [2][]string
	for i, ids := range lists {
		ps, err := g.r.Paragraphs(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range compact(ps) {
			named[i] = append(named[i], p.Mentions...)
		}
		slices.Sort(named[i])
		named[i] = slices.Compact(named[i])
	}
	c.OnlyA.Entities, c.Both.Entities, c.OnlyB.Entities = split(named[0], named[1], strings.Compare)
	ra, err := g.r.EdgesBy(ctx, EdgeKey{Document: a})
	if err != nil {
		return nil, err
	}
	rb, err := g.r.EdgesBy(ctx, EdgeKey{Document: b})
	if err != nil {
		return nil, err
	}
	c.OnlyA.Relations, c.Both.Relations, c.OnlyB.Relations = split(ra, rb, func(x, y Edge) int { return strings.Compare(x.ID, y.ID) })
	return c, nil
}

// split walks two sorted lists without repeats once, into what only the
// first holds, what both hold and what only the second holds.
func split[T any](a, b []T, cmp func(T, T) int) (onlyA, both, onlyB []T) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && cmp(a[i], b[j]) < 0:
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || cmp(a[i], b[j]) > 0:
			onlyB = append(onlyB, b[j])
			j++
		default:
			both = append(both, a[i])
			i, j = i+1, j+1
		}
	}
	return onlyA, both, onlyB
}

// CommonNeighbours lists, in id order, the entities that two entities both
// reach by their relations in a direction, optionally only of some
// predicates and of some kinds: the topics two partnerships both concern,
// the actors two commitments both call on. An id that names no entity is a
// NotFound error.
func (g *Graph) CommonNeighbours(ctx context.Context, a, b string, dir Direction, predicates []string, kinds []domain.Kind) ([]string, error) {
	if err := g.CheckEntities(ctx, a, b); err != nil {
		return nil, err
	}
	var ends [2][]string
	for i, id := range []string{a, b} {
		edges, err := g.Neighbours(ctx, id, dir, predicates)
		if err != nil {
			return nil, err
		}
		for _, e := range edges {
			other := e.Object
			if e.Object == id && (dir == In || e.Subject != id) {
				other = e.Subject
			}
			ends[i] = append(ends[i], other)
		}
		slices.Sort(ends[i])
		ends[i] = slices.Compact(ends[i])
	}
	_, both, _ := split(ends[0], ends[1], strings.Compare)
	keep := domain.FilterKinds(kinds)
	if len(kinds) == 0 || len(both) == 0 {
		return both, nil
	}
	es, err := g.r.Entities(ctx, both)
	if err != nil {
		return nil, err
	}
	out := both[:0:0]
	for i, e := range es {
		if e != nil && keep.Keeps(e.Kind) {
			out = append(out, both[i])
		}
	}
	return out, nil
}
