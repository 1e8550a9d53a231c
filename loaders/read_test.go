package loaders_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/store"
)

// good is the small, valid data set the bad cases are derived from.
func good(t *testing.T) fstest.MapFS { return goodFS(t) }

func goodFS(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := "testdata/good"
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type patch struct {
	file, old, new string
}

func apply(t *testing.T, m fstest.MapFS, ps []patch) {
	t.Helper()
	for _, p := range ps {
		f, ok := m[p.file]
		if !ok {
			m[p.file] = &fstest.MapFile{Data: []byte(p.new)}
			continue
		}
		s := string(f.Data)
		if !strings.Contains(s, p.old) {
			t.Fatalf("patch: %q not in %s", p.old, p.file)
		}
		m[p.file] = &fstest.MapFile{Data: []byte(strings.Replace(s, p.old, p.new, 1))}
	}
}

func TestGoodData(t *testing.T) {
	ds, err := loaders.Read(good(t), "good")
	if err != nil {
		t.Fatal(err)
	}
	g := projection.NewGraph(ds)
	mentions := map[string][]string{}
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			mentions[p.Number] = p.Mentions
		}
	}
	want := map[string][]string{
		// "Council" alone; the Commission and the EIB by aliases; "D4D Hub" by alias
		"1": {"council", "commission", "eib", "d4d-hub", "global-gateway"},
		// "ITU Council" is one entity, not the ITU and the Council; the D4D Hub
		// by its full name; Luleå with its accent
		"2":   {"commission", "itu-council", "itu", "d4d-hub", "lulea-university"},
		"fn1": {"global-gateway"},
	}
	if !reflect.DeepEqual(mentions, want) {
		t.Errorf("mentions:\n got %v\nwant %v", mentions, want)
	}
	r := domaintest.Must(g.Relation(context.Background(), "commission/coordinates-with/itu"))
	if r == nil || len(r.Evidence) != 2 {
		t.Fatalf("relation with two evidence items: %+v", r)
	}
	p := domaintest.Must(g.Paragraph(context.Background(), "memo:2"))
	for _, e := range r.Evidence {
		if got := string([]rune(p.Text)[e.Start:e.End]); got != e.Quote {
			t.Errorf("evidence %s: text[%d:%d] = %q, quote %q", e.ID(), e.Start, e.End, got, e.Quote)
		}
	}
	// the second "ITU" of the paragraph, not the one in "ITU Council"
	if e := r.Evidence[1]; e.Quote != "ITU" || e.Start != 56 {
		t.Errorf("occurrence 2 of ITU at %d", e.Start)
	}
	if d := g.Document("memo"); d.SHA256 == "" {
		t.Errorf("document: %+v", d)
	}
	if ps := domaintest.Must(g.DocumentParagraphs(context.Background(), "memo", 1)); ps[0].Notes[0] != "memo:fn1" {
		t.Errorf("first paragraph: %+v", ps[0])
	}
	// each quote keeps its own wording: a verb given, the modality stated
	// unless given
	for _, tt := range []struct {
		rel, verb string
		mod       domain.Modality
	}{
		{"action-1-fund-d4d/calls-on/commission", "calls on", domain.Stated},
		{"action-1-fund-d4d/calls-on/eib", "", domain.Stated},
		{"eib/funds/d4d-hub", "fund", domain.Requested},
	} {
		r := domaintest.Must(g.Relation(context.Background(), tt.rel))
		if r == nil || len(r.Evidence) != 1 || r.Evidence[0].Verb != tt.verb || r.Evidence[0].Modality != tt.mod {
			t.Errorf("%s: evidence %+v, want verb %q, modality %s", tt.rel, r, tt.verb, tt.mod)
		}
	}
	if e := domaintest.Must(g.Entity(context.Background(), "global-gateway")); len(e.Facts) != 1 || e.Facts[0].Precision != "day" || e.Facts[0].Role != "adopted" {
		t.Errorf("facts: %+v", e.Facts)
	}
}

