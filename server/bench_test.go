package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// BenchmarkOneHop is the benchmark's 1-hop question ("what does entity X
// fund") served in process, without the network, so that its allocations and
// CPU can be profiled (-memprofile, -cpuprofile). bench/run.sh measures it
// over HTTP against Cayley; this one tracks the cost of one answer.
func BenchmarkOneHop(b *testing.B) {
	for _, quads := range []int{10_000, 100_000} {
		ctx := context.Background()
		st, err := store.Open(ctx, store.Options{Backend: "memory"})
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Replace(ctx, vocab.Quads(synth.Dataset(quads, 1))); err != nil {
			b.Fatal(err)
		}
		var ids []string
		g := st.Graph()
		for _, r := range domaintest.Must(g.Relations(context.Background(), engine.RelationFilter{Predicates: []string{"funds"}})) {
			ids = append(ids, r.Subject)
		}
		if len(ids) == 0 {
			b.Fatal("no entity funds anything")
		}
		for _, cache := range []int{-1, 0} {
			name := fmt.Sprintf("quads=%d/cache=%v", quads, cache == 0)
			h := server.New(st, server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CacheEntries: cache})
			bodies := make([]string, len(ids))
			for i, id := range ids {
				bodies[i] = fmt.Sprintf(`{"query":"query OneHop($id: ID!) { entity(id: $id) { neighbours(predicate: FUNDS, first: 20) { id name } } }","variables":{"id":%q}}`, id)
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(bodies[i%len(bodies)]))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"neighbours":[{`) {
						b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
					}
					i++
				}
			})
		}
	}
}
