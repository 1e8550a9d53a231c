package graph_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/graph/querytest"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/store/storetest"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// The differential test asks every engine the same random queries as the
// reference engine, through the API, and requires byte-identical answers.
// An engine makes the read model of a dataset; to test another, add a line
// here. The reference is projection.NewGraph.
var engines = []struct {
	name  string
	build func(t *testing.T, ds *domain.Dataset) *engine.Graph
}{
	{"in-memory", func(t *testing.T, ds *domain.Dataset) *engine.Graph { return projection.NewGraph(ds) }},
	// the projection behind the per-request loaders an engine asking a
	// store gets: batching must change no answer
	{"cayley on memory", cayleyOn("memory")},
	{"cayley on bolt", cayleyOn("bolt")},
	{"cayley on postgres", cayleyOn("postgres")},
	{"in-memory, batched", func(t *testing.T, ds *domain.Dataset) *engine.Graph {
		g, err := engine.New(context.Background(), "batched", batching{projection.New(domaintest.Clone(ds))})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}},
}

// cayleyOn is Cayley answering a store of one backend loaded with the
// dataset as `digidip load` writes it, snapshot and summary included.
func cayleyOn(backend string) func(t *testing.T, ds *domain.Dataset) *engine.Graph {
	return func(t *testing.T, ds *domain.Dataset) *engine.Graph {
		opts := store.Options{Backend: backend, Engine: "cayley"}
		switch backend {
		case "bolt":
			opts.Address = filepath.Join(t.TempDir(), "db")
		case "postgres":
			opts.Address = storetest.PostgresAddress(t)
		}
		ctx := context.Background()
		st, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Replace(ctx, vocab.Quads(ds)); err != nil {
			t.Fatal(err)
		}
		if e := st.Graph().Engine(); e != "cayley" {
			t.Fatalf("the store answers with %s", e)
		}
		return st.Graph()
	}
}

// batching is a reader that asks to be batched.
type batching struct{ engine.Reader }

func (batching) Batched() {}

// The datasets the engines are compared on: the data digidip ships, and a
// synthetic graph of 100k quads (`digidip gen`'s), whose hubs have long
// lists and whose paths branch.
var datasets = []struct {
	name string
	load func(t *testing.T) *domain.Dataset
}{
	{"embedded", embedded},
	{"gen-100k", func(*testing.T) *domain.Dataset { return synth.Dataset(100000, 1) }},
}

func embedded(t *testing.T) *domain.Dataset {
	t.Helper()
	ds, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// regressions lists the seeds that once answered differently; the test
// replays them first, on every dataset and engine.
const regressions = "testdata/differential/regressions.txt"

// defaultSeeds keeps the test to a few seconds a dataset and engine; CI
// runs more (.ci/run).
const defaultSeeds = 100

// queriesPerSeed: each seed is a short session whose later queries may page
// on with cursors from earlier answers.
const queriesPerSeed = 3

var seedsFlag = flag.Int("seeds", -1, "seeds (sessions of queries) the differential test runs on each dataset and engine; default $DIGIDIP_DIFF_SEEDS, else "+strconv.Itoa(defaultSeeds))

func seedCount(t *testing.T) int {
	if *seedsFlag >= 0 {
		return *seedsFlag
	}
	if v := os.Getenv("DIGIDIP_DIFF_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("DIGIDIP_DIFF_SEEDS=%q is not a count of seeds", v)
		}
		return n
	}
	return defaultSeeds
}

func TestDifferential(t *testing.T) {
	seeds, err := readRegressions(regressions)
	if err != nil {
		t.Fatal(err)
	}
	for s := range uint64(seedCount(t)) {
		if !slices.Contains(seeds, s+1) {
			seeds = append(seeds, s+1)
		}
	}
	for _, d := range datasets {
		t.Run(d.name, func(t *testing.T) {
			ds := d.load(t)
			ref := projection.NewGraph(ds)
			for _, e := range engines {
				t.Run(e.name, func(t *testing.T) {
					Differential(t, ds, ref, e.build(t, ds), seeds)
				})
			}
		})
	}
}

