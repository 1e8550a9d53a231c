// Package engine answers the API's questions of one generation of the
// graph: lookups, filters, paths, subgraphs, search and the timeline.
package engine

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/digidip/digidip/domain"
)

// Graph is an immutable, read-optimised projection of one version of the
// store: every request reads one Graph from start to end, so it never sees
// half of a load, and no read waits on the backend.
type Graph struct {
	hash    string
	source  string
	version uint64

	entities   []*domain.Entity // by id
	entityByID map[string]*domain.Entity
	byKind     map[domain.Kind][]*domain.Entity
	degree     map[string]int

	documents []*domain.Document // by id
	docByID   map[string]*domain.Document
	paraByID  map[string]*domain.Paragraph
	mentioned map[string][]*domain.Paragraph // entity id -> paragraphs, in document order

	predicates []*domain.Predicate // by id
	predByID   map[string]*domain.Predicate

	relations  []*domain.Relation // by id
	relByID    map[string]*domain.Relation
	out, in    map[string][]*domain.Relation // entity id -> relations, by id
	byPred     map[string][]*domain.Relation
	byPara     map[string][]*domain.Relation
	byDoc      map[string][]*domain.Relation
	predCounts map[string]int

	search *searchIndex
	sizes  *Sizes
}

// NewGraph indexes a copy of a dataset as a Graph. The loader uses it to
// check data without a store.
func NewGraph(ds *domain.Dataset) *Graph {
	return FromDataset(cloneDataset(ds))
}

func cloneDataset(ds *domain.Dataset) *domain.Dataset {
	c := &domain.Dataset{Hash: ds.Hash, Source: ds.Source}
	for _, d := range ds.Documents {
		dd := *d
		dd.Paragraphs = nil
		for _, p := range d.Paragraphs {
			pp := *p
			dd.Paragraphs = append(dd.Paragraphs, &pp)
		}
		c.Documents = append(c.Documents, &dd)
	}
	for _, p := range ds.Predicates {
		pp := *p
		c.Predicates = append(c.Predicates, &pp)
	}
	for _, e := range ds.Entities {
		ee := *e
		c.Entities = append(c.Entities, &ee)
	}
	for _, r := range ds.Relations {
		rr := *r
		rr.Evidence = append([]domain.Evidence(nil), r.Evidence...)
		c.Relations = append(c.Relations, &rr)
	}
	return c
}

// FromDataset indexes a dataset as a Graph, which keeps it: the caller must
// not change it afterwards.
func FromDataset(ds *domain.Dataset) *Graph {
	g := &Graph{
		hash:       ds.Hash,
		source:     ds.Source,
		version:    versions.Add(1),
		entityByID: make(map[string]*domain.Entity, len(ds.Entities)),
		byKind:     map[domain.Kind][]*domain.Entity{},
		degree:     make(map[string]int, len(ds.Entities)),
		docByID:    map[string]*domain.Document{},
		paraByID:   map[string]*domain.Paragraph{},
		mentioned:  map[string][]*domain.Paragraph{},
		predByID:   map[string]*domain.Predicate{},
		relByID:    make(map[string]*domain.Relation, len(ds.Relations)),
		out:        map[string][]*domain.Relation{},
		in:         map[string][]*domain.Relation{},
		byPred:     map[string][]*domain.Relation{},
		byPara:     map[string][]*domain.Relation{},
		byDoc:      map[string][]*domain.Relation{},
		predCounts: map[string]int{},
	}
	g.entities = append(g.entities, ds.Entities...)
	sort.Slice(g.entities, func(i, j int) bool { return g.entities[i].ID < g.entities[j].ID })
	for _, e := range g.entities {
		sort.Strings(e.Aliases)
		sort.Strings(e.Common)
		g.entityByID[e.ID] = e
		g.byKind[e.Kind] = append(g.byKind[e.Kind], e)
	}

	g.documents = append(g.documents, ds.Documents...)
	sort.Slice(g.documents, func(i, j int) bool { return g.documents[i].ID < g.documents[j].ID })
	for _, d := range g.documents {
		sort.Slice(d.Paragraphs, func(i, j int) bool { return d.Paragraphs[i].Order < d.Paragraphs[j].Order })
		g.docByID[d.ID] = d
		for _, p := range d.Paragraphs {
			g.paraByID[p.ID] = p
			sort.Strings(p.Notes)
			seen := map[string]bool{}
			for _, m := range p.Mentions {
				if !seen[m] {
					seen[m] = true
					g.mentioned[m] = append(g.mentioned[m], p)
				}
			}
		}
	}

	g.predicates = append(g.predicates, ds.Predicates...)
	sort.Slice(g.predicates, func(i, j int) bool { return g.predicates[i].ID < g.predicates[j].ID })
	for _, p := range g.predicates {
		g.predByID[p.ID] = p
	}

	g.relations = append(g.relations, ds.Relations...)
	sort.Slice(g.relations, func(i, j int) bool { return g.relations[i].ID < g.relations[j].ID })
	for _, r := range g.relations {
		sort.Slice(r.Evidence, func(i, j int) bool { return g.evidenceLess(r.Evidence[i], r.Evidence[j]) })
		g.relByID[r.ID] = r
		g.out[r.Subject] = append(g.out[r.Subject], r)
		g.in[r.Object] = append(g.in[r.Object], r)
		g.degree[r.Subject]++
		if r.Object != r.Subject {
			g.degree[r.Object]++
		}
		g.byPred[r.Predicate] = append(g.byPred[r.Predicate], r)
		g.predCounts[r.Predicate]++
		var lastPara, lastDoc string
		for _, e := range r.Evidence {
			if e.Paragraph != lastPara {
				lastPara = e.Paragraph
				if l := g.byPara[e.Paragraph]; len(l) == 0 || l[len(l)-1] != r {
					g.byPara[e.Paragraph] = append(l, r)
				}
			}
			if e.Document != lastDoc {
				lastDoc = e.Document
				if l := g.byDoc[e.Document]; len(l) == 0 || l[len(l)-1] != r {
					g.byDoc[e.Document] = append(l, r)
				}
			}
		}
	}
	g.search = newSearchIndex(g)
	g.sizes = measureSizes(g)
	return g
}

