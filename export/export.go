// Package export writes a selection of the graph in the file formats that
// researchers' tools open as they are: N-Quads, JSON-LD, TriG, GraphML, GEXF,
// CSV and Cytoscape.js JSON.
package export

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"sort"
	"strings"

	"github.com/digidip/digidip/domain"

	"github.com/cayleygraph/quad"
	"github.com/digidip/digidip/engine"
)

// Format is a file format an export can be written in.
type Format string

// The formats, by the name the CLI's --format and the URL's format= take.
const (
	NQuads    Format = "nquads"
	JSONLD    Format = "jsonld"
	TriG      Format = "trig"
	GraphML   Format = "graphml"
	GEXF      Format = "gexf"
	CSV       Format = "csv"
	Cytoscape Format = "cytoscape"
)

// Formats lists every format, RDF first.
var Formats = []Format{NQuads, JSONLD, TriG, GraphML, GEXF, CSV, Cytoscape}

// formatNames is the list bad requests quote.
func formatNames() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// ParseFormat reads a format name; an unknown one is an error that lists the
// formats.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	if s == "" {
		return "", invalid("no format given; the formats are %s", formatNames())
	}
	return "", invalid("unknown format %q; the formats are %s", s, formatNames())
}

// RDF reports whether the format is an RDF serialization, which carries every
// quad of the selection rather than a table of nodes and edges.
func (f Format) RDF() bool { return f == NQuads || f == JSONLD || f == TriG }

// MediaType is the format's Content-Type.
func (f Format) MediaType() string {
	switch f {
	case NQuads:
		return "application/n-quads"
	case JSONLD:
		return "application/ld+json"
	case TriG:
		return "application/trig"
	case GraphML:
		return "application/graphml+xml"
	case GEXF:
		return "application/gexf+xml"
	case CSV:
		return "application/zip" // nodes.csv, edges.csv and evidence.csv in one file
	case Cytoscape:
		return "application/json"
	}
	return "application/octet-stream"
}

// Ext is the file name extension, dot included.
func (f Format) Ext() string {
	switch f {
	case NQuads:
		return ".nq"
	case JSONLD:
		return ".jsonld"
	case TriG:
		return ".trig"
	case GraphML:
		return ".graphml"
	case GEXF:
		return ".gexf"
	case CSV:
		return ".zip"
	case Cytoscape:
		return ".cyjs.json"
	}
	return ""
}

// requestError is a request the export cannot serve. It prints only its
// message, and unwraps to store.ErrNotFound (an id that names nothing) or
// store.ErrInvalidArgument (anything else), which callers map to 404 and 400.
type requestError struct {
	kind error
	msg  string
}

func (e *requestError) Error() string { return e.msg }
func (e *requestError) Unwrap() error { return e.kind }

