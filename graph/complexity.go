package graph

import (
	"cmp"
	"strings"

	"github.com/digidip/digidip/cite"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/fulltext"
	"github.com/digidip/digidip/graph/model"
)

// CostUnitBytes is how many bytes of text cost as much as one object: a
// text field costs its longest value in the graph served, in units of this
// many bytes (at least 1), so that a cheap-looking query over long texts is
// priced by the size of its answer.
const CostUnitBytes = 256

// Page sizes of the lists that take `first` and default to their whole
// length in the data digidip ships: one max for all of them but a
// document's paragraphs, which a reader wants whole.
const (
	DefaultFirstAll   = 100
	MaxFirstParagraph = 1000
)

// textCost prices a text of at most n bytes.
func textCost(n int) int { return max(1, (n+CostUnitBytes-1)/CostUnitBytes) }

// firstOr is the page size a list will have: `first`, or its default.
func firstOr(first *int, def int) int {
	if first == nil || *first < 1 {
		return def
	}
	return *first
}

// list prices a list of at most n items, each costing child.
func list(n, child int) int { return capAdd(1, capMul(n, child)) }

// Complexity prices every field whose size depends on the data: a list
// costs the most items it may return (its `first`, but no more than the
// longest such list in the graph served) times the cost of one item, and a
// text its longest value in cost units. Without these gqlgen counts a list
// as one object and a 2 KB paragraph as one field. sizes gives the graph
// being served; the server passes its store's current graph.
func Complexity(sizes func() *engine.Sizes) ComplexityRoot {
	// upTo prices a list of `first` items, no longer than the longest the
	// graph holds.
	upTo := func(first *int, def int, longest func(*engine.Sizes) int, child int) int {
		return list(min(firstOr(first, def), longest(sizes())), child)
	}
	text := func(longest func(*engine.Sizes) int) func(int) int {
		return func(int) int { return textCost(longest(sizes())) }
	}
	var (
		entities   = func(s *engine.Sizes) int { return s.Entities }
		relations  = func(s *engine.Sizes) int { return s.Relations }
		documents  = func(s *engine.Sizes) int { return s.Documents }
		predicates = func(s *engine.Sizes) int { return s.Predicates }
		moments    = func(s *engine.Sizes) int { return s.Moments }
	)

	var c ComplexityRoot
	c.Query.Entities = func(child int, _ *model.Kind, _ *model.EntityWhere, _ []*model.EntitySort, first *int, _ *string) int {
		return upTo(first, DefaultFirst, entities, child)
	}
	c.Query.Search = func(child int, _ string, _ []model.Kind, first *int) int {
		return upTo(first, 10, entities, child)
	}
	c.Query.SearchText = func(child int, _ string, _ []string, first *int, _ *string) int {
		return upTo(first, 10, func(s *engine.Sizes) int { return s.Paragraphs * s.Documents }, child)
	}
	c.TextHit.Matches = func(child int) int { return list(maxMatches, child) }
	c.TextHit.Entities = func(child int, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return s.ParagraphMentions }, child)
	}
	// A snippet is SnippetLength code points, at most 4 bytes each. A span
	// is one word or one phrase of the query as the text writes it:
	// stemming and prefixes lengthen its words, but not past twice the
	// longest query.
	c.TextHit.Snippet = func(int) int { return textCost(4 * fulltext.SnippetLength) }
	c.TextSpan.Text = text(func(s *engine.Sizes) int { return min(s.ParagraphText, 2*4*maxSearchText) })
	c.Query.Relations = func(child int, _ *model.Predicate, _, _, _ *string, _, _ []model.Kind, _, _ *string, _ *bool, _ *model.RelationWhere, _ []*model.RelationSort, first *int, _ *string) int {
		return upTo(first, DefaultFirst, relations, child)
	}
	c.Query.Path = func(child int, _, _ string, _ *int, _ []model.Predicate, first *int) int {
		return list(firstOr(first, 3), child)
	}
	c.Query.Documents = func(child int, first *int) int { return upTo(first, DefaultFirstAll, documents, child) }
	c.Query.Predicates = func(child int, first *int) int { return upTo(first, DefaultFirstAll, predicates, child) }
	c.Query.CommonNeighbours = func(child int, _, _ string, _ *model.Predicate, _ *model.Direction, _ []model.Kind, _ *model.EntityWhere, first *int) int {
		return upTo(first, DefaultFirstAll, entities, child)
	}
	c.RelationConnection.GroupBy = func(child int, _ model.RelationKey, first *int) int {
		return upTo(first, DefaultFirstAll, relations, child)
	}
	c.RelationAggregate.GroupBy = func(child int, _ model.RelationKey, first *int) int {
		return upTo(first, DefaultFirstAll, relations, child)
	}
	c.EntityAggregate.GroupBy = func(child int, _ model.EntityKey, first *int) int {
		return upTo(first, DefaultFirstAll, entities, child)
	}
	c.ComparisonSide.Entities = func(child int, _ []model.Kind, _ *model.EntityWhere, first *int, _ *string) int {
		return upTo(first, DefaultFirst, entities, child)
	}
	c.ComparisonSide.Relations = func(child int, _ *model.Predicate, _ *model.RelationWhere, first *int, _ *string) int {
		return upTo(first, DefaultFirst, relations, child)
	}
	c.Query.Timeline = func(child int, _, _ *string, _ []model.Kind, _ *bool, first *int) int {
		return upTo(first, DefaultFirstAll, moments, child)
	}

	// An entity's relations of one predicate: no more than any entity has.
	byPredicate := func(p string) func(*engine.Sizes) int {
		return func(s *engine.Sizes) int { return s.PredicateDegree(p) }
	}
	c.Entity.Relations = func(child int, p *model.Predicate, _ *model.Direction, _, _ *string, _ *bool, _ []model.Kind, _ *model.RelationWhere, _ []*model.RelationSort, first *int, _ *string) int {
		return upTo(first, DefaultFirst, byPredicate(strings.Join(optPredicate(p), "")), child)
	}
	c.Entity.Neighbours = func(child int, p model.Predicate, _ *model.Direction, _ []model.Kind, _ *model.EntityWhere, first *int) int {
		return upTo(first, DefaultFirst, byPredicate(PredicateID(p)), child)
	}
	c.Entity.Mentions = func(child int, _ *string, _ *model.ParagraphWhere, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return s.EntityMentions }, child)
	}
	c.Entity.Facts = func(child int, _ *string, _ *model.FactWhere, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return s.Facts }, child)
	}
	shortcut := func(p string) func(int, *model.EntityWhere, *int) int {
		return func(child int, _ *model.EntityWhere, first *int) int {
			return upTo(first, DefaultFirstAll, byPredicate(p), child)
		}
	}
	c.Entity.CalledOn = shortcut("calls-on")
	c.Entity.Funders = shortcut("funds")
	c.Entity.Funds = shortcut("funds")
	c.Entity.Partners = shortcut("partners-with")
	c.Entity.Name = text(func(s *engine.Sizes) int { return s.Name })
	c.Entity.Description = text(func(s *engine.Sizes) int { return s.Description })
	c.Entity.Aliases = text(func(s *engine.Sizes) int { return s.Aliases })
	c.Entity.CommonNames = text(func(s *engine.Sizes) int { return s.CommonNames })

	c.Relation.Evidence = func(child int, _, _ *string, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return s.Evidence }, child)
	}
	c.Evidence.Quote = text(func(s *engine.Sizes) int { return s.Quote })
	// A citation holds its document's details and the quote once per
	// quote: a relation's, every item of its evidence.
	citeQuote := func(s *engine.Sizes) int { return cite.MaxQuoteBytes(s.Title, s.Quote, s.Name) }
	c.Relation.Citation = func(_ int, _ model.CitationFormat) int {
		s := sizes()
		return textCost(capMul(max(1, s.Evidence), citeQuote(s)))
	}
	c.Evidence.Citation = func(_ int, _ model.CitationFormat) int { return textCost(citeQuote(sizes())) }
	c.Fact.Text = text(func(s *engine.Sizes) int { return s.FactText })
	c.Moment.Text = text(func(s *engine.Sizes) int { return s.FactText })
	c.Document.Title = text(func(s *engine.Sizes) int { return s.Title })
	c.Document.Paragraphs = func(child int, _ *model.ParagraphWhere, first *int) int {
		return upTo(first, MaxFirstParagraph, func(s *engine.Sizes) int { return s.Paragraphs }, child)
	}
	c.Paragraph.Text = text(func(s *engine.Sizes) int { return s.ParagraphText })
	c.Paragraph.Mentions = func(child int, _ *model.EntityWhere, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return s.ParagraphMentions }, child)
	}
	c.Paragraph.Notes = func(child int, _ *model.ParagraphWhere, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return s.ParagraphNotes }, child)
	}
	c.Paragraph.Relations = func(child int, _ *model.Predicate, subtree *bool, _ *model.RelationWhere, _ []*model.RelationSort, first *int, _ *string) int {
		if subtree != nil && *subtree {
			return upTo(first, DefaultFirst, relations, child)
		}
		return upTo(first, DefaultFirst, func(s *engine.Sizes) int { return s.ParagraphRels }, child)
	}
	// A summary written before these sizes were measured has them as 0:
	// then a document's paragraphs bound them.
	c.Paragraph.Children = func(child int, _ *model.ParagraphWhere, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return cmp.Or(s.ParagraphChildren, s.Paragraphs) }, child)
	}
	c.Paragraph.CalledFrom = func(child int, _ *model.ParagraphWhere, first *int) int {
		return upTo(first, DefaultFirstAll, func(s *engine.Sizes) int { return cmp.Or(s.NoteCallers, s.Paragraphs) }, child)
	}
	// A summary written before spans and quotes were measured has them as 0:
	// then a span per byte of text, and every relation's evidence and every
	// fact quoting the paragraph, bound them.
	c.Paragraph.MentionSpans = func(child int) int {
		return list(cmp.Or(sizes().ParagraphSpans, sizes().ParagraphText), child)
	}
	c.Paragraph.Quotations = func(child int) int {
		s := sizes()
		return list(cmp.Or(s.ParagraphQuotes, capAdd(capMul(s.ParagraphRels, s.Evidence), capMul(s.Entities, s.Facts))), child)
	}
	// Counts by kind and by predicate are bounded by the schema's enums.
	c.Stats.ByKind = func(child int) int { return list(len(model.AllKind), child) }
	c.Stats.ByPredicate = func(child int) int { return list(len(model.AllPredicate), child) }
	c.PredicateInfo.Definition = text(func(s *engine.Sizes) int { return s.Definition })
	// The export's text is at most exportTextMaxBytes, whatever the data;
	// a larger file is a download.
	c.SubgraphExport.Text = func(int) int { return textCost(exportTextMaxBytes) }
	// Path and Subgraph lists are sized by their parent's arguments
	// (maxHops, maxNodes), which only the cost walk sees: see cost.go.
	return c
}