// Differential asks two read models of ds (a, the reference, and b) the
// queries of each seed through the API, and fails t on every answer that
// is not byte for byte the same, with the seed, the query and the diff;
// the seed is added to the regressions file. It also fails if too few
// answers hold data for the comparison to mean much.
func Differential(t *testing.T, ds *domain.Dataset, a, b *engine.Graph, seeds []uint64) {
	t.Helper()
	sa, sb := serve(t, "reference", a), serve(t, "engine", b)
	diffs, n, err := differences(sa, sb, newPool(ds), seeds, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
		if err := recordRegression(regressions, d.seed, t.Name()); err != nil {
			t.Error(err)
		}
	}
	t.Logf("%d seeds, %s", len(seeds), n)
	if n.queries >= 100 && n.data*2 < n.queries {
		t.Errorf("only %d of %d queries answered with data: too few to compare the engines by", n.data, n.queries)
	}
}

// newPool draws the arguments of the queries from the dataset: a sample of
// its ids, dates, names and fact keys, and values that name nothing.
func newPool(ds *domain.Dataset) querytest.Pool {
	var ents, rels, docs, paras, dates, words []string
	for _, e := range sample(ds.Entities, 64) {
		ents = append(ents, e.ID)
		for _, f := range e.Facts {
			if f.Date != "" && len(dates) < 16 {
				dates = append(dates, f.Date)
			}
		}
	}
	for _, e := range sample(ds.Entities, 16) {
		words = append(words, e.Name)
		words = append(words, e.Aliases...)
		if w := strings.Fields(e.Name); len(w) > 0 {
			last := []rune(w[len(w)-1])
			words = append(words, strings.ToLower(w[0]), string(last[:min(3, len(last))]))
		}
	}
	for _, r := range sample(ds.Relations, 32) {
		rels = append(rels, r.ID)
	}
	for _, d := range sample(ds.Documents, 8) {
		docs = append(docs, d.ID)
		for _, p := range sample(d.Paragraphs, 8) {
			paras = append(paras, p.ID)
		}
	}
	dates = append(dates, "2022", "2023-06", "2024-22", "2025-01-31", "2030", "2023-13", "yesterday")
	// Cursors as the API writes them, at ids of the sample, so that pages
	// start anywhere from a session's first query on (later ones also
	// page on with cursors from earlier answers).
	var cursors []string
	for _, id := range slices.Concat(sample(ents, 8), sample(rels, 8)) {
		cursors = append(cursors, base64.RawURLEncoding.EncodeToString([]byte("v1:"+id)))
	}
	node := slices.Concat(sample(ents, 8), sample(rels, 8), docs, sample(paras, 8))
	return querytest.Pool{
		Args: map[string][]string{
			"Query.node.id":            node,
			"Query.compare.a":          docs,
			"Query.compare.b":          docs,
			"Query.commonNeighbours.a": ents,
			"Query.commonNeighbours.b": ents,
			"Query.entity.id":          ents,
			"subject":                  ents,
			"object":                   ents,
			"entity":                   ents,
			"from":                     ents,
			"to":                       ents,
			"roots":                    ents,
			"Query.document.id":        docs,
			"document":                 docs,
			"Query.paragraph.id":       paras,
			"paragraph":                paras,
			"Query.timeline.from":      dates,
			"Query.timeline.to":        dates,
			"Query.search.text":        words,
			"Entity.facts.key":         domain.FactKeys,
			// where filters: ids of the right kind for each, words for texts
			"EntityWhere.id":          ents,
			"RelationWhere.id":        rels,
			"ParagraphWhere.id":       paras,
			"ParagraphWhere.within":   paras,
			"ParagraphWhere.number":   {"1", "4", "4.A", "7", "fn1"},
			"EvidenceWhere.document":  docs,
			"ParagraphWhere.document": docs,
			"FactWhere.key":           domain.FactKeys,
			"FactWhere.date":          dates,
			"after":                   cursors,
		},
		Strings: words,
		Invalid: []string{"no-such-id", "", " ", "council-2023:", "a/b/c", "ÉU", "%", strings.Repeat("x", 201), "not-a-cursor"},
		Ints: map[string][]int{
			"Query.path.maxHops":      {-1, 0, 1, 2, 3, 4, 5, 6, 7},
			"Query.subgraph.depth":    {-1, 0, 1, 2, 3, 4, 5},
			"Query.subgraph.maxNodes": {0, 1, 2, 5, 20, 200, 2000, 2001},
			"Query.subgraph.maxEdges": {0, 1, 3, 10, 100, 2000, 10000, 10001},
		},
		Harvest: map[string]string{"cursor": "after", "startCursor": "after", "endCursor": "after", "id": "Query.node.id"},
	}
}

