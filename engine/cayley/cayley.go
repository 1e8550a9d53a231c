// Package cayley is the engine that answers engine.Reader by asking a Cayley
// quad store through its indexes, so that a generation need not fit in
// memory.
package cayley

import (
	"context"
	"fmt"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/iterator"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/cayley/query/shape"
	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/vocab"
)

// Reader answers engine.Reader from one generation's quad store. It keeps
// nothing that grows with the graph: only the refs of the vocabulary's own
// IRIs and of the defined predicates, resolved once.
type Reader struct {
	qs  graph.QuadStore
	sum *engine.Summary

	ref     map[quad.IRI]graph.Ref // the vocabulary's IRIs (those the store holds)
	named   map[any]quad.IRI       // ref key of a vocabulary IRI → the IRI
	kinds   map[any]domain.Kind    // ref key of a kind's class → the kind
	predRef map[string]graph.Ref   // defined predicate's id → its IRI's ref
	predID  map[any]string         // ref key of a defined predicate's IRI → its id
}

var _ engine.Reader = (*Reader)(nil)

// vocabulary lists the IRIs the reader asks about or recognises as a
// quad's predicate, besides the kinds' classes.
var vocabulary = []quad.IRI{
	vocab.RDFType, vocab.RDFStatement, vocab.RDFSubject, vocab.RDFPredicate, vocab.RDFObject, vocab.RDFProperty,
	vocab.RDFSLabel, vocab.SKOSAltLabel, vocab.SKOSHidden, vocab.SKOSDefinition, vocab.SchemaDomainIncludes, vocab.SchemaRangeIncludes,
	vocab.DCDescription, vocab.DCTitle, vocab.DCIdentifier, vocab.DCDate, vocab.DCCreator, vocab.DCSource,
	vocab.DCIsPartOf, vocab.DCAlternative,
	vocab.OAHasSource, vocab.OAExact,
	vocab.ClassDocument, vocab.ClassParagraph,
	vocab.PropSHA256, vocab.PropAuthorEntity, vocab.PropSection, vocab.PropOrder, vocab.PropText,
	vocab.PropParent, vocab.PropNote, vocab.PropMentions, vocab.PropVerb, vocab.PropModality, vocab.PropImplied, vocab.PropInverse,
	vocab.PropExample, vocab.PropFact, vocab.PropKey, vocab.PropFactRole, vocab.PropQualifier, vocab.PropFactText, vocab.PropFactDate, vocab.PropPrecision,
	vocab.PropQuantity, vocab.PropUnit, vocab.PropEvidence,
}

// New reads a generation from qs, whose summary sum was measured when it was
// written. It resolves the vocabulary's IRIs to the store's refs once, so
// that recognising a quad's predicate is a comparison, not a lookup.
func New(ctx context.Context, qs graph.QuadStore, sum *engine.Summary) (*Reader, error) {
	r := &Reader{qs: qs, sum: sum, ref: map[quad.IRI]graph.Ref{}, named: map[any]quad.IRI{}, kinds: map[any]domain.Kind{}}
	iris := append([]quad.IRI(nil), vocabulary...)
	for _, k := range domain.Kinds {
		iris = append(iris, vocab.KindIRI(k))
	}
	vals := make([]quad.Value, len(iris))
	for i, iri := range iris {
		vals[i] = iri
	}
	rs, err := r.refsOf(ctx, vals)
	if err != nil {
		return nil, fmt.Errorf("cayley engine: vocabulary: %w", err)
	}
	for i, iri := range iris {
		if rs[i] == nil {
			continue // not in this store: nothing has it
		}
		r.ref[iri] = rs[i]
		r.named[refs.ToKey(rs[i])] = iri
	}
	for i, k := range domain.Kinds {
		if ref := rs[len(vocabulary)+i]; ref != nil {
			r.kinds[refs.ToKey(ref)] = k
		}
	}
	// A relation is a quad whose predicate is a defined one: knowing them by
	// ref lets a scan of an entity's quads keep its relations unread.
	preds, vals, err := r.instances(ctx, vocab.RDFProperty)
	if err != nil {
		return nil, fmt.Errorf("cayley engine: predicates: %w", err)
	}
	r.predRef, r.predID = make(map[string]graph.Ref, len(preds)), make(map[any]string, len(preds))
	for i, v := range vals {
		if n := vocab.ParseIRI(v); n.Type == vocab.NodePredicate {
			r.predRef[n.ID] = preds[i]
			r.predID[refs.ToKey(preds[i])] = n.ID
		}
	}
	return r, nil
}

