package export_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/digidip/digidip/export"
)

// A node's degree in every graph format is the one GraphQL answers for it:
// one query asks a subgraph for its nodes' degrees and for its exports, and
// both the inline text and the file its URL streams from /export carry the
// same degree for every node. The filtered selection shows the degree is the
// whole graph's (Entity.degree), not a count of the file's own edges.
func TestExportDegreesAreGraphQLs(t *testing.T) {
	_, base := consumerServer(t)
	formats := []export.Format{export.GraphML, export.GEXF, export.CSV, export.Cytoscape}
	var fields strings.Builder
	for _, f := range formats {
		fields.WriteString(string(f) + ": export(format: " + strings.ToUpper(string(f)) + ") { url text } ")
	}
	for _, args := range []string{
		`roots: ["global-gateway"], depth: 2`,
		`roots: ["eu"], depth: 1, kinds: [ACTOR, COUNTRY]`,
	} {
		t.Run(args, func(t *testing.T) {
			query := "{ subgraph(" + args + ") { nodes { id degree } " + fields.String() + "} }"
			body, _ := json.Marshal(map[string]string{"query": query})
			res, err := http.Post(base+"/graphql", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var answer struct {
				Data struct {
					Subgraph map[string]json.RawMessage
				}
				Errors []any
			}
			if err := json.Unmarshal(raw, &answer); err != nil || res.StatusCode != 200 || len(answer.Errors) > 0 {
				t.Fatalf("POST /graphql: %d %v: %.300s", res.StatusCode, err, raw)
			}
			var nodes []struct {
				ID     string
				Degree int
			}
			if err := json.Unmarshal(answer.Data.Subgraph["nodes"], &nodes); err != nil {
				t.Fatal(err)
			}
			if len(nodes) < 5 {
				t.Fatalf("%d nodes: too few to test", len(nodes))
			}
			for _, f := range formats {
				var ex struct {
					URL  string
					Text *string
				}
				if err := json.Unmarshal(answer.Data.Subgraph[string(f)], &ex); err != nil {
					t.Fatal(err)
				}
				files := map[string][]byte{"GET " + ex.URL: get(t, base+ex.URL)}
				if ex.Text != nil {
					files["its text"] = []byte(*ex.Text)
				} else if f != export.CSV {
					t.Errorf("%s: no text for %d nodes", f, len(nodes))
				}
				for from, b := range files {
					got := readGraph(t, f, b)
					if len(got.nodes) != len(nodes) {
						t.Errorf("%s from %s: %d nodes, GraphQL answers %d", f, from, len(got.nodes), len(nodes))
					}
					for _, n := range nodes {
						if got.nodes[n.ID].degree != n.Degree {
							t.Errorf("%s from %s: %s has degree %d, GraphQL answers %d", f, from, n.ID, got.nodes[n.ID].degree, n.Degree)
						}
					}
				}
			}
		})
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %.200s", url, res.StatusCode, err, b)
	}
	return b
}
