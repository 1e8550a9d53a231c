package cayley

import (
	"context"
	"slices"
	"strings"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/cayley/query/shape"
	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/vocab"
)

// Edges implements engine.Reader from the relation quads themselves: one
// scan of each entity's quads as subject (out) or object (in), keeping those
// whose predicate is a defined one; out with predicates, one Cayley lookup
// a predicate instead, a prefix of bolt's subject-predicate index. The
// other ends' ids are read in one batch.
func (r *Reader) Edges(ctx context.Context, ids []string, dir engine.Direction, predicates []string) ([][]engine.Edge, error) {
	nodes, err := r.nodesOf(ctx, ids, vocab.EntityIRI)
	if err != nil {
		return nil, err
	}
	side := quad.Subject
	if dir == engine.In {
		side = quad.Object
	}
	ends, err := r.ends(ctx, nodes, side, predicates)
	if err != nil {
		return nil, err
	}
	others := make([][]graph.Ref, len(ends))
	for i, l := range ends {
		for _, e := range l {
			others[i] = append(others[i], e.other)
		}
	}
	vals, err := r.valuesOf(ctx, flatten(others))
	if err != nil {
		return nil, err
	}
	out := make([][]engine.Edge, len(ids))
	k := 0
	for i, l := range ends {
		for _, e := range l {
			n := vocab.ParseIRI(vals[k])
			k++
			if n.Type != vocab.NodeEntity {
				continue
			}
			if side == quad.Subject {
				out[i] = append(out[i], engine.NewEdge(ids[i], e.pred, n.ID))
			} else {
				out[i] = append(out[i], engine.NewEdge(n.ID, e.pred, ids[i]))
			}
		}
		sortEdges(out[i])
	}
	return out, nil
}

// end is a relation as one of its entities sees it: the predicate and the
// entity at the other end.
type end struct {
	pred  string
	other graph.Ref
}

