package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
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

// printedAnswer is a question of the README with the answer it prints: the
// json block that follows its graphql block.
type printedAnswer struct {
	section, query, answer string
	line                   int
}

// printedAnswers are the questions of the README's sections that print
// answers, each with its answer; a question printed without one is an
// error, so that no answer goes unchecked.
func printedAnswers(t *testing.T, sections ...string) []printedAnswer {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	block := regexp.MustCompile("(?s)```graphql\n(.*?)```\n(?:```json\n(.*?)```)?")
	var out []printedAnswer
	for _, name := range sections {
		start := strings.Index(readme, "\n## "+name+"\n")
		if start < 0 {
			t.Fatalf("the README has no %q section", name)
		}
		section, _, _ := strings.Cut(readme[start+1:], "\n## ")
		for _, m := range block.FindAllStringSubmatchIndex(section, -1) {
			a := printedAnswer{section: name, query: section[m[2]:m[3]],
				line: strings.Count(readme[:start+1+m[0]], "\n") + 1}
			if m[4] < 0 {
				t.Errorf("README.md:%d (%s): a question without a json answer after it", a.line, name)
				continue
			}
			a.answer = section[m[4]:m[5]]
			out = append(out, a)
		}
	}
	return out
}

// elided marks what a printed answer leaves out: as the last element of a
// list, the rest of the list; inside a string, the words it skips.
const elided = "…"

// departures lists where a printed answer departs from the server's: a
// printed object may leave fields out, a list may stop with "…" (and
// otherwise has every element, in the server's order), a string may skip
// words with "…"; everything else is equal.
func departures(path string, printed, got any) []string {
	switch p := printed.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: printed an object, the server answers %s", path, compact(got))}
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(p)) {
			v, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: printed, but not in the server's answer", path, k))
				continue
			}
			out = append(out, departures(path+"."+k, p[k], v)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: printed a list, the server answers %s", path, compact(got))}
		}
		n := len(p)
		if n > 0 && p[n-1] == elided {
			n--
			if len(g) <= n {
				return []string{fmt.Sprintf("%s: printed more than %d elements (…), the server answers %d", path, n, len(g))}
			}
		} else if len(g) != n {
			return []string{fmt.Sprintf("%s: printed %d elements, the server answers %d: %.300s", path, n, len(g), compact(got))}
		}
		var out []string
		for i := range n {
			out = append(out, departures(fmt.Sprintf("%s[%d]", path, i), p[i], g[i])...)
		}
		return out
	case string:
		if g, ok := got.(string); ok && (g == p || strings.Contains(p, elided) && skips(p, g)) {
			return nil
		}
	default:
		if reflect.DeepEqual(printed, got) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: printed %s, the server answers %s", path, compact(printed), compact(got))}
}

// skips reports whether s, with "…" where it skips words, is taken from
// full: its pieces appear in order, the first at the start and the last at
// the end unless "…" stands there.
func skips(s, full string) bool {
	pieces := strings.Split(s, elided)
	if !strings.HasPrefix(full, pieces[0]) || !strings.HasSuffix(full, pieces[len(pieces)-1]) {
		return false
	}
	rest := full[len(pieces[0]):]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return len(rest) >= len(pieces[len(pieces)-1])
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Every answer printed in "Questions and their answers" and "Asking
// questions" is the server's answer to the query printed above it, field
// by field, with only what "…" marks left out.
func TestREADMEPrintedAnswers(t *testing.T) {
	answers := printedAnswers(t, "Questions and their answers", "Asking questions")
	if len(answers) < 20 {
		t.Fatalf("found %d printed answers in the README, want at least 20", len(answers))
	}
	srv, _ := newServer(t, datatest.Store(t), server.Config{})
	for _, a := range answers {
		var printed any
		if err := json.Unmarshal([]byte(a.answer), &printed); err != nil {
			t.Errorf("README.md:%d: the printed answer is not JSON: %v", a.line, err)
			continue
		}
		r := post(t, srv, a.query, nil)
		var got struct{ Data any }
		if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 || len(r.resp.Errors) > 0 {
			t.Errorf("README.md:%d: the server answers %d: %.300s", a.line, r.status, r.body)
			continue
		}
		for _, d := range departures("data", printed, got.Data) {
			t.Errorf("README.md:%d (%s): %s", a.line, a.section, d)
		}
	}
}
