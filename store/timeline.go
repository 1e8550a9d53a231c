package store

import (
	"sort"
	"strings"
)

// Moment is a dated (or deadline) fact of an entity, placed in time.
type Moment struct {
	Entity *Entity
	Fact   *Fact
}

// TimelineKeys are the fact keys a timeline lists.
var TimelineKeys = []string{"date", "deadline", "period"}

// sortKey places an ISO 8601 / EDTF date so that plain string order is time
// order: a season sits at its first month, an interval at its start, and a
// bare year before every month of that year.
func sortKey(date string) string {
	date, _, _ = strings.Cut(date, "/")
	if len(date) >= 7 {
		switch date[5:7] {
		case "21":
			return date[:4] + "-03-20"
		case "22":
			return date[:4] + "-06-21"
		case "23":
			return date[:4] + "-09-22"
		case "24":
			return date[:4] + "-12-21"
		}
	}
	return date
}

// Timeline lists the dated facts (dates, deadlines, periods) of all
// entities in time order, then, when undated is set, the deadlines the
// texts give without a calendar date ("within two years"). from and to
// (ISO 8601 prefixes, either may be empty) bound the dated part.
func (g *Graph) Timeline(from, to string, kinds []Kind, undated bool) []Moment {
	var kindOK map[Kind]bool
	if len(kinds) > 0 {
		kindOK = map[Kind]bool{}
		for _, k := range kinds {
			kindOK[k] = true
		}
	}
	var dated, rest []Moment
	for _, e := range g.entities {
		if kindOK != nil && !kindOK[e.Kind] {
			continue
		}
		for i := range e.Facts {
			f := &e.Facts[i]
			if !isTimelineKey(f.Key) {
				continue
			}
			if f.Date == "" {
				if undated && f.Key == "deadline" {
					rest = append(rest, Moment{e, f})
				}
				continue
			}
			k := sortKey(f.Date)
			if from != "" && k < sortKey(from) || to != "" && k > sortKey(to) && !strings.HasPrefix(k, to) {
				continue
			}
			dated = append(dated, Moment{e, f})
		}
	}
	sort.SliceStable(dated, func(i, j int) bool {
		a, b := sortKey(dated[i].Fact.Date), sortKey(dated[j].Fact.Date)
		if a != b {
			return a < b
		}
		return dated[i].Entity.ID < dated[j].Entity.ID
	})
	return append(dated, rest...)
}

func isTimelineKey(k string) bool {
	for _, t := range TimelineKeys {
		if t == k {
			return true
		}
	}
	return false
}