// sample takes at most n items spread evenly over l.
func sample[T any](l []T, n int) []T {
	if len(l) <= n {
		return l
	}
	out := make([]T, n)
	for i := range out {
		out[i] = l[i*len(l)/n]
	}
	return out
}

// endpoint is the API over one read model, built as the server builds it
// (schema, complexity, limits, error presenter, deadline) and served by an
// httptest server. It keeps the internal errors and panics the presenter
// hides, for the report.
type endpoint struct {
	name   string
	url    string
	client *http.Client

	mu       sync.Mutex
	internal []string
}

func serve(t *testing.T, name string, g *engine.Graph) *endpoint {
	e := &endpoint{name: name}
	h := handler.New(graph.NewSchema(graph.Config{
		Resolvers:  &graph.Resolver{},
		Complexity: graph.Complexity(g.Sizes),
	}))
	h.AddTransport(transport.POST{})
	// The server's default token limit. The deadline is longer than the
	// server's 10 s: the test compares answers, not speed (bench/ does), and
	// an engine asking PostgreSQL under -race on a busy machine can take
	// seconds over an answer the reference gives in milliseconds.
	const tokenLimit, deadline = 15000, 2 * time.Minute
	h.SetParserTokenLimit(tokenLimit)
	h.Use(extension.Introspection{})
	h.Use(&graph.Limits{TokenLimit: tokenLimit})
	h.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		p := graph.ErrorPresenter(ctx, err)
		if graph.IsInternal(p) {
			e.hid(fmt.Sprintf("%s: %v", graphql.GetPath(ctx), err))
		}
		return p
	})
	h.SetRecoverFunc(func(ctx context.Context, p any) error {
		e.hid(fmt.Sprintf("%s: panic: %v", graphql.GetPath(ctx), p))
		return errors.New("internal error")
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(graph.WithGraph(r.Context(), g), deadline)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(srv.Close)
	e.url, e.client = srv.URL, srv.Client()
	return e
}

func (e *endpoint) hid(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.internal = append(e.internal, s)
}

type answer struct {
	status   int
	body     []byte
	internal []string // what the error presenter hid
}

func (e *endpoint) ask(q querytest.Query) (answer, error) {
	body, err := json.Marshal(map[string]any{"query": q.Text, "variables": q.Variables})
	if err != nil {
		return answer{}, err
	}
	e.mu.Lock()
	e.internal = nil
	e.mu.Unlock()
	resp, err := e.client.Post(e.url, "application/json", bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("asking %s: %w", e.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("reading %s's answer: %w", e.name, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return answer{status: resp.StatusCode, body: b, internal: e.internal}, nil
}

// difference is a query two endpoints answered differently.
type difference struct {
	seed  uint64
	step  int
	query querytest.Query
	a, b  answer
	names [2]string
}

func (d difference) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "seed %d, query %d of its session: %s and %s answer differently\n", d.seed, d.step+1, d.names[0], d.names[1])
	vars, _ := json.Marshal(d.query.Variables)
	fmt.Fprintf(&s, "query:\n%s variables: %s\n", d.query.Text, vars)
	if d.a.status != d.b.status {
		fmt.Fprintf(&s, "HTTP status: %s %d, %s %d\n", d.names[0], d.a.status, d.names[1], d.b.status)
	}
	fmt.Fprintf(&s, "diff (-%s +%s):\n%s", d.names[0], d.names[1], diff(d.a.body, d.b.body))
	for i, ans := range []answer{d.a, d.b} {
		for _, h := range ans.internal {
			fmt.Fprintf(&s, "internal error on %s: %s\n", d.names[i], h)
		}
	}
	return s.String()
}

// tally counts the answers of a run.
type tally struct {
	queries, data int
	codes         map[string]int // answers by their first error's code
}

func (n tally) String() string {
	var codes []string
	for c, k := range n.codes {
		codes = append(codes, fmt.Sprintf("%s %d", c, k))
	}
	slices.Sort(codes)
	return fmt.Sprintf("%d queries, %d answered with data; errors: %s",
		n.queries, n.data, strings.Join(codes, ", "))
}

func (n *tally) count(body []byte) {
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Extensions struct{ Code string } }
	}
	n.queries++
	if json.Unmarshal(body, &r) != nil {
		n.codes["not JSON"]++
		return
	}
	if len(r.Data) > 0 && string(r.Data) != "null" {
		n.data++
	}
	if len(r.Errors) > 0 {
		n.codes[nameOr(r.Errors[0].Extensions.Code, "no code")]++
	}
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// differences runs the sessions of seeds against a and b and returns the
// queries they answered differently, stopping after most of them (0: all).
// A session stops at its first difference: its later queries would follow
// answers that differ.
func differences(a, b *endpoint, pool querytest.Pool, seeds []uint64, most int) ([]difference, tally, error) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	n := tally{codes: map[string]int{}}
	var out []difference
	for _, seed := range seeds {
		gen := querytest.New(schema, pool, rand.New(rand.NewPCG(seed, 0x646966)), querytest.Options{})
		for step := range queriesPerSeed {
			q := gen.Query()
			ra, err := a.ask(q)
			if err != nil {
				return nil, n, err
			}
			rb, err := b.ask(q)
			if err != nil {
				return nil, n, err
			}
			n.count(ra.body)
			if !same(ra, rb) {
				out = append(out, difference{seed: seed, step: step, query: q, a: ra, b: rb, names: [2]string{a.name, b.name}})
				if len(out) == most {
					return out, n, nil
				}
				break
			}
			if err := gen.Observe(ra.body); err != nil {
				return nil, n, fmt.Errorf("seed %d: %w", seed, err)
			}
		}
	}
	return out, n, nil
}

