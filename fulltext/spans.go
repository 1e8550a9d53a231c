package fulltext

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
)

// spans are the byte spans in text of what the query's must clauses
// matched, in order and merged where they overlap. A phrase is one span,
// from its first word to its last; bleve reports it word by word.
func (p *parsed) spans(locs search.FieldTermLocationMap) []Span {
	stems := locs[fieldStems]
	type word struct {
		start, end int
		term       string
	}
	// bleve counts positions per field; one token stands at each
	byPos := map[uint64]word{}
	for term, ls := range stems {
		for _, l := range ls {
			byPos[l.Pos] = word{int(l.Start), int(l.End), term}
		}
	}
	var out []Span
	for _, c := range p.must {
		switch {
		case c.prefix != "":
			// only prefixes search the words field
		case len(c.terms) == 1:
			for _, l := range stems[c.terms[0]] {
				out = append(out, Span{Start: int(l.Start), End: int(l.End)})
			}
		default:
			for _, l := range stems[c.terms[0]] {
				end, ok := int(l.End), true
				for i, t := range c.terms[1:] {
					w, found := byPos[l.Pos+uint64(i)+1]
					if !found || w.term != t {
						ok = false
						break
					}
					end = w.end
				}
				if ok {
					out = append(out, Span{Start: int(l.Start), End: end})
				}
			}
		}
	}
	for _, ls := range locs[fieldWords] {
		for _, l := range ls {
			out = append(out, Span{Start: int(l.Start), End: int(l.End)})
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.Start < merged[n-1].End {
			merged[n-1].End = max(merged[n-1].End, s.End)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// toRunes turns sorted byte spans in text into code-point spans, in place,
// counting each stretch of text once.
func toRunes(text string, spans []Span) {
	runes, at := 0, 0
	count := func(b int) int {
		b = min(max(b, at), len(text))
		runes += utf8.RuneCountInString(text[at:b])
		at = b
		return runes
	}
	for i := range spans {
		spans[i].Start = count(spans[i].Start)
		spans[i].End = count(spans[i].End)
	}
}

// SnippetLength is about how many code points a Snippet has, not counting
// the ellipses.
const SnippetLength = 200

// snippet is about SnippetLength code points of text around the match at
// [start, end) (in code points), cut between words, with "…" where text
// was left out. A third of the room goes before the match: what follows a
// match explains it more often than what precedes it.
func snippet(text string, start, end int) string {
	rs := []rune(text)
	if len(rs) <= SnippetLength {
		return text
	}
	from := max(start-max(SnippetLength-(end-start), 0)/3, 0)
	to := min(from+SnippetLength, len(rs))
	from = max(min(from, to-SnippetLength), 0)
	// move inwards off any word cut in two, never into the match
	for from > 0 && from < start && !unicode.IsSpace(rs[from-1]) {
		from++
	}
	for to < len(rs) && to > end && !unicode.IsSpace(rs[to]) {
		to--
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	b.WriteString(strings.TrimSpace(string(rs[from:to])))
	if to < len(rs) {
		b.WriteString("…")
	}
	return b.String()
}
