package engine

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"
)

// MaxSuggestions is how many ids a NOT_FOUND error suggests at most.
const MaxSuggestions = 3

// NotFound is the error of an id that names no object of what ("entity",
// "document", "paragraph", "relation"), with up to MaxSuggestions ids it
// may have meant: the ids a typo away (for a relation, among those of its
// subject and object), and for an entity those whose name matches the text
// (an id given as a name, "Global Gateway"); for a paragraph, those with
// that number in any document ("4.A").
func (g *Graph) NotFound(ctx context.Context, what, id string) error {
	err := &domain.NotFoundError{What: what, ID: id}
	add := func(ids ...string) {
		for _, s := range ids {
			if len(err.Suggestions) < MaxSuggestions && s != id && !slices.Contains(err.Suggestions, s) {
				err.Suggestions = append(err.Suggestions, s)
			}
		}
	}
	switch what {
	case "entity":
		ix, e := g.searchIndex(ctx)
		if e != nil {
			return e
		}
		add(domain.Nearest(ctx, id, func(yield func(string) bool) {
			for _, n := range ix.entities {
				if !yield(n.ID) {
					return
				}
			}
		}, MaxSuggestions)...)
		// a name for an id: the entities whose name, alias or common name
		// starts with the text (search also ranks substrings, too loose
		// to suggest)
		if q := normalize(id); len(err.Suggestions) < MaxSuggestions && utf8.RuneCountInString(q) >= 3 {
			found, e := g.Search(ctx, id, nil, 2*MaxSuggestions)
			if e != nil {
				return e
			}
			for _, f := range found {
				if slices.ContainsFunc(slices.Concat([]string{f.Name}, f.Aliases, f.Common), func(n string) bool {
					return strings.HasPrefix(normalize(n), q)
				}) {
					add(f.ID)
				}
			}
		}
	case "document":
		for _, d := range g.documents {
			if strings.HasPrefix(d.ID, id) { // "council" for council-2023
				add(d.ID)
			}
		}
		add(domain.Nearest(ctx, id, func(yield func(string) bool) {
			for _, d := range g.documents {
				if !yield(d.ID) {
					return
				}
			}
		}, MaxSuggestions)...)
	case "paragraph":
		t, e := g.tree(ctx)
		if e != nil {
			return e
		}
		number := id
		if _, n, ok := strings.Cut(id, ":"); ok {
			number = n
		}
		add(t.byNumber[number]...)
		add(domain.Nearest(ctx, id, slices.Values(t.ids), MaxSuggestions)...)
	case "relation":
		// the relations of its subject and of its object: a typo is in one
		// part of subject/predicate/object, so one end is right
		parts := strings.Split(id, "/")
		ends := []string{parts[0], parts[len(parts)-1]}
		lists, e := g.r.Edges(ctx, ends[:1], Out, nil)
		if e != nil {
			return e
		}
		in, e := g.r.Edges(ctx, ends[1:], In, nil)
		if e != nil {
			return e
		}
		add(domain.Nearest(ctx, id, func(yield func(string) bool) {
			for _, l := range [][]Edge{lists[0], in[0]} {
				for _, x := range l {
					if !yield(x.ID) {
						return
					}
				}
			}
		}, MaxSuggestions)...)
	}
	return err
}

// CheckEntities returns a NotFound error for the first id that names no
// entity; "" is skipped.
func (g *Graph) CheckEntities(ctx context.Context, ids ...string) error {
	ids = slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == "" })
	if len(ids) == 0 {
		return nil
	}
	es, err := g.r.Entities(ctx, ids)
	if err != nil {
		return err
	}
	for i, e := range es {
		if e == nil {
			return g.NotFound(ctx, "entity", ids[i])
		}
	}
	return nil
}

// CheckDocument returns a NotFound error when id ("" aside) names no
// document.
func (g *Graph) CheckDocument(ctx context.Context, id string) error {
	if id == "" || g.docByID[id] != nil {
		return nil
	}
	return g.NotFound(ctx, "document", id)
}

// CheckParagraph returns a NotFound error when id ("" aside) names no
// paragraph.
func (g *Graph) CheckParagraph(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	p, err := g.Paragraph(ctx, id)
	if err != nil || p != nil {
		return err
	}
	return g.NotFound(ctx, "paragraph", id)
}

// CheckFilter returns a NotFound error for the first id of f that names
// nothing, so that a misspelt filter is told apart from one that matches
// nothing.
func (g *Graph) CheckFilter(ctx context.Context, f RelationFilter) error {
	if err := g.CheckEntities(ctx, f.Subject, f.Object, f.Entity); err != nil {
		return err
	}
	if err := g.CheckDocument(ctx, f.Document); err != nil {
		return err
	}
	return g.CheckParagraph(ctx, f.Paragraph)
}
