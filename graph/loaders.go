package graph

import (
	"context"
	"strings"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// batchWait is how long a loader gathers lookups before it asks the engine:
// gqlgen resolves the items of a list concurrently, so the lookups of one
// level of a response arrive within a few hundred microseconds of each
// other, and a millisecond is about one round trip to a quad store.
const batchWait = time.Millisecond

// loaders gather the lookups of one request that an engine answers better
// in one call (engine.Graph.Batches): a list of N relations asks for its N
// subjects once, not N times. Each request has its own, so nothing is
// cached across requests or generations.
type loaders struct {
	entities   *dataloadgen.Loader[string, *domain.Entity]
	paragraphs *dataloadgen.Loader[string, *domain.Paragraph]
	relations  *dataloadgen.Loader[string, *domain.Relation]
	degrees    *dataloadgen.Loader[string, int]
	mentions   *dataloadgen.Loader[string, []string]
	edges      *dataloadgen.Loader[edgesKey, []engine.Edge]
}

// edgesKey asks for an entity's relations in one direction (Out or In), of
// some predicates (joined by a space; "" for all).
type edgesKey struct {
	id    string
	dir   engine.Direction
	preds string
}

type loadersKey struct{}

func newLoaders(g *engine.Graph) *loaders {
	r := g.Reader()
	opts := []dataloadgen.Option{dataloadgen.WithWait(batchWait)}
	return &loaders{
		entities:   dataloadgen.NewLoader(batch(r.Entities), opts...),
		paragraphs: dataloadgen.NewLoader(batch(r.Paragraphs), opts...),
		relations:  dataloadgen.NewLoader(batch(r.Relations), opts...),
		degrees:    dataloadgen.NewLoader(batch(r.Degrees), opts...),
		mentions:   dataloadgen.NewLoader(batch(r.Mentions), opts...),
		edges:      dataloadgen.NewLoader(batchEdges(r), opts...),
	}
}

// batch adapts a Reader method to a loader's fetch: one error fails every
// key of the batch.
func batch[V any](get func(context.Context, []string) ([]V, error)) func(context.Context, []string) ([]V, []error) {
	return func(ctx context.Context, keys []string) ([]V, []error) {
		vs, err := get(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		return vs, nil
	}
}

// batchEdges asks for the keys' edges in one call per direction and
// predicate filter.
func batchEdges(r engine.Reader) func(context.Context, []edgesKey) ([][]engine.Edge, []error) {
	return func(ctx context.Context, keys []edgesKey) ([][]engine.Edge, []error) {
		type group struct {
			dir   engine.Direction
			preds string
		}
		at := map[group][]int{}
		var order []group
		for i, k := range keys {
			g := group{k.dir, k.preds}
			if _, ok := at[g]; !ok {
				order = append(order, g)
			}
			at[g] = append(at[g], i)
		}
		out := make([][]engine.Edge, len(keys))
		for _, g := range order {
			idx := at[g]
			ids := make([]string, len(idx))
			for j, i := range idx {
				ids[j] = keys[i].id
			}
			var preds []string
			if g.preds != "" {
				preds = strings.Split(g.preds, " ")
			}
			ls, err := r.Edges(ctx, ids, g.dir, preds)
			if err != nil {
				return nil, []error{err}
			}
			for j, i := range idx {
				out[i] = ls[j]
			}
		}
		return out, nil
	}
}

func loadersOf(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
}

// entityByID reads an entity through the request's loader when it has one.
func entityByID(ctx context.Context, g *engine.Graph, id string) (*domain.Entity, error) {
	if l := loadersOf(ctx); l != nil {
		return l.entities.Load(ctx, id)
	}
	return g.Entity(ctx, id)
}

// entitiesByID reads entities, nil where none, through the request's loader
// when it has one.
func entitiesByID(ctx context.Context, g *engine.Graph, ids []string) ([]*domain.Entity, error) {
	if l := loadersOf(ctx); l != nil {
		return l.entities.LoadAll(ctx, ids)
	}
	return g.EntitiesByID(ctx, ids)
}

// paragraphByID reads a paragraph through the request's loader when it has
// one.
func paragraphByID(ctx context.Context, g *engine.Graph, id string) (*domain.Paragraph, error) {
	if l := loadersOf(ctx); l != nil {
		return l.paragraphs.Load(ctx, id)
	}
	return g.Paragraph(ctx, id)
}

// degreeOf counts an entity's relations through the request's loader when
// it has one.
func degreeOf(ctx context.Context, g *engine.Graph, id string) (int, error) {
	if l := loadersOf(ctx); l != nil {
		return l.degrees.Load(ctx, id)
	}
	return g.Degree(ctx, id)
}

// mentionsOf lists the paragraphs that mention an entity, at most limit.
func mentionsOf(ctx context.Context, g *engine.Graph, id, document string, limit int) ([]*domain.Paragraph, error) {
	l := loadersOf(ctx)
	if l == nil {
		return g.Mentions(ctx, id, document, limit)
	}
	ids, err := l.mentions.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	ids = engine.InDocument(ids, document)
	if limit >= 0 {
		ids = ids[:min(limit, len(ids))]
	}
	ps, err := l.paragraphs.LoadAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Paragraph, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// neighbourEdges lists an entity's relations in a direction, through the
// request's loader when it has one.
func neighbourEdges(ctx context.Context, g *engine.Graph, id string, dir engine.Direction, preds []string) ([]engine.Edge, error) {
	l := loadersOf(ctx)
	if l == nil {
		return g.Neighbours(ctx, id, dir, preds)
	}
	key := strings.Join(preds, " ")
	if dir != engine.Both {
		return l.edges.Load(ctx, edgesKey{id, dir, key})
	}
	out, in := l.edges.LoadThunk(ctx, edgesKey{id, engine.Out, key}), l.edges.LoadThunk(ctx, edgesKey{id, engine.In, key})
	o, err := out()
	if err != nil {
		return nil, err
	}
	i, err := in()
	if err != nil {
		return nil, err
	}
	return engine.Merge(o, i), nil
}

// relationsOf reads the relations of edges, in order, through the request's
// loader when it has one.
func relationsOf(ctx context.Context, g *engine.Graph, edges []engine.Edge) ([]*domain.Relation, error) {
	l := loadersOf(ctx)
	if l == nil {
		return g.Load(ctx, edges)
	}
	ids := make([]string, len(edges))
	for i, e := range edges {
		ids[i] = e.ID
	}
	rs, err := l.relations.LoadAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Relation, 0, len(rs))
	for _, r := range rs {
		if r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// paragraphsByID reads paragraphs, nil where none, through the request's
// loader when it has one.
func paragraphsByID(ctx context.Context, g *engine.Graph, ids []string) ([]*domain.Paragraph, error) {
	if l := loadersOf(ctx); l != nil {
		return l.paragraphs.LoadAll(ctx, ids)
	}
	return g.ParagraphsByID(ctx, ids)
}
