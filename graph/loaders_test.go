package graph_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/loaders"
)

// counting is a projection that says it batches (as an engine asking a
// store does) and counts the calls made of it.
type counting struct {
	engine.Reader
	entities, edges, relations atomic.Int64
}

func (c *counting) Batched() {}

func (c *counting) Entities(ctx context.Context, ids []string) ([]*domain.Entity, error) {
	c.entities.Add(1)
	return c.Reader.Entities(ctx, ids)
}

func (c *counting) Edges(ctx context.Context, ids []string, dir engine.Direction, preds []string) ([][]engine.Edge, error) {
	c.edges.Add(1)
	return c.Reader.Edges(ctx, ids, dir, preds)
}

func (c *counting) Relations(ctx context.Context, ids []string) ([]*domain.Relation, error) {
	c.relations.Add(1)
	return c.Reader.Relations(ctx, ids)
}

func answerOf(t *testing.T, g *engine.Graph, query string) string {
	t.Helper()
	h := handler.New(graph.NewSchema(graph.Config{Resolvers: &graph.Resolver{}, Complexity: graph.Complexity(g.Sizes)}))
	h.AddTransport(transport.POST{})
	h.SetErrorPresenter(graph.ErrorPresenter)
	h.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(graph.WithGraph(ctx, g))
	})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(query))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String()
}

// A list of N entities, each with its relations and their ends, costs a
// number of engine calls that does not grow with N when the engine batches,
// and answers exactly what the unbatched engine answers.
func TestLoadersBatchEachLevel(t *testing.T) {
	ds, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	plain := projection.NewGraph(ds)
	c := &counting{Reader: projection.New(domaintest.Clone(ds))}
	batched, err := engine.New(context.Background(), "counting", c)
	if err != nil {
		t.Fatal(err)
	}
	if !batched.Batches() || plain.Batches() {
		t.Fatalf("Batches: %v for the batching reader, %v for the projection", batched.Batches(), plain.Batches())
	}
	q := `{"query":"{ entities(first: 40) { nodes { id degree relations(first: 5) { nodes { id subject { id name } object { id kind } } } } } }"}`
	want := answerOf(t, plain, q)
	got := answerOf(t, batched, q)
	if got != want {
		t.Fatalf("batched answer differs:\n got %.400s\nwant %.400s", got, want)
	}
	if !strings.Contains(want, `"subject":{"id"`) {
		t.Fatalf("the question found no relations: %.300s", want)
	}
	// Ideally the page, then the ends of every relation in one call, edges
	// once per direction and relations once; a batch waits a set time, so
	// on a loaded machine a level may take a few calls, never one per item.
	ends := strings.Count(want, `"subject":{"id"`) * 2
	for _, n := range []struct {
		what  string
		calls int64
		items int
	}{{"entities", c.entities.Load(), ends}, {"edges", c.edges.Load(), 40 * 2}, {"relations", c.relations.Load(), ends / 2}} {
		if n.calls > 10 || n.calls*10 > int64(n.items) {
			t.Errorf("%d calls for %d %s, want at most 10 and a tenth as many as there are", n.calls, n.items, n.what)
		}
	}
}
