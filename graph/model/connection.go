package model

import (
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// RelationConnection is a page of relations and the whole list it is a
// page of, from which its counts and groups are read.
type RelationConnection struct {
	Edges      []*RelationEdge
	Nodes      []*domain.Relation
	PageInfo   *PageInfo
	TotalCount int
	// All lists every relation that matched, by id, not only this page.
	All []engine.Edge
}

// RelationAggregate is every relation a filter kept, for counting.
type RelationAggregate struct {
	Count int
	All   []engine.Edge
}

// EntityAggregate is every entity a filter kept, by id, for counting.
type EntityAggregate struct {
	Count int
	IDs   []string
}

// TextHit is a paragraph a full-text search matched.
type TextHit struct {
	Paragraph  string // id
	Score      float64
	Snippet    string
	Start, End int
	Matches    []*TextSpan
}

// TextSpan is a matched stretch of a paragraph's text, in code points.
type TextSpan struct {
	Start, End int
	Text       string
}