func (g *Graph) evidenceLess(a, b domain.Evidence) bool {
	if a.Document != b.Document {
		return a.Document < b.Document
	}
	if a.Paragraph != b.Paragraph {
		pa, pb := g.paraByID[a.Paragraph], g.paraByID[b.Paragraph]
		if pa != nil && pb != nil {
			return pa.Order < pb.Order
		}
		return a.Paragraph < b.Paragraph
	}
	return a.Start < b.Start
}

// versions numbers read models in the order they are built.
var versions atomic.Uint64

// Version tells read models apart within a process: a new one, even of the
// same data, has a new version. Caches key their entries by it.
func (g *Graph) Version() uint64 { return g.version }

// Source names where the data of this graph came from ("" if unknown).
func (g *Graph) Source() string { return g.source }

// Hash is the content hash of the data this graph was loaded from.
func (g *Graph) Hash() string { return g.hash }

// Entity returns the entity with that id, or nil.
func (g *Graph) Entity(id string) *domain.Entity { return g.entityByID[id] }

// Entities lists entities by id, of one kind when kind is not empty.
func (g *Graph) Entities(kind domain.Kind) []*domain.Entity {
	if kind == "" {
		return g.entities
	}
	return g.byKind[kind]
}

// Degree is the number of relations an entity takes part in.
func (g *Graph) Degree(id string) int { return g.degree[id] }

// Documents lists the source documents by id.
func (g *Graph) Documents() []*domain.Document { return g.documents }

// Document returns the document with that id, or nil.
func (g *Graph) Document(id string) *domain.Document { return g.docByID[id] }

// Paragraph returns the paragraph with that id ("council-2023:7"), or nil.
func (g *Graph) Paragraph(id string) *domain.Paragraph { return g.paraByID[id] }

// Mentions lists the paragraphs that mention an entity, in document order.
func (g *Graph) Mentions(entityID string) []*domain.Paragraph { return g.mentioned[entityID] }

// Predicates lists the defined predicates by id.
func (g *Graph) Predicates() []*domain.Predicate { return g.predicates }

// Predicate returns the predicate with that id, or nil.
func (g *Graph) Predicate(id string) *domain.Predicate { return g.predByID[id] }

// Relation returns the relation with that id, or nil.
func (g *Graph) Relation(id string) *domain.Relation { return g.relByID[id] }

// Direction chooses which relations of an entity to follow.
type Direction int

// Directions: OUT follows relations whose subject is the entity, IN those
// whose object it is, BOTH either.
const (
	Out Direction = iota
	In
	Both
)

