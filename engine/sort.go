package engine

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/digidip/digidip/domain"
)

// Order names what a list is sorted by.
type Order int

// Orders. Entities sort by ID, Name, Kind, Degree or DocumentOrder;
// relations by ID, Predicate, Subject and Object (their names),
// DocumentOrder or Sources.
const (
	ByID Order = iota
	ByName
	ByKind
	ByDegree
	ByDocumentOrder
	ByPredicate
	BySubject
	ByObject
	BySources
)

// SortKey is one key of a sort: what, and whether largest first.
type SortKey struct {
	By   Order
	Desc bool
}

// unplaced sorts after every paragraph position, in either direction: what
// no paragraph names comes last.
const unplaced = math.MaxInt

// SortEntities orders ids by keys, then by id.
func (g *Graph) SortEntities(ctx context.Context, ids []string, keys []SortKey) ([]string, error) {
	if len(keys) == 0 {
		return ids, nil
	}
	cols := make([][]any, len(keys))
	for k, key := range keys {
		col, err := g.entityColumn(ctx, ids, key.By)
		if err != nil {
			return nil, err
		}
		cols[k] = col
	}
	return sortBy(ids, keys, cols, func(id string) string { return id }), nil
}

// SortRelations orders edges by keys, then by id.
func (g *Graph) SortRelations(ctx context.Context, edges []Edge, keys []SortKey) ([]Edge, error) {
	if len(keys) == 0 {
		return edges, nil
	}
	cols := make([][]any, len(keys))
	for k, key := range keys {
		col, err := g.relationColumn(ctx, edges, key.By)
		if err != nil {
			return nil, err
		}
		cols[k] = col
	}
	return sortBy(edges, keys, cols, func(e Edge) string { return e.ID }), nil
}

// sortBy sorts items by their values in cols (ints or strings), key by
// key, then by id.
func sortBy[T any](items []T, keys []SortKey, cols [][]any, id func(T) string) []T {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		for k, key := range keys {
			var c int
			switch x := cols[k][a].(type) {
			case int:
				y := cols[k][b].(int)
				if x == unplaced || y == unplaced {
					c = cmp.Compare(x, y) // last either way
				} else if c = cmp.Compare(x, y); key.Desc {
					c = -c
				}
			case string:
				if c = cmp.Compare(x, cols[k][b].(string)); key.Desc {
					c = -c
				}
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(id(items[a]), id(items[b]))
	})
	out := make([]T, len(items))
	for i, j := range idx {
		out[i] = items[j]
	}
	return out
}

func (g *Graph) entityColumn(ctx context.Context, ids []string, by Order) ([]any, error) {
	col := make([]any, len(ids))
	switch by {
	case ByName, ByKind:
		es, err := g.r.Entities(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i, e := range es {
			switch {
			case e == nil && by == ByName:
				col[i] = ""
			case e == nil:
				col[i] = unplaced
			case by == ByName:
				col[i] = normalize(e.Name)
			default:
				col[i] = slices.Index(domain.Kinds, e.Kind)
			}
		}
	case ByDegree:
		ds, err := g.r.Degrees(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i, d := range ds {
			col[i] = d
		}
	case ByDocumentOrder:
		ms, err := g.r.Mentions(ctx, ids)
		if err != nil {
			return nil, err
		}
		t, err := g.tree(ctx)
		if err != nil {
			return nil, err
		}
		for i, m := range ms {
			col[i] = unplaced
			for _, p := range m {
				if at, ok := t.pos[p]; ok {
					col[i] = min(col[i].(int), at)
				}
			}
		}
	default:
		for i, id := range ids {
			col[i] = id
		}
	}
	return col, nil
}

func (g *Graph) relationColumn(ctx context.Context, edges []Edge, by Order) ([]any, error) {
	col := make([]any, len(edges))
	switch by {
	case ByPredicate:
		for i, e := range edges {
			col[i] = e.Predicate
		}
	case BySubject, ByObject:
		ends := make([]string, len(edges))
		for i, e := range edges {
			ends[i] = e.Subject
			if by == ByObject {
				ends[i] = e.Object
			}
		}
		names, err := g.entityColumn(ctx, ends, ByName)
		if err != nil {
			return nil, err
		}
		copy(col, names)
	case ByDocumentOrder, BySources:
		rs, err := g.r.Relations(ctx, ids(edges))
		if err != nil {
			return nil, err
		}
		t, err := g.tree(ctx)
		if err != nil {
			return nil, err
		}
		for i, r := range rs {
			if r == nil {
				col[i] = unplaced
				continue
			}
			if by == BySources {
				col[i] = sources(r)
				continue
			}
			// a paragraph's position, then the quote's start within it
			col[i] = unplaced
			for _, e := range r.Evidence {
				if at, ok := t.pos[e.Paragraph]; ok && at < unplaced/(1<<24) {
					col[i] = min(col[i].(int), at<<24|min(e.Start, 1<<24-1))
				}
			}
		}
	default:
		for i, e := range edges {
			col[i] = e.ID
		}
	}
	return col, nil
}
