package engine

import (
	"context"
	"strings"

	"github.com/digidip/digidip/domain"
)

// Moment is a dated (or deadline) fact of an entity, placed in time.
type Moment struct {
	Entity *domain.Entity
	Fact   *domain.Fact
}

// TimelineKeys are the fact keys a timeline lists.
var TimelineKeys = []string{"date", "deadline", "period"}

// bounds turns an ISO 8601 / EDTF date or interval into the first and last
// day it may mean, as sortable strings: "2024" is 2024-01-01..2024-12-31,
// "2024-22" (summer) 2024-06-21..2024-09-21, "2025/.." 2025-01-01..9999.
func bounds(date string) (lo, hi string) {
	a, b, interval := strings.Cut(date, "/")
	if !interval {
		b = a
	}
	lo, hi = "0000", "9999"
	if a != ".." {
		lo = first(a)
	}
	if b != ".." {
		hi = last(b)
	}
	return lo, hi
}

var seasons = map[string][2]string{"21": {"03-20", "06-20"}, "22": {"06-21", "09-21"}, "23": {"09-22", "12-20"}, "24": {"12-21", "12-31"}}

func first(d string) string {
	switch {
	case len(d) == 4:
		return d + "-01-01"
	case len(d) == 7 && d[5] == '2':
		return d[:4] + "-" + seasons[d[5:7]][0]
	case len(d) == 7:
		return d + "-01"
	}
	return d
}

func last(d string) string {
	switch {
	case len(d) == 4:
		return d + "-12-31"
	case len(d) == 7 && d[5] == '2':
		return d[:4] + "-" + seasons[d[5:7]][1]
	case len(d) == 7:
		return d + "-31" // compared as strings: no earlier than any day of the month
	}
	return d
}

// Timeline lists the dated facts (dates, deadlines, periods) of all
// entities in time order (by the first day they may mean), then, when
// undated is set, the deadlines and periods the texts give without a
// calendar date ("within two years"). from and to (ISO 8601, either may be
// empty) keep the moments that overlap that window. At most limit moments
// are read (all when limit < 0).
func (g *Graph) Timeline(ctx context.Context, from, to string, kinds []domain.Kind, undated bool, limit int) ([]Moment, error) {
	kindOK := domain.FilterKinds(kinds)
	winLo, winHi := "0000", "9999"
	if from != "" {
		winLo = first(from)
	}
	if to != "" {
		winHi = last(to)
	}
	var refs []MomentRef
	for _, m := range g.sum.Timeline {
		if limit >= 0 && len(refs) == limit {
			break
		}
		if !kindOK.Keeps(m.Kind) {
			continue
		}
		if m.Date == "" {
			if undated && m.Key != "date" {
				refs = append(refs, m)
			}
			continue
		}
		if lo, hi := bounds(m.Date); hi < winLo || lo > winHi {
			continue
		}
		refs = append(refs, m)
	}
	ids := make([]string, len(refs))
	for i, m := range refs {
		ids[i] = m.Entity
	}
	es, err := g.r.Entities(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Moment, 0, len(refs))
	for i, m := range refs {
		if e := es[i]; e != nil && m.Fact < len(e.Facts) {
			out = append(out, Moment{Entity: e, Fact: &e.Facts[m.Fact]})
		}
	}
	return out, nil
}

func isTimelineKey(k string) bool {
	for _, t := range TimelineKeys {
		if t == k {
			return true
		}
	}
	return false
}
