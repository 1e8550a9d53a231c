// Package mention finds where a text names an entity: the one matcher the
// loader derives Paragraph.Mentions with and the API reads positioned
// mentions (Paragraph.mentionSpans) with, so that the two never disagree.
package mention

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"
)

// Span is one occurrence of an entity's name or alias, in byte offsets of
// the text searched.
type Span struct {
	Start, End int
	Entity     string
}

type pattern struct {
	entity string
	re     *regexp.Regexp
	plain  string
}

// Matcher finds entity labels in text. A one-word label (ITU, TTC, D4D,
// Africa) must match exactly; a longer one ignores case. Matches end on
// word boundaries, and where two overlap the longer wins, so "Council of
// Europe" is not also a mention of the Council. Commitments are our names
// for the actions, not the texts' words, so they are left out.
type Matcher struct {
	pats     []pattern
	byEntity map[string][]int // entity id -> its patterns' indexes
}

// New builds the matcher of the entities' names and aliases.
func New(entities []*domain.Entity) *Matcher {
	m := &Matcher{byEntity: map[string][]int{}}
	for _, e := range entities {
		if e.Kind == domain.Commitment {
			continue
		}
		seen := map[string]bool{}
		for _, l := range append([]string{e.Name}, e.Aliases...) {
			if l == "" || seen[l] {
				continue
			}
			seen[l] = true
			m.byEntity[e.ID] = append(m.byEntity[e.ID], len(m.pats))
			if strings.ContainsAny(l, " \t") {
				m.pats = append(m.pats, pattern{entity: e.ID, re: regexp.MustCompile(`(?i)` + regexp.QuoteMeta(l))})
			} else {
				m.pats = append(m.pats, pattern{entity: e.ID, plain: l})
			}
		}
	}
	return m
}

// Spans lists the non-overlapping label matches in text, by position.
func (m *Matcher) Spans(text string) []Span {
	var ms []Span
	for i := range m.pats {
		ms = m.pats[i].find(text, ms)
	}
	return longest(ms)
}

// SpansOf is Spans for the labels of the given entities only. Given the
// entities Spans finds in text (a paragraph's Mentions), it answers what
// Spans does: a match of any other entity never won an overlap, so
// leaving it out changes nothing the longest-first choice keeps. It costs
// a paragraph's few entities instead of every entity of the graph.
func (m *Matcher) SpansOf(text string, entities []string) []Span {
	var ms []Span
	for _, id := range entities {
		for _, i := range m.byEntity[id] {
			ms = m.pats[i].find(text, ms)
		}
	}
	return longest(ms)
}

// find appends the whole-word matches of the pattern in text to ms.
func (pt *pattern) find(text string, ms []Span) []Span {
	var locs [][]int
	if pt.re != nil {
		locs = pt.re.FindAllStringIndex(text, -1)
	} else {
		for from := 0; ; {
			i := strings.Index(text[from:], pt.plain)
			if i < 0 {
				break
			}
			locs = append(locs, []int{from + i, from + i + len(pt.plain)})
			from += i + 1
		}
	}
	for _, l := range locs {
		if bounded(text, l[0], l[1]) {
			ms = append(ms, Span{l[0], l[1], pt.entity})
		}
	}
	return ms
}

// IDs lists the entities of the spans in order of first mention.
func IDs(spans []Span) []string {
	var ids []string
	seen := map[string]bool{}
	for _, k := range spans {
		if !seen[k.Entity] {
			seen[k.Entity] = true
			ids = append(ids, k.Entity)
		}
	}
	return ids
}

// bounded reports whether text[start:end] stands as whole words.
func bounded(text string, start, end int) bool {
	if start > 0 {
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		first, _ := utf8.DecodeRuneInString(text[start:])
		if isWord(before) && isWord(first) {
			return false
		}
	}
	if end < len(text) {
		after, _ := utf8.DecodeRuneInString(text[end:])
		last, _ := utf8.DecodeLastRuneInString(text[:end])
		if isWord(after) && isWord(last) {
			return false
		}
	}
	return true
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// longest keeps the longest of overlapping matches, in text order.
func longest(ms []Span) []Span {
	sort.Slice(ms, func(i, j int) bool {
		li, lj := ms[i].End-ms[i].Start, ms[j].End-ms[j].Start
		if li != lj {
			return li > lj
		}
		return ms[i].Start < ms[j].Start
	})
	var kept []Span
	for _, m := range ms {
		overlaps := false
		for _, k := range kept {
			if m.Start < k.End && k.Start < m.End {
				overlaps = true
				break
			}
		}
		if !overlaps {
			kept = append(kept, m)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	return kept
}
