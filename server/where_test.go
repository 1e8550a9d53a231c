package server_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// Bad filters get a clear error naming the place; a filter that cannot
// match is an empty answer, not an error.
func TestWhereErrors(t *testing.T) {
	srv, _ := newServer(t, datatest.Store(t), server.Config{})
	deep := `{ kind: { eq: TOPIC } }`
	for range 9 {
		deep = `{ NOT: ` + deep + ` }`
	}
	tests := []struct {
		name, query string
		vars        map[string]any
		code, msg   string
	}{
		{"unknown field", `{ entities(where: { nosuch: 1 }) { totalCount } }`, nil, "GRAPHQL_VALIDATION_FAILED", `Field "nosuch" is not defined by type "EntityWhere"`},
		{"wrong type", `{ entities(where: { degree: { gt: "x" } }) { totalCount } }`, nil, "GRAPHQL_VALIDATION_FAILED", "Int cannot represent"},
		{"wrong type in a variable", `query($w: EntityWhere) { entities(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"degree": map[string]any{"gt": "x"}}}, "GRAPHQL_VALIDATION_FAILED", "cannot use string as Int"},
		{"unknown kind in a variable", `query($w: EntityWhere) { entities(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"kind": map[string]any{"eq": "NOPE"}}}, "GRAPHQL_VALIDATION_FAILED", "NOPE is not a valid Kind"},
		{"misspelt id in a filter", `{ relations(where: { subject: { id: { eq: "global-gatway" } } }) { totalCount } }`, nil, "NOT_FOUND", `where.subject.id: entity "global-gatway" not found (did you mean "global-gateway"?)`},
		{"misspelt id argument", `{ relations(subject: "global-gatway") { totalCount } }`, nil, "NOT_FOUND", `did you mean "global-gateway"`},
		{"misspelt paragraph", `{ relationsAggregate(where: { evidence: { some: { paragraph: { within: "council-2023:4.Z" } } } }) { count } }`, nil, "NOT_FOUND", `where.evidence.some.paragraph.within: paragraph "council-2023:4.Z" not found`},
		{"misspelt document", `{ entities(where: { mentionedIn: { some: { document: { eq: "council" } } } }) { totalCount } }`, nil, "NOT_FOUND", `where.mentionedIn.some.document: document "council" not found`},
		{"misspelt relation", `{ relations(where: { id: { in: ["eib/funds/d4d"] } }) { totalCount } }`, nil, "NOT_FOUND", `where.id: relation "eib/funds/d4d" not found`},
		{"nested too deep", `{ entities(where: ` + deep + `) { totalCount } }`, nil, "BAD_USER_INPUT", "where.NOT.NOT.NOT.NOT.NOT.NOT.NOT.NOT: filters nest 8 deep at most"},
		{"not a date", `{ entities(where: { facts: { some: { date: { lt: "soon" } } } }) { totalCount } }`, nil, "BAD_USER_INPUT", `where.facts.some.date: "soon" is not an ISO 8601 date`},
		{"two sort fields in one", `{ entities(sort: [{ name: ASC, degree: DESC }]) { totalCount } }`, nil, "BAD_USER_INPUT", "sort[0]: give exactly one field to sort by, not 2"},
		{"too many ids", `{ entities(where: { id: { in: [` + strings.Repeat(`"eib", `, 101) + `] } }) { totalCount } }`, nil, "BAD_USER_INPUT", "where.id.in: 100 ids at most, not 101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, srv, tt.query, tt.vars)
			if r.resp.code() != tt.code {
				t.Fatalf("code %q, want %q: %s", r.resp.code(), tt.code, r.body)
			}
			if m := r.resp.Errors[0].Message; !strings.Contains(m, tt.msg) || strings.HasPrefix(m, "input:") {
				t.Errorf("message %q, want %q", m, tt.msg)
			}
		})
	}
}

