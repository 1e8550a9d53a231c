package fulltext_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/fulltext"
	"github.com/digidip/digidip/loaders"
)

// shipped is the index of the embedded documents' paragraphs, built once:
// the tests only read it.
var shipped struct {
	once  sync.Once
	ix    *fulltext.Index
	paras []*domain.Paragraph
	err   error
}

func shippedIndex(t *testing.T) (*fulltext.Index, []*domain.Paragraph) {
	t.Helper()
	shipped.once.Do(func() {
		ds, err := loaders.Read(data.FS(), "data")
		if err != nil {
			shipped.err = err
			return
		}
		for _, d := range ds.Documents {
			shipped.paras = append(shipped.paras, d.Paragraphs...)
		}
		shipped.ix, shipped.err = fulltext.Build(context.Background(), shipped.paras)
	})
	if shipped.err != nil {
		t.Fatal(shipped.err)
	}
	return shipped.ix, shipped.paras
}

// everything is the whole ranking of q, paged through at the largest limit.
func everything(t *testing.T, ix *fulltext.Index, q fulltext.Query) []fulltext.Hit {
	t.Helper()
	q.Limit = fulltext.MaxLimit
	var all []fulltext.Hit
	for q.Offset = 0; ; q.Offset += fulltext.MaxLimit {
		r, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("%q: %v", q.Text, err)
		}
		all = append(all, r.Hits...)
		if len(r.Hits) < fulltext.MaxLimit {
			if len(all) != r.Total {
				t.Fatalf("%q: %d hits in all, Total %d", q.Text, len(all), r.Total)
			}
			return all
		}
	}
}

func ids(hits []fulltext.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Paragraph
	}
	return out
}

func cut(text string, s fulltext.Span) string { return string([]rune(text)[s.Start:s.End]) }

func textOf(paras []*domain.Paragraph, id string) string {
	for _, p := range paras {
		if p.ID == id {
			return p.Text
		}
	}
	return ""
}

// stemsAt is text's stems by position, as the index analyses it.
func stemsAt(ix *fulltext.Index, text string) []string { return fulltext.Stems(ix, text) }

// scan is the brute-force answer: the paragraphs whose text has every one
// of words (as stems, so "years" is "year"), none of without, and within
// documents when there are some. Adjacent tells the ones where words stand
// side by side in order.
func scan(ix *fulltext.Index, paras []*domain.Paragraph, words, without, documents []string) (match, adjacent map[string]bool) {
	var want []string
	for _, w := range words {
		want = append(want, stemsAt(ix, w)...)
	}
	var not []string
	for _, w := range without {
		not = append(not, stemsAt(ix, w)...)
	}
	match, adjacent = map[string]bool{}, map[string]bool{}
	for _, p := range paras {
		if len(documents) > 0 && !slices.Contains(documents, p.Document) {
			continue
		}
		got := stemsAt(ix, p.Text)
		ok := true
		for _, w := range want {
			ok = ok && slices.Contains(got, w)
		}
		for _, w := range not {
			ok = ok && !slices.Contains(got, w)
		}
		if !ok {
			continue
		}
		match[p.ID] = true
		for i := 0; i+len(want) <= len(got); i++ {
			if slices.Equal(got[i:i+len(want)], want) {
				adjacent[p.ID] = true
			}
		}
	}
	return match, adjacent
}

