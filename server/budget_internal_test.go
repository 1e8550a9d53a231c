package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/graph"
)

// Once an answer passes its budget, no further field resolves and the
// request's context ends with the budget as its cause: the server stops
// building an answer it will not send.
func TestBudgetStopsResolving(t *testing.T) {
	ctx, b := withBudget(context.Background(), 100)
	defer b.cancel(nil)
	calls := 0
	field := func(context.Context) (any, error) { calls++; return strings.Repeat("x", 40), nil }
	tests := []struct {
		wantCalls int
		over      bool
	}{
		{1, false}, // 4 + 42 bytes
		{2, false}, // 92
		{3, true},  // 138: resolved, and the context ends
		{3, true},  // not resolved
		{3, true},
	}
	for i, tt := range tests {
		res, err := countFields(ctx, field)
		if calls != tt.wantCalls {
			t.Fatalf("field %d: %d resolver calls, want %d", i, calls, tt.wantCalls)
		}
		if got := context.Cause(ctx) == errResponseTooLarge; got != tt.over {
			t.Errorf("field %d: context ended by the budget: %v, want %v", i, got, tt.over)
		}
		if calls == i { // refused without resolving
			var gerr *gqlerror.Error
			if res != nil || !errors.As(err, &gerr) || gerr.Extensions["code"] != graph.CodeResponseTooLarge {
				t.Errorf("field %d over the budget: %v, %v", i, res, err)
			}
		}
	}
}