// same reports whether two answers are the same, byte for byte.
func same(a, b answer) bool {
	return a.status == b.status && bytes.Equal(a.body, b.body)
}

// diff shows how two JSON answers differ, indented, line by line (the
// lines of a longest common subsequence kept, a few around each change as
// context), with long lines cut to where they part.
func diff(a, b []byte) string {
	lines := func(x []byte) []string {
		var buf bytes.Buffer
		if json.Indent(&buf, x, "", "  ") != nil {
			return strings.Split(string(x), "\n")
		}
		return strings.Split(buf.String(), "\n")
	}
	ops := lineDiff(lines(a), lines(b))
	const context, most = 3, 80
	near := make([]bool, len(ops))
	for i, o := range ops {
		if o.mark != ' ' {
			for j := max(0, i-context); j <= min(len(ops)-1, i+context); j++ {
				near[j] = true
			}
		}
	}
	var s strings.Builder
	shown, skipped := 0, false
	for i, o := range ops {
		if !near[i] {
			skipped = true
			continue
		}
		if skipped && shown > 0 {
			s.WriteString("  ...\n")
		}
		skipped = false
		if shown == most {
			s.WriteString("  ... and more\n")
			break
		}
		shown++
		s.WriteString(string(o.mark) + " " + o.text + "\n")
	}
	return s.String()
}

type lineOp struct {
	mark byte // ' ' both, '-' first only, '+' second only
	text string
}

