// Package projection is the engine that holds one generation of the graph
// in memory, indexed for every question of engine.Reader, so that no read
// waits on the quad store.
package projection

import (
	"context"
	"sort"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// Projection is an immutable in-memory index of a dataset.
type Projection struct {
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

var _ engine.Reader = (*Projection)(nil)

// New indexes a dataset, which the projection keeps: the caller must not
// change it afterwards. The dataset's lists are sorted in place.
func New(ds *domain.Dataset) *Projection {
	return newProjection(ds, engine.Summarize(ds))
}

// NewGraph indexes a copy of a dataset and answers from it: the loader
// checks data with it without a store.
func NewGraph(ds *domain.Dataset) *engine.Graph {
	return Graph(domain.Clone(ds))
}

// Graph indexes a dataset, which it keeps, and answers from it.
func Graph(ds *domain.Dataset) *engine.Graph {
	g, err := engine.New(context.Background(), "projection", New(ds))
	if err != nil {
		// A projection's answers come from memory: they cannot fail.
		panic(err)
	}
	return g
}

func newProjection(ds *domain.Dataset, sum *engine.Summary) *Projection {
	p := &Projection{
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

// Summary implements engine.Reader.
func (p *Projection) Summary(context.Context) (*engine.Summary, error) { return p.sum, nil }

// Entities implements engine.Reader.
func (p *Projection) Entities(_ context.Context, ids []string) ([]*domain.Entity, error) {
	out := make([]*domain.Entity, len(ids))
	for i, id := range ids {
		out[i] = p.entityByID[id]
	}
	return out, nil
}

// EntityIDs implements engine.Reader.
func (p *Projection) EntityIDs(_ context.Context, kind domain.Kind) ([]string, error) {
	if kind == "" {
		return p.entityIDs, nil
	}
	return p.byKind[kind], nil
}

// Names implements engine.Reader.
func (p *Projection) Names(context.Context) ([]engine.Name, error) { return p.names, nil }

// Degrees implements engine.Reader.
func (p *Projection) Degrees(_ context.Context, ids []string) ([]int, error) {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = p.degree[id]
	}
	return out, nil
}

// Edges implements engine.Reader.
func (p *Projection) Edges(_ context.Context, ids []string, dir engine.Direction, predicates []string) ([][]engine.Edge, error) {
	index := p.out
	if dir == engine.In {
		index = p.in
	}
	out := make([][]engine.Edge, len(ids))
	for i, id := range ids {
		out[i] = engine.OfPredicates(index[id], predicates)
	}
	return out, nil
}

// EdgesBy implements engine.Reader.
func (p *Projection) EdgesBy(_ context.Context, key engine.EdgeKey) ([]engine.Edge, error) {
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

// Relations implements engine.Reader.
func (p *Projection) Relations(_ context.Context, ids []string) ([]*domain.Relation, error) {
	out := make([]*domain.Relation, len(ids))
	for i, id := range ids {
		out[i] = p.relByID[id]
	}
	return out, nil
}

// Documents implements engine.Reader.
func (p *Projection) Documents(context.Context) ([]*domain.Document, error) { return p.documents, nil }

// DocumentParagraphs implements engine.Reader.
func (p *Projection) DocumentParagraphs(_ context.Context, docs []string) ([][]string, error) {
	out := make([][]string, len(docs))
	for i, d := range docs {
		out[i] = p.docParas[d]
	}
	return out, nil
}

// Paragraphs implements engine.Reader.
func (p *Projection) Paragraphs(_ context.Context, ids []string) ([]*domain.Paragraph, error) {
	out := make([]*domain.Paragraph, len(ids))
	for i, id := range ids {
		out[i] = p.paraByID[id]
	}
	return out, nil
}

// Mentions implements engine.Reader.
func (p *Projection) Mentions(_ context.Context, entities []string) ([][]string, error) {
	out := make([][]string, len(entities))
	for i, e := range entities {
		out[i] = p.mentioned[e]
	}
	return out, nil
}

// Predicates implements engine.Reader.
func (p *Projection) Predicates(context.Context) ([]*domain.Predicate, error) {
	return p.predicates, nil
}
