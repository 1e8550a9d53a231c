package loaders

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digidip/digidip/store"
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
func deriveMentions(ds *store.Dataset) {
	type pattern struct {
		entity string
		re     *regexp.Regexp
		plain  string
	}
	var pats []pattern
	for _, e := range ds.Entities {
		if e.Kind == store.Commitment {
			continue
		}
		seen := map[string]bool{}
		for _, l := range append([]string{e.Name}, e.Aliases...) {
			if l == "" || seen[l] {
				continue
			}
			seen[l] = true
			if strings.ContainsAny(l, " \t") {
				pats = append(pats, pattern{entity: e.ID, re: regexp.MustCompile(`(?i)` + regexp.QuoteMeta(l))})
			} else {
				pats = append(pats, pattern{entity: e.ID, plain: l})
			}
		}
	}
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			var ms []match
			for _, pt := range pats {
				var locs [][]int
				if pt.re != nil {
					locs = pt.re.FindAllStringIndex(p.Text, -1)
				} else {
					for from := 0; ; {
						i := strings.Index(p.Text[from:], pt.plain)
						if i < 0 {
							break
						}
						locs = append(locs, []int{from + i, from + i + len(pt.plain)})
						from += i + 1
					}
				}
				for _, l := range locs {
					if bounded(p.Text, l[0], l[1]) {
						ms = append(ms, match{l[0], l[1], pt.entity})
					}
				}
			}
			p.Mentions = pickMentions(ms)
		}
	}
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

// pickMentions keeps the longest of overlapping matches and lists entities
// in order of first mention.
func pickMentions(ms []match) []string {
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
	var ids []string
	seen := map[string]bool{}
	for _, k := range kept {
		if !seen[k.entity] {
			seen[k.entity] = true
			ids = append(ids, k.entity)
		}
	}
	return ids
}
