package engine

import (
	"context"

	"github.com/digidip/digidip/domain"
)

// Reader is what an engine answers about one generation of the graph: the
// few lookups that filters, paths, subgraphs, search, the timeline and
// exports are written against, once, in Graph. An engine holds the
// generation in memory (projection) or asks the quad store for each answer
// (cayley); nothing above this interface knows which.
//
// Methods that take a list of ids answer for all of them in one call, in the
// same order, so that a resolver asking about N entities costs one lookup
// per level rather than N. An id that names nothing gives a nil (or empty)
// entry, not an error: errors are the engine's own failures (a lost
// connection, ctx ending). Implementations are safe for concurrent use and
// never change what they return: callers may keep but must not modify it.
type Reader interface {
	// Summary is what the generation holds in counts and extremes, measured
	// once when it was written.
	Summary(ctx context.Context) (*Summary, error)

	// Entities returns the entities with those ids, facts included.
	Entities(ctx context.Context, ids []string) ([]*domain.Entity, error)
	// EntityIDs lists the ids of the entities of one kind ("" for every
	// kind), in id order.
	EntityIDs(ctx context.Context, kind domain.Kind) ([]string, error)
	// Names lists every entity's names for the search index, in id order.
	Names(ctx context.Context) ([]Name, error)
	// Degrees counts the relations each entity takes part in, either
	// direction; a relation from an entity to itself counts once.
	Degrees(ctx context.Context, ids []string) ([]int, error)

	// Edges lists, for each entity, the relations out of it (Out) or into it
	// (In), only of the given predicates when any are given, in relation-id
	// order. dir is Out or In.
	Edges(ctx context.Context, ids []string, dir Direction, predicates []string) ([][]Edge, error)
	// EdgesBy lists the relations one key selects, in relation-id order.
	EdgesBy(ctx context.Context, key EdgeKey) ([]Edge, error)
	// Relations returns the relations with those ids, their evidence in
	// reading order (document id, paragraph order, start).
	Relations(ctx context.Context, ids []string) ([]*domain.Relation, error)

	// Documents lists the documents in id order, without their paragraphs.
	Documents(ctx context.Context) ([]*domain.Document, error)
	// DocumentParagraphs lists, for each document, its paragraph ids in
	// reading order.
	DocumentParagraphs(ctx context.Context, docs []string) ([][]string, error)
	// Paragraphs returns the paragraphs with those ids.
	Paragraphs(ctx context.Context, ids []string) ([]*domain.Paragraph, error)
	// Mentions lists, for each entity, the ids of the paragraphs that
	// mention it, in reading order (document id, then paragraph order).
	Mentions(ctx context.Context, entities []string) ([][]string, error)

	// Predicates lists the defined predicates in id order.
	Predicates(ctx context.Context) ([]*domain.Predicate, error)
}

// Batched is implemented by readers that ask a store for their answers, for
// which one call about N ids costs much less than N calls: the API then
// gathers the lookups of one level of a response into one call. A reader
// that answers from memory does not implement it.
type Batched interface {
	Reader
	// Batched marks the reader; it does nothing.
	Batched()
}

// Direction chooses which relations of an entity to follow.
type Direction int

// Directions: Out follows relations whose subject is the entity, In those
// whose object it is, Both either.
const (
	Out Direction = iota
	In
	Both
)

// Edge is a relation without its evidence: enough to walk the graph.
type Edge struct {
	ID, Subject, Predicate, Object string
}

// NewEdge is the edge of a triple, with the relation id it has.
func NewEdge(subject, predicate, object string) Edge {
	return Edge{ID: domain.RelationID(subject, predicate, object), Subject: subject, Predicate: predicate, Object: object}
}

// EdgeKey selects relations by one index: those of a predicate, those whose
// evidence quotes a paragraph, or a document. The zero key selects every
// relation. At most one field is set.
type EdgeKey struct {
	Predicate, Paragraph, Document string
}

// Name is an entity as the search index sees it.
type Name struct {
	ID      string
	Kind    domain.Kind
	Name    string
	Aliases []string
	Common  []string
}

// Summary is measured once per generation, when it is written: the counts
// an API reports, the sizes its prices are made from, and the timeline's
// entries, so that no engine reads the whole graph to answer them.
type Summary struct {
	Hash   string // of the data files the generation came from
	Source string // where the data came from (see domain.Dataset)
	// Version is the data's release number (see domain.Dataset).
	Version int `json:",omitempty"`
	Stats   Stats
	Sizes   Sizes
	// Timeline lists the entities' timeline facts in time order, then the
	// undated deadlines and periods (see Graph.Timeline).
	Timeline []MomentRef
}

// MomentRef names one timeline fact: the entity and the fact's index among
// the entity's facts.
type MomentRef struct {
	Entity string
	Fact   int
	Date   string // the fact's date, "" when undated
	Kind   domain.Kind
	Key    string
}
