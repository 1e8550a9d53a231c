package cayley

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/vocab"
)

// Documents implements engine.Reader: the instances of vocab:Document (one
// index scan), then each document's quads.
func (r *Reader) Documents(ctx context.Context) ([]*domain.Document, error) {
	nodes, vals, err := r.instances(ctx, vocab.ClassDocument)
	if err != nil {
		return nil, err
	}
	ps, err := r.props(ctx, nodes)
	if err != nil {
		return nil, err
	}
	var out []*domain.Document
	for i, v := range vals {
		n := vocab.ParseIRI(v)
		if n.Type != vocab.NodeDocument {
			continue
		}
		d := &domain.Document{ID: n.ID}
		for _, p := range ps[i] {
			switch p.pred {
			case vocab.DCTitle:
				d.Title = vocab.StringOf(p.val)
			case vocab.DCAlternative:
				d.Short = vocab.StringOf(p.val)
			case vocab.DCIdentifier:
				d.Reference = vocab.StringOf(p.val)
			case vocab.DCDate:
				d.Date = vocab.StringOf(p.val)
			case vocab.DCCreator:
				d.Author = vocab.StringOf(p.val)
			case vocab.PropAuthorEntity:
				d.AuthorEntity = vocab.ParseIRI(p.val).ID
			case vocab.DCSource:
				d.URL = vocab.StringOf(p.val)
			case vocab.PropSHA256:
				d.SHA256 = vocab.StringOf(p.val)
			}
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *domain.Document) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// DocumentParagraphs implements engine.Reader: each document's paragraphs
// (one index scan a document), then each paragraph's order (one each).
func (r *Reader) DocumentParagraphs(ctx context.Context, docs []string) ([][]string, error) {
	nodes, err := r.nodesOf(ctx, docs, vocab.DocumentIRI)
	if err != nil {
		return nil, err
	}
	paras, vals, err := r.linkedValues(ctx, nodes, quad.Object, vocab.DCIsPartOf, quad.Subject)
	if err != nil {
		return nil, err
	}
	return r.inReadingOrder(ctx, paras, vals)
}

// inReadingOrder lists the ids of each list of paragraphs in reading order:
// by document id, then by order in the document. The orders are read once
// a paragraph, in one batch.
func (r *Reader) inReadingOrder(ctx context.Context, paras [][]graph.Ref, vals [][]quad.Value) ([][]string, error) {
	byID := map[string]graph.Ref{}
	ids := make([][]string, len(paras))
	for i, vs := range vals {
		for j, v := range vs {
			if n := vocab.ParseIRI(v); n.Type == vocab.NodeParagraph {
				ids[i] = append(ids[i], n.ID)
				byID[n.ID] = paras[i][j]
			}
		}
	}
	order, err := r.orders(ctx, byID)
	if err != nil {
		return nil, err
	}
	for _, l := range ids {
		slices.SortFunc(l, func(a, b string) int {
			da, _, _ := strings.Cut(a, ":")
			db, _, _ := strings.Cut(b, ":")
			return cmp.Or(strings.Compare(da, db), cmp.Compare(order[a], order[b]))
		})
	}
	return ids, nil
}

// Paragraphs implements engine.Reader: each paragraph's quads, one index
// scan each. A paragraph's mentions come in the store's order of its
// quads, which on bolt and in memory is the order they were written in.
func (r *Reader) Paragraphs(ctx context.Context, ids []string) ([]*domain.Paragraph, error) {
	nodes, err := r.nodesOf(ctx, ids, vocab.ParagraphIRI)
	if err != nil {
		return nil, err
	}
	ps, err := r.props(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Paragraph, len(ids))
	for i, id := range ids {
		if !slices.ContainsFunc(ps[i], func(p prop) bool { return p.pred == vocab.RDFType && r.is(p.obj, vocab.ClassParagraph) }) {
			continue
		}
		doc, num, _ := strings.Cut(id, ":")
		p := &domain.Paragraph{ID: id, Document: doc, Number: num}
		for _, pr := range ps[i] {
			switch pr.pred {
			case vocab.PropSection:
				p.Section = vocab.StringOf(pr.val)
			case vocab.PropOrder:
				p.Order, _ = vocab.IntOf(pr.val)
			case vocab.PropText:
				p.Text = vocab.StringOf(pr.val)
			case vocab.PropParent:
				p.Parent = vocab.ParseIRI(pr.val).ID
			case vocab.PropNote:
				p.Notes = append(p.Notes, vocab.ParseIRI(pr.val).ID)
			case vocab.PropMentions:
				p.Mentions = append(p.Mentions, vocab.ParseIRI(pr.val).ID)
			}
		}
		slices.Sort(p.Notes)
		out[i] = p
	}
	return out, nil
}

// Mentions implements engine.Reader: the paragraphs that mention each
// entity (one index scan an entity), in reading order.
func (r *Reader) Mentions(ctx context.Context, entities []string) ([][]string, error) {
	nodes, err := r.nodesOf(ctx, entities, vocab.EntityIRI)
	if err != nil {
		return nil, err
	}
	paras, vals, err := r.linkedValues(ctx, nodes, quad.Object, vocab.PropMentions, quad.Subject)
	if err != nil {
		return nil, err
	}
	return r.inReadingOrder(ctx, paras, vals)
}

// Predicates implements engine.Reader: the instances of rdf:Property (one
// index scan), their quads, and their examples' evidence.
func (r *Reader) Predicates(ctx context.Context) ([]*domain.Predicate, error) {
	nodes, vals, err := r.instances(ctx, vocab.RDFProperty)
	if err != nil {
		return nil, err
	}
	ps, err := r.props(ctx, nodes)
	if err != nil {
		return nil, err
	}
	var out []*domain.Predicate
	var exNodes []graph.Ref
	var exVals []quad.Value
	var exOf []*domain.Predicate
	for i, v := range vals {
		n := vocab.ParseIRI(v)
		if n.Type != vocab.NodePredicate {
			continue
		}
		p := &domain.Predicate{ID: n.ID}
		for _, pr := range ps[i] {
			switch pr.pred {
			case vocab.RDFSLabel:
				p.Label = vocab.StringOf(pr.val)
			case vocab.PropInverse:
				p.Inverse = vocab.StringOf(pr.val)
			case vocab.SKOSDefinition:
				p.Definition = vocab.StringOf(pr.val)
			case vocab.SchemaDomainIncludes:
				if k, ok := vocab.KindOf(pr.val); ok {
					p.SubjectKinds = domain.SortKinds(append(p.SubjectKinds, k))
				}
			case vocab.SchemaRangeIncludes:
				if k, ok := vocab.KindOf(pr.val); ok {
					p.ObjectKinds = domain.SortKinds(append(p.ObjectKinds, k))
				}
			case vocab.PropExample:
				exNodes, exVals, exOf = append(exNodes, pr.obj), append(exVals, pr.val), append(exOf, p)
			}
		}
		out = append(out, p)
	}
	evs, err := r.evidence(ctx, exNodes, exVals)
	if err != nil {
		return nil, err
	}
	for i, ev := range evs {
		if ev.ok {
			exOf[i].Example = &ev.ev
		}
	}
	slices.SortFunc(out, func(a, b *domain.Predicate) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