// Summary implements engine.Reader.
func (r *Reader) Summary(context.Context) (*engine.Summary, error) { return r.sum, nil }

// refsOf resolves values to the store's refs in one batch where the store
// can. A value the store does not hold gives a ref that no quad has (nil,
// or a store's own "none").
func (r *Reader) refsOf(ctx context.Context, vals []quad.Value) ([]graph.Ref, error) {
	if b, ok := r.qs.(refs.BatchNamer); ok {
		return b.RefsOf(ctx, vals)
	}
	out := make([]graph.Ref, len(vals))
	for i, v := range vals {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ref, err := r.qs.ValueOf(v)
		if err != nil {
			return nil, err
		}
		out[i] = ref
	}
	return out, nil
}

// valuesOf reads the values of refs, in one batch where the store can.
func (r *Reader) valuesOf(ctx context.Context, rs []graph.Ref) ([]quad.Value, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	vals, err := refs.ValuesOf(ctx, r.qs, rs)
	if err != nil {
		return nil, err
	}
	return vals, ctx.Err()
}

// each optimizes an iterator and calls fn with its results until ctx ends.
// Cayley's iterators take ctx but do not all stop for it (the memory
// store's never do, bolt's between batches of reads), so it is checked
// here as well.
func each(ctx context.Context, s iterator.Shape, fn func(graph.Ref) error) (err error) {
	s, _ = s.Optimize(ctx)
	it := s.Iterate()
	defer func() {
		if cerr := it.Close(); err == nil {
			err = cerr
		}
	}()
	for n := 1; it.Next(ctx); n++ {
		if n%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(it.Result()); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

// linked lists, for each node, the nodes in direction to of the quads that
// have the node in direction from and pred as their predicate, in the
// store's order: one index scan a node. Bolt indexes (subject, predicate),
// which a Cayley lookup of both uses; it does not index (object,
// predicate), so from an object the scan is of the node's quads, keeping
// pred's (the lookup would plan the same scan, after asking bolt for sizes).
func (r *Reader) linked(ctx context.Context, nodes []graph.Ref, from quad.Direction, pred quad.IRI, to quad.Direction) ([][]graph.Ref, error) {
	out := make([][]graph.Ref, len(nodes))
	p, ok := r.ref[pred]
	if !ok {
		return out, ctx.Err()
	}
	pk := refs.ToKey(p)
	for i, n := range nodes {
		if n == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if from == quad.Subject {
			s := shape.QuadsAction{Result: to, Filter: map[quad.Direction]graph.Ref{from: n, quad.Predicate: p}}
			err = each(ctx, shape.BuildIterator(ctx, r.qs, s), func(ref graph.Ref) error {
				out[i] = append(out[i], ref)
				return nil
			})
		} else {
			err = each(ctx, r.qs.QuadIterator(from, n), func(q graph.Ref) error {
				qp, err := r.qs.QuadDirection(q, quad.Predicate)
				if err != nil || refs.ToKey(qp) != pk {
					return err
				}
				ref, err := r.qs.QuadDirection(q, to)
				out[i] = append(out[i], ref)
				return err
			})
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// linkedValues is linked with the values of the nodes found, read in one
// batch.
func (r *Reader) linkedValues(ctx context.Context, nodes []graph.Ref, from quad.Direction, pred quad.IRI, to quad.Direction) ([][]graph.Ref, [][]quad.Value, error) {
	found, err := r.linked(ctx, nodes, from, pred, to)
	if err != nil {
		return nil, nil, err
	}
	vals, err := r.valuesOf(ctx, flatten(found))
	if err != nil {
		return nil, nil, err
	}
	return found, unflatten(vals, found), nil
}

// prop is one quad of a node: its predicate, one of the vocabulary's, and
// its object, whose value is read unless the predicate is rdf:type (the
// classes are known by ref).
type prop struct {
	pred quad.IRI
	obj  graph.Ref
	val  quad.Value
	// label is the quad's graph, read only where it says something: for a
	// verb or a modality, the evidence item it is stated in.
	label quad.Value
}

// labelled are the predicates whose quads' labels props reads.
func labelled(p quad.IRI) bool { return p == vocab.PropVerb || p == vocab.PropModality }

// props reads, for each node, the quads of which it is the subject whose
// predicate is the vocabulary's (one index scan a node), and the values of
// their objects in one batch.
func (r *Reader) props(ctx context.Context, nodes []graph.Ref) ([][]prop, error) {
	out := make([][]prop, len(nodes))
	var objs, labels []graph.Ref
	type at struct{ i, j int }
	var labelOf []at
	for i, n := range nodes {
		if n == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := each(ctx, r.qs.QuadIterator(quad.Subject, n), func(q graph.Ref) error {
			p, err := r.qs.QuadDirection(q, quad.Predicate)
			if err != nil {
				return err
			}
			iri, ok := r.named[refs.ToKey(p)]
			if !ok {
				return nil // a relation, or an IRI outside the vocabulary
			}
			o, err := r.qs.QuadDirection(q, quad.Object)
			if err != nil {
				return err
			}
			out[i] = append(out[i], prop{pred: iri, obj: o})
			if iri != vocab.RDFType {
				objs = append(objs, o)
			}
			if labelled(iri) {
				l, err := r.qs.QuadDirection(q, quad.Label)
				if l != nil {
					labels, labelOf = append(labels, l), append(labelOf, at{i, len(out[i]) - 1})
				}
				return err
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	vals, err := r.valuesOf(ctx, objs)
	if err != nil {
		return nil, err
	}
	k := 0
	for _, ps := range out {
		for j := range ps {
			if ps[j].pred != vocab.RDFType {
				ps[j].val = vals[k]
				k++
			}
		}
	}
	lvals, err := r.valuesOf(ctx, labels)
	if err != nil {
		return nil, err
	}
	for k, a := range labelOf {
		out[a.i][a.j].label = lvals[k]
	}
	return out, nil
}

// is reports whether ref is the vocabulary's iri.
func (r *Reader) is(ref graph.Ref, iri quad.IRI) bool {
	want, ok := r.ref[iri]
	return ok && ref != nil && refs.ToKey(ref) == refs.ToKey(want)
}

// nodesOf resolves the IRIs that ids name (with iri) to refs, in one batch.
func (r *Reader) nodesOf(ctx context.Context, ids []string, iri func(string) quad.IRI) ([]graph.Ref, error) {
	vals := make([]quad.Value, len(ids))
	for i, id := range ids {
		vals[i] = iri(id)
	}
	return r.refsOf(ctx, vals)
}

// instances lists the nodes whose rdf:type is class, with their values.
func (r *Reader) instances(ctx context.Context, class quad.IRI) ([]graph.Ref, []quad.Value, error) {
	c, ok := r.ref[class]
	if !ok {
		return nil, nil, ctx.Err()
	}
	found, vals, err := r.linkedValues(ctx, []graph.Ref{c}, quad.Object, vocab.RDFType, quad.Subject)
	if err != nil {
		return nil, nil, err
	}
	return found[0], vals[0], nil
}

func flatten[T any](xs [][]T) []T {
	n := 0
	for _, x := range xs {
		n += len(x)
	}
	out := make([]T, 0, n)
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}

// unflatten cuts flat into lists as long as those of shape.
func unflatten[T, U any](flat []T, shape [][]U) [][]T {
	out := make([][]T, len(shape))
	k := 0
	for i, s := range shape {
		out[i] = flat[k : k+len(s) : k+len(s)]
		k += len(s)
	}
	return out
}
