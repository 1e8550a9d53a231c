package engine

import (
	"context"
	"fmt"

	"github.com/digidip/digidip/domain"
)

// paragraphTree is the shape of every document's paragraphs, read once per
// graph on first use: which paragraph encloses which, which calls which
// footnote, and every id, for the tree both ways and for suggestions.
type paragraphTree struct {
	ids      []string            // every paragraph, documents in id order, each in reading order
	children map[string][]string // paragraph -> its sub-points, in reading order
	callers  map[string][]string // footnote -> the paragraphs that call it, in reading order
	byNumber map[string][]string // number ("4.A") -> the paragraphs with it, in document order
	pos      map[string]int      // paragraph -> its index in ids: reading order across documents
}

// tree reads the paragraph tree once; a failure is not kept.
func (g *Graph) tree(ctx context.Context) (*paragraphTree, error) {
	g.treeMu.Lock()
	defer g.treeMu.Unlock()
	if g.paraTree != nil {
		return g.paraTree, nil
	}
	t := &paragraphTree{children: map[string][]string{}, callers: map[string][]string{}, byNumber: map[string][]string{}, pos: map[string]int{}}
	docs := make([]string, len(g.documents))
	for i, d := range g.documents {
		docs[i] = d.ID
	}
	lists, err := g.r.DocumentParagraphs(ctx, docs)
	if err != nil {
		return nil, fmt.Errorf("paragraph tree: %w", err)
	}
	for _, ids := range lists {
		ps, err := g.r.Paragraphs(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("paragraph tree: %w", err)
		}
		for _, p := range compact(ps) {
			t.pos[p.ID] = len(t.ids)
			t.ids = append(t.ids, p.ID)
			t.byNumber[p.Number] = append(t.byNumber[p.Number], p.ID)
			if p.Parent != "" {
				t.children[p.Parent] = append(t.children[p.Parent], p.ID)
			}
			for _, n := range p.Notes {
				t.callers[n] = append(t.callers[n], p.ID)
			}
		}
	}
	g.paraTree = t
	return t, nil
}

// Children lists a paragraph's sub-points (4.A to 4.H of 4) in reading
// order, at most limit of them (all when limit < 0).
func (g *Graph) Children(ctx context.Context, id string, limit int) ([]*domain.Paragraph, error) {
	t, err := g.tree(ctx)
	if err != nil {
		return nil, err
	}
	return g.paragraphs(ctx, t.children[id], limit)
}

// CalledFrom lists the paragraphs that call a footnote, in reading order,
// at most limit of them (all when limit < 0).
func (g *Graph) CalledFrom(ctx context.Context, id string, limit int) ([]*domain.Paragraph, error) {
	t, err := g.tree(ctx)
	if err != nil {
		return nil, err
	}
	return g.paragraphs(ctx, t.callers[id], limit)
}

// Subtree lists a paragraph and every paragraph under it, in reading order
// of a walk from the top (4, 4.A, 4.B, …); just the id when it has none.
func (g *Graph) Subtree(ctx context.Context, id string) ([]string, error) {
	t, err := g.tree(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{id}
	seen := map[string]bool{id: true}
	for i := 0; i < len(out); i++ {
		for _, c := range t.children[out[i]] {
			if !seen[c] { // the loaders refuse loops; a store is not trusted to
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}
