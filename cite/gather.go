package cite

import (
	"context"
	"fmt"
	"strings"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// Citation is what a citation names: a relation, as a sentence, and the
// quotes that state it (all of them, or the one evidence item cited).
type Citation struct {
	// ID is the cite id: a ClaimID for one quote, a RelationCiteID for a
	// relation with all its quotes.
	ID       string
	Relation *domain.Relation
	// Statement is the relation as a sentence of names: "Global Gateway
	// Digital Partnerships is implemented through Global Gateway".
	Statement string
	Quotes    []Quote
}

// Quote is one evidence item with the document and paragraph it quotes.
type Quote struct {
	ID        string // its ClaimID
	Evidence  domain.Evidence
	Document  *domain.Document
	Paragraph *domain.Paragraph
}

// Source is what a citation is read from: an *engine.Graph, or the API's
// view of one that gathers a response's lookups into batches.
type Source interface {
	Document(id string) *domain.Document
	Predicate(id string) *domain.Predicate
	EntitiesByID(ctx context.Context, ids []string) ([]*domain.Entity, error)
	ParagraphsByID(ctx context.Context, ids []string) ([]*domain.Paragraph, error)
}

var _ Source = (*engine.Graph)(nil)

// Gather reads from g what a citation of r needs: its entities' names,
// its documents and the quoted paragraphs. With only set, the citation is
// of that one evidence item of r; otherwise of r with all its evidence.
func Gather(ctx context.Context, g Source, r *domain.Relation, only *domain.Evidence) (*Citation, error) {
	ev := r.Evidence
	if only != nil {
		ev = []domain.Evidence{*only}
	}
	ents, err := g.EntitiesByID(ctx, []string{r.Subject, r.Object})
	if err != nil {
		return nil, fmt.Errorf("cite: the entities of %s: %w", r.ID, err)
	}
	paraIDs := make([]string, len(ev))
	for i, e := range ev {
		paraIDs[i] = e.Paragraph
	}
	paras, err := g.ParagraphsByID(ctx, paraIDs)
	if err != nil {
		return nil, fmt.Errorf("cite: the paragraphs of %s: %w", r.ID, err)
	}
	c := &Citation{Relation: r, Statement: statement(r, ents, g.Predicate(r.Predicate))}
	for i, e := range ev {
		doc := g.Document(e.Document)
		if doc == nil || paras[i] == nil {
			return nil, fmt.Errorf("cite: evidence %s of %s: its document or paragraph is not in the graph", e.ID(), r.ID)
		}
		c.Quotes = append(c.Quotes, Quote{ID: ClaimID(r.Subject, r.Predicate, r.Object, doc.SHA256, e), Evidence: e, Document: doc, Paragraph: paras[i]})
	}
	if only != nil {
		c.ID = c.Quotes[0].ID
	} else {
		c.ID = RelationCiteID(r, DocHashes(g))
	}
	return c, nil
}

// DocHashes gives a document's SHA-256 by id, from the documents g keeps
// in memory: a cite id costs no lookup.
func DocHashes(g Source) func(string) string {
	return func(doc string) string {
		if d := g.Document(doc); d != nil {
			return d.SHA256
		}
		return ""
	}
}

// statement is the relation as a sentence, with names where the graph
// has them and ids where it has not.
func statement(r *domain.Relation, ents []*domain.Entity, p *domain.Predicate) string {
	name := func(i int, id string) string {
		if ents[i] != nil && ents[i].Name != "" {
			return ents[i].Name
		}
		return id
	}
	return strings.Join([]string{name(0, r.Subject), domain.PredicateLabel(r.Predicate, p), name(1, r.Object)}, " ")
}
