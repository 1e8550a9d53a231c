package export_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sort"
	"testing"

	"github.com/digidip/digidip/engine/projection"

	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/nquads"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/store"
)

// embedded is the read model of the embedded data, with no store.
func embedded(t testing.TB) (*engine.Graph, *domain.Dataset) {
	t.Helper()
	ds := datatest.Dataset(t)
	return projection.NewGraph(ds), ds
}

// allQuads streams a store's quads, as the server and the CLI pass them.
func allQuads(st *store.Store) export.Options {
	return export.Options{AllQuads: func(ctx context.Context, w quad.Writer) error {
		_, err := st.WriteQuads(ctx, w)
		return err
	}}
}

// selections are the three doors, each with a filter or two.
var selections = []struct {
	name string
	sel  export.Selection
}{
	{"whole", export.Selection{}},
	{"roots", export.Selection{Roots: []string{"global-gateway"}, Depth: 2}},
	{"roots filtered", export.Selection{Roots: []string{"global-gateway", "d4d-hub"}, Depth: 2,
		Predicates: []string{"calls-on", "implemented-through", "instance-of", "funds"}, Kinds: []domain.Kind{domain.Actor, domain.Commitment, domain.Instrument, domain.Partnership}}},
	{"paths", export.Selection{From: "d4d-hub", To: "european-commission", MaxHops: 4}},
	{"whole filtered", export.Selection{Kinds: []domain.Kind{domain.Actor, domain.Forum}}},
}

func sel(t testing.TB, g *engine.Graph, s export.Selection) *export.Set {
	t.Helper()
	set, err := export.Select(context.Background(), g, s)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func write(t testing.TB, f export.Format, set *export.Set, opt export.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := export.Write(context.Background(), &b, f, set, opt); err != nil {
		t.Fatalf("write %s: %v", f, err)
	}
	return b.Bytes()
}

// expected is what a set holds, read straight from the read model: what
// every format must carry.
type expected struct {
	nodes []*domain.Entity
	edges []*domain.Relation
}

func expect(set *export.Set) expected {
	return expected{nodes: slices.Collect(set.Nodes()), edges: slices.Collect(set.Edges())}
}

func (e expected) nodeIDs() []string {
	var ids []string
	for _, n := range e.nodes {
		ids = append(ids, n.ID)
	}
	sort.Strings(ids)
	return ids
}

func (e expected) edgeIDs() []string {
	var ids []string
	for _, r := range e.edges {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	return ids
}

// quadSet parses N-Quads with quad's reader, as the N-Quads lines it holds.
func quadSet(t testing.TB, r quad.Reader) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for {
		q, err := r.ReadQuad()
		if errors.Is(err, io.EOF) {
			return set
		}
		if err != nil {
			t.Fatal(err)
		}
		set[q.NQuad()] = true
	}
}

func nquadSet(t testing.TB, b []byte) map[string]bool {
	t.Helper()
	return quadSet(t, nquads.NewReader(bytes.NewReader(b), false))
}

func parseNQuads(t testing.TB, b []byte) []quad.Quad {
	t.Helper()
	r := nquads.NewReader(bytes.NewReader(b), false)
	var qs []quad.Quad
	for {
		q, err := r.ReadQuad()
		if errors.Is(err, io.EOF) {
			return qs
		}
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
}

// countQuads is a quad.Writer that only counts.
type countQuads struct{ n int }

func (c *countQuads) WriteQuad(quad.Quad) error { c.n++; return nil }

func (c *countQuads) WriteQuads(qs []quad.Quad) (int, error) {
	c.n += len(qs)
	return len(qs), nil
}