// Filters compose with paging and counting, an empty filter is none, and a
// contradictory one keeps nothing.
func TestWhereSemantics(t *testing.T) {
	srv, _ := newServer(t, datatest.Store(t), server.Config{})
	count := func(q string) map[string]int {
		t.Helper()
		r := post(t, srv, q, nil)
		if len(r.resp.Errors) > 0 {
			t.Fatalf("%s: %s", q, r.body)
		}
		var data map[string]struct {
			TotalCount *int `json:"totalCount"`
			Count      *int `json:"count"`
		}
		if err := json.Unmarshal(r.resp.Data, &data); err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for k, v := range data {
			switch {
			case v.TotalCount != nil:
				out[k] = *v.TotalCount
			case v.Count != nil:
				out[k] = *v.Count
			}
		}
		return out
	}
	c := count(`{
		all: entities { totalCount } empty: entities(where: {}) { totalCount } emptyOr: entities(where: { OR: [] }) { totalCount }
		agg: entitiesAggregate { count }
		contradiction: entities(where: { kind: { eq: COUNTRY }, NOT: { kind: { eq: COUNTRY } } }) { totalCount }
		noKinds: entities(where: { kind: { in: [] } }) { totalCount }
		countries: entities(where: { kind: { eq: COUNTRY } }) { totalCount }
		countriesArg: entities(kind: COUNTRY) { totalCount }
		notCountries: entities(where: { NOT: { kind: { eq: COUNTRY } } }) { totalCount }
		rels: relations { totalCount } relsAgg: relationsAggregate(where: {}) { count }
		twice: relations(where: { sources: { gte: 2 } }) { totalCount }
		once: relations(where: { sources: { lt: 2 } }) { totalCount }
	}`)
	for _, eq := range [][2]string{{"all", "empty"}, {"all", "emptyOr"}, {"all", "agg"}, {"countries", "countriesArg"}, {"rels", "relsAgg"}} {
		if c[eq[0]] != c[eq[1]] {
			t.Errorf("%s = %d but %s = %d", eq[0], c[eq[0]], eq[1], c[eq[1]])
		}
	}
	if c["contradiction"] != 0 || c["noKinds"] != 0 {
		t.Errorf("contradictory filters keep %d and %d entities", c["contradiction"], c["noKinds"])
	}
	if c["countries"] == 0 || c["countries"]+c["notCountries"] != c["all"] {
		t.Errorf("countries %d + the rest %d != all %d", c["countries"], c["notCountries"], c["all"])
	}
	if c["twice"] == 0 || c["twice"]+c["once"] != c["rels"] {
		t.Errorf("stated in two documents %d + in one %d != all %d", c["twice"], c["once"], c["rels"])
	}

	// Pages of a filtered, sorted list, followed by their cursors, are
	// the whole list in order.
	const list = `query($after: String) { entities(where: { degree: { gte: 2 } }, sort: [{ degree: DESC }, { name: ASC }], first: 7, after: $after) {
		totalCount nodes { id degree } pageInfo { hasNextPage endCursor } } }`
	var ids []string
	var degrees []int
	var after any
	total := -1
	for page := 0; ; page++ {
		r := post(t, srv, list, map[string]any{"after": after})
		var data struct {
			Entities struct {
				TotalCount int
				Nodes      []struct {
					ID     string
					Degree int
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := json.Unmarshal(r.resp.Data, &data); err != nil || len(r.resp.Errors) > 0 {
			t.Fatalf("page %d: %v %s", page, err, r.body)
		}
		if total >= 0 && data.Entities.TotalCount != total {
			t.Fatalf("totalCount changed from %d to %d", total, data.Entities.TotalCount)
		}
		total = data.Entities.TotalCount
		for _, n := range data.Entities.Nodes {
			ids = append(ids, n.ID)
			degrees = append(degrees, n.Degree)
		}
		if !data.Entities.PageInfo.HasNextPage {
			break
		}
		after = data.Entities.PageInfo.EndCursor
	}
	if len(ids) != total || total < 20 {
		t.Fatalf("paged through %d of %d", len(ids), total)
	}
	if slices.ContainsFunc(degrees, func(d int) bool { return d < 2 }) || !slices.IsSortedFunc(degrees, func(a, b int) int { return b - a }) {
		t.Errorf("degrees not kept or not in descending order: %v", degrees)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s comes twice", id)
		}
		seen[id] = true
	}
}

// Lists under lists are priced at their typical size: each relation's
// subject with its relations runs, at a price near what it returns, while
// the fan-out of lists of lists of lists is still refused before it runs.
func TestCostFromData(t *testing.T) {
	srv, _ := newServer(t, datatest.Store(t), server.Config{})
	r := post(t, srv, `{ relations(predicate: CALLS_ON, first: 100) { nodes { subject { relations(first: 100) { nodes { id } } } } } }`, nil)
	if r.status != 200 || len(r.resp.Errors) > 0 {
		t.Fatalf("status %d: %.300s", r.status, r.body)
	}
	cost, _ := r.resp.Extensions["cost"].(map[string]any)
	requested, _ := cost["requested"].(float64)
	returned, _ := cost["returned"].(float64)
	if returned < 500 || requested < returned || requested > 5*returned {
		t.Errorf("priced %v for %v fields returned: not within 5 times", requested, returned)
	}
	bomb := post(t, srv, `{ relations(predicate: CALLS_ON, first: 100) { nodes { subject { relations(first: 100) { nodes { object { relations(first: 100) { nodes { subject { relations(first: 100) { nodes { id } } } } } } } } } } } }`, nil)
	if bomb.resp.code() != "COMPLEXITY_LIMIT_EXCEEDED" || bomb.resp.Data != nil {
		t.Errorf("the fan-out ran: %.300s", bomb.body)
	}
}

// searchText finds phrases with their offsets in the paragraph's own text,
// pages with its cursors, and refuses a query with nothing to look for.
func TestSearchText(t *testing.T) {
	srv, _ := newServer(t, datatest.Store(t), server.Config{})
	type hit struct {
		Paragraph  struct{ ID, Text string }
		Start, End int
		Matches    []struct {
			Start, End int
			Text       string
		}
	}
	search := func(vars map[string]any) (hits []hit, total int, next string, r result) {
		t.Helper()
		r = post(t, srv, `query($q: String!, $docs: [ID!], $first: Int, $after: String) {
			searchText(query: $q, documents: $docs, first: $first, after: $after) {
				totalCount nodes { paragraph { id text } start end matches { start end text } } pageInfo { hasNextPage endCursor } } }`, vars)
		var data struct {
			SearchText struct {
				TotalCount int
				Nodes      []hit
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if len(r.resp.Errors) == 0 {
			if err := json.Unmarshal(r.resp.Data, &data); err != nil {
				t.Fatal(err)
			}
		}
		if data.SearchText.PageInfo.HasNextPage {
			next = data.SearchText.PageInfo.EndCursor
		}
		return data.SearchText.Nodes, data.SearchText.TotalCount, next, r
	}

	hits, _, _, r := search(map[string]any{"q": `"digital economy packages"`})
	i := slices.IndexFunc(hits, func(h hit) bool { return h.Paragraph.ID == "council-2023:7" })
	if i < 0 {
		t.Fatalf("the phrase does not find council-2023:7: %s", r.body)
	}
	h := hits[i]
	if got := string([]rune(h.Paragraph.Text)[h.Start:h.End]); got != "digital economy packages" || len(h.Matches) != 1 || h.Matches[0].Text != got {
		t.Errorf("the phrase's span [%d,%d) cuts %q from the text; matches %+v", h.Start, h.End, got, h.Matches)
	}

	// every word, in any order, in every paragraph whose text has them
	var all []string
	for after := ""; ; {
		vars := map[string]any{"q": "years two", "first": 1}
		if after != "" {
			vars["after"] = after
		}
		hits, total, next, r := search(vars)
		if len(hits) != 1 || total < 2 {
			t.Fatalf("page after %q: %s", after, r.body)
		}
		all = append(all, hits[0].Paragraph.ID)
		if next == "" {
			if len(all) != total {
				t.Errorf("paged through %d of %d hits", len(all), total)
			}
			break
		}
		after = next
	}
	for _, id := range []string{"council-2023:15", "council-2023:4.B"} {
		if !slices.Contains(all, id) {
			t.Errorf("two years: %s missing from %v", id, all)
		}
	}
	if hits, _, _, _ := search(map[string]any{"q": "years two", "docs": []string{"eeas-2022"}}); len(hits) != 0 {
		t.Errorf("the 2022 page does not say two years, but hits %v", hits)
	}

	for _, tt := range []struct {
		vars      map[string]any
		code, msg string
	}{
		{map[string]any{"q": ""}, "BAD_USER_INPUT", `query "" has no words to search for`},
		{map[string]any{"q": "?! …"}, "BAD_USER_INPUT", "has no words to search for"},
		{map[string]any{"q": "-ukraine"}, "BAD_USER_INPUT", "ukraine"},
		{map[string]any{"q": "ukraine", "docs": []string{"council"}}, "NOT_FOUND", `document "council" not found (did you mean "council-2023"?)`},
		{map[string]any{"q": "ukraine", "after": "djE6Z2xvYmFsLWdhdGV3YXk"}, "BAD_CURSOR", "not a cursor of a search's hits"},
		{map[string]any{"q": strings.Repeat("digital ", 30)}, "BAD_USER_INPUT", "longer than 200"},
	} {
		_, _, _, r := search(tt.vars)
		if r.resp.code() != tt.code || !strings.Contains(r.resp.Errors[0].Message, tt.msg) {
			t.Errorf("%v: %s, want %s %q", tt.vars, r.body, tt.code, tt.msg)
		}
	}
}
