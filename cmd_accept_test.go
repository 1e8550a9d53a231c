package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// draftData is a temporary copy of data/ with the hand-written draft of
// testdata/proposed beside council-2023's curated files: one entity and
// three relations, each marked proposed, quoting council-2023:4.A.
func draftData(t *testing.T) (dir, rels, ents string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	copyDir(t, "data", dir)
	copyDir(t, filepath.Join("testdata", "proposed"), dir)
	return dir, filepath.Join(dir, "graph", "relations", "council-2023.proposed.yaml"),
		filepath.Join(dir, "graph", "entities", "council-2023.proposed.yaml")
}

func runDigidip(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return o.String(), e.String(), code
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// without drops lines (1-based) from a text.
func without(text string, lines ...int) string {
	ls := strings.SplitAfter(text, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		n := lines[i] - 1
		ls = append(ls[:n], ls[n+1:]...)
	}
	return strings.Join(ls, "")
}

const (
	relTargets  = "action-4a-field-coordination/targets/experts-in-brussels" // lines 6-12, marked at 9-10
	relLocated  = "experts-in-brussels/located-in/brussels"                  // line 13, flow style
	relCoord    = "diplomats/coordinates-with/experts-in-brussels"           // lines 14-20, marked at 17-18
	entExperts  = "experts-in-brussels"                                      // line 5, marked at 10-11
	notReviewed = ` is proposed, not reviewed: accept it (digidip accept `
)

// check refuses a draft, each item at its line; accept takes the mark off
// the items named and nothing else, and only when the data with them
// accepted holds.
func TestAcceptCommand(t *testing.T) {
	// a relation breaking coordinates-with's contract: a REGION as subject
	const bad = "  - subject: brussels\n    predicate: coordinates-with\n    object: experts-in-brussels\n    status: proposed\n    evidence:\n      - {para: \"4.A\", quote: \"experts in Brussels\"}\n"
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, rels string)
		file    string // "rels" or "ents"
		args    []string
		code    int
		removed []int    // lines of the file accept takes out; nil: the file is unchanged
		flow    bool     // and the mark of the flow-style relation, on its line
		stdout  []string // what the output says, lines of stderr for a failure
		// then check: problems left, or "" for ok
		left []string
	}{
		{name: "nothing accepted yet", file: "", code: 1,
			left: []string{"ents:5: entity " + entExperts, "rels:6: relation " + relTargets, "rels:13: relation " + relLocated, "rels:14: relation " + relCoord}},
		{name: "one relation by id", file: "rels", args: []string{"--ids", relTargets}, removed: []int{9, 10},
			stdout: []string{"accepted 1 relation, 2 still proposed"},
			left:   []string{"ents:5: entity " + entExperts, "rels:11: relation " + relLocated, "rels:12: relation " + relCoord}},
		{name: "the flow-style relation", file: "rels", args: []string{"--ids", relLocated}, removed: []int{}, flow: true,
			stdout: []string{"accepted 1 relation, 2 still proposed"},
			left:   []string{"ents:5: entity " + entExperts, "rels:6: relation " + relTargets, "rels:14: relation " + relCoord}},
		{name: "two relations by id", file: "rels", args: []string{"--ids", relCoord + "," + relTargets}, removed: []int{9, 10, 17, 18},
			stdout: []string{"accepted 2 relations, 1 still proposed"},
			left:   []string{"ents:5: entity " + entExperts, "rels:11: relation " + relLocated}},
		{name: "every relation", file: "rels", args: []string{"--all"}, removed: []int{9, 10, 17, 18}, flow: true,
			stdout: []string{"accepted 3 relations, 0 still proposed"},
			left:   []string{"ents:5: entity " + entExperts}},
		{name: "the entity", file: "ents", args: []string{"--all"}, removed: []int{10, 11},
			stdout: []string{"accepted 1 entity, 0 still proposed"},
			left:   []string{"rels:6: relation " + relTargets, "rels:13: relation " + relLocated, "rels:14: relation " + relCoord}},
		{name: "an unknown id", file: "rels", args: []string{"--ids", relTargets + ",experts-in-brussels/funds/brussels,nobody"}, code: 1,
			stdout: []string{"no relation experts-in-brussels/funds/brussels, nobody"}},
		{name: "an entity id in a relations file", file: "rels", args: []string{"--ids", entExperts}, code: 1,
			stdout: []string{"no relation experts-in-brussels"}},
		{name: "a relation breaking its predicate's contract", file: "rels", args: []string{"--ids", "brussels/coordinates-with/experts-in-brussels," + relTargets}, code: 1,
			prepare: func(t *testing.T, rels string) { appendTo(t, rels, bad) },
			stdout:  []string{`rels:21: subject "brussels" is REGION, but coordinates-with takes as subject only ACTOR, COUNTRY, FORUM or PARTNERSHIP`, "1 problem(s) in the items to accept: "}},
		{name: "all, with one breaking a contract", file: "rels", args: []string{"--all"}, code: 1,
			prepare: func(t *testing.T, rels string) { appendTo(t, rels, bad) },
			stdout:  []string{`rels:21: subject "brussels" is REGION`}},
		// a broken item not accepted does not hold the others back
		{name: "another item breaking a contract", file: "rels", args: []string{"--ids", relLocated}, removed: []int{}, flow: true,
			prepare: func(t *testing.T, rels string) { appendTo(t, rels, bad) },
			stdout:  []string{"accepted 1 relation, 3 still proposed", "1 other problem(s) in "},
			left:    []string{"ents:5: entity " + entExperts, "rels:6: relation " + relTargets, "rels:14: relation " + relCoord, "rels:21: relation brussels/coordinates-with/experts-in-brussels"}},
		{name: "neither --all nor --ids", file: "rels", args: []string{}, code: 2},
		{name: "both --all and --ids", file: "rels", args: []string{"--all", "--ids", relLocated}, code: 2},
		{name: "a file that is no graph file", file: "source", args: []string{"--all", "--data", "DIR"}, code: 1,
			stdout: []string{"is not a relations or entities file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, rels, ents := draftData(t)
			if tc.prepare != nil {
				tc.prepare(t, rels)
			}
			name := map[string]string{"rels": rels, "ents": ents, "source": filepath.Join(dir, "sources", "council-2023.yaml")}[tc.file]
			shown := strings.NewReplacer("rels:", rels+":", "ents:", ents+":")
			if tc.file != "" {
				before := readFile(t, name)
				args := []string{"accept", name}
				for _, a := range tc.args {
					args = append(args, strings.ReplaceAll(a, "DIR", dir))
				}
				stdout, stderr, code := runDigidip(args...)
				out := stdout
				if code != 0 {
					out = stderr
				}
				if code != tc.code {
					t.Fatalf("accept: exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
				}
				for _, want := range tc.stdout {
					if !strings.Contains(out, shown.Replace(want)) {
						t.Errorf("accept says:\n%s\nwant %q in it", out, shown.Replace(want))
					}
				}
				after := readFile(t, name)
				if tc.removed == nil && after != before {
					t.Errorf("accept changed %s:\n%s", name, after)
				}
				if tc.removed != nil {
					want := without(before, tc.removed...)
					if tc.flow {
						// the flow-style item's line loses the pair, and only that
						want = strings.Replace(want, " status: proposed, confidence: 0.9,", "", 1)
					}
					if after != want || want == before {
						t.Errorf("accept wrote:\n%s\nwant the file less lines %v (and the flow item's mark: %v)", after, tc.removed, tc.flow)
					}
				}
				if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(name), ".*")); len(leftovers) > 0 {
					t.Errorf("temporary files left: %v", leftovers)
				}
			}
			if tc.code != 0 && tc.file != "" {
				return
			}
			_, stderr, code := runDigidip("check", "--data", dir)
			var got []string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.Contains(l, notReviewed) {
					got = append(got, l)
				}
			}
			if len(got) != len(tc.left) || code != 1 {
				t.Fatalf("check: exit %d, %d items proposed, want %d:\n%s", code, len(got), len(tc.left), stderr)
			}
			for i, want := range tc.left {
				if want = shown.Replace(want); !strings.HasPrefix(got[i], want+notReviewed) {
					t.Errorf("check: %q\nwant it to begin %q", got[i], want+notReviewed)
				}
			}
		})
	}
}

