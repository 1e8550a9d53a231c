// Command ceiling is a bare gqlgen server that answers the benchmark's 1-hop
// query with a constant page of 10 relations, each object with its id, name
// and kind as digidip answers them: the ceiling of the GraphQL layer on one
// core, against which bench/run.sh holds digidip.
//
// It has what gqlgen's own server has (the POST transport and a parsed-query
// cache) and nothing of digidip's (no data, limits, metrics, cache or logs).
//
// /plain answers every request with the very bytes /graphql gives the 1-hop
// query, from net/http alone: what the same core gives a trivial server, and
// a check that the load generator is not what limits the figures.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/digidip/digidip/bench/ceiling/api"
)

// oneHop is the benchmark's 1-hop query (bench/loadgen), for /plain's answer.
const oneHop = `{"query":"query OneHop($id: ID!) { entity(id: $id) { relations(direction: OUT, first: 10) { nodes { object { id name kind } } } } }","variables":{"id":"e1"}}`

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	flag.Parse()
	h, err := newHandler()
	if err != nil {
		log.Fatal(err)
	}
	s := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("ceiling serving on http://%s/graphql and /plain", *addr)
	log.Fatal(s.ListenAndServe())
}

// newHandler is the ceiling: /graphql, and /plain sending /graphql's
// answer to the 1-hop query as constant bytes.
func newHandler() (http.Handler, error) {
	srv := handler.New(api.NewExecutableSchema(api.Config{Resolvers: &api.Resolver{}}))
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))

	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(oneHop))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), `{"data":`) {
		return nil, fmt.Errorf("the ceiling does not answer the 1-hop query: %d %s", rec.Code, rec.Body)
	}
	plain := rec.Body.Bytes()

	mux := http.NewServeMux()
	mux.Handle("/graphql", srv)
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(plain)
	})
	return mux, nil
}
