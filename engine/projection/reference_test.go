package projection_test

import (
	"context"
	"sort"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

var _ engine.Reader = (*reference)(nil)

// reference is the projection as it was before it went pointer-free: maps
// of pointers into the dataset. Its answers are what Projection must give.
type reference struct {
	sum *engine.Summary

	entityIDs  []string // in id order
	entityByID map[string]*domain.Entity
	byKind     map[domain.Kind][]string
	names      []engine.Name
	degree     map[string]int

	documents []*domain.Document // in id order, without paragraphs
	docParas  map[string][]string
	paraByID  map[string]*domain.Paragraph
	mentioned map[string][]string // entity id -> paragraph ids, in reading order

	predicates []*domain.Predicate

	edges   []engine.Edge // every relation, in id order
	relByID map[string]*domain.Relation
	out, in map[string][]engine.Edge
	byPred  map[string][]engine.Edge
	byPara  map[string][]engine.Edge
	byDoc   map[string][]engine.Edge
}

// newReference indexes ds, sorting its lists in place, as New did.
func newReference(ds *domain.Dataset) *reference {
	sum := engine.Summarize(ds)
	p := &reference{
		sum:        sum,
		entityByID: make(map[string]*domain.Entity, len(ds.Entities)),
		byKind:     map[domain.Kind][]string{},
		degree:     make(map[string]int, len(ds.Entities)),
		docParas:   map[string][]string{},
		paraByID:   map[string]*domain.Paragraph{},
		mentioned:  map[string][]string{},
		relByID:    make(map[string]*domain.Relation, len(ds.Relations)),
		out:        map[string][]engine.Edge{},
		in:         map[string][]engine.Edge{},
		byPred:     map[string][]engine.Edge{},
		byPara:     map[string][]engine.Edge{},
		byDoc:      map[string][]engine.Edge{},
	}
	ents := append([]*domain.Entity(nil), ds.Entities...)
	sort.Slice(ents, func(i, j int) bool { return ents[i].ID < ents[j].ID })
	for _, e := range ents {
		sort.Strings(e.Aliases)
		sort.Strings(e.Common)
		p.entityIDs = append(p.entityIDs, e.ID)
		p.entityByID[e.ID] = e
		p.byKind[e.Kind] = append(p.byKind[e.Kind], e.ID)
		p.names = append(p.names, engine.Name{ID: e.ID, Kind: e.Kind, Name: e.Name, Aliases: e.Aliases, Common: e.Common})
	}

	docs := append([]*domain.Document(nil), ds.Documents...)
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	order := map[string]int{}
	for _, d := range docs {
		sort.Slice(d.Paragraphs, func(i, j int) bool { return d.Paragraphs[i].Order < d.Paragraphs[j].Order })
		meta := *d
		meta.Paragraphs = nil
		p.documents = append(p.documents, &meta)
		for _, para := range d.Paragraphs {
			p.docParas[d.ID] = append(p.docParas[d.ID], para.ID)
			p.paraByID[para.ID] = para
			order[para.ID] = para.Order
			sort.Strings(para.Notes)
			seen := map[string]bool{}
			for _, m := range para.Mentions {
				if !seen[m] {
					seen[m] = true
					p.mentioned[m] = append(p.mentioned[m], para.ID)
				}
			}
		}
	}

	p.predicates = append(p.predicates, ds.Predicates...)
	sort.Slice(p.predicates, func(i, j int) bool { return p.predicates[i].ID < p.predicates[j].ID })

	rels := append([]*domain.Relation(nil), ds.Relations...)
	sort.Slice(rels, func(i, j int) bool { return rels[i].ID < rels[j].ID })
	for _, r := range rels {
		engine.SortEvidence(r.Evidence, order)
		e := engine.Edge{ID: r.ID, Subject: r.Subject, Predicate: r.Predicate, Object: r.Object}
		p.edges = append(p.edges, e)
		p.relByID[r.ID] = r
		p.out[r.Subject] = append(p.out[r.Subject], e)
		p.in[r.Object] = append(p.in[r.Object], e)
		p.degree[r.Subject]++
		if r.Object != r.Subject {
			p.degree[r.Object]++
		}
		p.byPred[r.Predicate] = append(p.byPred[r.Predicate], e)
		var lastPara, lastDoc string
		for _, ev := range r.Evidence {
			if ev.Paragraph != lastPara {
				lastPara = ev.Paragraph
				if l := p.byPara[ev.Paragraph]; len(l) == 0 || l[len(l)-1].ID != r.ID {
					p.byPara[ev.Paragraph] = append(l, e)
				}
			}
			if ev.Document != lastDoc {
				lastDoc = ev.Document
				if l := p.byDoc[ev.Document]; len(l) == 0 || l[len(l)-1].ID != r.ID {
					p.byDoc[ev.Document] = append(l, e)
				}
			}
		}
	}
	return p
}

func (p *reference) Summary(context.Context) (*engine.Summary, error) { return p.sum, nil }

func (p *reference) Entities(_ context.Context, ids []string) ([]*domain.Entity, error) {
	out := make([]*domain.Entity, len(ids))
	for i, id := range ids {
		out[i] = p.entityByID[id]
	}
	return out, nil
}

func (p *reference) EntityIDs(_ context.Context, kind domain.Kind) ([]string, error) {
	if kind == "" {
		return p.entityIDs, nil
	}
	return p.byKind[kind], nil
}

func (p *reference) Names(context.Context) ([]engine.Name, error) { return p.names, nil }

func (p *reference) Degrees(_ context.Context, ids []string) ([]int, error) {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = p.degree[id]
	}
	return out, nil
}

