package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The ceiling answers the benchmark's 1-hop request body, byte for byte as
// digidip gets it, with ten objects of id, name and kind, and so does /plain.
func TestCeilingAnswersTenObjects(t *testing.T) {
	h, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := strings.Replace(oneHop, `"e1"`, `"e4242"`, 1)
	for _, path := range []string{"/graphql", "/plain"} {
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var answer struct {
			Data struct {
				Entity struct {
					Relations struct {
						Nodes []struct {
							Object map[string]string
						}
					}
				}
			}
			Errors []any
		}
		if err := json.Unmarshal(b, &answer); err != nil || len(answer.Errors) > 0 {
			t.Fatalf("%s: %v: %s", path, err, b)
		}
		nodes := answer.Data.Entity.Relations.Nodes
		if len(nodes) != 10 || strings.Count(string(b), `"kind":`) != 10 {
			t.Fatalf("%s: %d objects: %s", path, len(nodes), b)
		}
		for _, n := range nodes {
			if len(n.Object) != 3 || n.Object["id"] == "" || n.Object["name"] == "" || n.Object["kind"] == "" {
				t.Errorf("%s: object %v is not id, name and kind", path, n.Object)
			}
		}
	}
}
