// Package engine answers the API's questions of one generation of the
// graph (lookups, filters, paths, subgraphs, search and the timeline),
// written once over Reader, whichever engine answers it.
package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/fulltext"
)

// Graph is one generation of the graph as the API reads it: a Reader and
// what is worth keeping of it for the generation's life (its summary, its
// predicates and documents, and the search index, built on first use).
// Every request reads one Graph from start to end, so it never sees half of
// a load.
type Graph struct {
	r       Reader
	engine  string
	version uint64
	sum     *Summary

	predicates []*domain.Predicate
	predByID   map[string]*domain.Predicate
	documents  []*domain.Document
	docByID    map[string]*domain.Document

	searchMu sync.Mutex
	search   *searchIndex // built on the first search

	treeMu   sync.Mutex
	paraTree *paragraphTree // read on first use

	readMu sync.Mutex
	read   *reading // built on the first mention span or quotation asked

	textMu sync.Mutex
	text   *fulltext.Index // built on the first text search, or by Warm
	closed bool
}

// versions numbers read models in the order they are built.
var versions atomic.Uint64

// New reads what a Graph keeps of a generation from r: its summary,
// predicates and documents. engine names the engine, for /healthz and
// metrics.
func New(ctx context.Context, engine string, r Reader) (*Graph, error) {
	g := &Graph{r: r, engine: engine, version: versions.Add(1)}
	var err error
	if g.sum, err = r.Summary(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if g.predicates, err = r.Predicates(ctx); err != nil {
		return nil, fmt.Errorf("predicates: %w", err)
	}
	if g.documents, err = r.Documents(ctx); err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	g.predByID = make(map[string]*domain.Predicate, len(g.predicates))
	for _, p := range g.predicates {
		g.predByID[p.ID] = p
	}
	g.docByID = make(map[string]*domain.Document, len(g.documents))
	for _, d := range g.documents {
		g.docByID[d.ID] = d
	}
	return g, nil
}

// Reader is the engine the graph reads.
func (g *Graph) Reader() Reader { return g.r }

// Batches reports whether the engine answers one call about N ids much
// faster than N calls (see Batched), so that callers should gather ids.
func (g *Graph) Batches() bool {
	_, ok := g.r.(Batched)
	return ok
}

// Engine names the engine that answers.
func (g *Graph) Engine() string { return g.engine }

// Version tells read models apart within a process: a new one, even of the
// same data, has a new version. Caches key their entries by it.
func (g *Graph) Version() uint64 { return g.version }

// Source names where the data of this graph came from ("" if unknown).
func (g *Graph) Source() string { return g.sum.Source }

// Hash is the content hash of the data this graph was loaded from.
func (g *Graph) Hash() string { return g.sum.Hash }

// DataVersion is the data's release number, 0 when it has none (see
// domain.Dataset).
func (g *Graph) DataVersion() int { return g.sum.Version }

// Stats counts entities by kind and relations by predicate.
func (g *Graph) Stats() Stats { return g.sum.Stats }

// Sizes reports the graph's longest lists and texts.
func (g *Graph) Sizes() *Sizes { return &g.sum.Sizes }

// Entity returns the entity with that id, or nil.
func (g *Graph) Entity(ctx context.Context, id string) (*domain.Entity, error) {
	es, err := g.r.Entities(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// EntitiesByID returns the entities with those ids, nil where none.
func (g *Graph) EntitiesByID(ctx context.Context, ids []string) ([]*domain.Entity, error) {
	return g.r.Entities(ctx, ids)
}

// EntityIDs lists the ids of the entities of one kind ("" for all), in id
// order.
func (g *Graph) EntityIDs(ctx context.Context, kind domain.Kind) ([]string, error) {
	return g.r.EntityIDs(ctx, kind)
}

// Entities lists the entities of one kind ("" for all), in id order.
func (g *Graph) Entities(ctx context.Context, kind domain.Kind) ([]*domain.Entity, error) {
	ids, err := g.r.EntityIDs(ctx, kind)
	if err != nil {
		return nil, err
	}
	return g.r.Entities(ctx, ids)
}

// Degree is the number of relations an entity takes part in.
func (g *Graph) Degree(ctx context.Context, id string) (int, error) {
	ds, err := g.r.Degrees(ctx, []string{id})
	if err != nil {
		return 0, err
	}
	return ds[0], nil
}

// Documents lists the source documents by id, without their paragraphs.
func (g *Graph) Documents() []*domain.Document { return g.documents }

// Document returns the document with that id, without its paragraphs, or
// nil.
func (g *Graph) Document(id string) *domain.Document { return g.docByID[id] }

// DocumentParagraphs lists a document's paragraphs in reading order, at
// most limit of them (all when limit < 0).
func (g *Graph) DocumentParagraphs(ctx context.Context, doc string, limit int) ([]*domain.Paragraph, error) {
	ids, err := g.r.DocumentParagraphs(ctx, []string{doc})
	if err != nil {
		return nil, err
	}
	return g.paragraphs(ctx, ids[0], limit)
}

func (g *Graph) paragraphs(ctx context.Context, ids []string, limit int) ([]*domain.Paragraph, error) {
	if limit >= 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	ps, err := g.r.Paragraphs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return compact(ps), nil
}

// Paragraph returns the paragraph with that id ("council-2023:7"), or nil.
func (g *Graph) Paragraph(ctx context.Context, id string) (*domain.Paragraph, error) {
	ps, err := g.r.Paragraphs(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// ParagraphsByID returns the paragraphs with those ids, nil where none.
func (g *Graph) ParagraphsByID(ctx context.Context, ids []string) ([]*domain.Paragraph, error) {
	return g.r.Paragraphs(ctx, ids)
}

// Mentions lists the paragraphs that mention an entity, in reading order,
// only of one document unless document is "", at most limit of them (all
// when limit < 0).
func (g *Graph) Mentions(ctx context.Context, entity, document string, limit int) ([]*domain.Paragraph, error) {
	ids, err := g.r.Mentions(ctx, []string{entity})
	if err != nil {
		return nil, err
	}
	return g.paragraphs(ctx, InDocument(ids[0], document), limit)
}

// InDocument keeps the paragraph ids of one document (all when document is
// ""), in a new list.
func InDocument(paragraphs []string, document string) []string {
	if document == "" {
		return paragraphs
	}
	var out []string
	for _, p := range paragraphs {
		if strings.HasPrefix(p, document+":") {
			out = append(out, p)
		}
	}
	return out
}

// Predicates lists the defined predicates by id.
func (g *Graph) Predicates() []*domain.Predicate { return g.predicates }

// Predicate returns the predicate with that id, or nil.
func (g *Graph) Predicate(id string) *domain.Predicate { return g.predByID[id] }

// Relation returns the relation with that id, or nil.
func (g *Graph) Relation(ctx context.Context, id string) (*domain.Relation, error) {
	rs, err := g.r.Relations(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// RelationsByID returns the relations with those ids, nil where none.
func (g *Graph) RelationsByID(ctx context.Context, ids []string) ([]*domain.Relation, error) {
	return g.r.Relations(ctx, ids)
}

// Load returns the relations of edges, in the same order.
func (g *Graph) Load(ctx context.Context, edges []Edge) ([]*domain.Relation, error) {
	rs, err := g.r.Relations(ctx, ids(edges))
	if err != nil {
		return nil, err
	}
	return compact(rs), nil
}

// RelationFilter selects relations; empty fields match everything.
type RelationFilter struct {
	Predicates []string
	Subject    string
	Object     string
	Entity     string // either end
	Document   string
	Paragraph  string
	// Subtree widens Paragraph to the paragraph and every sub-point under
	// it (4 and 4.A to 4.H).
	Subtree bool
}

// Relations lists the relations that pass the filter, by id. It reads one
// index, the one the summary expects to be smallest, and filters its
// relations by the rest of the filter, so that its cost follows the
// smallest list the filter names rather than the largest.
func (g *Graph) Relations(ctx context.Context, f RelationFilter) ([]Edge, error) {
	var paras []string
	if f.Paragraph != "" {
		paras = []string{f.Paragraph}
		if f.Subtree {
			var err error
			if paras, err = g.Subtree(ctx, f.Paragraph); err != nil {
				return nil, err
			}
		}
	}
	base, cites, err := g.relationIndex(ctx, f, paras)
	if err != nil {
		return nil, err
	}
	preds := predicateSet(f.Predicates)
	var need []Edge // passes all but the evidence filters
	for _, e := range base {
		if f.Subject != "" && e.Subject != f.Subject ||
			f.Object != "" && e.Object != f.Object ||
			f.Entity != "" && e.Subject != f.Entity && e.Object != f.Entity ||
			preds != nil && !preds[e.Predicate] {
			continue
		}
		need = append(need, e)
	}
	if cites || f.Paragraph == "" && f.Document == "" {
		return need, nil
	}
	rels, err := g.Load(ctx, need)
	if err != nil {
		return nil, err
	}
	out := make([]Edge, 0, len(need))
	for i, r := range rels {
		if len(paras) > 0 && !slices.ContainsFunc(paras, r.CitesParagraph) || f.Document != "" && !r.CitesDocument(f.Document) {
			continue
		}
		out = append(out, need[i])
	}
	return out, nil
}

// relationIndex reads the index of the relations that f selects whose
// answer the summary expects to be shortest: the paragraphs' (a paragraph
// states a few), an entity's (its degree), a document's or the
// predicates' (their counts), else all. cites reports that every edge of
// it passes f's paragraph and document filters.
func (g *Graph) relationIndex(ctx context.Context, f RelationFilter, paras []string) (edges []Edge, cites bool, err error) {
	st := &g.sum.Stats
	const (
		none = iota
		paragraph
		subject
		object
		either
		document
		predicates
	)
	pick, best := none, st.Relations
	consider := func(index, size int) {
		if size < best {
			pick, best = index, size
		}
	}
	if len(paras) > 0 {
		consider(paragraph, len(paras)*g.sum.Sizes.ParagraphRels)
	}
	if f.Subject != "" || f.Object != "" || f.Entity != "" {
		deg, err := g.r.Degrees(ctx, []string{f.Subject, f.Object, f.Entity})
		if err != nil {
			return nil, false, err
		}
		if f.Subject != "" {
			consider(subject, deg[0])
		}
		if f.Object != "" {
			consider(object, deg[1])
		}
		if f.Entity != "" {
			consider(either, deg[2])
		}
	}
	if f.Document != "" && st.Documents > 0 {
		// a document's share of the evidence, on average
		consider(document, st.Evidence/st.Documents)
	}
	if len(f.Predicates) > 0 {
		n := 0
		for p := range predicateSet(f.Predicates) {
			n += st.ByPredicate[p]
		}
		consider(predicates, n)
	}
	// union reads one list per key, each in id order, into one list in id
	// order without repeats
	union := func(keys []EdgeKey) ([]Edge, error) {
		if len(keys) == 1 {
			return g.r.EdgesBy(ctx, keys[0])
		}
		var all []Edge
		for _, k := range keys {
			l, err := g.r.EdgesBy(ctx, k)
			if err != nil {
				return nil, err
			}
			all = append(all, l...)
		}
		slices.SortFunc(all, func(a, b Edge) int { return strings.Compare(a.ID, b.ID) })
		return slices.CompactFunc(all, func(a, b Edge) bool { return a.ID == b.ID }), nil
	}
	switch pick {
	case paragraph:
		keys := make([]EdgeKey, len(paras))
		for i, p := range paras {
			keys[i] = EdgeKey{Paragraph: p}
		}
		edges, err = union(keys)
		return edges, f.Document == "", err
	case subject:
		edges, err = g.edges(ctx, f.Subject, Out, f.Predicates)
	case object:
		edges, err = g.edges(ctx, f.Object, In, f.Predicates)
	case either:
		edges, err = g.Neighbours(ctx, f.Entity, Both, f.Predicates)
	case document:
		edges, err = g.r.EdgesBy(ctx, EdgeKey{Document: f.Document})
		return edges, len(paras) == 0, err
	case predicates:
		var keys []EdgeKey
		for p := range predicateSet(f.Predicates) {
			keys = append(keys, EdgeKey{Predicate: p})
		}
		edges, err = union(keys)
	default:
		edges, err = g.r.EdgesBy(ctx, EdgeKey{})
	}
	return edges, false, err
}

func (g *Graph) edges(ctx context.Context, id string, dir Direction, preds []string) ([]Edge, error) {
	l, err := g.r.Edges(ctx, []string{id}, dir, preds)
	if err != nil {
		return nil, err
	}
	return l[0], nil
}

func predicateSet(ps []string) map[string]bool {
	if len(ps) == 0 {
		return nil
	}
	m := make(map[string]bool, len(ps))
	for _, p := range ps {
		m[p] = true
	}
	return m
}

// SortEvidence puts evidence in reading order: by document, then by the
// paragraph's place in it (order gives it by paragraph id; a paragraph it
// does not know sorts by id), then by start.
func SortEvidence(evs []domain.Evidence, order map[string]int) {
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.Document != b.Document {
			return a.Document < b.Document
		}
		if a.Paragraph != b.Paragraph {
			pa, oka := order[a.Paragraph]
			pb, okb := order[b.Paragraph]
			if oka && okb {
				return pa < pb
			}
			return a.Paragraph < b.Paragraph
		}
		return a.Start < b.Start
	})
}

// Neighbours lists an entity's relations in a direction, optionally only of
// some predicates, by relation id.
func (g *Graph) Neighbours(ctx context.Context, id string, dir Direction, predicates []string) ([]Edge, error) {
	if dir != Both {
		return g.edges(ctx, id, dir, predicates)
	}
	out, err := g.edges(ctx, id, Out, predicates)
	if err != nil {
		return nil, err
	}
	in, err := g.edges(ctx, id, In, predicates)
	if err != nil {
		return nil, err
	}
	return Merge(out, in), nil
}

// Merge joins an entity's relations out and in, in relation-id order, a
// relation of the entity with itself once.
func Merge(out, in []Edge) []Edge {
	all := make([]Edge, 0, len(out)+len(in))
	all = append(append(all, out...), in...)
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	w := 0
	for i, e := range all {
		if i > 0 && all[w-1].ID == e.ID {
			continue
		}
		all[w] = e
		w++
	}
	return all[:w]
}

// Step is one relation on a path, walked forward (subject to object) or
// backward.
type Step struct {
	Relation *domain.Relation
	From, To string
	Forward  bool
}

// Path is a sequence of steps from one entity to another.
type Path struct {
	Nodes []string
	Steps []Step
}

// Limits of paths and subgraphs.
const (
	MaxPathHops = 6
	MaxPaths    = 20
	MaxDepth    = 4
	MaxRoots    = 50
	// MaxSubgraph is the node limit of every route that selects a
	// subgraph: GraphQL's subgraph(maxNodes), /export's maxNodes and the
	// CLI's --max-nodes.
	MaxSubgraph = 2000
	// DefaultSubgraph is how many entities a neighbourhood holds when
	// maxNodes is not given, on every route (the schema's default of
	// subgraph(maxNodes) repeats it, and a test holds them together).
	DefaultSubgraph = 200
)

// MaxSubgraphEdges is the most relations a subgraph may be asked for.
const MaxSubgraphEdges = 10000

// step is a Step before its relation is read.
type step struct {
	edge     Edge
	from, to string
	forward  bool
}

// Paths finds up to limit shortest paths between two entities, following
// relations in either direction, at most maxHops long.
func (g *Graph) Paths(ctx context.Context, from, to string, maxHops int, predicates []string, limit int) ([]Path, error) {
	ends, err := g.r.Entities(ctx, []string{from, to})
	if err != nil {
		return nil, err
	}
	for i, id := range []string{from, to} {
		if ends[i] == nil {
			return nil, g.NotFound(ctx, "entity", id)
		}
	}
	if maxHops < 1 || maxHops > MaxPathHops {
		return nil, fmt.Errorf("maxHops must be between 1 and %d: %w", MaxPathHops, domain.ErrInvalidArgument)
	}
	if limit < 1 || limit > MaxPaths {
		return nil, fmt.Errorf("first must be between 1 and %d: %w", MaxPaths, domain.ErrInvalidArgument)
	}
	if from == to {
		return []Path{{Nodes: []string{from}}}, nil
	}
	// Breadth-first from `from`, keeping every parent step that reaches a
	// node at its shortest distance, so all shortest paths can be listed.
	dist := map[string]int{from: 0}
	parents := map[string][]step{}
	frontier := []string{from}
	found := false
	for d := 1; d <= maxHops && len(frontier) > 0 && !found; d++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		steps, err := g.steps(ctx, frontier, predicates)
		if err != nil {
			return nil, err
		}
		var next []string
		for _, ss := range steps {
			for _, st := range ss {
				if dd, ok := dist[st.to]; ok && dd < d {
					continue
				}
				if _, ok := dist[st.to]; !ok {
					dist[st.to] = d
					next = append(next, st.to)
				}
				parents[st.to] = append(parents[st.to], st)
				if st.to == to {
					found = true
				}
			}
		}
		sort.Strings(next)
		frontier = next
	}
	if !found {
		return []Path{}, nil
	}
	var walks [][]step
	var walk func(n string, rev []step) bool
	walk = func(n string, rev []step) bool {
		if n == from {
			p := make([]step, len(rev))
			for i := range rev {
				p[i] = rev[len(rev)-1-i]
			}
			walks = append(walks, p)
			return len(walks) < limit
		}
		for _, st := range parents[n] {
			if dist[st.from] != dist[n]-1 {
				continue
			}
			if !walk(st.from, append(rev, st)) {
				return false
			}
		}
		return true
	}
	walk(to, nil)
	var edges []Edge
	for _, p := range walks {
		for _, st := range p {
			edges = append(edges, st.edge)
		}
	}
	rels, err := g.r.Relations(ctx, ids(edges))
	if err != nil {
		return nil, err
	}
	paths := make([]Path, len(walks))
	k := 0
	for i, p := range walks {
		paths[i].Nodes = []string{from}
		for _, st := range p {
			paths[i].Steps = append(paths[i].Steps, Step{Relation: rels[k], From: st.from, To: st.to, Forward: st.forward})
			paths[i].Nodes = append(paths[i].Nodes, st.to)
			k++
		}
	}
	return paths, nil
}

func ids(edges []Edge) []string {
	out := make([]string, len(edges))
	for i, e := range edges {
		out[i] = e.ID
	}
	return out
}

// steps lists, for each node, the relations leaving it in either direction,
// in a stable order: out by id, then in by id.
func (g *Graph) steps(ctx context.Context, nodes []string, preds []string) ([][]step, error) {
	outs, err := g.r.Edges(ctx, nodes, Out, preds)
	if err != nil {
		return nil, err
	}
	ins, err := g.r.Edges(ctx, nodes, In, preds)
	if err != nil {
		return nil, err
	}
	all := make([][]step, len(nodes))
	for i, n := range nodes {
		for _, e := range outs[i] {
			all[i] = append(all[i], step{edge: e, from: n, to: e.Object, forward: true})
		}
		for _, e := range ins[i] {
			if e.Subject != e.Object {
				all[i] = append(all[i], step{edge: e, from: n, to: e.Subject})
			}
		}
	}
	return all, nil
}

// Subgraph is a set of entities and the relations among them.
type Subgraph struct {
	Nodes     []*domain.Entity
	Edges     []*domain.Relation
	Truncated bool // the node or edge limit cut it short
}

// SubgraphQuery selects a neighbourhood: the roots, every entity within depth
// relations of them (either direction), only through the given predicates and
// kinds when those are set, at most MaxNodes entities and, when MaxEdges is
// set, at most MaxEdges relations (the first by id).
type SubgraphQuery struct {
	Roots      []string
	Depth      int
	Predicates []string
	Kinds      []domain.Kind
	MaxNodes   int
	// MaxEdges bounds the relations returned: a few hundred hubs of a large
	// graph can have far more relations among them than there are nodes.
	// 0: every relation among the nodes.
	MaxEdges int
}

// Subgraph walks out from the roots breadth-first and returns the entities
// reached and every relation among them that passes the predicate filter.
// With no roots it returns the whole graph (up to MaxNodes).
func (g *Graph) Subgraph(ctx context.Context, q SubgraphQuery) (*Subgraph, error) {
	if q.Depth < 0 || q.Depth > MaxDepth {
		return nil, fmt.Errorf("depth must be between 0 and %d: %w", MaxDepth, domain.ErrInvalidArgument)
	}
	if q.MaxNodes < 1 || q.MaxNodes > MaxSubgraph {
		return nil, fmt.Errorf("maxNodes must be between 1 and %d: %w", MaxSubgraph, domain.ErrInvalidArgument)
	}
	if q.MaxEdges < 0 || q.MaxEdges > MaxSubgraphEdges {
		return nil, fmt.Errorf("maxEdges must be between 1 and %d: %w", MaxSubgraphEdges, domain.ErrInvalidArgument)
	}
	if len(q.Roots) > MaxRoots {
		return nil, fmt.Errorf("at most %d roots: %w", MaxRoots, domain.ErrInvalidArgument)
	}
	roots, err := g.r.Entities(ctx, q.Roots)
	if err != nil {
		return nil, err
	}
	for i, r := range q.Roots {
		if roots[i] == nil {
			return nil, g.NotFound(ctx, "entity", r)
		}
	}
	kinds := domain.FilterKinds(q.Kinds)
	sg := &Subgraph{}
	in := map[string]bool{}
	take := func(e *domain.Entity) bool {
		if in[e.ID] {
			return true
		}
		if len(sg.Nodes) >= q.MaxNodes {
			sg.Truncated = true
			return false
		}
		in[e.ID] = true
		sg.Nodes = append(sg.Nodes, e)
		return true
	}
	if len(q.Roots) == 0 {
		var all []string
		if kinds == nil {
			if all, err = g.r.EntityIDs(ctx, ""); err != nil {
				return nil, err
			}
		} else {
			for k := range kinds {
				l, err := g.r.EntityIDs(ctx, k)
				if err != nil {
					return nil, err
				}
				all = append(all, l...)
			}
			sort.Strings(all)
		}
		if len(all) > q.MaxNodes {
			all = all[:q.MaxNodes+1] // one more, so that take sees the cut
		}
		es, err := g.r.Entities(ctx, all)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e != nil && !take(e) {
				break
			}
		}
	} else {
		for _, r := range roots {
			take(r)
		}
		frontier := append([]string(nil), q.Roots...)
	walk:
		for d := 0; d < q.Depth && len(frontier) > 0; d++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			steps, err := g.steps(ctx, frontier, q.Predicates)
			if err != nil {
				return nil, err
			}
			// The entities the steps reach, read in one call, for their kinds.
			var reach []string
			seen := map[string]bool{}
			for _, ss := range steps {
				for _, st := range ss {
					if !in[st.to] && !seen[st.to] {
						seen[st.to] = true
						reach = append(reach, st.to)
					}
				}
			}
			es, err := g.r.Entities(ctx, reach)
			if err != nil {
				return nil, err
			}
			byID := make(map[string]*domain.Entity, len(es))
			for _, e := range es {
				if e != nil {
					byID[e.ID] = e
				}
			}
			var next []string
			for _, ss := range steps {
				for _, st := range ss {
					e := byID[st.to]
					if in[st.to] || e == nil {
						continue
					}
					if !kinds.Keeps(e.Kind) {
						continue
					}
					if !take(e) {
						break walk
					}
					next = append(next, st.to)
				}
			}
			frontier = next
		}
	}
	nodes := make([]string, len(sg.Nodes))
	for i, n := range sg.Nodes {
		nodes[i] = n.ID
	}
	outs, err := g.r.Edges(ctx, nodes, Out, q.Predicates)
	if err != nil {
		return nil, err
	}
	var edges []Edge
	for _, l := range outs {
		for _, e := range l {
			if in[e.Object] {
				edges = append(edges, e)
			}
		}
	}
	sort.Slice(edges, func(i, j int) bool { return edges[i].ID < edges[j].ID })
	if q.MaxEdges > 0 && len(edges) > q.MaxEdges {
		edges = edges[:q.MaxEdges]
		sg.Truncated = true
	}
	if sg.Edges, err = g.Load(ctx, edges); err != nil {
		return nil, err
	}
	return sg, nil
}

// Search finds entities by name, alias or common name: exact matches first,
// then prefixes, then word prefixes, then substrings; ignoring case and
// accents. Within a rank, better-connected entities come first.
func (g *Graph) Search(ctx context.Context, text string, kinds []domain.Kind, limit int) ([]*domain.Entity, error) {
	ix, err := g.searchIndex(ctx)
	if err != nil {
		return nil, err
	}
	return ix.find(ctx, g.r, text, kinds, limit)
}

// searchIndex builds the index once; a failure (a request ending, a lost
// connection) is not kept, so the next search tries again.
func (g *Graph) searchIndex(ctx context.Context) (*searchIndex, error) {
	g.searchMu.Lock()
	defer g.searchMu.Unlock()
	if g.search == nil {
		names, err := g.r.Names(ctx)
		if err != nil {
			return nil, fmt.Errorf("search index: %w", err)
		}
		g.search = newSearchIndex(names)
	}
	return g.search, nil
}

// SearchText ranks the paragraphs whose text matches q (words, "phrases",
// prefix*, -exclusions; see fulltext). A query with nothing to search for
// is a *fulltext.QueryError.
func (g *Graph) SearchText(ctx context.Context, q fulltext.Query) (*fulltext.Result, error) {
	ix, err := g.textIndex(ctx)
	if err != nil {
		return nil, err
	}
	return ix.Search(ctx, q)
}

// textIndex builds the full-text index of every paragraph once; a failure
// (a request ending, a lost connection) is not kept.
func (g *Graph) textIndex(ctx context.Context) (*fulltext.Index, error) {
	g.textMu.Lock()
	defer g.textMu.Unlock()
	if g.closed {
		return nil, errors.New("text index: the graph is closed")
	}
	if g.text != nil {
		return g.text, nil
	}
	t, err := g.tree(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := g.r.Paragraphs(ctx, t.ids)
	if err != nil {
		return nil, fmt.Errorf("text index: %w", err)
	}
	if g.text, err = fulltext.Build(ctx, compact(ps)); err != nil {
		return nil, fmt.Errorf("text index: %w", err)
	}
	return g.text, nil
}

// Warm builds the indexes searches use (names, paragraph text) ahead of
// the first search, so that no request waits for them. It is a head start
// only: a failure here recurs, and is returned, at the first search.
func (g *Graph) Warm(ctx context.Context) {
	if _, err := g.searchIndex(ctx); err == nil {
		_, _ = g.textIndex(ctx)
	}
}

// Close lets go of what the graph built for itself (the text index); the
// Reader is its owner's to close. Searches after Close fail.
func (g *Graph) Close() error {
	g.textMu.Lock()
	defer g.textMu.Unlock()
	g.closed = true
	if g.text == nil {
		return nil
	}
	err := g.text.Close()
	g.text = nil
	return err
}

// Dataset reads the whole generation back as a dataset: what an export of
// everything writes when it has no quad store to stream from.
func (g *Graph) Dataset(ctx context.Context) (*domain.Dataset, error) {
	ds := &domain.Dataset{}
	err := g.DatasetParts(ctx, 4096, func(part *domain.Dataset) error {
		ds.Documents = append(ds.Documents, part.Documents...)
		ds.Predicates = append(ds.Predicates, part.Predicates...)
		ds.Entities = append(ds.Entities, part.Entities...)
		ds.Relations = append(ds.Relations, part.Relations...)
		ds.Hash, ds.Source, ds.Version = cmp.Or(ds.Hash, part.Hash), cmp.Or(ds.Source, part.Source), cmp.Or(ds.Version, part.Version)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// DatasetParts reads the whole generation back a part at a time, each
// handed to yield before the next is read: its predicates, entities and
// what the store says of the data first, then each document with its
// paragraphs, then its relations, batch at a time. So a whole-graph export
// holds one part, not the graph twice over.
func (g *Graph) DatasetParts(ctx context.Context, batch int, yield func(*domain.Dataset) error) error {
	first := &domain.Dataset{Predicates: g.predicates, Hash: g.Hash(), Source: g.Source(), Version: g.DataVersion()}
	var err error
	if first.Entities, err = g.Entities(ctx, ""); err != nil {
		return err
	}
	if err := yield(first); err != nil {
		return err
	}
	for _, d := range g.documents {
		dd := *d
		if dd.Paragraphs, err = g.DocumentParagraphs(ctx, d.ID, -1); err != nil {
			return err
		}
		if err := yield(&domain.Dataset{Documents: []*domain.Document{&dd}}); err != nil {
			return err
		}
	}
	edges, err := g.r.EdgesBy(ctx, EdgeKey{})
	if err != nil {
		return err
	}
	for len(edges) > 0 {
		n := min(len(edges), batch)
		rels, err := g.Load(ctx, edges[:n])
		if err != nil {
			return err
		}
		edges = edges[n:]
		if err := yield(&domain.Dataset{Relations: rels}); err != nil {
			return err
		}
	}
	return nil
}

// compact drops the nil entries of a list read by ids.
func compact[T any](xs []*T) []*T {
	out := xs[:0:0]
	for _, x := range xs {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}
