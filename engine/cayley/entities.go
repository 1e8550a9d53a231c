package cayley

import (
	"context"
	"slices"
	"strings"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/vocab"
)

// Entities implements engine.Reader: one scan of each entity's quads, one
// of each fact's and one of each fact's evidence, the values of each level
// read in one batch.
func (r *Reader) Entities(ctx context.Context, ids []string) ([]*domain.Entity, error) {
	return r.entities(ctx, ids, true)
}

// entities reads entities, with their facts or without.
func (r *Reader) entities(ctx context.Context, ids []string, facts bool) ([]*domain.Entity, error) {
	nodes, err := r.nodesOf(ctx, ids, vocab.EntityIRI)
	if err != nil {
		return nil, err
	}
	ps, err := r.props(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Entity, len(ids))
	var factNodes []graph.Ref
	var factVals []quad.Value
	var factOf []int // the entity of each fact node
	for i, id := range ids {
		e := &domain.Entity{ID: id}
		for _, p := range ps[i] {
			switch p.pred {
			case vocab.RDFType:
				if k, ok := r.kinds[refs.ToKey(p.obj)]; ok {
					e.Kind = k
				}
			case vocab.RDFSLabel:
				e.Name = vocab.StringOf(p.val)
			case vocab.SKOSAltLabel:
				e.Aliases = append(e.Aliases, vocab.StringOf(p.val))
			case vocab.SKOSHidden:
				e.Common = append(e.Common, vocab.StringOf(p.val))
			case vocab.DCDescription:
				e.Description = vocab.StringOf(p.val)
			case vocab.PropFact:
				if facts {
					factNodes, factVals, factOf = append(factNodes, p.obj), append(factVals, p.val), append(factOf, i)
				}
			}
		}
		if e.Kind == "" {
			continue // not an entity: what a kind does not type is not one
		}
		if e.Name == "" {
			e.Name = id // as the decoder names an entity without a label
		}
		slices.Sort(e.Aliases)
		slices.Sort(e.Common)
		out[i] = e
	}
	if len(factNodes) == 0 {
		return out, nil
	}
	fs, err := r.facts(ctx, factNodes, factVals)
	if err != nil {
		return nil, err
	}
	byEntity := make([][]fact, len(ids))
	for j, f := range fs {
		if i := factOf[j]; out[i] != nil && f.n > 0 {
			byEntity[i] = append(byEntity[i], f)
		}
	}
	for i, l := range byEntity {
		if len(l) == 0 {
			continue
		}
		slices.SortStableFunc(l, func(a, b fact) int { return a.n - b.n })
		out[i].Facts = make([]domain.Fact, len(l))
		for k, f := range l {
			out[i].Facts[k] = f.Fact
		}
	}
	return out, nil
}

// fact is a fact with its number among its entity's facts (0 when its node
// is not a fact's).
type fact struct {
	domain.Fact
	n int
}

// facts reads fact nodes and their evidence.
func (r *Reader) facts(ctx context.Context, nodes []graph.Ref, vals []quad.Value) ([]fact, error) {
	ps, err := r.props(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := make([]fact, len(nodes))
	var evNodes []graph.Ref
	var evVals []quad.Value
	var evOf []int
	for i, v := range vals {
		n := vocab.ParseIRI(v)
		if n.Type != vocab.NodeFact {
			continue
		}
		f := &out[i]
		f.n = n.N
		for _, p := range ps[i] {
			switch p.pred {
			case vocab.PropKey:
				f.Key = vocab.StringOf(p.val)
			case vocab.PropFactRole:
				f.Role = vocab.StringOf(p.val)
			case vocab.PropQualifier:
				f.Qualifier = vocab.StringOf(p.val)
			case vocab.PropFactText:
				f.Text = vocab.StringOf(p.val)
			case vocab.PropFactDate:
				f.Date = vocab.StringOf(p.val)
			case vocab.PropPrecision:
				f.Precision = vocab.StringOf(p.val)
			case vocab.PropQuantity:
				if x, ok := vocab.FloatOf(p.val); ok {
					f.Number = &x
				}
			case vocab.PropUnit:
				f.Unit = vocab.StringOf(p.val)
			case vocab.PropEvidence:
				evNodes, evVals, evOf = append(evNodes, p.obj), append(evVals, p.val), append(evOf, i)
			}
		}
	}
	evs, err := r.evidence(ctx, evNodes, evVals)
	if err != nil {
		return nil, err
	}
	for j, ev := range evs {
		if ev.ok {
			out[evOf[j]].Evidence = ev.ev
		}
	}
	return out, nil
}

// EntityIDs implements engine.Reader: the subjects of rdf:type with each
// kind's class, one index scan a kind.
func (r *Reader) EntityIDs(ctx context.Context, kind domain.Kind) ([]string, error) {
	kinds := []domain.Kind{kind}
	if kind == "" {
		kinds = domain.Kinds
	} else if !kind.Valid() {
		return nil, ctx.Err()
	}
	var out []string
	for _, k := range kinds {
		_, vals, err := r.instances(ctx, vocab.KindIRI(k))
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if n := vocab.ParseIRI(v); n.Type == vocab.NodeEntity {
				out = append(out, n.ID)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// namesBatch bounds how many entities Names reads at once.
const namesBatch = 1024

// Names implements engine.Reader: every entity's quads, a batch at a time.
func (r *Reader) Names(ctx context.Context) ([]engine.Name, error) {
	ids, err := r.EntityIDs(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []engine.Name
	for len(ids) > 0 {
		batch := ids[:min(namesBatch, len(ids))]
		ids = ids[len(batch):]
		es, err := r.entities(ctx, batch, false)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e != nil {
				out = append(out, engine.Name{ID: e.ID, Kind: e.Kind, Name: e.Name, Aliases: e.Aliases, Common: e.Common})
			}
		}
	}
	return out, nil
}

// Degrees implements engine.Reader: two scans of each entity's quads, as
// subject and as object; a relation to itself is in both and counts once.
func (r *Reader) Degrees(ctx context.Context, ids []string) ([]int, error) {
	nodes, err := r.nodesOf(ctx, ids, vocab.EntityIRI)
	if err != nil {
		return nil, err
	}
	outs, err := r.ends(ctx, nodes, quad.Subject, nil)
	if err != nil {
		return nil, err
	}
	ins, err := r.ends(ctx, nodes, quad.Object, nil)
	if err != nil {
		return nil, err
	}
	degrees := make([]int, len(ids))
	for i, n := range nodes {
		degrees[i] = len(outs[i]) + len(ins[i])
		for _, e := range outs[i] {
			if refs.ToKey(e.other) == refs.ToKey(n) {
				degrees[i]--
			}
		}
	}
	return degrees, nil
}

// splitRelation reads a relation id back into its triple. Entity and
// predicate ids are slugs (the loader enforces it), so the first two
// slashes are the separators.
func splitRelation(id string) (s, p, o string, ok bool) {
	s, rest, ok1 := strings.Cut(id, "/")
	p, o, ok2 := strings.Cut(rest, "/")
	return s, p, o, ok1 && ok2 && s != "" && p != "" && o != ""
}