func TestBadData(t *testing.T) {
	rel := "graph/relations/memo.yaml"
	ent := "graph/entities/all.yaml"
	tests := []struct {
		name    string
		patches []patch
		want    []string
	}{
		{"misspelt entity id", []patch{{rel, "object: commission\n    evidence", "object: commision\n    evidence"}},
			[]string{`bad/graph/relations/memo.yaml:5: unknown entity "commision" as object (did you mean "commission"?)`}},
		{"duplicate entity id", []patch{{"graph/entities/more.yaml", "", "- id: eib\n  name: EIB again\n  kind: ACTOR\n  description: x\n"}},
			[]string{`bad/graph/entities/more.yaml:1: duplicate entity id "eib" (first defined at bad/graph/entities/all.yaml:11)`}},
		{"unknown kind", []patch{{ent, "kind: FORUM\n  aliases: [ITU]", "kind: ORGANISATION\n  aliases: [ITU]"}},
			[]string{`bad/graph/entities/all.yaml:35: unknown kind "ORGANISATION" (known: ACTOR, COUNTRY, REGION, PERSON, FORUM, PARTNERSHIP, INSTRUMENT, POLICY, COMMITMENT, TOPIC, EVENT)`}},
		{"unknown predicate", []patch{{rel, "predicate: funds", "predicate: finances"}},
			[]string{`bad/graph/relations/memo.yaml:17: unknown predicate "finances" (define it in graph/predicates.yaml)`}},
		{"paragraph that does not exist", []patch{{rel, `{para: "1", quote: "in line`, `{para: "9", quote: "in line`}},
			[]string{`bad/graph/relations/memo.yaml:26: document memo has no paragraph "9"`}},
		{"quote not in its paragraph", []patch{{rel, "quote: \"calls on the Commission\"", "quote: \"calls upon the Commission\""}},
			[]string{`bad/graph/relations/memo.yaml:9: quote not found in memo:1: "calls upon the Commission"`}},
		{"quote in another paragraph", []patch{{rel, `{para: "2", quote: "partners with`, `{para: "1", quote: "partners with`}},
			[]string{`bad/graph/relations/memo.yaml:42: quote not found in memo:1: "partners with Luleå University"`}},
		{"occurrence past the last", []patch{{rel, "occurrence: 2", "occurrence: 3"}},
			[]string{`bad/graph/relations/memo.yaml:32: quote occurs fewer than 3 times in memo:2`}},
		{"malformed YAML", []patch{{rel, `quote: "the EIB to fund the D4D Hub"}`, `quote: "the EIB to fund the D4D Hub"`}},
			[]string{`bad/graph/relations/memo.yaml:15: malformed YAML: did not find expected ',' or '}'`}},
		{"unknown field", []patch{{rel, "implied: true", "implyed: true"}},
			[]string{`bad/graph/relations/memo.yaml:19: unknown field "implyed" in a relation (known: confidence, evidence, implied, object, predicate, status, subject)`}},
		{"relation without evidence", []patch{{rel, "    evidence:\n      - {para: \"2\", quote: \"partners with Luleå University\"}\n", ""}},
			[]string{`bad/graph/relations/memo.yaml:38: a relation needs at least one evidence item`}},
		{"relation stated twice", []patch{{rel, "  - subject: eib\n", "  - subject: eib\n    predicate: funds\n    object: d4d-hub\n    evidence: [{para: \"1\", quote: \"EIB\"}]\n  - subject: eib\n"}},
			[]string{`bad/graph/relations/memo.yaml:20: relation eib/funds/d4d-hub is stated again (first at bad/graph/relations/memo.yaml:16): add the evidence to the first`}},
		{"unknown document", []patch{{rel, "doc: memo", "doc: memo-2"}},
			[]string{`bad/graph/relations/memo.yaml:1: unknown document "memo-2"`}},
		{"bad fact date", []patch{{ent, `date: "2024-01-15"`, `date: "15 January 2024"`}},
			[]string{`bad/graph/entities/all.yaml:31: date "15 January 2024" is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-21..24 for a season, or an interval A/B, either end of which may be ..)`}},
		{"id not a slug", []patch{{ent, "id: itu-council", "id: ITU_Council"}},
			[]string{
				`bad/graph/entities/all.yaml:38: entity id "ITU_Council" is not a kebab-case slug`,
				`bad/graph/relations/memo.yaml:35: unknown entity "itu-council" as object`,
			}},
		{"paragraph not in the source", []patch{{"sources/memo.yaml", "See the Global Gateway.", "See the Global Gateway and more."}},
			[]string{`bad/sources/memo.yaml:19: paragraph "fn1": text is not in the source file memo.md (compared with Markdown removed and spaces folded)`}},
		{"version not a number", []patch{{"graph/version.yaml", "", "version: two\n"}},
			[]string{`bad/graph/version.yaml:1: "version" must be a whole number`}},
		{"version below 1", []patch{{"graph/version.yaml", "", "version: 0\n"}},
			[]string{`bad/graph/version.yaml:1: "version" must be a whole number from 1 up, not 0`}},
		{"version missing", []patch{{"graph/version.yaml", "", "release: 3\n"}},
			[]string{`bad/graph/version.yaml:1: unknown field "release" in the data's version (known: version)`, `bad/graph/version.yaml:1: missing "version"`}},
		{"subject of a kind the predicate does not take", []patch{{rel, "  - subject: eib\n    predicate: funds", "  - subject: itu\n    predicate: funds"}},
			[]string{`bad/graph/relations/memo.yaml:16: subject "itu" is FORUM, but funds takes as subject only ACTOR or INSTRUMENT (bad/graph/predicates.yaml:8)`}},
		{"object of a kind the predicate does not take", []patch{{"graph/predicates.yaml", "  object: [ACTOR, FORUM]\n", "  object: [FORUM]\n"}},
			[]string{
				`bad/graph/relations/memo.yaml:5: object "commission" is ACTOR, but calls-on takes as object only FORUM (bad/graph/predicates.yaml:1)`,
				`bad/graph/relations/memo.yaml:12: object "eib" is ACTOR, but calls-on takes as object only FORUM (bad/graph/predicates.yaml:1)`,
			}},
		{"predicate without a contract", []patch{{"graph/predicates.yaml", "  subject: [ACTOR]\n  object: [ACTOR, FORUM]\n", ""}},
			[]string{
				`bad/graph/predicates.yaml:14: missing "subject": the kinds a relation's subject may have (ACTOR, COUNTRY, REGION, PERSON, FORUM, PARTNERSHIP, INSTRUMENT, POLICY, COMMITMENT, TOPIC, EVENT)`,
				`bad/graph/predicates.yaml:14: missing "object": the kinds a relation's object may have (ACTOR, COUNTRY, REGION, PERSON, FORUM, PARTNERSHIP, INSTRUMENT, POLICY, COMMITMENT, TOPIC, EVENT)`,
			}},
		{"unknown kind in a contract", []patch{{"graph/predicates.yaml", "  subject: [ACTOR]\n", "  subject: [ACTOR, ORGANISATION, ACTOR]\n"}},
			[]string{
				`bad/graph/predicates.yaml:17: unknown kind "ORGANISATION" in "subject" (known: ACTOR, COUNTRY, REGION, PERSON, FORUM, PARTNERSHIP, INSTRUMENT, POLICY, COMMITMENT, TOPIC, EVENT)`,
				`bad/graph/predicates.yaml:17: kind ACTOR given twice in "subject"`,
			}},
		{"unknown modality", []patch{{rel, "occurrence: 2, modality: stated", "occurrence: 2, modality: likely"}},
			[]string{`bad/graph/relations/memo.yaml:32: unknown modality "likely" (known: stated, recalled, requested, obligation, future, possible, conditional)`}},
		{"verb not in its quote", []patch{{rel, "verb: fund,", "verb: finance,"}},
			[]string{`bad/graph/relations/memo.yaml:21: verb "finance" is not words of the quote "the EIB to fund the D4D Hub"`}},
		{"verb inside a word of its quote", []patch{{rel, "verb: fund,", "verb: fun,"}},
			[]string{`bad/graph/relations/memo.yaml:21: verb "fun" is not words of the quote "the EIB to fund the D4D Hub"`}},
		{"verb on a fact's evidence", []patch{{ent, `quote: "Global Gateway strategy"}`, `quote: "Global Gateway strategy", verb: "strategy"}`}},
			[]string{`bad/graph/entities/all.yaml:32: unknown field "verb" in evidence (known: doc, occurrence, para, quote)`}},
		{"unknown fact role", []patch{{ent, "role: adopted", "role: launched"}},
			[]string{`bad/graph/entities/all.yaml:29: unknown fact role "launched" (known: adopted, agreed, announced, dated, endorsed, held, opened, starts, ends, during, deadline)`}},
		{"fact role that does not fit its key", []patch{{ent, "role: adopted", "role: deadline"}},
			[]string{`bad/graph/entities/all.yaml:29: a date fact cannot have the role "deadline"`}},
		{"dated fact without a role", []patch{{ent, "      role: adopted\n", ""}},
			[]string{`bad/graph/entities/all.yaml:28: a date fact needs a role: what the date marks (adopted, agreed, announced, dated, endorsed, held, opened, starts, ends, during, deadline)`}},
		{"the same event twice", []patch{{ent, "    - key: date\n", "    - key: date\n      role: adopted\n      text: 15 January\n      date: \"2024-01-15\"\n      evidence: {doc: memo, para: \"1\", quote: \"Global Gateway strategy\"}\n    - key: date\n"}},
			[]string{`bad/graph/entities/all.yaml:33: a second "adopted" fact of global-gateway (the first at line 28): one event, one fact`}},
		{"unknown fact qualifier", []patch{{ent, "role: adopted", "role: adopted\n      qualifier: roughly"}},
			[]string{`bad/graph/entities/all.yaml:30: unknown fact qualifier "roughly" (known: over, at-least, up-to, about, after, before, by, within)`}},
		{"several problems, all reported", []patch{
			{rel, "object: commission\n    evidence", "object: commision\n    evidence"},
			{rel, "predicate: funds", "predicate: finances"},
			{ent, "kind: FORUM\n  aliases: [ITU]", "kind: ORGANISATION\n  aliases: [ITU]"},
		}, []string{
			`bad/graph/entities/all.yaml:35: unknown kind "ORGANISATION" (known: ACTOR, COUNTRY, REGION, PERSON, FORUM, PARTNERSHIP, INSTRUMENT, POLICY, COMMITMENT, TOPIC, EVENT)`,
			`bad/graph/relations/memo.yaml:5: unknown entity "commision" as object (did you mean "commission"?)`,
			`bad/graph/relations/memo.yaml:17: unknown predicate "finances" (define it in graph/predicates.yaml)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good(t)
			apply(t, m, tt.patches)
			_, err := loaders.Read(m, "bad")
			var ps loaders.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Read = %v, want problems", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// A load of bad data leaves a real store as it was.
func TestLoadIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "bolt", Address: filepath.Join(t.TempDir(), "db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := loaders.Load(ctx, st, good(t), "good", false); err != nil {
		t.Fatal(err)
	}
	gen, hash := st.Generation(), st.Graph().Hash()

	m := good(t)
	apply(t, m, []patch{{"graph/relations/memo.yaml", "object: lulea-university", "object: lulea-universty"}})
	if _, err := loaders.Load(ctx, st, m, "bad", false); err == nil {
		t.Fatal("loading bad data succeeded")
	}
	if st.Generation() != gen || st.Graph().Hash() != hash {
		t.Error("a failed load changed the store")
	}
	loaded, kept, err := loaders.Sync(ctx, st, good(t), "good")
	if err != nil || loaded || kept != "" {
		t.Errorf("Sync of the same data = %v, %q, %v; want no load", loaded, kept, err)
	}
	// Newer data from the same source is loaded; a graph from another
	// source is kept, and Sync says why.
	newer := good(t)
	apply(t, newer, []patch{{"graph/entities/all.yaml", "description: The EU's bank.", "description: The EU's bank, newer."}})
	if loaded, _, err := loaders.Sync(ctx, st, newer, "good"); err != nil || !loaded {
		t.Errorf("Sync of newer data = %v, %v; want a load", loaded, err)
	}
	if loaded, kept, err := loaders.Sync(ctx, st, good(t), "elsewhere"); err != nil || loaded || !strings.Contains(kept, "loaded from good") {
		t.Errorf("Sync from another source = %v, %q, %v; want the graph kept", loaded, kept, err)
	}
}

// The shipped data is valid, and every quote is verbatim where its offsets
// say it is.
func TestEmbeddedData(t *testing.T) {
	ds := datatest.Dataset(t)
	g := projection.NewGraph(ds)
	check := func(what string, e domain.Evidence) {
		p := domaintest.Must(g.Paragraph(context.Background(), e.Paragraph))
		if p == nil {
			t.Errorf("%s: no paragraph %s", what, e.Paragraph)
			return
		}
		r := []rune(p.Text)
		if e.Start < 0 || e.End > len(r) || string(r[e.Start:e.End]) != e.Quote {
			t.Errorf("%s: %q is not at %d..%d of %s", what, e.Quote, e.Start, e.End, e.Paragraph)
		}
	}
	n := 0
	for _, rel := range ds.Relations {
		for _, e := range rel.Evidence {
			check(rel.ID, e)
			n++
		}
	}
	for _, ent := range ds.Entities {
		for _, f := range ent.Facts {
			check(ent.ID+" fact "+f.Key, f.Evidence)
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d evidence items checked", n)
	}
}

// The shipped data covers its texts: every warning of the coverage report is
// fixed in the graph or allowed with a reason.
func TestEmbeddedCoverage(t *testing.T) {
	c, err := loaders.CheckCoverage(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Open() {
		t.Errorf("open coverage warning: %s", w)
	}
	if len(c.Paragraphs) < 50 {
		t.Errorf("coverage of %d paragraphs", len(c.Paragraphs))
	}
}

func TestCoverageWarnings(t *testing.T) {
	m := good(t)
	apply(t, m, []patch{
		{"sources/memo.md", "See the Global Gateway.", "See the Global Gateway and the OECD."},
		{"sources/memo.yaml", "See the Global Gateway.", "See the Global Gateway and the OECD."},
		{"graph/entities/all.yaml", "- id: lulea-university", "- id: isolated\n  name: Nobody\n  kind: ACTOR\n  description: x\n- id: lulea-university"},
		{loaders.AllowFile, "", "- warning: isolated-entity\n  entity: isolated\n  reason: a test\n- warning: unmatched-name\n  text: Nowhere\n  reason: stale\n"},
	})
	c, err := loaders.CheckCoverage(m, "cov")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range c.Open() {
		got = append(got, w.String())
	}
	want := []string{
		`memo:fn1: unmatched-name "OECD" matches no entity name or alias`,
		`memo:fn1: silent-paragraph: it mentions entities but states no relation`,
		`stale-allow: cov/graph/coverage-allow.yaml:4: allows a unmatched-name warning that no longer occurs`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("open warnings:\n got %q\nwant %q", got, want)
	}
	// the Council has no relation, but paragraph 1 names it: not isolated
	if len(c.Entities) != 1 || c.Entities[0].Entity != "isolated" || c.Entities[0].Allowed != "a test" {
		t.Errorf("isolated entities: %+v", c.Entities)
	}
}

// data/README.md defines each predicate the data uses.
func TestDataREADMEDefinesEveryPredicate(t *testing.T) {
	ds := datatest.Dataset(t)
	doc, err := os.ReadFile("../data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	join := func(ks []domain.Kind) string {
		s := make([]string, len(ks))
		for i, k := range ks {
			s[i] = string(k)
		}
		return strings.Join(s, ", ")
	}
	for _, p := range ds.Predicates {
		// the row says what predicates.yaml says: definition and contract
		row := "| `" + p.ID + "` | " + p.Definition + " | " + join(p.SubjectKinds) + " | " + join(p.ObjectKinds) + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("data/README.md has no row for predicate %s as graph/predicates.yaml defines it:\n%s", p.ID, row)
		}
	}
	for _, k := range domain.Kinds {
		if !strings.Contains(string(doc), "| "+string(k)+" |") {
			t.Errorf("data/README.md has no row for kind %s", k)
		}
	}
}

// data/README.md's tables name every modality, fact role and qualifier the
// loader accepts, so a curator reads the same vocabulary check enforces.
func TestDataREADMENamesTheFactAndModalityTerms(t *testing.T) {
	doc, err := os.ReadFile("../data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, "| `") {
			rows = append(rows, strings.SplitN(l, "|", 3)[1])
		}
	}
	named := func(what, name string) {
		if !slices.ContainsFunc(rows, func(first string) bool { return strings.Contains(first, "`"+name+"`") }) {
			t.Errorf("data/README.md has no table row for the %s %q", what, name)
		}
	}
	for _, m := range domain.Modalities {
		named("modality", string(m.Modality))
	}
	for _, r := range domain.FactRoles {
		named("fact role", r.Name)
	}
	for _, q := range domain.FactQualifiers {
		named("fact qualifier", q.Name)
	}
}
