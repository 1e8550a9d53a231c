package fulltext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/digidip/digidip/domain"
)

// MaxClauses bounds the words, phrases and prefixes of one query: each
// is a searcher over the whole index, and no one types more.
const MaxClauses = 32

// MinPrefix is the fewest letters a prefix may have: a one-letter prefix
// matches most of the vocabulary and ranks nothing.
const MinPrefix = 2

// nearBoost makes paragraphs that have the bare words side by side, in
// the order typed, outrank nearly all that have them apart: their bonus is
// ten times the words' own score, more than BM25's length normalisation
// gives a short paragraph over a long one.
const nearBoost = 10

// QueryError is a query that cannot be searched as it stands: it has no
// words to search for, or a prefix too short. Its message is written for
// the person who typed the query; it wraps domain.ErrInvalidArgument, so
// the API reports it as bad input.
type QueryError struct {
	Query  string
	Reason string // what is wrong, following the quoted query
}

func (e *QueryError) Error() string { return fmt.Sprintf("query %q %s", e.Query, e.Reason) }

// Unwrap makes errors.Is(err, domain.ErrInvalidArgument) hold.
func (e *QueryError) Unwrap() error { return domain.ErrInvalidArgument }

// clause is one word, phrase or prefix of a query, analysed as the text
// was.
type clause struct {
	// terms are stems in order, one for a word, more for a phrase; for a
	// prefix, the folded words typed before it, which are required too.
	terms   []string
	prefix  string // folded, unstemmed; set for a prefix only
	exclude bool
}

// parsed is a query made ready to search and to find its matches in a hit.
type parsed struct {
	must, mustNot []clause
	// near is the bare words' stems in the order typed: paragraphs that
	// have them side by side, as a phrase, rank higher.
	near  []string
	nBare int // bare words near came from
}

// piece is a run of the query's text before analysis: a word, or what
// stood between quotes.
type piece struct {
	text            string
	quoted, exclude bool
}

// isQuote accepts the typographic quotes too, which users paste along with
// text copied from the documents.
func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' }

// split cuts the query into pieces: words at white space, phrases between
// quotes, each with an optional leading '-'. An unclosed quote runs to the
// end, as the user most likely meant.
func split(s string) []piece {
	rs := []rune(s)
	var out []piece
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		var p piece
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			p.exclude = true
			i++
		}
		if isQuote(rs[i]) {
			j := i + 1
			for j < len(rs) && !isQuote(rs[j]) {
				j++
			}
			p.text, p.quoted = string(rs[i+1:j]), true
			i = j + 1
		} else {
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !isQuote(rs[j]) {
				j++
			}
			p.text = string(rs[i:j])
			i = j
		}
		out = append(out, p)
	}
	return out
}

func terms(a analysis.Analyzer, s string) []string {
	toks := a.Analyze([]byte(s))
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		out = append(out, string(t.Term))
	}
	return out
}

// parse reads the query syntax: bare words all required, "quoted phrases",
// prefix* and -exclusions. Each piece is analysed as the indexed text was,
// so a word the tokenizer splits ("EU-China") becomes a phrase.
func parse(text string, stems, words analysis.Analyzer) (*parsed, error) {
	p := &parsed{}
	seen := map[string]bool{}
	for _, pc := range split(text) {
		var c clause
		c.exclude = pc.exclude
		if body, ok := strings.CutSuffix(pc.text, "*"); ok && !pc.quoted {
			ws := terms(words, strings.TrimRight(body, "*"))
			if len(ws) == 0 {
				continue
			}
			last := ws[len(ws)-1]
			if utf8.RuneCountInString(last) < MinPrefix {
				return nil, &QueryError{Query: text, Reason: fmt.Sprintf("has a prefix shorter than %d letters (%s*): type at least %d before the *", MinPrefix, last, MinPrefix)}
			}
			c.terms, c.prefix = ws[:len(ws)-1], last
		} else {
			c.terms = terms(stems, pc.text)
			if len(c.terms) == 0 {
				continue
			}
		}
		key := fmt.Sprint(c.exclude, c.prefix, c.terms)
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(seen) > MaxClauses {
			return nil, &QueryError{Query: text, Reason: fmt.Sprintf("has more than %d words, phrases and prefixes", MaxClauses)}
		}
		switch {
		case c.exclude:
			p.mustNot = append(p.mustNot, c)
		case c.prefix == "" && !pc.quoted:
			p.near = append(p.near, c.terms...)
			p.nBare++
			fallthrough
		default:
			p.must = append(p.must, c)
		}
	}
	switch {
	case len(p.must) == 0 && len(p.mustNot) > 0:
		return nil, &QueryError{Query: text, Reason: "only excludes words: add a word to search for"}
	case len(p.must) == 0:
		return nil, &QueryError{Query: text, Reason: "has no words to search for"}
	}
	return p, nil
}

func (c clause) query() query.Query {
	if c.prefix != "" {
		pq := query.NewPrefixQuery(c.prefix)
		pq.SetField(fieldWords)
		if len(c.terms) == 0 {
			return pq
		}
		qs := []query.Query{pq}
		for _, t := range c.terms {
			tq := query.NewTermQuery(t)
			tq.SetField(fieldWords)
			qs = append(qs, tq)
		}
		return query.NewConjunctionQuery(qs)
	}
	if len(c.terms) == 1 {
		tq := query.NewTermQuery(c.terms[0])
		tq.SetField(fieldStems)
		return tq
	}
	return query.NewPhraseQuery(c.terms, fieldStems)
}

// query is the bleve query: every clause of must, none of mustNot, and,
// when documents are named, one of them. The documents are a clause of
// the conjunction, so its searchers skip to their paragraphs (bleve's
// Filter would walk every match), with no weight, so a paragraph scores
// the same whichever documents are asked for.
func (p *parsed) query(documents []string) query.Query {
	var must, not []query.Query
	for _, c := range p.must {
		must = append(must, c.query())
	}
	for _, c := range p.mustNot {
		not = append(not, c.query())
	}
	var should []query.Query
	if p.nBare > 1 {
		pq := query.NewPhraseQuery(p.near, fieldStems)
		pq.SetBoost(nearBoost)
		should = append(should, pq)
	}
	if len(documents) > 0 {
		var ds []query.Query
		for _, d := range documents {
			tq := query.NewTermQuery(d)
			tq.SetField(fieldDocument)
			tq.SetBoost(0)
			ds = append(ds, tq)
		}
		must = append(must, query.NewDisjunctionQuery(ds))
	}
	return query.NewBooleanQuery(must, should, not)
}