func set(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// A match's span, cut from the text in code points, is the words as the
// text writes them, whatever the query's case, accents or word forms.
func TestMatchSpans(t *testing.T) {
	ix, paras := shippedIndex(t)
	for _, tc := range []struct {
		query, paragraph, span string
	}{
		{`"digital economy packages"`, "council-2023:7", "digital economy packages"},
		{`"digital economy packages`, "council-2023:7", "digital economy packages"}, // unclosed quote
		{`lulea`, "council-2023:6", "Luleå"},
		{`LULEÅ`, "council-2023:6", "Luleå"},
		{"Lule\u0061\u030a", "council-2023:6", "Luleå"}, // the ring as a combining mark
		{`PARTNERSHIPS`, "council-2023:4.G", "Partnerships"},
		{`partnership`, "eeas-2022:bilateral.1", "partnerships"},
		{`invite`, "council-2023:16", "invites"},
		{`invited`, "council-2023:16", "invites"},
		{`digit*`, "eeas-2022:bilateral.9", "digitalisation"},
		{`polic*`, "eeas-2022:conclusions.2", "policy"},
		// after a curly quote and a curly apostrophe, three bytes each
		{`“digital decade”`, "eeas-2022:policy.1", "Digital Decade"},
		{`"cyber diplomacy toolbox"`, "eeas-2022:policy.2", "Cyber Diplomacy Toolbox"},
		{`EU-Japan`, "eeas-2022:bilateral.4", "EU-Japan"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			hits := everything(t, ix, fulltext.Query{Text: tc.query})
			i := slices.IndexFunc(hits, func(h fulltext.Hit) bool { return h.Paragraph == tc.paragraph })
			if i < 0 {
				t.Fatalf("%s not among %v", tc.paragraph, ids(hits))
			}
			h, text := hits[i], textOf(paras, tc.paragraph)
			if got := cut(text, fulltext.Span{Start: h.Start, End: h.End}); !strings.EqualFold(got, tc.span) {
				t.Errorf("first match %d:%d is %q, want %q", h.Start, h.End, got, tc.span)
			}
			if len(h.Matches) == 0 || h.Matches[0].Start != h.Start || h.Matches[0].End != h.End {
				t.Errorf("Start, End %d:%d are not the first of Matches %v", h.Start, h.End, h.Matches)
			}
			// each span carries its words, cut from the text
			for _, m := range h.Matches {
				if m.Text != cut(text, m) {
					t.Errorf("span %d:%d holds %q, the text there is %q", m.Start, m.End, m.Text, cut(text, m))
				}
			}
		})
	}
}

// Every span of every hit lies on word boundaries of the text, in order,
// not overlapping: a span counted in bytes, or off by a folded letter,
// would cut words.
func TestSpansAreWords(t *testing.T) {
	ix, paras := shippedIndex(t)
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	for _, q := range []string{"EU", "the", "digital", "cyber", "decade", "Europe", "global", "digi*", "“path to the digital decade”", "member states", "Luleå"} {
		hits := everything(t, ix, fulltext.Query{Text: q})
		if len(hits) == 0 {
			t.Errorf("%q: no hits", q)
		}
		for _, h := range hits {
			rs := []rune(textOf(paras, h.Paragraph))
			end := 0
			for _, s := range h.Matches {
				switch {
				case s.Start < end || s.End <= s.Start || s.End > len(rs):
					t.Errorf("%q in %s: span %v after %d, text of %d", q, h.Paragraph, s, end, len(rs))
				case s.Start > 0 && word(rs[s.Start-1]) && word(rs[s.Start]),
					s.End < len(rs) && word(rs[s.End-1]) && word(rs[s.End]):
					t.Errorf("%q in %s: span %v, %q, cuts a word", q, h.Paragraph, s, string(rs[s.Start:s.End]))
				}
				end = s.End
			}
		}
	}
}