// RelationFilter selects relations; empty fields match everything.
type RelationFilter struct {
	Predicates []string
	Subject    string
	Object     string
	Document   string
	Paragraph  string
}

// Relations lists the relations that pass the filter, by id. It starts from
// the smallest index the filter names, so its cost follows the answer's size.
func (g *Graph) Relations(f RelationFilter) []*domain.Relation {
	var base []*domain.Relation
	pick := func(l []*domain.Relation) {
		if base == nil || len(l) < len(base) {
			base = l
		}
	}
	named := false
	if f.Subject != "" {
		pick(g.out[f.Subject])
		named = true
	}
	if f.Object != "" {
		pick(g.in[f.Object])
		named = true
	}
	if f.Paragraph != "" {
		pick(g.byPara[f.Paragraph])
		named = true
	}
	if f.Document != "" {
		pick(g.byDoc[f.Document])
		named = true
	}
	if len(f.Predicates) == 1 {
		pick(g.byPred[f.Predicates[0]])
		named = true
	}
	if !named {
		base = g.relations
	}
	if base == nil {
		return nil
	}
	preds := predicateSet(f.Predicates)
	out := make([]*domain.Relation, 0, len(base))
	for _, r := range base {
		if f.Subject != "" && r.Subject != f.Subject ||
			f.Object != "" && r.Object != f.Object ||
			preds != nil && !preds[r.Predicate] ||
			f.Paragraph != "" && !r.CitesParagraph(f.Paragraph) ||
			f.Document != "" && !r.CitesDocument(f.Document) {
			continue
		}
		out = append(out, r)
	}
	return out
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

// Neighbours lists an entity's relations in a direction, optionally only of
// some predicates, by relation id.
func (g *Graph) Neighbours(id string, dir Direction, predicates []string) []*domain.Relation {
	preds := predicateSet(predicates)
	var lists [][]*domain.Relation
	switch dir {
	case Out:
		lists = [][]*domain.Relation{g.out[id]}
	case In:
		lists = [][]*domain.Relation{g.in[id]}
	default:
		lists = [][]*domain.Relation{g.out[id], g.in[id]}
	}
	var out []*domain.Relation
	for _, l := range lists {
		for _, r := range l {
			if preds == nil || preds[r.Predicate] {
				out = append(out, r)
			}
		}
	}
	if dir == Both {
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		out = dedupe(out)
	}
	return out
}

func dedupe(rs []*domain.Relation) []*domain.Relation {
	w := 0
	for i, r := range rs {
		if i > 0 && rs[w-1] == r {
			continue
		}
		rs[w] = r
		w++
	}
	return rs[:w]
}

// Stats counts what the graph holds.
type Stats struct {
	Entities, Relations, Evidence, Documents, Paragraphs, Mentions int
	ByKind                                                         map[domain.Kind]int
	ByPredicate                                                    map[string]int
}

// Stats counts entities by kind and relations by predicate.
func (g *Graph) Stats() Stats {
	s := Stats{
		Entities:    len(g.entities),
		Relations:   len(g.relations),
		Documents:   len(g.documents),
		Paragraphs:  len(g.paraByID),
		ByKind:      map[domain.Kind]int{},
		ByPredicate: map[string]int{},
	}
	for k, l := range g.byKind {
		s.ByKind[k] = len(l)
	}
	for p, n := range g.predCounts {
		s.ByPredicate[p] = n
	}
	for _, r := range g.relations {
		s.Evidence += len(r.Evidence)
	}
	for _, l := range g.mentioned {
		s.Mentions += len(l)
	}
	return s
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

// Path limits.
const (
	MaxPathHops  = 6
	MaxPaths     = 20
	MaxDepth     = 4
	MaxRoots     = 50
	MaxSubgraph  = 2000
	pathExpandCx = 1 << 16
)

// MaxSubgraphEdges is the most relations a subgraph may be asked for.
const MaxSubgraphEdges = 10000

// Paths finds up to limit shortest paths between two entities, following
// relations in either direction, at most maxHops long.
func (g *Graph) Paths(ctx context.Context, from, to string, maxHops int, predicates []string, limit int) ([]Path, error) {
	for _, id := range []string{from, to} {
		if g.entityByID[id] == nil {
			return nil, fmt.Errorf("entity %q: %w", id, domain.ErrNotFound)
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
	preds := predicateSet(predicates)
	// Breadth-first from `from`, keeping every parent step that reaches a
	// node at its shortest distance, so all shortest paths can be listed.
	dist := map[string]int{from: 0}
	parents := map[string][]Step{}
	frontier := []string{from}
	found := false
	for d := 1; d <= maxHops && len(frontier) > 0 && !found; d++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var next []string
		for _, n := range frontier {
			for _, st := range g.steps(n, preds) {
				if dd, ok := dist[st.To]; ok && dd < d {
					continue
				}
				if _, ok := dist[st.To]; !ok {
					dist[st.To] = d
					next = append(next, st.To)
				}
				parents[st.To] = append(parents[st.To], st)
				if st.To == to {
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
	var paths []Path
	var walk func(n string, rev []Step) bool
	walk = func(n string, rev []Step) bool {
		if n == from {
			p := Path{Nodes: []string{from}}
			for i := len(rev) - 1; i >= 0; i-- {
				p.Steps = append(p.Steps, rev[i])
				p.Nodes = append(p.Nodes, rev[i].To)
			}
			paths = append(paths, p)
			return len(paths) < limit
		}
		for _, st := range parents[n] {
			if dist[st.From] != dist[n]-1 {
				continue
			}
			if !walk(st.From, append(rev, st)) {
				return false
			}
		}
		return true
	}
	walk(to, nil)
	return paths, nil
}

// steps lists the relations leaving n in either direction, in a stable order.
func (g *Graph) steps(n string, preds map[string]bool) []Step {
	var out []Step
	for _, r := range g.out[n] {
		if preds == nil || preds[r.Predicate] {
			out = append(out, Step{Relation: r, From: n, To: r.Object, Forward: true})
		}
	}
	for _, r := range g.in[n] {
		if (preds == nil || preds[r.Predicate]) && r.Subject != r.Object {
			out = append(out, Step{Relation: r, From: n, To: r.Subject, Forward: false})
		}
	}
	return out
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
	for _, r := range q.Roots {
		if g.entityByID[r] == nil {
			return nil, fmt.Errorf("entity %q: %w", r, domain.ErrNotFound)
		}
	}
	preds := predicateSet(q.Predicates)
	var kinds map[domain.Kind]bool
	if len(q.Kinds) > 0 {
		kinds = map[domain.Kind]bool{}
		for _, k := range q.Kinds {
			kinds[k] = true
		}
	}
	sg := &Subgraph{}
	in := map[string]bool{}
	take := func(id string) bool {
		if in[id] {
			return true
		}
		if len(sg.Nodes) >= q.MaxNodes {
			sg.Truncated = true
			return false
		}
		in[id] = true
		sg.Nodes = append(sg.Nodes, g.entityByID[id])
		return true
	}
	if len(q.Roots) == 0 {
		for _, e := range g.entities {
			if kinds == nil || kinds[e.Kind] {
				if !take(e.ID) {
					break
				}
			}
		}
	} else {
		frontier := append([]string(nil), q.Roots...)
		for _, r := range frontier {
			take(r)
		}
	walk:
		for d := 0; d < q.Depth && len(frontier) > 0; d++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var next []string
			for _, n := range frontier {
				for _, st := range g.steps(n, preds) {
					if in[st.To] {
						continue
					}
					if kinds != nil && !kinds[g.entityByID[st.To].Kind] {
						continue
					}
					if !take(st.To) {
						break walk
					}
					next = append(next, st.To)
				}
			}
			frontier = next
		}
	}
	for _, n := range sg.Nodes {
		for _, r := range g.out[n.ID] {
			if in[r.Object] && (preds == nil || preds[r.Predicate]) {
				sg.Edges = append(sg.Edges, r)
			}
		}
	}
	sort.Slice(sg.Edges, func(i, j int) bool { return sg.Edges[i].ID < sg.Edges[j].ID })
	if q.MaxEdges > 0 && len(sg.Edges) > q.MaxEdges {
		sg.Edges = sg.Edges[:q.MaxEdges]
		sg.Truncated = true
	}
	return sg, nil
}

// Search finds entities by name, alias or common name: exact matches first,
// then prefixes, then word prefixes, then substrings; ignoring case and
// accents. Within a rank, better-connected entities come first.
func (g *Graph) Search(text string, kinds []domain.Kind, limit int) []*domain.Entity {
	return g.search.find(g, text, kinds, limit)
}

// SearchNormalize is how search folds text before comparing: exported so
// that callers can tell whether a query is empty once folded.
func SearchNormalize(s string) string { return normalize(s) }
