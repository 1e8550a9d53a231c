package export

import (
	"iter"

	"github.com/digidip/digidip/domain"
)

// What the external tests read of a selection and a set, kept out of the
// package's API since nothing else needs it.

// Whole reports whether the selection is the whole graph, however filtered.
func (s Selection) Whole() bool { return len(s.Roots) == 0 && s.From == "" && s.To == "" }

// Nodes are the set's entities, by id.
func (s *Set) Nodes() iter.Seq[*domain.Entity] { return s.nodes }

// Edges are the set's relations, by subject and then by id.
func (s *Set) Edges() iter.Seq[*domain.Relation] { return s.edges }
