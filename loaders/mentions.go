package loaders

import (
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/mention"
)

// deriveMentions links every paragraph to the entities whose name or textual
// alias occurs in it (see package mention for how labels match).
func deriveMentions(ds *domain.Dataset) {
	m := mention.New(ds.Entities)
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			p.Mentions = mention.IDs(m.Spans(p.Text))
		}
	}
}