func invalid(format string, args ...any) error {
	return &requestError{kind: domain.ErrInvalidArgument, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &requestError{kind: domain.ErrNotFound, msg: fmt.Sprintf(format, args...)}
}

// Defaults and bounds of a selection.
const (
	DefaultDepth   = 1
	DefaultMaxHops = 4
)

// Selection says which part of the graph to export. It is one of three:
//
//   - the whole graph: no Roots, no From/To (Kinds and Predicates filter it;
//     MaxNodes, when set, cuts it as the GraphQL subgraph field does);
//   - a neighbourhood: Roots and Depth, filtered by Predicates and Kinds, at
//     most MaxNodes entities (default engine.DefaultSubgraph, maximum
//     engine.MaxSubgraph, as on every route);
//   - the shortest paths between From and To, at most MaxHops long, through
//     Predicates only when set.
type Selection struct {
	Roots      []string
	Depth      int // relations away from the roots; used only with Roots
	From, To   string
	MaxHops    int // 0: DefaultMaxHops
	Predicates []string
	Kinds      []domain.Kind
	MaxNodes   int // 0: no limit for the whole graph, engine.DefaultSubgraph for Roots
}

// Set is a selection resolved against one read model: the entities and
// relations an export writes, as sequences, so that exporting the whole graph
// never copies it.
type Set struct {
	g     *engine.Graph
	nodes iter.Seq[*domain.Entity]
	edges iter.Seq[*domain.Relation]
	// every says the set is every entity and relation of the graph: RDF
	// formats then carry every quad the store holds (documents, paragraph
	// texts, mentions, the data hash), so an N-Quads export reloads as is.
	every bool
	// Truncated says MaxNodes cut the selection short.
	Truncated bool
	// name is short and file-name-safe: "digidip",
	// "digidip-global-gateway-d2", "digidip-path-d4d-hub-european-commission".
	name string
	// err is the engine's failure that ended a sequence early; Write
	// returns it, so an export is never cut short in silence.
	err error
}

// Filename is the name a download of the set in a format is given.
func (s *Set) Filename(f Format) string { return s.name + f.Ext() }

// Select resolves a selection against a read model. Bad selections are
// errors that name the offending value and unwrap to store.ErrNotFound or
// store.ErrInvalidArgument.
func Select(ctx context.Context, g *engine.Graph, sel Selection) (*Set, error) {
	if err := validate(ctx, g, sel); err != nil {
		return nil, err
	}
	switch {
	case sel.From != "":
		return selectPaths(ctx, g, sel)
	case len(sel.Roots) > 0 || sel.MaxNodes > 0:
		sg, err := g.Subgraph(ctx, engine.SubgraphQuery{
			Roots: sel.Roots, Depth: sel.Depth, Predicates: sel.Predicates, Kinds: sel.Kinds,
			MaxNodes: orDefault(sel.MaxNodes, engine.DefaultSubgraph),
		})
		if err != nil {
			return nil, fmt.Errorf("select: %w", err)
		}
		return FromSubgraph(g, sg, sel), nil
	}
	return selectWhole(ctx, g, sel), nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// MaxIDBytes bounds an entity id a selection names: a longer one is refused
// before it is looked up or compared with the graph's ids.
const MaxIDBytes = 256

func validate(ctx context.Context, g *engine.Graph, sel Selection) error {
	for _, e := range []struct{ role, id string }{{"from", sel.From}, {"to", sel.To}} {
		if len(e.id) > MaxIDBytes {
			return invalid("%s entity id is %d bytes, longer than the longest an id may be, %d", e.role, len(e.id), MaxIDBytes)
		}
	}
	for i, r := range sel.Roots {
		if len(r) > MaxIDBytes {
			return invalid("root %d is %d bytes, longer than the longest an id may be, %d", i+1, len(r), MaxIDBytes)
		}
	}
	paths := sel.From != "" || sel.To != ""
	switch {
	case paths && len(sel.Roots) > 0:
		return invalid("roots and from/to are two different selections; give one")
	case paths && (sel.From == "" || sel.To == ""):
		return invalid("from and to go together: give both entities of the paths")
	case paths && len(sel.Kinds) > 0:
		return invalid("kinds filters roots or the whole graph, not paths")
	case paths && sel.MaxNodes != 0:
		return invalid("maxNodes bounds roots or the whole graph, not paths")
	case !paths && sel.MaxHops != 0:
		return invalid("maxHops applies to paths: give from and to")
	case len(sel.Roots) == 0 && sel.Depth != 0:
		return invalid("depth applies to roots: give roots, or leave depth out to export the whole graph")
	}
	if len(sel.Roots) > engine.MaxRoots {
		return invalid("%d roots is above the maximum, %d", len(sel.Roots), engine.MaxRoots)
	}
	for _, b := range []struct {
		name   string
		v, max int
	}{{"depth", sel.Depth, engine.MaxDepth}, {"maxNodes", sel.MaxNodes, engine.MaxSubgraph}, {"maxHops", sel.MaxHops, engine.MaxPathHops}} {
		if b.v > b.max {
			return invalid("%s %d is above the maximum, %d", b.name, b.v, b.max)
		}
		if b.v < 0 {
			return invalid("%s %d is negative", b.name, b.v)
		}
	}
	for _, r := range sel.Roots {
		if e, err := g.Entity(ctx, r); err != nil {
			return err
		} else if e == nil {
			return notFound("unknown root %q: no entity has this id%s", r, suggest(ctx, g, r))
		}
	}
	for _, e := range []struct{ role, id string }{{"from", sel.From}, {"to", sel.To}} {
		if e.id == "" {
			continue
		}
		if found, err := g.Entity(ctx, e.id); err != nil {
			return err
		} else if found == nil {
			return notFound("unknown %s entity %q: no entity has this id%s", e.role, e.id, suggest(ctx, g, e.id))
		}
	}
	for _, p := range sel.Predicates {
		if g.Predicate(p) == nil {
			ids := make([]string, 0, len(g.Predicates()))
			for _, q := range g.Predicates() {
				ids = append(ids, q.ID)
			}
			return invalid("unknown predicate %q; the predicates are %s", p, strings.Join(ids, ", "))
		}
	}
	for _, k := range sel.Kinds {
		if !k.Valid() {
			return invalid("unknown kind %q; the kinds are %s", k, domain.JoinKinds(", "))
		}
	}
	return nil
}

// suggest names the entity id nearest to a misspelt one, if one is near.
func suggest(ctx context.Context, g *engine.Graph, id string) string {
	ids, err := g.EntityIDs(ctx, "")
	if err != nil {
		return ""
	}
	return domain.Suggest(ctx, id, slices.Values(ids))
}

// selectWhole streams the graph, a batch of entities at a time, filtered
// on the fly: the export holds no copy of it, however large the graph.
func selectWhole(ctx context.Context, g *engine.Graph, sel Selection) *Set {
	kinds := domain.FilterKinds(sel.Kinds)
	set := &Set{g: g, every: len(sel.Kinds) == 0 && len(sel.Predicates) == 0, name: selectionName(sel)}
	// batches yields the kept entities, wholeBatch at a time, in id order.
	batches := func(yield func([]*domain.Entity) bool) {
		ids, err := g.EntityIDs(ctx, "")
		if err != nil {
			set.err = err
			return
		}
		for len(ids) > 0 {
			n := min(len(ids), wholeBatch)
			es, err := g.EntitiesByID(ctx, ids[:n])
			if err != nil {
				set.err = err
				return
			}
			ids = ids[n:]
			kept := es[:0]
			for _, e := range es {
				if e != nil && (len(kinds) == 0 || kinds.Keeps(e.Kind)) {
					kept = append(kept, e)
				}
			}
			if !yield(kept) {
				return
			}
		}
	}
	set.nodes = func(yield func(*domain.Entity) bool) {
		for es := range batches {
			for _, e := range es {
				if !yield(e) {
					return
				}
			}
		}
	}
	set.edges = func(yield func(*domain.Relation) bool) {
		for es := range batches {
			ids := make([]string, len(es))
			for i, e := range es {
				ids[i] = e.ID
			}
			outs, err := g.Reader().Edges(ctx, ids, engine.Out, sel.Predicates)
			if err != nil {
				set.err = err
				return
			}
			var edges []engine.Edge
			for _, l := range outs {
				for _, e := range l {
					if len(kinds) == 0 {
						edges = append(edges, e)
						continue
					}
					o, err := g.Entity(ctx, e.Object)
					if err != nil {
						set.err = err
						return
					}
					if o != nil && kinds.Keeps(o.Kind) {
						edges = append(edges, e)
					}
				}
			}
			rels, err := g.Load(ctx, edges)
			if err != nil {
				set.err = err
				return
			}
			for _, r := range rels {
				if !yield(r) {
					return
				}
			}
		}
	}
	return set
}

// wholeBatch is how many entities a whole-graph export reads at once.
const wholeBatch = 256

// selectPaths takes every entity and relation on the shortest paths (up to
// store.MaxPaths of them) between two entities.
func selectPaths(ctx context.Context, g *engine.Graph, sel Selection) (*Set, error) {
	paths, err := g.Paths(ctx, sel.From, sel.To, orDefault(sel.MaxHops, DefaultMaxHops), sel.Predicates, engine.MaxPaths)
	if err != nil {
		return nil, fmt.Errorf("select paths: %w", err)
	}
	nodes := map[string]*domain.Entity{}
	edges := map[string]*domain.Relation{}
	for _, p := range paths {
		es, err := g.EntitiesByID(ctx, p.Nodes)
		if err != nil {
			return nil, fmt.Errorf("select paths: %w", err)
		}
		for _, e := range es {
			nodes[e.ID] = e
		}
		for _, st := range p.Steps {
			edges[st.Relation.ID] = st.Relation
		}
	}
	sg := &engine.Subgraph{}
	for _, id := range sortedKeys(nodes) {
		sg.Nodes = append(sg.Nodes, nodes[id])
	}
	for _, id := range sortedKeys(edges) {
		sg.Edges = append(sg.Edges, edges[id])
	}
	return FromSubgraph(g, sg, sel), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FromSubgraph is the set of a subgraph the caller already holds (the GraphQL
// subgraph field); sel is the selection that made it, which names the file.
// Nodes keep the subgraph's order; edges are written in the order of the
// whole graph's export, by subject and then by id.
func FromSubgraph(g *engine.Graph, sg *engine.Subgraph, sel Selection) *Set {
	edges := slices.Clone(sg.Edges)
	slices.SortStableFunc(edges, func(a, b *domain.Relation) int {
		return strings.Compare(a.Subject, b.Subject)
	})
	return &Set{
		g:         g,
		nodes:     slices.Values(sg.Nodes),
		edges:     slices.Values(edges),
		Truncated: sg.Truncated,
		name:      selectionName(sel),
	}
}

// selectionName names a selection for its file.
func selectionName(sel Selection) string {
	switch {
	case sel.From != "":
		return "digidip-path-" + safeName(sel.From) + "-" + safeName(sel.To)
	case len(sel.Roots) > 0:
		n := "digidip-" + safeName(sel.Roots[0])
		if len(sel.Roots) > 1 {
			n += fmt.Sprintf("-and-%d", len(sel.Roots)-1)
		}
		return n + fmt.Sprintf("-d%d", sel.Depth)
	case len(sel.Kinds) > 0 || len(sel.Predicates) > 0 || sel.MaxNodes > 0:
		return "digidip-filtered"
	}
	return "digidip"
}

// safeName keeps a name to the characters every file system and
// Content-Disposition header take as they are.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := b.String()
	if len(out) > 60 {
		out = out[:60]
	}
	return out
}

// Options tune a write.
type Options struct {
	// AllQuads streams every quad the store holds. RDF exports of the whole,
	// unfiltered graph read it, so they carry exactly the store's quads and
	// stream them without building them in memory. Nil: the quads are made
	// from the read model (store.Quads), as a load would write them.
	AllQuads func(ctx context.Context, w quad.Writer) error
	// NoEvidence leaves evidence.csv out of a CSV export.
	NoEvidence bool
}

// Write writes the set in a format. CSV is written as a zip of its tables;
// WriteCSV writes them as separate files.
func Write(ctx context.Context, w io.Writer, f Format, set *Set, opt Options) error {
	// a request that is already over gets an error, not the first 64 KiB
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch f {
	case NQuads, JSONLD, TriG:
		err = writeRDF(ctx, bw, f, set, opt)
	case GraphML:
		err = writeGraphML(ctx, bw, set)
	case GEXF:
		err = writeGEXF(ctx, bw, set)
	case CSV:
		err = writeZip(ctx, bw, set, opt)
	case Cytoscape:
		err = writeCytoscape(ctx, bw, set)
	default:
		_, err = ParseFormat(string(f))
	}
	if err == nil {
		err = set.err
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	return nil
}

// checkEvery is how many elements a writer writes between looks at the
// context, so a cancelled request stops a large export soon.
const checkEvery = 512

// ticker counts written elements and reports the context's error every
// checkEvery of them.
type ticker struct {
	ctx context.Context
	n   int
}

func (t *ticker) tick() error {
	t.n++
	if t.n%checkEvery == 0 {
		return t.ctx.Err()
	}
	return nil
}

// nodeRow and edgeRow are the attributes every graph format carries, so that
// GraphML, GEXF, CSV and Cytoscape.js read the same. Their names are the
// GraphQL fields' (evidenceCount, degree), so a front-end reads a file and
// an answer with the same code.
type nodeRow struct {
	ID, Name, Kind, Description string
	// Degree is GraphQL's Entity.degree: the relations the entity takes
	// part in in the whole graph, not only those the file holds.
	Degree int
}

type edgeRow struct {
	ID, Source, Target         string
	Predicate, Label, Verb     string
	Modality                   string // the firmest of the evidence's
	Implied                    bool
	EvidenceCount              int
	Document, Paragraph, Quote string // the first evidence item
}

// nodeRows yields the set's nodes as rows, reading their degrees a batch at
// a time (one engine call per wholeBatch nodes). An engine failure ends the
// sequence and is kept in s.err, which Write returns.
func (s *Set) nodeRows(ctx context.Context) iter.Seq[nodeRow] {
	return func(yield func(nodeRow) bool) {
		batch := make([]*domain.Entity, 0, wholeBatch)
		flush := func() bool {
			ids := make([]string, len(batch))
			for i, e := range batch {
				ids[i] = e.ID
			}
			degrees, err := s.g.Reader().Degrees(ctx, ids)
			if err != nil {
				s.err = fmt.Errorf("degrees of %d entities from %s: %w", len(ids), ids[0], err)
				return false
			}
			for i, e := range batch {
				if !yield(nodeRow{ID: e.ID, Name: e.Name, Kind: string(e.Kind), Description: e.Description, Degree: degrees[i]}) {
					return false
				}
			}
			batch = batch[:0]
			return true
		}
		for e := range s.nodes {
			batch = append(batch, e)
			if len(batch) == wholeBatch && !flush() {
				return
			}
		}
		if len(batch) > 0 {
			flush()
		}
	}
}

func (s *Set) edgeRow(r *domain.Relation) edgeRow {
	er := edgeRow{
		ID: r.ID, Source: r.Subject, Target: r.Object,
		Predicate: r.Predicate, Label: domain.PredicateLabel(r.Predicate, s.g.Predicate(r.Predicate)), Verb: r.VerbIn("", ""), Modality: string(r.Modality()), Implied: r.Implied,
		EvidenceCount: len(r.Evidence),
	}
	if len(r.Evidence) > 0 {
		// the read model orders evidence by document and paragraph order, so
		// the first item is the earliest passage that states the relation
		ev := r.Evidence[0]
		er.Document, er.Paragraph, er.Quote = ev.Document, ev.Paragraph, ev.Quote
	}
	return er
}

// errWriter remembers the first write error, so writers that make many small
// writes check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
