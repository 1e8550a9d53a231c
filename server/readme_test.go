package server_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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

// The README's "Asking questions" are the golden queries NN-ask-*: the same
// text, in the same order, so that every answer it cites is checked.
func TestAskingQuestionsAreGoldens(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Asking questions\n")
	if !ok {
		t.Fatal(`the README has no "Asking questions" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, strings.TrimSpace(m[1]))
	}
	files, _ := filepath.Glob("testdata/queries/*-ask-*.graphql")
	if len(files) < 10 || len(blocks) != len(files) {
		t.Fatalf("%d questions in the README, %d golden ask queries; want the same, at least 10", len(blocks), len(files))
	}
	for i, f := range files {
		q, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(string(q), "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		if body := strings.TrimSpace(strings.Join(lines, "\n")); body != blocks[i] {
			t.Errorf("question %d of the README is not %s:\n%s\n--- golden:\n%s", i+1, f, blocks[i], body)
		}
	}
}
