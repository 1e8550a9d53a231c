package server

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/graph"
)

// budget tallies the bytes an answer is growing to while it executes, so a
// request whose answer passes the response budget stops resolving, instead
// of building megabytes only to refuse them at the end.
type budget struct {
	limit  int64
	spent  atomic.Int64
	cancel context.CancelCauseFunc
}

type budgetKey struct{}

// errResponseTooLarge ends the context of a request over its budget.
var errResponseTooLarge = errors.New("response over its budget")

func withBudget(ctx context.Context, limit int64) (context.Context, *budget) {
	ctx, cancel := context.WithCancelCause(ctx)
	b := &budget{limit: limit, cancel: cancel}
	return context.WithValue(ctx, budgetKey{}, b), b
}

func (b *budget) over() bool { return b.spent.Load() > b.limit }

// add counts n bytes; past the limit it cancels the request, so that
// resolvers and the export writers, which watch the context, stop too.
func (b *budget) add(n int64) {
	if b.spent.Add(n) > b.limit {
		b.cancel(errResponseTooLarge)
	}
}

// untilDone runs no further field once the request's context is done (its
// deadline passed, or the client left): the fields already fetched would
// otherwise go on resolving their children, in memory and unchecked, for an
// answer that is already an error.
func untilDone(ctx context.Context, next graphql.Resolver) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return next(ctx)
}

// countFields is the field middleware that keeps the tally: each field
// adds its key and, for a leaf, its value as JSON would write it (quotes
// and escapes aside: the final check at write time is exact). Once over,
// no further field resolves.
func countFields(ctx context.Context, next graphql.Resolver) (any, error) {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	if b == nil {
		return next(ctx)
	}
	if b.over() {
		return nil, tooLargeError(b.limit)
	}
	res, err := next(ctx)
	n := int64(4) // "":, and a separator
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		n += int64(len(fc.Field.Alias))
	}
	b.add(n + valueBytes(res))
	return res, err
}

// valueBytes is about how many bytes a resolved value takes in JSON: its
// text for strings (and enums, which are strings), a few for anything else;
// objects and lists are counted by their own fields.
func valueBytes(v any) int64 {
	switch v := v.(type) {
	case string:
		return int64(len(v)) + 2
	case *string:
		if v != nil {
			return int64(len(*v)) + 2
		}
	case []string:
		n := int64(2)
		for _, s := range v {
			n += int64(len(s)) + 3
		}
		return n
	case nil:
	default:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
			return int64(rv.Len()) + 2
		}
	}
	return 4
}

func tooLargeError(limit int64) *gqlerror.Error {
	return &gqlerror.Error{
		Message: "the answer is larger than the response budget of " + humanBytes(limit) +
			": ask for less (lower `first` and page with `after`, select fewer fields) or download the graph from /export",
		Extensions: map[string]any{"code": graph.CodeResponseTooLarge, "limit": limit},
	}
}
