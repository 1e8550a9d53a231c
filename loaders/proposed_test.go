package loaders_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/digidip/digidip/loaders"
)

const (
	draftRel = "graph/relations/memo.proposed.yaml"
	draftEnt = "graph/entities/memo.proposed.yaml"
	// lulea-university moves from the curated entities to the draft's
	luleaCurated = "- id: lulea-university\n  name: Luleå University\n  kind: ACTOR\n  description: A university in Sweden.\n"
)

// drafted is the good data with a draft beside it: two relations and one
// entity still marked proposed (testdata/proposed).
func drafted(t *testing.T) fstest.MapFS {
	t.Helper()
	m := good(t)
	for _, name := range []string{draftRel, draftEnt} {
		b, err := os.ReadFile(filepath.Join("testdata/proposed", name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	apply(t, m, []patch{{"graph/entities/all.yaml", luleaCurated, ""}})
	return m
}

func problemStrings(t *testing.T, err error) []string {
	t.Helper()
	var ps loaders.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v, want problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	return got
}

// Read, so check, load and serve, refuses every item still proposed, each
// with its place and the command that accepts it, along with every other
// problem of the data, proposed items' own included.
func TestProposedItemsAreProblems(t *testing.T) {
	notReviewed := []string{
		`draft/graph/entities/memo.proposed.yaml:4: entity lulea-university is proposed, not reviewed: accept it (digidip accept draft/graph/entities/memo.proposed.yaml --ids lulea-university) or delete it`,
		`draft/graph/relations/memo.proposed.yaml:4: relation council/calls-on/commission is proposed, not reviewed: accept it (digidip accept draft/graph/relations/memo.proposed.yaml --ids council/calls-on/commission) or delete it`,
		`draft/graph/relations/memo.proposed.yaml:11: relation council/calls-on/eib is proposed, not reviewed: accept it (digidip accept draft/graph/relations/memo.proposed.yaml --ids council/calls-on/eib) or delete it`,
	}
	tests := []struct {
		name    string
		patches []patch
		want    []string
	}{
		{"every proposed item", nil, notReviewed},
		{"a status other than proposed", []patch{{draftRel, "    status: proposed\n", "    status: accepted\n"}},
			[]string{
				notReviewed[0],
				`draft/graph/relations/memo.proposed.yaml:7: status "accepted" is not allowed: the only status is "proposed", for an item not yet reviewed (a reviewed item has none)`,
				notReviewed[2],
			}},
		{"an empty status", []patch{{draftEnt, "status: proposed", "status:"}},
			[]string{
				`draft/graph/entities/memo.proposed.yaml:8: status "" is not allowed: the only status is "proposed", for an item not yet reviewed (a reviewed item has none)`,
				notReviewed[1], notReviewed[2],
			}},
		{"a confidence above 1", []patch{{draftRel, "confidence: 0.91", "confidence: 1.5"}},
			append([]string{notReviewed[0], notReviewed[1],
				`draft/graph/relations/memo.proposed.yaml:8: "confidence" must be a number from 0 to 1, not 1.5`}, notReviewed[2])},
		{"a negative confidence", []patch{{draftEnt, "confidence: 0.88", "confidence: -0.1"}},
			append([]string{notReviewed[0],
				`draft/graph/entities/memo.proposed.yaml:9: "confidence" must be a number from 0 to 1, not -0.1`}, notReviewed[1:]...)},
		{"a confidence in words", []patch{{draftRel, "confidence: 0.74", "confidence: high"}},
			append(slices.Clone(notReviewed[:2]),
				`draft/graph/relations/memo.proposed.yaml:11: "confidence" must be a number`, notReviewed[2])},
		{"a confidence on a curated relation", []patch{{"graph/relations/memo.yaml", "    implied: true\n", "    implied: true\n    confidence: 0.9\n"}},
			append(slices.Clone(notReviewed),
				`draft/graph/relations/memo.yaml:20: "confidence" without "status: proposed": it rates a proposal, and goes with the mark once the item is accepted`)},
		// the usual validation holds for proposals: a curator sees it all at once
		{"a proposal that breaks its predicate's contract", []patch{{draftRel, "object: eib, status", "object: d4d-hub, status"}},
			[]string{
				notReviewed[0], notReviewed[1],
				`draft/graph/relations/memo.proposed.yaml:11: object "d4d-hub" is INSTRUMENT, but calls-on takes as object only ACTOR or FORUM (draft/graph/predicates.yaml:1)`,
				`draft/graph/relations/memo.proposed.yaml:11: relation council/calls-on/d4d-hub is proposed, not reviewed: accept it (digidip accept draft/graph/relations/memo.proposed.yaml --ids council/calls-on/d4d-hub) or delete it`,
			}},
		{"a proposal whose quote is not in its paragraph", []patch{{draftRel, `quote: "The Council calls on the Commission",`, `quote: "The Council asks the Commission",`}},
			append(slices.Clone(notReviewed[:2]),
				`draft/graph/relations/memo.proposed.yaml:10: quote not found in memo:1: "The Council asks the Commission"`, notReviewed[2])},
		// the curated file is read first, whatever the names: the draft's
		// repetition is the one reported
		{"a proposal the curated file states already", []patch{{draftRel, "  - subject: council\n    predicate: calls-on\n    object: commission\n", "  - subject: action-1-fund-d4d\n    predicate: calls-on\n    object: commission\n"}},
			[]string{
				notReviewed[0],
				`draft/graph/relations/memo.proposed.yaml:4: relation action-1-fund-d4d/calls-on/commission is stated again (first at draft/graph/relations/memo.yaml:3): add the evidence to the first`,
				`draft/graph/relations/memo.proposed.yaml:4: relation action-1-fund-d4d/calls-on/commission is proposed, not reviewed: accept it (digidip accept draft/graph/relations/memo.proposed.yaml --ids action-1-fund-d4d/calls-on/commission) or delete it`,
				notReviewed[2],
			}},
		{"a proposed entity the curated files define", []patch{{"graph/entities/all.yaml", "- id: action-1-fund-d4d", luleaCurated + "- id: action-1-fund-d4d"}},
			[]string{
				`draft/graph/entities/memo.proposed.yaml:4: duplicate entity id "lulea-university" (first defined at draft/graph/entities/all.yaml:42)`,
				notReviewed[0], notReviewed[1], notReviewed[2],
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drafted(t)
			apply(t, m, tt.patches)
			_, err := loaders.Read(m, "draft")
			if got := problemStrings(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// ReadDraft takes proposals as present and lists them; any other problem
// is still one.
func TestReadDraft(t *testing.T) {
	d, err := loaders.ReadDraft(drafted(t), "draft")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range d.Proposals {
		got = append(got, p.Kind+" "+p.ID)
		if p.Confidence == nil || *p.Confidence <= 0 || *p.Confidence >= 1 {
			t.Errorf("%s: confidence %v", p.ID, p.Confidence)
		}
	}
	want := []string{"entity lulea-university", "relation council/calls-on/commission", "relation council/calls-on/eib"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("proposals %q, want %q", got, want)
	}
	ids := map[string]bool{}
	for _, r := range d.Relations {
		ids[r.ID] = true
	}
	for _, e := range d.Entities {
		ids[e.ID] = true
	}
	for _, id := range []string{"council/calls-on/commission", "council/calls-on/eib", "lulea-university", "d4d-hub/partners-with/lulea-university"} {
		if !ids[id] {
			t.Errorf("the draft's dataset has no %s", id)
		}
	}
	// A proposal of a relation the curated files state already counts, in
	// a draft, as more evidence of that relation.
	m := drafted(t)
	apply(t, m, []patch{{draftRel, "  - subject: council\n    predicate: calls-on\n    object: commission\n", "  - subject: action-1-fund-d4d\n    predicate: calls-on\n    object: commission\n"}})
	d, err = loaders.ReadDraft(m, "draft")
	if err != nil {
		t.Fatalf("a draft repeating a curated relation: %v", err)
	}
	for _, r := range d.Relations {
		if r.ID == "action-1-fund-d4d/calls-on/commission" && len(r.Evidence) < 2 {
			t.Errorf("%s has %d evidence items in the draft: the proposal's quote was not added", r.ID, len(r.Evidence))
		}
	}
	m = drafted(t)
	apply(t, m, []patch{{draftRel, "status: proposed, confidence: 0.74", "status: draft, confidence: 0.74"}})
	_, err = loaders.ReadDraft(m, "draft")
	want = []string{`draft/graph/relations/memo.proposed.yaml:11: status "draft" is not allowed: the only status is "proposed", for an item not yet reviewed (a reviewed item has none)`}
	if got := problemStrings(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems of a draft:\n got %q\nwant %q", got, want)
	}
}

// Accept removes the mark of the items chosen and nothing else: the goldens
// under testdata/accept are the inputs with those lines, or those flow
// pairs, taken out.
func TestAccept(t *testing.T) {
	tests := []struct {
		name, in string
		all      bool
		ids      []string
		golden   string
		accepted []string
		left     int
		removed  []int // lines of the input the output no longer has
	}{
		{"one relation by id", "relations.yaml", false, []string{"commission/coordinates-with/itu-council"}, "relations.one.golden",
			[]string{"commission/coordinates-with/itu-council"}, 3, []int{17, 18}},
		{"every relation, block and flow", "relations.yaml", true, nil, "relations.all.golden",
			[]string{"council/calls-on/commission", "council/calls-on/eib", "commission/coordinates-with/itu-council", "eib/funds/d4d-hub"}, 0, []int{8, 9, 17, 18}},
		{"two relations by id", "relations.yaml", false, []string{"eib/funds/d4d-hub", "council/calls-on/commission"}, "",
			[]string{"council/calls-on/commission", "eib/funds/d4d-hub"}, 2, []int{8, 9}},
		// an item that opens with its mark hands its dash to the next key
		{"every entity", "entities.yaml", true, nil, "entities.all.golden",
			[]string{"lulea-university", "itu-council", "lulea"}, 0, []int{8, 9, 12, 13}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata/accept", tt.in))
			if err != nil {
				t.Fatal(err)
			}
			a, err := loaders.Accept(tt.in, in, tt.all, tt.ids, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.golden != "" {
				want, err := os.ReadFile(filepath.Join("testdata/accept", tt.golden))
				if err != nil {
					t.Fatal(err)
				}
				if string(a.Data) != string(want) {
					t.Errorf("accepted file:\n%s\nwant (%s):\n%s", a.Data, tt.golden, want)
				}
			}
			var got []string
			for _, it := range a.Accepted {
				got = append(got, it.ID)
			}
			if !reflect.DeepEqual(got, tt.accepted) || len(a.Left()) != tt.left {
				t.Errorf("accepted %q, %d left; want %q, %d left", got, len(a.Left()), tt.accepted, tt.left)
			}
			// every line the output keeps is the input's line OldLine names,
			// or that line with a mark taken out of it
			inLines, outLines := strings.Split(string(in), "\n"), strings.Split(string(a.Data), "\n")
			var removed []int
			kept := map[int]bool{}
			for n := range outLines {
				old := a.OldLine(n + 1)
				kept[old] = true
				o := inLines[old-1]
				dashed := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(outLines[n]), "- ")) == strings.TrimSpace(o)
				if o != outLines[n] && !strings.Contains(o, "status: proposed") && !dashed {
					t.Errorf("output line %d %q is not input line %d %q", n+1, outLines[n], old, o)
				}
			}
			for n := range inLines {
				if !kept[n+1] {
					removed = append(removed, n+1)
				}
			}
			if !reflect.DeepEqual(removed, tt.removed) {
				t.Errorf("lines removed %v, want %v", removed, tt.removed)
			}
		})
	}
}

func TestAcceptRefuses(t *testing.T) {
	rels, err := os.ReadFile("testdata/accept/relations.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data string
		all  bool
		ids  []string
		want string
	}{
		{"ids the file does not hold", string(rels), false, []string{"council/calls-on/commission", "council/calls-on/itu", "nobody"},
			"relations.yaml: no relation council/calls-on/itu, nobody"},
		{"an id reviewed already", string(rels), false, []string{"d4d-hub/partners-with/lulea-university"},
			"relations.yaml: not proposed (reviewed already): d4d-hub/partners-with/lulea-university"},
		{"nothing proposed", "doc: memo\nrelations:\n  - {subject: a, predicate: b, object: c}\n", true, nil,
			"relations.yaml: no item is proposed"},
		{"a mark whose value is on the next line", "- id: x\n  status:\n    proposed\n", true, nil,
			`relations.yaml:2: cannot remove "status" by editing its line: its value is on another line; write it as "status: proposed" on a line of its own`},
		{"not a graph file", "id: memo\ntitle: x\n", true, nil,
			"relations.yaml: neither a relations file (doc, relations) nor an entities file (a list)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loaders.Accept("relations.yaml", []byte(tt.data), tt.all, tt.ids, nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Accept = %v, want %q", err, tt.want)
			}
		})
	}
}

// A draft's coverage counts its proposals as present, reports one
// document only, and its own entities' isolation.
func TestCheckDocCoverage(t *testing.T) {
	m := drafted(t)
	apply(t, m, []patch{
		{draftEnt, "", "- id: nowhere\n  name: Nowhere Institute\n  kind: ACTOR\n  description: x\n  status: proposed\n"},
		{"graph/entities/all.yaml", "- id: action-1-fund-d4d", "- id: elsewhere\n  name: Elsewhere\n  kind: ACTOR\n  description: x\n- id: action-1-fund-d4d"},
		{loaders.AllowFile, "", "- warning: silent-paragraph\n  para: other:1\n  reason: another document's\n- warning: isolated-entity\n  entity: nowhere\n  reason: stale once related\n"},
	})
	// the draft relates nowhere: the allow entry for it is stale
	apply(t, m, []patch{{draftRel, "relations:\n", "relations:\n  - {subject: nowhere, predicate: calls-on, object: eib, status: proposed, evidence: [{para: \"2\", quote: \"ITU\"}]}\n"}})
	if _, err := loaders.CheckCoverage(m, "draft"); err == nil {
		t.Fatal("the whole data's coverage took proposals as reviewed")
	}
	c, err := loaders.CheckDocCoverage(m, "draft", "memo")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range c.Open() {
		got = append(got, w.String())
	}
	want := []string{
		`memo:fn1: silent-paragraph: it mentions entities but states no relation`,
		`stale-allow: draft/graph/coverage-allow.yaml:4: allows a isolated-entity warning that no longer occurs`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("open warnings:\n got %q\nwant %q", got, want)
	}
	if len(c.Paragraphs) != 3 || !slices.Contains(c.Paragraphs[0].Relations, "council/calls-on/commission") {
		t.Errorf("paragraphs: %+v", c.Paragraphs)
	}
	// without the relation, the draft's entity is isolated; "elsewhere",
	// of the curated files, is the whole data's report's
	apply(t, m, []patch{{draftRel, "  - {subject: nowhere, predicate: calls-on, object: eib, status: proposed, evidence: [{para: \"2\", quote: \"ITU\"}]}\n", ""}})
	c, err = loaders.CheckDocCoverage(m, "draft", "memo")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entities) != 1 || c.Entities[0].Entity != "nowhere" || c.Entities[0].Allowed != "stale once related" || len(c.Stale) != 0 {
		t.Errorf("isolated: %+v, stale: %+v", c.Entities, c.Stale)
	}
	if _, err := loaders.CheckDocCoverage(m, "draft", "memo-2"); err == nil || !strings.Contains(err.Error(), `no document "memo-2"`) {
		t.Errorf("an unknown document: %v", err)
	}
}

// An accepted relation that a reviewed file states already moves there:
// its item leaves the draft with the comment above it, its evidence joins
// the first statement, one flow mapping a line (doc: added when the
// documents differ) or inside the brackets of a flow list. The goldens
// under testdata/accept/move are the files after; a file without one is
// unchanged.
func TestAcceptMoves(t *testing.T) {
	dir := "testdata/accept/move"
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const impliedHere = "    status: proposed\n    confidence: 0.6\n"
	tests := []struct {
		name    string
		patches []patch // of draft.yaml
		draft   string  // instead of draft.yaml
		all     bool
		ids     []string
		golden  string // prefix of the goldens: golden.draft.golden, ...
		moves   []string
		err     string
		other   []patch // of other.yaml
	}{
		{name: "stated in a block list, another document's", ids: []string{"council/calls-on/commission"}, golden: "block",
			moves: []string{"council/calls-on/commission (line 7): 2 to memo.yaml:3"}},
		{name: "stated in a flow list, the same document's", ids: []string{"eib/funds/d4d-hub"}, golden: "flow",
			moves: []string{"eib/funds/d4d-hub (line 26): 2 to other.yaml:4"}},
		{name: "stated in a spaced flow list with a comment after", ids: []string{"d4d-hub/partners-with/lulea-university"}, golden: "spaced",
			moves: []string{"d4d-hub/partners-with/lulea-university (line 28): 1 to memo.yaml:13"}},
		{name: "all, new and stated already", all: true, golden: "all",
			moves: []string{"council/calls-on/commission (line 7): 2 to memo.yaml:3", "eib/funds/d4d-hub (line 26): 2 to other.yaml:4", "d4d-hub/partners-with/lulea-university (line 28): 1 to memo.yaml:15"}},
		{name: "a relation not stated elsewhere only loses its mark", ids: []string{"commission/coordinates-with/itu-council"}, golden: "new"},
		{name: "every relation moved: the list is left empty", all: true, golden: "emptied",
			draft: "doc: memo-2\nrelations:   # all stated already\n  - {subject: eib, predicate: funds, object: d4d-hub, implied: true, status: proposed, evidence: [{para: \"1\", quote: \"the EIB\"}]}\n",
			moves: []string{"eib/funds/d4d-hub (line 3): 1 to other.yaml:4"}},
		// a relation stated in one text and implied in another is stated
		{name: "implied here, stated there: stays stated", ids: []string{"d4d-hub/partners-with/lulea-university"}, golden: "spaced",
			patches: []patch{{"draft.yaml", impliedHere, "    implied: true\n" + impliedHere}},
			moves:   []string{"d4d-hub/partners-with/lulea-university (line 28): 1 to memo.yaml:13"}},
		{name: "stated here, implied there: stated there now", ids: []string{"eib/funds/d4d-hub"}, golden: "stated",
			patches: []patch{{"draft.yaml", "object: d4d-hub, implied: true,", "object: d4d-hub,"}},
			moves:   []string{"eib/funds/d4d-hub (line 26): 2 to other.yaml:4, now stated"}},
		{name: "implied written so that no line edit can set it", ids: []string{"eib/funds/d4d-hub"},
			patches: []patch{{"draft.yaml", "object: d4d-hub, implied: true,", "object: d4d-hub,"}},
			other:   []patch{{"other.yaml", "    implied: true\n", "    implied: !!bool true\n"}},
			err:     "other.yaml:4: cannot set implied: false on eib/funds/d4d-hub by editing its line: not a plain scalar; set it by hand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draft := read("draft.yaml")
			if tt.draft != "" {
				draft = []byte(tt.draft)
			}
			m := fstest.MapFS{"draft.yaml": &fstest.MapFile{Data: draft}}
			apply(t, m, tt.patches)
			o := fstest.MapFS{"other.yaml": &fstest.MapFile{Data: read("other.yaml")}}
			apply(t, o, tt.other)
			stated := []loaders.RelationsFile{{Name: "memo.yaml", Data: read("memo.yaml")}, {Name: "other.yaml", Data: o["other.yaml"].Data}}
			a, err := loaders.Accept("draft.yaml", m["draft.yaml"].Data, tt.all, tt.ids, stated)
			if tt.err != "" || err != nil {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Accept = %v, want %q", err, tt.err)
				}
				return
			}
			var got []string
			for _, mv := range a.Moves {
				m := fmt.Sprintf("%s (line %d): %d to %s:%d", mv.ID, mv.Line, mv.Quotes, mv.File, mv.At)
				if mv.States {
					m += ", now stated"
				}
				got = append(got, m)
			}
			if !reflect.DeepEqual(got, tt.moves) {
				t.Errorf("moves %q, want %q", got, tt.moves)
			}
			after := map[string][]byte{"draft": a.Data, "memo": stated[0].Data, "other": stated[1].Data}
			for _, e := range a.Edits {
				after[strings.TrimSuffix(e.Name, ".yaml")] = e.Data
			}
			for _, f := range []string{"draft", "memo", "other"} {
				want, err := os.ReadFile(filepath.Join(dir, tt.golden+"."+f+".golden"))
				if errors.Is(err, os.ErrNotExist) {
					want = read(f + ".yaml")
					if f == "draft" {
						want = draft
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if string(after[f]) != string(want) {
					t.Errorf("%s.yaml after:\n%s\nwant (%s.%s.golden):\n%s", f, after[f], tt.golden, f, want)
				}
			}
		})
	}
}
