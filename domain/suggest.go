package domain

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
)

// Suggest ends a message about a misspelt id with the nearest of ids, as
// ` (did you mean "x"?)`, or is "" when none is near. See Nearest for what
// is near.
func Suggest(ctx context.Context, id string, ids iter.Seq[string]) string {
	near := Nearest(ctx, id, ids, 1)
	if len(near) == 0 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", near[0])
}

// Nearest lists up to n of ids nearest to id, nearest first. Near is at
// most a third of the id's length in edits, and at most three: a typo, not
// another name. Ties go to the id that sorts first, so the answer does not
// depend on the order of ids. The search compares id with every one of ids,
// so it stops, suggesting nothing, when ctx ends.
func Nearest(ctx context.Context, id string, ids iter.Seq[string], n int) []string {
	type near struct {
		id string
		d  int
	}
	idLen := utf8.RuneCountInString(id)
	bound := min(3, idLen/3)
	if bound == 0 || n < 1 {
		return nil
	}
	var best []near // sorted, at most n
	worse := func(a, b near) int { return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.id, b.id)) }
	i := 0
	for c := range ids {
		if i%256 == 0 && ctx.Err() != nil {
			return nil
		}
		i++
		// the length difference is a lower bound of the distance: skip the
		// quadratic comparison when it cannot win or tie
		if diff := utf8.RuneCountInString(c) - idLen; diff > bound || -diff > bound {
			continue
		}
		d := levenshtein.ComputeDistance(id, c)
		if d > bound {
			continue
		}
		cand := near{c, d}
		at, found := slices.BinarySearchFunc(best, cand, worse)
		if found || at >= n {
			continue
		}
		best = slices.Insert(best, at, cand)
		if len(best) > n {
			best = best[:n]
		}
		if len(best) == n {
			// only as near as the farthest kept can still enter
			bound = best[n-1].d
		}
	}
	out := make([]string, len(best))
	for i, b := range best {
		out[i] = b.id
	}
	return out
}

// NotFoundError is an id that names nothing, with what it was meant to name
// and the ids it may have meant. It wraps ErrNotFound.
type NotFoundError struct {
	What        string // entity, document, paragraph, relation
	ID          string
	Suggestions []string // nearest first; at most a few
	// At names where the id was given, when that is not plain from the
	// error's place: a filter's path ("where.subject.id").
	At string
}

func (e *NotFoundError) Error() string {
	var s strings.Builder
	if e.At != "" {
		s.WriteString(e.At + ": ")
	}
	fmt.Fprintf(&s, "%s %q not found", e.What, e.ID)
	switch len(e.Suggestions) {
	case 0:
	case 1:
		fmt.Fprintf(&s, " (did you mean %q?)", e.Suggestions[0])
	default:
		quoted := make([]string, len(e.Suggestions))
		for i, x := range e.Suggestions {
			quoted[i] = fmt.Sprintf("%q", x)
		}
		last := len(quoted) - 1
		fmt.Fprintf(&s, " (did you mean %s or %s?)", strings.Join(quoted[:last], ", "), quoted[last])
	}
	return s.String()
}

func (e *NotFoundError) Unwrap() error { return ErrNotFound }
