package graph

import "github.com/digidip/digidip/graph/model"

// Fixed bounds for lists that take no `first`: the most such a list holds
// in the data digidip serves, rounded up, so that the cost of a query
// counts them.
const (
	boundEvidence   = 5
	boundFacts      = 5
	boundMentions   = 10
	boundNeighbours = 10
	boundParagraphs = 50
	boundDocuments  = 5
	boundPredicates = 30
	boundNotes      = 3
	boundPathSteps  = 7
	boundCounts     = 20
	boundTimeline   = 100
)

func firstOr(first *int, def int) int {
	if first == nil || *first < 1 {
		return def
	}
	return *first
}

func list(n, child int) int { return 1 + capMul(n, child) }

// Complexity gives every list field its cost: `first` (or a fixed bound)
// times the cost of what is under it. Without these gqlgen counts a list as
// one object, and four nested `first: 100` lists pass as cheap.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Entities = func(child int, _ *model.Kind, first *int, _ *string) int {
		return list(firstOr(first, DefaultFirst), child)
	}
	c.Query.Search = func(child int, _ string, _ []model.Kind, first *int) int {
		return list(firstOr(first, 10), child)
	}
	c.Query.Relations = func(child int, _ *model.Predicate, _, _, _, _ *string, first *int, _ *string) int {
		return list(firstOr(first, DefaultFirst), child)
	}
	c.Query.Path = func(child int, _, _ string, _ *int, _ []model.Predicate, first *int) int {
		return list(firstOr(first, 3), child)
	}
	c.Query.Subgraph = func(child int, _ []string, _ *int, _ []model.Predicate, _ []model.Kind, maxNodes *int) int {
		return list(firstOr(maxNodes, 200), child)
	}
	c.Query.Documents = func(child int) int { return list(boundDocuments, child) }
	c.Query.Predicates = func(child int) int { return list(boundPredicates, child) }
	c.Query.Timeline = func(child int, _, _ *string, _ []model.Kind, _ *bool) int { return list(boundTimeline, child) }

	c.Entity.Relations = func(child int, _ *model.Predicate, _ *model.Direction, first *int, _ *string) int {
		return list(firstOr(first, DefaultFirst), child)
	}
	c.Entity.Neighbours = func(child int, _ model.Predicate, _ *model.Direction, first *int) int {
		return list(firstOr(first, DefaultFirst), child)
	}
	c.Entity.Mentions = func(child int) int { return list(boundMentions, child) }
	c.Entity.Facts = func(child int, _ *string) int { return list(boundFacts, child) }
	c.Entity.CalledOn = func(child int) int { return list(boundNeighbours, child) }
	c.Entity.Funders = func(child int) int { return list(boundNeighbours, child) }
	c.Entity.Funds = func(child int) int { return list(boundNeighbours, child) }
	c.Entity.Partners = func(child int) int { return list(boundNeighbours, child) }

	c.Relation.Evidence = func(child int, _, _ *string) int { return list(boundEvidence, child) }
	c.Document.Paragraphs = func(child int) int { return list(boundParagraphs, child) }
	c.Paragraph.Mentions = func(child int) int { return list(boundMentions*2, child) }
	c.Paragraph.Notes = func(child int) int { return list(boundNotes, child) }
	c.Paragraph.Relations = func(child int, _ *model.Predicate, first *int, _ *string) int {
		return list(firstOr(first, DefaultFirst), child)
	}
	c.Path.Steps = func(child int) int { return list(boundPathSteps, child) }
	c.Path.Nodes = func(child int) int { return list(boundPathSteps+1, child) }
	c.Stats.ByKind = func(child int) int { return list(boundCounts, child) }
	c.Stats.ByPredicate = func(child int) int { return list(boundCounts, child) }
	return c
}