func (p *reference) Edges(_ context.Context, ids []string, dir engine.Direction, predicates []string) ([][]engine.Edge, error) {
	index := p.out
	if dir == engine.In {
		index = p.in
	}
	out := make([][]engine.Edge, len(ids))
	for i, id := range ids {
		out[i] = ofPredicates(index[id], predicates)
	}
	return out, nil
}

func (p *reference) EdgesBy(_ context.Context, key engine.EdgeKey) ([]engine.Edge, error) {
	switch {
	case key.Predicate != "":
		return p.byPred[key.Predicate], nil
	case key.Paragraph != "":
		return p.byPara[key.Paragraph], nil
	case key.Document != "":
		return p.byDoc[key.Document], nil
	}
	return p.edges, nil
}

func (p *reference) Relations(_ context.Context, ids []string) ([]*domain.Relation, error) {
	out := make([]*domain.Relation, len(ids))
	for i, id := range ids {
		out[i] = p.relByID[id]
	}
	return out, nil
}

func (p *reference) Documents(context.Context) ([]*domain.Document, error) { return p.documents, nil }

func (p *reference) DocumentParagraphs(_ context.Context, docs []string) ([][]string, error) {
	out := make([][]string, len(docs))
	for i, d := range docs {
		out[i] = p.docParas[d]
	}
	return out, nil
}

func (p *reference) Paragraphs(_ context.Context, ids []string) ([]*domain.Paragraph, error) {
	out := make([]*domain.Paragraph, len(ids))
	for i, id := range ids {
		out[i] = p.paraByID[id]
	}
	return out, nil
}

func (p *reference) Mentions(_ context.Context, entities []string) ([][]string, error) {
	out := make([][]string, len(entities))
	for i, e := range entities {
		out[i] = p.mentioned[e]
	}
	return out, nil
}

func (p *reference) Predicates(context.Context) ([]*domain.Predicate, error) {
	return p.predicates, nil
}

// ofPredicates keeps the edges of the given predicates (all when none are
// given), in their order.
func ofPredicates(edges []engine.Edge, predicates []string) []engine.Edge {
	if len(predicates) == 0 {
		return edges
	}
	preds := map[string]bool{}
	for _, p := range predicates {
		preds[p] = true
	}
	var out []engine.Edge
	for _, e := range edges {
		if preds[e.Predicate] {
			out = append(out, e)
		}
	}
	return out
}
