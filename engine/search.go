package engine

import (
	"context"
	"index/suffixarray"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/digidip/digidip/domain"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// normalize folds case and accents and turns punctuation into single spaces,
// so "Luleå", "lulea" and "LULEA" compare equal, as do "HR/VP" and "hr vp".
func normalize(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	var b strings.Builder
	space := true
	for _, r := range folded {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

type label struct {
	entity int32
	text   string // normalized
	name   bool   // the entity's name rather than an alias
}

type wordStart struct {
	suffix string // label text from a word start to its end
	label  int32
	first  bool // the word starts the label
}

// searchIndex is built once per graph: an exact map, a sorted list of word
// starts for prefix matches and a suffix array for substrings, so a query
// costs a few binary searches however large the graph.
type searchIndex struct {
	entities []Name
	labels   []label
	exact    map[string][]int32
	words    []wordStart
	sa       *suffixarray.Index
	starts   []int // offset of each label in the suffix array's text
}

// scan bounds how many candidates one rank may contribute before ranking:
// enough for any real query, and a ceiling on a one-letter one.
const scan = 5000

func newSearchIndex(names []Name) *searchIndex {
	ix := &searchIndex{entities: names, exact: map[string][]int32{}}
	var text strings.Builder
	text.WriteByte(0)
	for i, e := range names {
		seen := map[string]bool{}
		addLabel := func(s string, name bool) {
			n := normalize(s)
			if n == "" || seen[n] {
				return
			}
			seen[n] = true
			li := int32(len(ix.labels))
			ix.labels = append(ix.labels, label{entity: int32(i), text: n, name: name})
			ix.exact[n] = append(ix.exact[n], li)
			for j := 0; j < len(n); j++ {
				if j == 0 || n[j-1] == ' ' {
					ix.words = append(ix.words, wordStart{suffix: n[j:], label: li, first: j == 0})
				}
			}
			ix.starts = append(ix.starts, text.Len())
			text.WriteString(n)
			text.WriteByte(0)
		}
		addLabel(e.Name, true)
		for _, a := range e.Aliases {
			addLabel(a, false)
		}
		for _, a := range e.Common {
			addLabel(a, false)
		}
	}
	sort.Slice(ix.words, func(i, j int) bool { return ix.words[i].suffix < ix.words[j].suffix })
	ix.sa = suffixarray.New([]byte(text.String()))
	return ix
}

// allWords lists the labels in which every word of the query starts a word,
// in any order ("delegation expertise" finds "… every EU Delegation with
// relevant expertise …"): the labels of the rarest word, found by two
// binary searches of the word starts, each checked for the other words.
func (ix *searchIndex) allWords(words []string) []int32 {
	rare, lo, hi := "", 0, len(ix.words)+1
	for _, w := range words {
		a := sort.Search(len(ix.words), func(i int) bool { return ix.words[i].suffix >= w })
		z := sort.Search(len(ix.words), func(i int) bool {
			return ix.words[i].suffix > w && !strings.HasPrefix(ix.words[i].suffix, w)
		})
		if z-a < hi-lo {
			rare, lo, hi = w, a, z
		}
	}
	var out []int32
	for i := lo; i < hi && i < lo+scan; i++ {
		li := ix.words[i].label
		text := " " + ix.labels[li].text
		if slices.ContainsFunc(words, func(w string) bool { return w != rare && !strings.Contains(text, " "+w) }) {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != li {
			out = append(out, li)
		}
	}
	return out
}

type hit struct {
	entity int32
	rank   int
	degree int
}

func (ix *searchIndex) find(ctx context.Context, r Reader, text string, kinds []domain.Kind, limit int) ([]*domain.Entity, error) {
	q := normalize(text)
	if q == "" || limit <= 0 {
		return nil, nil
	}
	kindOK := domain.FilterKinds(kinds)
	best := map[int32]int{}
	consider := func(li int32, rank int) {
		l := ix.labels[li]
		if !kindOK.Keeps(ix.entities[l.entity].Kind) {
			return
		}
		if !l.name {
			rank = rank*2 + 1 // an alias ranks just below a name of the same rank
		} else {
			rank *= 2
		}
		if r, ok := best[l.entity]; !ok || rank < r {
			best[l.entity] = rank
		}
	}
	for _, li := range ix.exact[q] {
		consider(li, 0)
	}
	if len(best) < limit {
		i := sort.Search(len(ix.words), func(i int) bool { return ix.words[i].suffix >= q })
		for n := 0; i < len(ix.words) && n < scan && strings.HasPrefix(ix.words[i].suffix, q); i, n = i+1, n+1 {
			w := ix.words[i]
			switch {
			case w.first && len(w.suffix) == len(q):
				// exact, counted above
			case w.first:
				consider(w.label, 1)
			default:
				consider(w.label, 2)
			}
		}
	}
	if len(best) < limit {
		for _, off := range ix.sa.Lookup([]byte(q), scan) {
			li := sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > off }) - 1
			if li >= 0 {
				consider(int32(li), 3)
			}
		}
	}
	if words := strings.Fields(q); len(words) > 1 && len(best) < limit {
		for _, li := range ix.allWords(words) {
			consider(li, 4)
		}
	}
	hits := make([]hit, 0, len(best))
	for e, r := range best {
		hits = append(hits, hit{entity: e, rank: r})
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].rank < hits[j].rank })
	// Only the hits ranked no lower than the last one kept are ordered by
	// degree: read the degrees of those alone.
	if len(hits) > limit {
		cut := hits[limit-1].rank
		n := sort.Search(len(hits), func(i int) bool { return hits[i].rank > cut })
		hits = hits[:n]
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = ix.entities[h.entity].ID
	}
	degrees, err := r.Degrees(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].degree = degrees[i]
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.degree != b.degree {
			return a.degree > b.degree
		}
		ea, eb := ix.entities[a.entity], ix.entities[b.entity]
		if ea.Name != eb.Name {
			return ea.Name < eb.Name
		}
		return ea.ID < eb.ID
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	ids = ids[:0]
	for _, h := range hits {
		ids = append(ids, ix.entities[h.entity].ID)
	}
	es, err := r.Entities(ctx, ids)
	if err != nil {
		return nil, err
	}
	return compact(es), nil
}