// The hits are exactly the paragraphs a scan of the texts finds, and those
// that have the bare words side by side come first.
func TestMatchesScan(t *testing.T) {
	ix, paras := shippedIndex(t)
	for _, tc := range []struct {
		query                string
		words, without       []string
		documents            []string
		minHits, minAdjacent int
	}{
		{query: "two years", words: []string{"two", "years"}, minHits: 2, minAdjacent: 1},
		{query: "Delegation expertise", words: []string{"Delegation", "expertise"}, minHits: 1},
		{query: "the digital economy", words: []string{"the", "digital", "economy"}, minHits: 3, minAdjacent: 1},
		{query: "member states", words: []string{"member", "states"}, minHits: 10, minAdjacent: 10},
		{query: "digital transformation", words: []string{"digital", "transformation"}, minHits: 3, minAdjacent: 2},
		{query: "high representative commission", words: []string{"high", "representative", "commission"}, minHits: 5},
		{query: "digital -partnership", words: []string{"digital"}, without: []string{"partnership"}, minHits: 20},
		{query: "digital -partnerships -Union", words: []string{"digital"}, without: []string{"partnership", "union"}, minHits: 10},
		{query: "digital", words: []string{"digital"}, documents: []string{"eeas-2022"}, minHits: 10},
		{query: "cyber", words: []string{"cyber"}, documents: []string{"eeas-2022", "council-2023"}, minHits: 2},
		{query: "digital", words: []string{"digital"}, documents: []string{"no-such-document"}},
	} {
		t.Run(fmt.Sprint(tc.query, tc.documents), func(t *testing.T) {
			match, adjacent := scan(ix, paras, tc.words, tc.without, tc.documents)
			hits := everything(t, ix, fulltext.Query{Text: tc.query, Documents: tc.documents})
			if got := set(ids(hits)); len(got) != len(hits) || !mapsEqual(got, match) {
				t.Fatalf("hits %v, scan %v", ids(hits), match)
			}
			if len(hits) < tc.minHits || len(adjacent) < tc.minAdjacent {
				t.Fatalf("%d hits, %d adjacent: the case tests less than it means to", len(hits), len(adjacent))
			}
			for i, h := range hits {
				if i > 0 && adjacent[h.Paragraph] && !adjacent[hits[i-1].Paragraph] {
					t.Errorf("%s, side by side, ranks below %s: %v", h.Paragraph, hits[i-1].Paragraph, ids(hits))
				}
				if len(tc.documents) > 0 && !slices.Contains(tc.documents, strings.SplitN(h.Paragraph, ":", 2)[0]) {
					t.Errorf("%s is outside %v", h.Paragraph, tc.documents)
				}
				if i > 0 && (h.Score > hits[i-1].Score || h.Score == hits[i-1].Score && h.Paragraph < hits[i-1].Paragraph) {
					t.Errorf("%s (%g) ranks below %s (%g)", h.Paragraph, h.Score, hits[i-1].Paragraph, hits[i-1].Score)
				}
			}
		})
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestFold(t *testing.T) {
	ix, _ := shippedIndex(t)
	for in, want := range map[string]string{
		"Luleå": "lulea", "Lule\u0061\u030a": "lulea", "Straße": "strasse",
		"Øresund": "oresund", "Ærø": "aero", "PARTNERSHIPS": "partnerships", "EU’s": "eu",
	} {
		if got := fulltext.Words(ix, in); !slices.Equal(got, []string{want}) {
			t.Errorf("%q folds to %q, want %q", in, got, want)
		}
	}
}

// A prefix matches the words it begins, unstemmed: "polic*" finds
// "policy", whose stem is "polici".
func TestPrefix(t *testing.T) {
	ix, paras := shippedIndex(t)
	for _, tc := range []struct {
		query, prefix string
		minHits       int
	}{
		{"digit*", "digit", 30},
		{"polic*", "polic", 5},
		{"policy*", "policy", 5},
		{"Eur*", "eur", 5},
		{"lulea*", "lulea", 1},
	} {
		want := map[string]bool{}
		for _, p := range paras {
			for _, w := range fulltext.Words(ix, p.Text) {
				if strings.HasPrefix(w, tc.prefix) {
					want[p.ID] = true
				}
			}
		}
		hits := everything(t, ix, fulltext.Query{Text: tc.query})
		if !mapsEqual(set(ids(hits)), want) || len(hits) < tc.minHits {
			t.Errorf("%q: hits %v, scan %v", tc.query, ids(hits), want)
		}
		for _, h := range hits {
			for _, s := range h.Matches {
				if w := fulltext.Words(ix, cut(textOf(paras, h.Paragraph), s)); len(w) != 1 || !strings.HasPrefix(w[0], tc.prefix) {
					t.Errorf("%q in %s: match %q", tc.query, h.Paragraph, w)
				}
			}
		}
	}
}

// An excluded prefix leaves out every paragraph with a word it begins.
func TestExcludedPrefix(t *testing.T) {
	ix, paras := shippedIndex(t)
	hits := everything(t, ix, fulltext.Query{Text: "digital -polic*"})
	want := map[string]bool{}
	for _, p := range paras {
		ws := fulltext.Words(ix, p.Text)
		if slices.Contains(ws, "digital") && !slices.ContainsFunc(ws, func(w string) bool { return strings.HasPrefix(w, "polic") }) {
			want[p.ID] = true
		}
	}
	if all := everything(t, ix, fulltext.Query{Text: "digital"}); len(want) == 0 || len(want) == len(all) {
		t.Fatalf("%d of %d paragraphs lack polic*: the case tests nothing", len(want), len(all))
	}
	if !mapsEqual(set(ids(hits)), want) {
		t.Errorf("hits %v, scan %v", ids(hits), want)
	}
}

// A filter on documents keeps their paragraphs and leaves scores as they
// are, so a paragraph ranks the same whichever documents are asked for.
func TestDocumentsFilterDoesNotScore(t *testing.T) {
	ix, _ := shippedIndex(t)
	all := map[string]float64{}
	for _, h := range everything(t, ix, fulltext.Query{Text: "digital cooperation"}) {
		all[h.Paragraph] = h.Score
	}
	eeas := everything(t, ix, fulltext.Query{Text: "digital cooperation", Documents: []string{"eeas-2022"}})
	if len(eeas) == 0 || len(eeas) == len(all) {
		t.Fatalf("%d of %d hits in eeas-2022", len(eeas), len(all))
	}
	for _, h := range eeas {
		if !strings.HasPrefix(h.Paragraph, "eeas-2022:") {
			t.Errorf("%s is not in eeas-2022", h.Paragraph)
		}
		if h.Score != all[h.Paragraph] {
			t.Errorf("%s scores %g filtered, %g not", h.Paragraph, h.Score, all[h.Paragraph])
		}
	}
}

// Pages are consecutive slices of one ranking, with one Total.
func TestPaging(t *testing.T) {
	ix, _ := shippedIndex(t)
	for _, text := range []string{"digital", "EU", "digit*"} {
		all := everything(t, ix, fulltext.Query{Text: text})
		if len(all) < 20 {
			t.Fatalf("%q: %d hits: too few to page", text, len(all))
		}
		for _, limit := range []int{1, 7, 20} {
			var paged []fulltext.Hit
			for off := 0; off < len(all)+limit; off += limit {
				r, err := ix.Search(context.Background(), fulltext.Query{Text: text, Offset: off, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				if r.Total != len(all) {
					t.Fatalf("%q at %d: Total %d, want %d", text, off, r.Total, len(all))
				}
				if want := min(limit, max(len(all)-off, 0)); len(r.Hits) != want {
					t.Fatalf("%q at %d, limit %d: %d hits, want %d", text, off, limit, len(r.Hits), want)
				}
				paged = append(paged, r.Hits...)
			}
			if !slices.Equal(ids(paged), ids(all)) {
				t.Errorf("%q by %d: %v, want %v", text, limit, ids(paged), ids(all))
			}
		}
	}
}

func TestQueryErrors(t *testing.T) {
	ix, _ := shippedIndex(t)
	for _, tc := range []struct{ query, msg string }{
		{"", `query "" has no words to search for`},
		{"   ", `query "   " has no words to search for`},
		{"?!", `query "?!" has no words to search for`},
		{`""`, `query "\"\"" has no words to search for`},
		{"*", `query "*" has no words to search for`},
		{"-excluded", `query "-excluded" only excludes words: add a word to search for`},
		{`-"a phrase" -word`, `query "-\"a phrase\" -word" only excludes words: add a word to search for`},
		{"digital d*", `query "digital d*" has a prefix shorter than 2 letters (d*): type at least 2 before the *`},
	} {
		_, err := ix.Search(context.Background(), fulltext.Query{Text: tc.query, Limit: 10})
		var qe *fulltext.QueryError
		if !errors.As(err, &qe) || !errors.Is(err, domain.ErrInvalidArgument) {
			t.Errorf("%q: %v, want a QueryError", tc.query, err)
			continue
		}
		if err.Error() != tc.msg {
			t.Errorf("%q: %q, want %q", tc.query, err, tc.msg)
		}
	}
}

func TestTooManyClauses(t *testing.T) {
	ix, _ := shippedIndex(t)
	words := make([]string, fulltext.MaxClauses+1)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	_, err := ix.Search(context.Background(), fulltext.Query{Text: strings.Join(words[:fulltext.MaxClauses], " "), Limit: 1})
	if err != nil {
		t.Errorf("%d words: %v", fulltext.MaxClauses, err)
	}
	_, err = ix.Search(context.Background(), fulltext.Query{Text: strings.Join(words, " "), Limit: 1})
	if qe := (*fulltext.QueryError)(nil); !errors.As(err, &qe) {
		t.Errorf("%d words: %v, want a QueryError", len(words), err)
	}
}

func TestBadPage(t *testing.T) {
	ix, _ := shippedIndex(t)
	for _, q := range []fulltext.Query{{Limit: 0}, {Limit: fulltext.MaxLimit + 1}, {Limit: 10, Offset: -1}} {
		q.Text = "digital"
		if _, err := ix.Search(context.Background(), q); !errors.Is(err, domain.ErrInvalidArgument) {
			t.Errorf("offset %d, limit %d: %v, want invalid argument", q.Offset, q.Limit, err)
		}
	}
	r, err := ix.Search(context.Background(), fulltext.Query{Text: "digital", Offset: 1 << 62, Limit: fulltext.MaxLimit})
	if err != nil || len(r.Hits) != 0 || r.Total == 0 {
		t.Errorf("offset past the end: %v, %v", r, err)
	}
}

// The snippet holds the first match, is cut between words, marks its cuts
// with "…", and is the text's own words.
func TestSnippet(t *testing.T) {
	ix, paras := shippedIndex(t)
	for _, q := range []string{`"digital economy packages"`, "lulea", "two years", "digit*", "EU", "Gateway"} {
		for _, h := range everything(t, ix, fulltext.Query{Text: q}) {
			text := textOf(paras, h.Paragraph)
			body := strings.TrimSuffix(strings.TrimPrefix(h.Snippet, "…"), "…")
			at := strings.Index(text, body)
			if at < 0 {
				t.Errorf("%q in %s: snippet %q is not the text's", q, h.Paragraph, h.Snippet)
				continue
			}
			if !strings.Contains(body, cut(text, fulltext.Span{Start: h.Start, End: h.End})) {
				t.Errorf("%q in %s: snippet %q lacks the match", q, h.Paragraph, h.Snippet)
			}
			if n := len([]rune(body)); n > fulltext.SnippetLength {
				t.Errorf("%q in %s: snippet of %d code points", q, h.Paragraph, n)
			}
			if cutBefore := strings.HasPrefix(h.Snippet, "…"); cutBefore != (at > 0) || at > 0 && !unicode.IsSpace(rune(text[at-1])) {
				t.Errorf("%q in %s: snippet %q starts badly", q, h.Paragraph, h.Snippet)
			}
			end := at + len(body)
			if cutAfter := strings.HasSuffix(h.Snippet, "…"); cutAfter != (end < len(text)) || end < len(text) && !unicode.IsSpace(rune(text[end])) {
				t.Errorf("%q in %s: snippet %q ends badly", q, h.Paragraph, h.Snippet)
			}
		}
	}
}

// Searches from many goroutines give the answers one alone gives.
func TestConcurrentSearch(t *testing.T) {
	ix, _ := shippedIndex(t)
	queries := []fulltext.Query{
		{Text: "digital", Limit: 20}, {Text: `"digital economy packages"`, Limit: 5},
		{Text: "two years", Limit: 5}, {Text: "digit* -partnership", Limit: 10},
		{Text: "lulea", Limit: 1}, {Text: "EU", Documents: []string{"eeas-2022"}, Offset: 5, Limit: 10},
	}
	want := make([]*fulltext.Result, len(queries))
	for i, q := range queries {
		r, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				k := (g + i) % len(queries)
				r, err := ix.Search(context.Background(), queries[k])
				if err != nil {
					t.Error(err)
					return
				}
				if fmt.Sprint(r) != fmt.Sprint(want[k]) {
					t.Errorf("%q: %v, alone %v", queries[k].Text, r, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestBuild(t *testing.T) {
	_, paras := shippedIndex(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fulltext.Build(ctx, paras); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := fulltext.Build(context.Background(), []*domain.Paragraph{paras[0], paras[1], paras[0]}); err == nil || !strings.Contains(err.Error(), paras[0].ID) {
		t.Errorf("a paragraph twice: %v", err)
	}
	ix, err := fulltext.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ix.Search(context.Background(), fulltext.Query{Text: "digital", Limit: 10}); err != nil || r.Total != 0 {
		t.Errorf("empty index: %v, %v", r, err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), fulltext.Query{Text: "digital", Limit: 10}); err == nil {
		t.Error("a closed index searched")
	}
}
