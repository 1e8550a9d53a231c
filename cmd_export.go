package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digidip/digidip/engine/projection"

	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/nquads"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/vocab"
)

const exportSynopsis = `Write the graph, or a part of it, in a format researchers' tools open as it is:
  nquads     N-Quads, every quad, evidence in each relation's graph label (rdflib, RDF stores;
             reloads with digidip load --nquads)
  jsonld     JSON-LD with an @context of readable names
  trig       TriG (Turtle with named graphs), for reading by eye
  graphml    GraphML with typed keys (NetworkX, igraph, yEd)
  gexf       GEXF 1.2draft (Gephi, NetworkX read_gexf)
  csv        nodes.csv, edges.csv, evidence.csv (spreadsheets, R): -o FILE.zip, -o DIR/, or a zip on stdout
  cytoscape  Cytoscape.js elements JSON, for cy.add()

The selection is the whole graph; or --root (with --depth, --predicate, --kind);
or the shortest paths between --from and --to (with --max-hops, --predicate).

The source is the data embedded in the binary, or --data DIR; or a store,
when --store or --backend (or DIGIDIP_STORE) names one.

Examples:
  digidip export --format gexf --root global-gateway --depth 2 -o gg.gexf
  digidip export --format nquads --store ./digidip.db -o graph.nq
  digidip export --format csv --from d4d-hub --to european-commission -o path/`

// listFlag is a flag that may be repeated and comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", exportSynopsis, stderr)
	var sf storeFlags
	var d dataFlag
	sf.register(fs)
	d.register(fs)
	names := make([]string, len(export.Formats))
	for i, f := range export.Formats {
		names[i] = string(f)
	}
	format := fs.String("format", string(export.NQuads), "file format: "+strings.Join(names, ", "))
	var roots, preds, kinds listFlag
	fs.Var(&roots, "root", "an entity to start from; repeat or comma-separate for several (default: the whole graph)")
	depth := fs.Int("depth", export.DefaultDepth, fmt.Sprintf("with --root: how many relations away to go, 0 to %d", engine.MaxDepth))
	fs.Var(&preds, "predicate", "only relations of this predicate (calls-on or CALLS_ON); repeat or comma-separate")
	fs.Var(&kinds, "kind", "only entities of this kind (ACTOR, FORUM, ...); repeat or comma-separate")
	maxNodes := fs.Int("max-nodes", 0, fmt.Sprintf("the most entities to export, 1 to %d (default: %d with --root, all for the whole graph)", engine.MaxSubgraph, engine.DefaultSubgraph))
	from := fs.String("from", "", "with --to: export the shortest paths between these two entities")
	to := fs.String("to", "", "with --from: the entity the paths reach")
	maxHops := fs.Int("max-hops", export.DefaultMaxHops, fmt.Sprintf("with --from and --to: the longest path, 1 to %d", engine.MaxPathHops))
	evidence := fs.Bool("evidence", true, "csv: also write evidence.csv, one row per evidence item")
	out := fs.String("o", "", "output file (default: standard output), written whole or not at all; for csv FILE.zip or DIR/")
	if err := parse(fs, args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	f, err := export.ParseFormat(*format)
	if err != nil {
		return err
	}
	if given["evidence"] && f != export.CSV {
		return fmt.Errorf("--evidence applies to --format csv only")
	}
	sel := export.Selection{Roots: roots, From: *from, To: *to, MaxNodes: *maxNodes}
	for _, p := range preds {
		sel.Predicates = append(sel.Predicates, export.NormalizePredicate(p))
	}
	for _, k := range kinds {
		sel.Kinds = append(sel.Kinds, domain.Kind(strings.ToUpper(k)))
	}
	// Defaults apply where they mean something; given where they do not,
	// they reach Select, which says why they do not apply.
	if len(roots) > 0 || given["depth"] {
		sel.Depth = *depth
	}
	if sel.From != "" || sel.To != "" || given["max-hops"] {
		sel.MaxHops = *maxHops
	}
	if given["max-nodes"] && *maxNodes < 1 {
		return fmt.Errorf("--max-nodes must be at least 1")
	}

	g, opt, closeSource, err := exportSource(ctx, &sf, &d, given, stderr)
	if err != nil {
		return err
	}
	defer closeSource()
	opt.NoEvidence = !*evidence
	set, err := export.Select(ctx, g, sel)
	if err != nil {
		return err
	}
	if set.Truncated {
		limit := sel.MaxNodes
		if limit == 0 {
			limit = engine.DefaultSubgraph
		}
		fmt.Fprintf(stderr, "digidip export: the selection reached --max-nodes %d; the export holds those %d entities\n", limit, limit)
	}
	if f == export.CSV {
		return writeCSV(ctx, *out, stdout, set, opt)
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		return export.Write(ctx, w, f, set, opt)
	})
}