// lineDiff lines up a and b on a longest common subsequence of lines. A
// line removed and one added in their place are cut (see around) to where
// they part. Past a million line pairs it gives the middle as removed then
// added.
func lineDiff(a, b []string) []lineOp {
	var head, tail []lineOp
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		head = append(head, lineOp{' ', a[0]})
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		tail = append([]lineOp{{' ', a[len(a)-1]}}, tail...)
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	var mid []lineOp
	if len(a)*len(b) > 1<<20 {
		mid = changed(a, b)
	} else {
		// lcs[i][j]: the longest common subsequence of a[i:] and b[j:]
		lcs := make([][]int, len(a)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(b)+1)
		}
		for i := len(a) - 1; i >= 0; i-- {
			for j := len(b) - 1; j >= 0; j-- {
				if a[i] == b[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j, ci, cj := 0, 0, 0, 0
		for i < len(a) || j < len(b) {
			if i < len(a) && j < len(b) && a[i] == b[j] {
				mid = append(mid, changed(a[ci:i], b[cj:j])...)
				mid = append(mid, lineOp{' ', a[i]})
				i, j = i+1, j+1
				ci, cj = i, j
			} else if j == len(b) || (i < len(a) && lcs[i+1][j] >= lcs[i][j+1]) {
				i++
			} else {
				j++
			}
		}
		mid = append(mid, changed(a[ci:], b[cj:])...)
	}
	return slices.Concat(head, mid, tail)
}

// changed is a run of lines removed and a run added in their place, each
// cut to where it parts from its counterpart.
func changed(a, b []string) []lineOp {
	var out []lineOp
	for i, l := range a {
		if i < len(b) {
			l = around(l, b[i])
		}
		out = append(out, lineOp{'-', l})
	}
	for i, l := range b {
		if i < len(a) {
			l = around(l, a[i])
		}
		out = append(out, lineOp{'+', l})
	}
	return out
}

// around cuts a long line (a long text in an answer) to the part where it
// parts from the other side's line.
func around(l, other string) string {
	const before, after = 60, 100
	if len(l) <= before+after {
		return l
	}
	at := 0
	for at < len(l) && at < len(other) && l[at] == other[at] {
		at++
	}
	from, to := max(0, at-before), min(len(l), at+after)
	cut := l[from:to]
	if from > 0 {
		cut = fmt.Sprintf("[%d bytes]...", from) + cut
	}
	if to < len(l) {
		cut += fmt.Sprintf("...[%d bytes]", len(l)-to)
	}
	return cut
}

// readRegressions reads the seeds of a regressions file: one a line, then
// optionally a comment; lines that are blank or start with # are comments.
func readRegressions(path string) ([]uint64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("regressions: %w", err)
	}
	defer f.Close()
	var seeds []uint64
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		s, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %q is not a seed", path, line, fields[0])
		}
		if !slices.Contains(seeds, s) {
			seeds = append(seeds, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("regressions: %w", err)
	}
	return seeds, nil
}

// recordRegression adds a seed to a regressions file, with a note of where
// it failed, unless the file has it.
func recordRegression(path string, seed uint64, note string) error {
	seeds, err := readRegressions(path)
	if err != nil || slices.Contains(seeds, seed) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("regressions: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("regressions: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%d # %s\n", seed, note); err != nil {
		f.Close()
		return fmt.Errorf("regressions: %w", err)
	}
	return f.Close()
}

// The harness sees an engine that answers differently: here the reference
// against the same data with one thing changed. It reports the seed, the
// query and the diff, records the seed, and finds the difference again
// when the recorded seed is replayed.
func TestDifferentialSeesADifference(t *testing.T) {
	ds := embedded(t)
	pool := newPool(ds)
	ref := serve(t, "reference", projection.NewGraph(ds))
	var seeds []uint64
	for s := range uint64(300) {
		seeds = append(seeds, s+1)
	}
	for _, c := range []struct {
		name    string
		perturb func(*domain.Dataset)
		shows   string // in the diff
	}{
		{"an entity renamed", func(p *domain.Dataset) {
			i := 0
			for j, e := range p.Entities {
				if e.ID < p.Entities[i].ID {
					i = j
				}
			}
			e := *p.Entities[i]
			e.Name += " (renamed)"
			p.Entities[i] = &e
		}, "(renamed)"},
		{"a relation's evidence dropped", func(p *domain.Dataset) {
			for i, r := range p.Relations {
				if len(r.Evidence) > 1 {
					rr := *r
					rr.Evidence = rr.Evidence[:len(rr.Evidence)-1]
					p.Relations[i] = &rr
					return
				}
			}
			t.Fatal("no relation has two evidence items")
		}, `"evidence"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := *ds
			p.Entities, p.Relations = slices.Clone(ds.Entities), slices.Clone(ds.Relations)
			c.perturb(&p)
			b := serve(t, "perturbed", projection.NewGraph(&p))
			diffs, _, err := differences(ref, b, pool, seeds, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) == 0 {
				t.Fatalf("%d seeds found no difference", len(seeds))
			}
			// a report elides long texts (an export's), so the change may
			// show only in a later difference
			d := diffs[0]
			for _, x := range diffs {
				if strings.Contains(x.String(), c.shows) {
					d = x
					break
				}
			}
			report := d.String()
			for _, want := range []string{fmt.Sprintf("seed %d,", d.seed), d.query.Text, "-reference +perturbed", c.shows} {
				if !strings.Contains(report, want) {
					t.Errorf("the report lacks %q:\n%s", want, report)
				}
			}
			t.Logf("found at seed %d:\n%s", d.seed, report)

			path := filepath.Join(t.TempDir(), "regressions.txt")
			for range 2 {
				if err := recordRegression(path, d.seed, t.Name()); err != nil {
					t.Fatal(err)
				}
			}
			recorded, err := readRegressions(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(recorded, []uint64{d.seed}) {
				t.Fatalf("the file holds seeds %v, want [%d] once", recorded, d.seed)
			}
			again, _, err := differences(ref, b, pool, recorded, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(again) != 1 || again[0].query.Text != d.query.Text {
				t.Errorf("replaying seed %d found %d differences, want the same query again", d.seed, len(again))
			}
		})
	}
}
