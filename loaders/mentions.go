package loaders

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"
)

type match struct {
	start, end int
	entity     string
}

// deriveMentions links every paragraph to the entities whose name or textual
// alias occurs in it. A one-word label (ITU, TTC, D4D, Africa) must match
// exactly; a longer one ignores case. Matches end on word boundaries, and
// where two overlap the longer wins, so "Council of Europe" is not also a
// mention of the Council. Commitments are our names for the actions, not the
// texts' words, so they are left out.
func deriveMentions(ds *domain.Dataset) {
	m := newMatcher(ds)
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			p.Mentions = mentionIDs(m.spans(p.Text))
		}
	}
}

type pattern struct {
	entity string
	re     *regexp.Regexp
	plain  string
}

// matcher finds entity labels in text.
type matcher struct{ pats []pattern }

func newMatcher(ds *domain.Dataset) *matcher {
	m := &matcher{}
	for _, e := range ds.Entities {
		if e.Kind == domain.Commitment {
			continue
		}
		seen := map[string]bool{}
		for _, l := range append([]string{e.Name}, e.Aliases...) {
			if l == "" || seen[l] {
				continue
			}
			seen[l] = true
			if strings.ContainsAny(l, " \t") {
				m.pats = append(m.pats, pattern{entity: e.ID, re: regexp.MustCompile(`(?i)` + regexp.QuoteMeta(l))})
			} else {
				m.pats = append(m.pats, pattern{entity: e.ID, plain: l})
			}
		}
	}
	return m
}

// spans lists the non-overlapping label matches in text, by position.
func (m *matcher) spans(text string) []match {
	var ms []match
	for _, pt := range m.pats {
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
				ms = append(ms, match{l[0], l[1], pt.entity})
			}
		}
	}
	return longest(ms)
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
func longest(ms []match) []match {
	sort.Slice(ms, func(i, j int) bool {
		li, lj := ms[i].end-ms[i].start, ms[j].end-ms[j].start
		if li != lj {
			return li > lj
		}
		return ms[i].start < ms[j].start
	})
	var kept []match
	for _, m := range ms {
		overlaps := false
		for _, k := range kept {
			if m.start < k.end && k.start < m.end {
				overlaps = true
				break
			}
		}
		if !overlaps {
			kept = append(kept, m)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].start < kept[j].start })
	return kept
}

// mentionIDs lists the entities of the matches in order of first mention.
func mentionIDs(ms []match) []string {
	var ids []string
	seen := map[string]bool{}
	for _, k := range ms {
		if !seen[k.entity] {
			seen[k.entity] = true
			ids = append(ids, k.entity)
		}
	}
	return ids
}