// exportSource opens what the export reads: a store when --store or
// --backend (or DIGIDIP_STORE) names one, otherwise the data (--data DIR or
// the embedded data), so that `digidip export` works on a fresh checkout and
// never reads a stale ./digidip.db by surprise.
func exportSource(ctx context.Context, sf *storeFlags, d *dataFlag, given map[string]bool, stderr io.Writer) (*engine.Graph, export.Options, func(), error) {
	useStore := given["store"] || given["backend"] || (os.Getenv("DIGIDIP_STORE") != "" && !given["data"])
	if useStore && given["data"] {
		fmt.Fprintln(stderr, "--data and --store/--backend are two sources: give one")
		return nil, export.Options{}, nil, errUsage
	}
	if !useStore {
		fsys, root, err := d.fs()
		if err != nil {
			return nil, export.Options{}, nil, printProblems(err, stderr, root, "")
		}
		ds, err := loaders.Read(fsys, root)
		if err != nil {
			return nil, export.Options{}, nil, printProblems(err, stderr, root, "")
		}
		// Quads come from store.Quads, exactly as a load would write them.
		return projection.NewGraph(ds), export.Options{}, func() {}, nil
	}
	switch sf.backend {
	case "memory":
		return nil, export.Options{}, nil, fmt.Errorf("a memory store lives inside one process and is empty here: export the data (--data, or no --store) instead")
	case "bolt":
		if _, err := os.Stat(sf.address); errors.Is(err, os.ErrNotExist) {
			return nil, export.Options{}, nil, fmt.Errorf("store %s does not exist: run digidip load --store %s first, or leave --store out to export the embedded data", sf.address, sf.address)
		}
	}
	// an export only reads: it works under a replica's read-only role
	ro := *sf
	ro.readOnly = true
	st, err := ro.open(ctx)
	if err != nil {
		return nil, export.Options{}, nil, err
	}
	if st.Generation() == "" {
		st.Close()
		return nil, export.Options{}, nil, fmt.Errorf("store %s holds no graph yet: run digidip load --store %s first", sf.shown(), sf.shown())
	}
	opt := export.Options{AllQuads: func(ctx context.Context, w quad.Writer) error {
		_, err := st.WriteQuads(ctx, w)
		return err
	}}
	return st.Graph(), opt, func() { st.Close() }, nil
}

// writeCSV writes the CSV tables: one zip to FILE.zip or standard output,
// or the tables as files into a directory. Files land all together, renamed
// into place only once every table is written.
func writeCSV(ctx context.Context, out string, stdout io.Writer, set *export.Set, opt export.Options) error {
	if out == "" || out == "-" || strings.HasSuffix(strings.ToLower(out), ".zip") {
		return writeOutput(out, stdout, func(w io.Writer) error {
			return export.Write(ctx, w, export.CSV, set, opt)
		})
	}
	fi, err := os.Stat(out)
	isDir := err == nil && fi.IsDir()
	if !isDir && !strings.HasSuffix(out, string(os.PathSeparator)) && !strings.HasSuffix(out, "/") {
		return fmt.Errorf("csv writes %s: give -o FILE.zip for one zip, or -o DIR/ for the files",
			strings.Join(export.CSVTables(opt), ", "))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return outputError(out, err)
	}
	temps := map[string]*os.File{}
	defer func() {
		for _, f := range temps {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	err = export.WriteCSV(ctx, set, opt, func(name string) (io.Writer, error) {
		f, err := os.CreateTemp(out, "."+name+".*")
		if err != nil {
			return nil, outputError(filepath.Join(out, name), err)
		}
		temps[name] = f
		return f, nil
	})
	if err != nil {
		return err
	}
	for _, name := range export.CSVTables(opt) {
		f := temps[name]
		if err := f.Close(); err != nil {
			return outputError(filepath.Join(out, name), err)
		}
		if err := os.Chmod(f.Name(), 0o644); err != nil {
			return outputError(filepath.Join(out, name), err)
		}
	}
	for _, name := range export.CSVTables(opt) {
		if err := os.Rename(temps[name].Name(), filepath.Join(out, name)); err != nil {
			return outputError(filepath.Join(out, name), err)
		}
		delete(temps, name)
	}
	return nil
}

// loadNQuads replaces the store's graph with an N-Quads file, such as an
// export: parsed and validated as a graph before the store is opened, then
// written as one new generation, all or nothing.
func loadNQuads(ctx context.Context, sf storeFlags, name string, force bool, stdout io.Writer) error {
	start := time.Now()
	qs, err := readNQuads(name)
	if err != nil {
		return err
	}
	if len(qs) == 0 {
		return fmt.Errorf("%s holds no quads; the store was not changed", name)
	}
	// The graph remembers where it came from, so that `serve` does not
	// replace it with the data embedded in the binary.
	qs = vocab.WithDefaultSource(qs, "nquads:"+name)
	p, err := store.Prepare(qs)
	if err != nil {
		return fmt.Errorf("%s: %w; the store was not changed", name, err)
	}
	p.Downgrade = force
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Write(ctx, p); err != nil {
		return fmt.Errorf("load %s: %w", name, err)
	}
	s := p.Graph().Stats()
	fmt.Fprintf(stdout, "loaded %s into %s (%s): %d entities, %d relations, %d quads in %s\n",
		name, sf.shown(), st.Generation(), s.Entities, s.Relations, len(qs), time.Since(start).Round(time.Millisecond))
	return nil
}

// readNQuads parses an N-Quads file line by line with quad's parser, so an
// error names the file and line.
func readNQuads(name string) ([]quad.Quad, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	// a paragraph's text is one literal: allow long lines
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var qs []quad.Quad
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		q, err := nquads.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return qs, nil
}
