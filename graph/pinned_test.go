package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digidip/digidip/engine/projection"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/graph"
)

// A schema run without a pinned read model answers with an internal error
// and no data (it has no store to fall back on); pinned, it answers from the
// pinned model.
func TestOperationsNeedAPinnedGraph(t *testing.T) {
	ds := datatest.Dataset(t)
	g := projection.NewGraph(ds)
	id := ds.Entities[0].ID
	pin := func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(graph.WithGraph(ctx, g))
	}
	cfg := graph.Config{Resolvers: &graph.Resolver{}, Complexity: graph.Complexity(g.Sizes)}
	for _, c := range []struct {
		name   string
		schema graphql.ExecutableSchema
		pin    bool
		code   string // "" for an answer with data
		path   bool   // the error is a field's (a resolver refused), not the operation's
	}{
		{"NewSchema pinned", graph.NewSchema(cfg), true, "", false},
		// refused before any resolver runs
		{"NewSchema not pinned", graph.NewSchema(cfg), false, graph.CodeInternal, false},
		{"NewExecutableSchema pinned", graph.NewExecutableSchema(cfg), true, "", false},
		// bypassing NewSchema's check, the resolvers still refuse
		{"NewExecutableSchema not pinned", graph.NewExecutableSchema(cfg), false, graph.CodeInternal, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := handler.New(c.schema)
			h.AddTransport(transport.POST{})
			h.SetErrorPresenter(graph.ErrorPresenter)
			var recovered any
			h.SetRecoverFunc(func(ctx context.Context, p any) error {
				recovered = p
				return fmt.Errorf("panic: %v", p)
			})
			if c.pin {
				h.AroundOperations(pin)
			}
			body := `{"query":"{ entity(id: \"` + id + `\") { id name } }"}`
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var resp struct {
				Data struct {
					Entity *struct{ ID, Name string }
				}
				Errors []struct {
					Message    string
					Path       []any
					Extensions struct{ Code string }
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("%v: %s", err, rec.Body)
			}
			if c.code == "" {
				if len(resp.Errors) > 0 || resp.Data.Entity == nil || resp.Data.Entity.ID != id {
					t.Errorf("pinned: %s, want entity %s", rec.Body, id)
				}
				return
			}
			if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != c.code || resp.Data.Entity != nil {
				t.Fatalf("not pinned: %s, want one %s error and no entity", rec.Body, c.code)
			}
			if got := len(resp.Errors[0].Path) > 0; got != c.path {
				t.Errorf("error path %v; want a field's error: %v", resp.Errors[0].Path, c.path)
			}
			if c.path && !strings.Contains(fmt.Sprint(recovered), "WithGraph") {
				t.Errorf("the resolver failed with %v, not for want of a pinned graph", recovered)
			}
		})
	}
}