// ends lists, for each entity, its relations on one side (the entity is
// their subject or their object), only of the given predicates when any
// are given; each relation once, however many quads (evidence items) state
// it.
func (r *Reader) ends(ctx context.Context, nodes []graph.Ref, side quad.Direction, predicates []string) ([][]end, error) {
	far := quad.Object
	if side == quad.Object {
		far = quad.Subject
	}
	out := make([][]end, len(nodes))
	for i, n := range nodes {
		if n == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var found []end
		// Bolt indexes (subject, predicate) but not (object, predicate):
		// in, or out with no predicates, is one scan of the entity's quads.
		if len(predicates) == 0 || side == quad.Object {
			err := each(ctx, r.qs.QuadIterator(side, n), func(q graph.Ref) error {
				p, err := r.qs.QuadDirection(q, quad.Predicate)
				if err != nil {
					return err
				}
				id, ok := r.predID[refs.ToKey(p)]
				if !ok || len(predicates) > 0 && !slices.Contains(predicates, id) {
					return nil // not a relation, or not of the predicates
				}
				o, err := r.qs.QuadDirection(q, far)
				found = append(found, end{id, o})
				return err
			})
			if err != nil {
				return nil, err
			}
			out[i] = distinct(found)
			continue
		}
		for j, id := range predicates {
			p, ok := r.predRef[id]
			if !ok || slices.Index(predicates, id) < j {
				continue // not a predicate, or asked for already
			}
			s := shape.QuadsAction{Result: far, Filter: map[quad.Direction]graph.Ref{side: n, quad.Predicate: p}}
			err := each(ctx, shape.BuildIterator(ctx, r.qs, s), func(o graph.Ref) error {
				found = append(found, end{id, o})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		out[i] = distinct(found)
	}
	return out, nil
}

// distinct drops the repeated ends of a relation stated more than once.
func distinct(ends []end) []end {
	if len(ends) < 2 {
		return ends
	}
	seen := make(map[[2]any]bool, len(ends))
	out := ends[:0]
	for _, e := range ends {
		k := [2]any{e.pred, refs.ToKey(e.other)}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// edgesOf reads the edges that relation statements' IRIs name, in id
// order.
func edgesOf(stmts []quad.Value) []engine.Edge {
	var out []engine.Edge
	for _, v := range stmts {
		n := vocab.ParseIRI(v)
		if n.Type != vocab.NodeRelation {
			continue
		}
		if s, p, o, ok := splitRelation(n.ID); ok {
			out = append(out, engine.Edge{ID: n.ID, Subject: s, Predicate: p, Object: o})
		}
	}
	sortEdges(out)
	return out
}

func sortEdges(edges []engine.Edge) {
	slices.SortFunc(edges, func(a, b engine.Edge) int { return strings.Compare(a.ID, b.ID) })
}

// EdgesBy implements engine.Reader. A predicate's relations are the
// statements naming it (one index scan), every relation the statements
// there are. A paragraph's are the relation quads labelled with its
// evidence; a document's, with its paragraphs' (see labelled).
func (r *Reader) EdgesBy(ctx context.Context, key engine.EdgeKey) ([]engine.Edge, error) {
	switch {
	case key.Predicate != "":
		nodes, err := r.nodesOf(ctx, []string{key.Predicate}, vocab.PredicateIRI)
		if err != nil {
			return nil, err
		}
		_, vals, err := r.linkedValues(ctx, nodes, quad.Object, vocab.RDFPredicate, quad.Subject)
		if err != nil {
			return nil, err
		}
		return edgesOf(vals[0]), nil
	case key.Paragraph != "":
		paras, err := r.nodesOf(ctx, []string{key.Paragraph}, vocab.ParagraphIRI)
		if err != nil {
			return nil, err
		}
		return r.cited(ctx, paras)
	case key.Document != "":
		docs, err := r.nodesOf(ctx, []string{key.Document}, vocab.DocumentIRI)
		if err != nil {
			return nil, err
		}
		paras, err := r.linked(ctx, docs, quad.Object, vocab.DCIsPartOf, quad.Subject)
		if err != nil {
			return nil, err
		}
		return r.cited(ctx, paras[0])
	}
	_, vals, err := r.instances(ctx, vocab.RDFStatement)
	if err != nil {
		return nil, err
	}
	return edgesOf(vals), nil
}

// cited lists the relations whose evidence quotes one of the paragraphs:
// the paragraphs' evidence nodes (oa:hasSource), then the statements that
// name them (vocab:evidence), two lookups of the object index.
func (r *Reader) cited(ctx context.Context, paras []graph.Ref) ([]engine.Edge, error) {
	evs, err := r.linked(ctx, paras, quad.Object, vocab.OAHasSource, quad.Subject)
	if err != nil {
		return nil, err
	}
	_, stmts, err := r.linkedValues(ctx, flatten(evs), quad.Object, vocab.PropEvidence, quad.Subject)
	if err != nil {
		return nil, err
	}
	edges := edgesOf(flatten(stmts))
	w := 0
	for i, e := range edges {
		if i > 0 && edges[w-1].ID == e.ID {
			continue
		}
		edges[w] = e
		w++
	}
	return edges[:w], nil
}

// Relations implements engine.Reader: for each relation, its statement's
// quads (verb, implied) and the labels of its quads, found by one scan of
// the (object, predicate, subject) index; then each evidence node's quads
// and each cited paragraph's order, each level's values in one batch.
func (r *Reader) Relations(ctx context.Context, ids []string) ([]*domain.Relation, error) {
	out := make([]*domain.Relation, len(ids))
	vals := make([]quad.Value, 0, 4*len(ids))
	for _, id := range ids {
		s, p, o, _ := splitRelation(id)
		vals = append(vals, vocab.EntityIRI(s), vocab.PredicateIRI(p), vocab.EntityIRI(o), vocab.RelationIRI(id))
	}
	nodes, err := r.refsOf(ctx, vals)
	if err != nil {
		return nil, err
	}
	stmts := make([]graph.Ref, len(ids))
	for i, id := range ids {
		if _, _, _, ok := splitRelation(id); ok {
			stmts[i] = nodes[4*i+3]
		}
	}
	ps, err := r.props(ctx, stmts)
	if err != nil {
		return nil, err
	}
	// The statement describes the relation; its quads carry the evidence.
	labels := make([][]graph.Ref, len(ids))
	for i, id := range ids {
		if out[i] = r.relation(id, ps[i]); out[i] == nil {
			continue
		}
		if labels[i], err = r.labelsOf(ctx, nodes[4*i], nodes[4*i+1], nodes[4*i+2]); err != nil {
			return nil, err
		}
		if len(labels[i]) == 0 {
			out[i] = nil // a statement without its relation's quads, as the decoder drops it
		}
	}
	flat := flatten(labels)
	lvals, err := r.valuesOf(ctx, flat)
	if err != nil {
		return nil, err
	}
	evs, err := r.evidence(ctx, flat, lvals)
	if err != nil {
		return nil, err
	}
	paras := map[string]graph.Ref{}
	for _, ev := range evs {
		if ev.ok && ev.para != nil {
			paras[ev.ev.Paragraph] = ev.para
		}
	}
	order, err := r.orders(ctx, paras)
	if err != nil {
		return nil, err
	}
	k := 0
	for i, ls := range labels {
		words := wordings(ps[i])
		for range ls {
			if ev := evs[k]; ev.ok {
				w := words[vocab.EvidenceIRI(ev.ev.Paragraph, ev.ev.Start, ev.ev.End)]
				ev.ev.Verb, ev.ev.Modality = w.Verb, w.Modality
				out[i].Evidence = append(out[i].Evidence, ev.ev)
			}
			k++
		}
		if out[i] != nil {
			engine.SortEvidence(out[i].Evidence, order)
		}
	}
	return out, nil
}

// relation is the relation a statement's quads describe, without its
// evidence, or nil when they do not describe one.
func (r *Reader) relation(id string, ps []prop) *domain.Relation {
	s, p, o, ok := splitRelation(id)
	if !ok || !slices.ContainsFunc(ps, func(p prop) bool { return p.pred == vocab.RDFType && r.is(p.obj, vocab.RDFStatement) }) {
		return nil
	}
	rel := &domain.Relation{ID: id, Subject: s, Predicate: p, Object: o}
	for _, p := range ps {
		switch p.pred {
		case vocab.PropImplied:
			rel.Implied = vocab.StringOf(p.val) == "true" || p.val == quad.Bool(true)
		}
	}
	return rel
}

// wordings reads a statement's verbs and modalities by the evidence node
// whose graph states them.
func wordings(ps []prop) map[quad.IRI]domain.Evidence {
	out := map[quad.IRI]domain.Evidence{}
	for _, p := range ps {
		l, ok := p.label.(quad.IRI)
		if !ok {
			continue
		}
		w := out[l]
		switch p.pred {
		case vocab.PropVerb:
			w.Verb = vocab.StringOf(p.val)
		case vocab.PropModality:
			w.Modality = domain.Modality(vocab.StringOf(p.val))
		default:
			continue
		}
		out[l] = w
	}
	return out
}

// labelsOf lists the labels of the quads (s, p, o, *): a relation's
// evidence nodes, in the store's order. Cayley plans it as one scan of the
// (object, predicate, subject) index on bolt.
func (r *Reader) labelsOf(ctx context.Context, s, p, o graph.Ref) ([]graph.Ref, error) {
	if s == nil || p == nil || o == nil {
		return nil, ctx.Err()
	}
	q := shape.QuadsAction{Result: quad.Label, Filter: map[quad.Direction]graph.Ref{quad.Subject: s, quad.Predicate: p, quad.Object: o}}
	var out []graph.Ref
	err := each(ctx, shape.BuildIterator(ctx, r.qs, q), func(l graph.Ref) error {
		out = append(out, l)
		return nil
	})
	return out, err
}

// evNode is what an evidence node says: the evidence and the paragraph it
// quotes.
type evNode struct {
	ev   domain.Evidence
	ok   bool // the node is evidence
	para graph.Ref
}

// evidence reads evidence nodes as the decoder does: the paragraph and span
// from the node's IRI, the quote from its oa:exact.
func (r *Reader) evidence(ctx context.Context, nodes []graph.Ref, vals []quad.Value) ([]evNode, error) {
	ps, err := r.props(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := make([]evNode, len(nodes))
	for i, v := range vals {
		n := vocab.ParseIRI(v)
		if n.Type != vocab.NodeEvidence {
			continue
		}
		var quote string
		for _, p := range ps[i] {
			switch p.pred {
			case vocab.OAExact:
				quote = vocab.StringOf(p.val)
			case vocab.OAHasSource:
				out[i].para = p.obj
			}
		}
		out[i].ev, out[i].ok = n.Evidence(quote), true
	}
	return out, nil
}

// orders reads the order of paragraphs (by id) in their documents: one
// index scan each, their values in one batch.
func (r *Reader) orders(ctx context.Context, paras map[string]graph.Ref) (map[string]int, error) {
	ids := make([]string, 0, len(paras))
	nodes := make([]graph.Ref, 0, len(paras))
	for id, n := range paras {
		ids, nodes = append(ids, id), append(nodes, n)
	}
	_, vals, err := r.linkedValues(ctx, nodes, quad.Subject, vocab.PropOrder, quad.Object)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(ids))
	for i, vs := range vals {
		if len(vs) > 0 {
			out[ids[i]], _ = vocab.IntOf(vs[0])
		}
	}
	return out, nil
}