func appendTo(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(readFile(t, name)+text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Once every item is accepted, the data checks, the draft's items in it;
// FILE may be given relative to --data.
func TestAcceptAllThenCheck(t *testing.T) {
	dir, _, _ := draftData(t)
	for _, f := range []string{"graph/entities/council-2023.proposed.yaml", "graph/relations/council-2023.proposed.yaml"} {
		if stdout, stderr, code := runDigidip("accept", f, "--data", dir, "--all"); code != 0 {
			t.Fatalf("accept %s: exit %d\n%s%s", f, code, stdout, stderr)
		}
	}
	stdout, stderr, code := runDigidip("check", "--data", dir)
	if code != 0 {
		t.Fatalf("check after accepting all: exit %d\n%s", code, stderr)
	}
	// the shipped data plus the draft's entity and three relations
	shipped, _, _ := runDigidip("check", "--data", "data")
	count := func(s, what string) int {
		m := regexp.MustCompile(`(\d+) ` + what + `,`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no count of %s in %q", what, s)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if count(stdout, "entities") != count(shipped, "entities")+1 || count(stdout, "relations") != count(shipped, "relations")+3 {
		t.Errorf("check after accepting: %s\nwant one entity and three relations more than the shipped data's: %s", stdout, shipped)
	}
}

// check --coverage --doc reports one document's coverage, the draft's
// proposals counted as present; without --doc, proposals are refused.
func TestCheckCoverageOfADraft(t *testing.T) {
	dir, rels, _ := draftData(t)
	stdout, stderr, code := runDigidip("check", "--coverage", "--data", dir, "--doc", "council-2023")
	if code != 0 {
		t.Fatalf("coverage of the draft: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"\n  states: " + relLocated + "\n", "\n  states: " + relCoord + "\n", "experts-in-brussels, member-states", "coverage: 31 paragraphs; 0 warnings open"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("coverage of the draft has no %q", want)
		}
	}
	if strings.Contains(stdout, "eeas-2022:") {
		t.Error("coverage of council-2023 reports eeas-2022's paragraphs")
	}
	if _, stderr, code := runDigidip("check", "--coverage", "--data", dir); code != 1 || !strings.Contains(stderr, rels+":13: relation "+relLocated+notReviewed) {
		t.Errorf("coverage of the whole data: exit %d\n%s", code, stderr)
	}
	// a draft that leaves an entity unlinked: the curator sees it
	appendTo(t, filepath.Join(dir, "graph", "entities", "council-2023.proposed.yaml"),
		"\n- id: nobody-at-all\n  name: \"Nobody At All\"\n  kind: ACTOR\n  description: \"A name the text does not use.\"\n  status: proposed\n")
	stdout, _, code = runDigidip("check", "--coverage", "--data", dir, "--doc", "council-2023")
	if code != 1 || !strings.Contains(stdout, "warning: nobody-at-all: isolated-entity") {
		t.Errorf("coverage of a draft with an isolated entity: exit %d\n%s", code, stdout)
	}
	if _, stderr, code := runDigidip("check", "--doc", "council-2023"); code != 2 || !strings.Contains(stderr, "--doc goes with --coverage") {
		t.Errorf("--doc alone: exit %d\n%s", code, stderr)
	}
}

const (
	// stated already in council-2023.yaml, the draft's own document's file
	relHWP = "horizontal-working-party-on-cyber-issues/adopts/council-conclusions-digital-diplomacy-2023"
	hwp    = "  # stated already in relations/council-2023.yaml: on acceptance its evidence goes there\n  - subject: horizontal-working-party-on-cyber-issues\n    predicate: adopts\n    object: council-conclusions-digital-diplomacy-2023\n    implied: false\n    status: proposed\n    confidence: 0.7\n    evidence:\n      - {para: \"cover.2\", quote: \"Horizontal Working Party on Cyber Issues\", modality: stated}\n"
	hwpAt  = `      - {para: "cover.2", quote: "as agreed by the Horizontal Working Party on Cyber Issues (HWPCI) on 9 June 2023", verb: "agreed"}`
	hwpNew = `      - {para: cover.2, quote: Horizontal Working Party on Cyber Issues, modality: stated}`
	// implied in council-2023.yaml, stated by the draft
	relPSC  = "psc-meeting-2023-06-19/concerns/council-conclusions-digital-diplomacy-2023"
	pscHead = "  - subject: psc-meeting-2023-06-19\n    predicate: concerns\n    object: council-conclusions-digital-diplomacy-2023\n"
	psc     = "  # stated already in relations/council-2023.yaml: on acceptance its evidence goes there\n" + pscHead + "    implied: false\n    status: proposed\n    confidence: 0.6\n    evidence:\n      - {para: \"cover.2\", quote: \"PSC meeting of 19 June 2023\", modality: stated}\n"
	pscAt   = `      - {para: "cover.2", quote: "With a view to the PSC meeting of 19 June 2023, delegations will find attached the revised draft Council Conclusions on EU Digital Diplomacy", modality: future}`
	pscNew  = `      - {para: cover.2, quote: PSC meeting of 19 June 2023, modality: stated}`
	// stated already in eeas-2022.yaml, another document's
	relPlan = "eu-action-plan-human-rights-democracy/concerns/human-rights"
	plan    = "  # stated already in relations/eeas-2022.yaml: on acceptance its evidence goes there\n  - subject: eu-action-plan-human-rights-democracy\n    predicate: concerns\n    object: human-rights\n    status: proposed\n    confidence: 0.4\n    evidence:\n      - {para: \"3\", quote: \"EU Action Plan on Human rights and Democracy\", occurrence: 1, modality: stated}\n"
	planAt  = `      - {para: "internet.3", quote: "which has a dedicated chapter on digital and human rights", verb: "has"}`
	planNew = `      - {doc: council-2023, para: "3", quote: EU Action Plan on Human rights and Democracy, occurrence: 1, modality: stated}`
)

// insertAfter puts a line after the one line of text that is at.
func insertAfter(t *testing.T, text, at, line string) string {
	t.Helper()
	if strings.Count(text, at+"\n") != 1 {
		t.Fatalf("%q is not one line of the file", at)
	}
	return strings.Replace(text, at+"\n", at+"\n"+line+"\n", 1)
}

// lineOf is the line number of the one line of text that is at.
func lineOf(t *testing.T, text, at string) int {
	t.Helper()
	i := strings.Index(text, "\n"+at+"\n")
	if i < 0 {
		t.Fatalf("%q is not a line of the file", at)
	}
	return strings.Count(text[:i+1], "\n") + 1
}

// An accepted relation that a curated file states already moves there:
// its item leaves the draft, its evidence joins the curated entry, with
// doc: when that file is another document's; both files are written, or
// neither.
func TestAcceptMovesStated(t *testing.T) {
	flowHWP := strings.TrimPrefix(hwpAt, "      - ")
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, council string) // of council-2023.yaml
		draft   string                             // appended to the draft
		args    []string
		code    int
		stdout  []string // "moved" lines: FILE:AT names the relation's line, AT the line it begins
		// the draft's lines that lose their mark, and the text of the
		// other files after, from before; nil: unchanged
		unmarked      []int
		council, eeas func(t *testing.T, before string) string
		councilAt     string // the relation's first line in council-2023.yaml
		eeasAt        string
		stderr        string
	}{
		{name: "stated in the draft's own document's file", draft: hwp, args: []string{"--ids", relHWP},
			stdout:    []string{"accepted 1 relation, 3 still proposed", "moved 1 quote of " + relHWP + " to council:AT"},
			council:   func(t *testing.T, b string) string { return insertAfter(t, b, hwpAt, hwpNew) },
			councilAt: "  - subject: horizontal-working-party-on-cyber-issues"},
		{name: "stated in another document's file: doc added", draft: plan, args: []string{"--ids", relPlan},
			stdout: []string{"accepted 1 relation, 3 still proposed", "moved 1 quote of " + relPlan + " to eeas:AT"},
			eeas:   func(t *testing.T, b string) string { return insertAfter(t, b, planAt, planNew) },
			eeasAt: "  - subject: eu-action-plan-human-rights-democracy"},
		{name: "a flow-style evidence list", draft: hwp, args: []string{"--ids", relHWP},
			prepare: func(t *testing.T, council string) {
				b := readFile(t, council)
				b = strings.Replace(b, "    evidence:\n"+hwpAt+"\n", "    evidence: ["+flowHWP+"]\n", 1)
				if err := os.WriteFile(council, []byte(b), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			stdout: []string{"moved 1 quote of " + relHWP + " to council:AT"},
			council: func(t *testing.T, b string) string {
				return strings.Replace(b, flowHWP+"]", flowHWP+", "+strings.TrimPrefix(hwpNew, "      - ")+"]", 1)
			},
			councilAt: "  - subject: horizontal-working-party-on-cyber-issues"},
		{name: "all, new and stated already", draft: hwp + plan, args: []string{"--all"}, unmarked: []int{9, 10, 17, 18},
			stdout:    []string{"accepted 5 relations, 0 still proposed", "moved 1 quote of " + relHWP + " to council:AT", "moved 1 quote of " + relPlan + " to eeas:AT"},
			council:   func(t *testing.T, b string) string { return insertAfter(t, b, hwpAt, hwpNew) },
			eeas:      func(t *testing.T, b string) string { return insertAfter(t, b, planAt, planNew) },
			councilAt: "  - subject: horizontal-working-party-on-cyber-issues", eeasAt: "  - subject: eu-action-plan-human-rights-democracy"},
		// a relation stated in one text and only implied in another is stated
		{name: "implied here, stated there", draft: strings.Replace(hwp, "implied: false", "implied: true", 1), args: []string{"--ids", relHWP},
			stdout:    []string{"accepted 1 relation, 3 still proposed", "moved 1 quote of " + relHWP + " to council:AT\n"},
			council:   func(t *testing.T, b string) string { return insertAfter(t, b, hwpAt, hwpNew) },
			councilAt: "  - subject: horizontal-working-party-on-cyber-issues"},
		{name: "stated here, implied there", draft: psc, args: []string{"--ids", relPSC},
			stdout: []string{"accepted 1 relation, 3 still proposed", "moved 1 quote of " + relPSC + " to council:AT, where it is now stated (implied: false)"},
			council: func(t *testing.T, b string) string {
				return insertAfter(t, strings.Replace(b, pscHead+"    implied: true\n", pscHead+"    implied: false\n", 1), pscAt, pscNew)
			},
			councilAt: "  - subject: psc-meeting-2023-06-19"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, rels, _ := draftData(t)
			council := filepath.Join(dir, "graph", "relations", "council-2023.yaml")
			eeas := filepath.Join(dir, "graph", "relations", "eeas-2022.yaml")
			if tc.prepare != nil {
				tc.prepare(t, council)
			}
			draftBefore := readFile(t, rels)
			appendTo(t, rels, tc.draft)
			councilBefore, eeasBefore := readFile(t, council), readFile(t, eeas)
			stdout, stderr, code := runDigidip(append([]string{"accept", rels}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("accept: exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			councilAfter, eeasAfter := readFile(t, council), readFile(t, eeas)
			shown := strings.NewReplacer("rels:", rels+":", "council:", council+":", "eeas:", eeas+":")
			if tc.stderr != "" && !strings.Contains(stderr, shown.Replace(tc.stderr)) {
				t.Errorf("accept says:\n%s\nwant %q in it", stderr, shown.Replace(tc.stderr))
			}
			for _, want := range tc.stdout {
				want = shown.Replace(want)
				if tc.councilAt != "" {
					want = strings.Replace(want, council+":AT", council+":"+strconv.Itoa(lineOf(t, councilAfter, tc.councilAt)), 1)
				}
				if tc.eeasAt != "" {
					want = strings.Replace(want, eeas+":AT", eeas+":"+strconv.Itoa(lineOf(t, eeasAfter, tc.eeasAt)), 1)
				}
				if !strings.Contains(stdout, want) {
					t.Errorf("accept says:\n%s\nwant %q in it", stdout, want)
				}
			}
			// the draft: the moved items gone, with their comments; the
			// others' marks, and only those
			wantDraft := draftBefore + tc.draft
			if tc.code == 0 {
				wantDraft = without(draftBefore, tc.unmarked...)
				if tc.unmarked != nil {
					wantDraft = strings.Replace(wantDraft, " status: proposed, confidence: 0.9,", "", 1)
				}
			}
			if after := readFile(t, rels); after != wantDraft {
				t.Errorf("accept wrote the draft:\n%s\nwant:\n%s", after, wantDraft)
			}
			for _, f := range []struct {
				name, before, after string
				want                func(*testing.T, string) string
			}{{council, councilBefore, councilAfter, tc.council}, {eeas, eeasBefore, eeasAfter, tc.eeas}} {
				want := f.before
				if f.want != nil && tc.code == 0 {
					want = f.want(t, f.before)
				}
				if f.after != want {
					t.Errorf("accept wrote %s: %d bytes, want %d (the file with the moved evidence, every other byte as it was)", f.name, len(f.after), len(want))
				}
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, "graph", "relations", ".*")); len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
			if tc.code != 0 {
				return
			}
			// what check reports then is only the proposals still marked
			_, stderr, _ = runDigidip("check", "--data", dir)
			for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
				if !strings.Contains(l, notReviewed) && !strings.HasPrefix(l, "digidip check:") && l != "" {
					t.Errorf("check after accepting: %s", l)
				}
			}
		})
	}
}

// When a later file cannot be written, the ones written before it get
// their old content back: the evidence is never in both files.
func TestAcceptWriteAllRestores(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.yaml")
	if err := os.WriteFile(first, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeAll([]pendingWrite{
		{disk: first, data: []byte("new\n"), old: []byte("old\n")},
		{disk: filepath.Join(dir, "gone", "second.yaml"), data: []byte("new\n"), old: []byte("old\n")},
	})
	if err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
	if got := readFile(t, first); got != "old\n" {
		t.Errorf("the first file after a failed second write: %q, want it restored", got)
	}
	if err := writeAll([]pendingWrite{{disk: first, data: []byte("new\n"), old: []byte("old\n")}}); err != nil || readFile(t, first) != "new\n" {
		t.Errorf("a write that can succeed: %v, %q", err, readFile(t, first))
	}
}

// The curator's path end to end on a copy of the data without
// council-2023's relations: propose drafts them, every relation another
// file states already marked so; accept --all moves those there (a
// relation implied in one file and stated in the other ends stated) and
// takes the marks off the rest; check then finds no relation stated twice.
func TestAcceptProposeEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	copyDir(t, "data", dir)
	if err := os.Remove(filepath.Join(dir, "graph", "relations", "council-2023.yaml")); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := runDigidip("propose", "--doc", "council-2023", "--data", dir); code != 0 {
		t.Fatalf("propose: exit %d\n%s%s", code, stdout, stderr)
	}
	rels := filepath.Join(dir, "graph", "relations", "council-2023.proposed.yaml")
	ents := filepath.Join(dir, "graph", "entities", "council-2023.proposed.yaml")
	stated := strings.Count(readFile(t, rels), "# stated already in relations/")
	if stated == 0 {
		t.Fatal("propose marked no relation as stated already: nothing to move")
	}
	if stdout, stderr, code := runDigidip("accept", ents, "--all"); code != 0 {
		t.Fatalf("accept %s: exit %d\n%s%s", ents, code, stdout, stderr)
	}
	stdout, stderr, code := runDigidip("accept", rels, "--all")
	if code != 0 {
		t.Fatalf("accept %s: exit %d\n%s%s", rels, code, stdout, stderr)
	}
	if moved := strings.Count(stdout, "\nmoved "); moved != stated {
		t.Errorf("accept moved %d relations, %d were marked stated already:\n%s", moved, stated, stdout)
	}
	if n := strings.Count(readFile(t, rels), "stated already"); n != 0 {
		t.Errorf("%d stated-already comments left in the draft", n)
	}
	stdout, stderr, code = runDigidip("check", "--data", dir)
	if strings.Contains(stderr, "stated again") {
		t.Errorf("check after accepting: a relation stated twice:\n%s", stderr)
	}
	t.Logf("check: exit %d\n%s%s", code, stdout, stderr)
}

// A document new to the data, the EEAS page under another id, goes the
// whole way as a curator would take it: add-document, propose, accept
// every candidate entity and relation, check, load. Its relations that the
// curated files state already move there (some turning a curated implied
// relation stated), and the loaded store holds the new document's evidence.
func TestNewDocumentRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	copyDir(t, "data", dir)
	text := filepath.Join(t.TempDir(), "page.txt")
	if err := os.WriteFile(text, []byte(readFile(t, "data/sources/eeas-2022.md")), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := [][]string{
		{"add-document", text, "--id", "eeas-page", "--data", dir, "--title", "EU Digital Diplomacy", "--short", "EEAS page", "--date", "2022-07-18", "--author", "EEAS"},
		{"propose", "--doc", "eeas-page", "--data", dir},
		{"accept", filepath.Join(dir, "graph", "entities", "eeas-page.proposed.yaml"), "--all"},
		{"accept", filepath.Join(dir, "graph", "relations", "eeas-page.proposed.yaml"), "--all"},
		{"check", "--data", dir},
	}
	var said []string
	for _, args := range steps {
		stdout, stderr, code := runDigidip(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		}
		said = append(said, stdout)
	}
	accepted := said[3]
	if !strings.Contains(accepted, "\nmoved ") || !strings.Contains(accepted, "where it is now stated (implied: false)") {
		t.Errorf("accepting the page's relations moved none, or turned no implied relation stated:\n%s", accepted)
	}
	if !strings.Contains(said[4], "3 documents") {
		t.Errorf("check: %s", said[4])
	}
	db := filepath.Join(t.TempDir(), "page.db")
	if stdout, stderr, code := runDigidip("load", "--data", dir, "--store", db); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, stdout, stderr)
	}
	nq := filepath.Join(t.TempDir(), "page.nq")
	if stdout, stderr, code := runDigidip("export", "--store", db, "--format", "nquads", "-o", nq); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := strings.Count(readFile(t, nq), "eeas-page"); n < 100 {
		t.Errorf("the loaded store names the new document %d times", n)
	}
}
