package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/digidip/digidip/cite"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/graph/model"
)

// citeFormats are the schema's citation formats as package cite names
// them.
var citeFormats = map[model.CitationFormat]cite.Format{
	model.CitationFormatCslJSON:       cite.CSLJSON,
	model.CitationFormatBibtex:        cite.BibTeX,
	model.CitationFormatRis:           cite.RIS,
	model.CitationFormatText:          cite.Text,
	model.CitationFormatWebAnnotation: cite.WebAnnotation,
}

// citeSource reads a citation's entities and paragraphs through the
// request's loaders, so that the citations of a list of relations cost one
// lookup of each, not one per relation.
type citeSource struct{ *engine.Graph }

func (s citeSource) EntitiesByID(ctx context.Context, ids []string) ([]*domain.Entity, error) {
	return entitiesByID(ctx, s.Graph, ids)
}

func (s citeSource) ParagraphsByID(ctx context.Context, ids []string) ([]*domain.Paragraph, error) {
	return paragraphsByID(ctx, s.Graph, ids)
}

// citation formats r, or its one evidence item only, in f.
func citation(ctx context.Context, g *engine.Graph, r *domain.Relation, only *domain.Evidence, f model.CitationFormat) (string, error) {
	cf, ok := citeFormats[f]
	if !ok {
		return "", fmt.Errorf("citation format %q: %w", f, domain.ErrInvalidArgument)
	}
	c, err := cite.Gather(ctx, citeSource{g}, r, only)
	if err != nil {
		return "", err
	}
	// links relative to the API's origin, which a resolver does not know
	b, err := cite.Write(c, cf, cite.Options{})
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// evidenceRelation is the relation whose evidence list holds the evidence
// being resolved: its citeId names the relation too. The evidence type
// is domain.Evidence, which does not know its relation; the field context
// does, when the evidence came from Relation.evidence: the item's list is
// that field, and the field's parent resolved the relation. A fact's
// evidence, or a predicate's example, has none: nil.
func evidenceRelation(ctx context.Context, e *domain.Evidence) *domain.Relation {
	fc := graphql.GetFieldContext(ctx)
	for range 2 { // the field itself, then the list's item
		if fc == nil {
			return nil
		}
		fc = fc.Parent
	}
	if fc == nil || fc.Object != "Relation" || fc.Field.Name != "evidence" || fc.Parent == nil {
		return nil
	}
	var r *domain.Relation
	switch v := fc.Parent.Result.(type) {
	case *domain.Relation:
		r = v
	case **domain.Relation:
		r = *v
	}
	if r == nil {
		return nil
	}
	for i := range r.Evidence {
		if r.Evidence[i] == *e {
			return r
		}
	}
	return nil
}
