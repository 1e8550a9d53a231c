package domain

import (
	"context"
	"fmt"
	"iter"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
)

// Suggest ends a message about a misspelt id with the nearest of ids, as
// ` (did you mean "x"?)`, or is "" when none is near. Near is at most a
// third of the id's length in edits, and at most three: a typo, not another
// name. Ties go to the id that sorts first, so the answer does not depend on
// the order of ids. The search compares id with every one of ids, so it
// stops, suggesting nothing, when ctx ends.
func Suggest(ctx context.Context, id string, ids iter.Seq[string]) string {
	n := utf8.RuneCountInString(id)
	best, bestD := "", min(3, n/3)
	if bestD == 0 {
		return ""
	}
	i := 0
	for c := range ids {
		if i%256 == 0 && ctx.Err() != nil {
			return ""
		}
		i++
		// the length difference is a lower bound of the distance: skip the
		// quadratic comparison when it cannot win or tie
		if diff := utf8.RuneCountInString(c) - n; diff > bestD || -diff > bestD {
			continue
		}
		if d := levenshtein.ComputeDistance(id, c); d < bestD || d == bestD && (best == "" || c < best) {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
