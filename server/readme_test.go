package server_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// readmeQueries are the GraphQL examples of the README: its graphql blocks
// and the queries its curl lines send.
func readmeQueries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllSubmatch(b, -1) {
		qs = append(qs, string(m[1]))
	}
	for _, m := range regexp.MustCompile(`-d '(\{"query".*?\})'`).FindAllSubmatch(b, -1) {
		var body struct{ Query string }
		if err := json.Unmarshal(m[1], &body); err != nil {
			t.Fatalf("README curl body %s: %v", m[1], err)
		}
		qs = append(qs, body.Query)
	}
	return qs
}

// Every example of the README gets the same bytes from the projection and
// from Cayley, and a real answer from both.
func TestREADMEExamplesOnBothEngines(t *testing.T) {
	qs := readmeQueries(t)
	t.Logf("%d examples", len(qs))
	if len(qs) < 10 {
		t.Fatalf("found only %d examples in the README", len(qs))
	}
	proj, _ := newServer(t, datatest.StoreEngine(t, "projection"), server.Config{})
	cay, _ := newServer(t, datatest.StoreEngine(t, "cayley"), server.Config{})
	for i, q := range qs {
		a, b := post(t, proj, q, nil), post(t, cay, q, nil)
		if a.status != 200 || len(a.resp.Errors) > 0 || bytes.Equal(a.resp.Data, []byte("null")) {
			t.Errorf("example %d answers %d: %.300s\n%s", i+1, a.status, a.body, q)
			continue
		}
		if a.status != b.status || !bytes.Equal(a.body, b.body) {
			t.Errorf("example %d: the engines answer differently:\nprojection %.300s\ncayley     %.300s\n%s", i+1, a.body, b.body, strings.TrimSpace(q))
		}
	}
}
