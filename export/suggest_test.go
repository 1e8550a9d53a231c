package export_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/domain"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/export"
)

// manyEntities is a graph of n entities and one more, "zz-target", which
// sorts last: a search that stops early never reaches it.
func manyEntities(n int) *engine.Graph {
	ds := &domain.Dataset{}
	for i := range n {
		ds.Entities = append(ds.Entities, &domain.Entity{ID: fmt.Sprintf("e-%05d", i), Name: "E", Kind: domain.Actor})
	}
	ds.Entities = append(ds.Entities, &domain.Entity{ID: "zz-target", Name: "Z", Kind: domain.Actor})
	return projection.NewGraph(ds)
}

// endsAfter is a context that is live for its first n looks and then
// cancelled, as a request whose deadline passes while work runs.
type endsAfter struct {
	context.Context
	n atomic.Int64
}

func (c *endsAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestSuggestionStopsAtTheDeadline(t *testing.T) {
	g := manyEntities(2000)
	for _, tc := range []struct {
		name    string
		ctx     func() context.Context
		suggest bool
	}{
		{"live", context.Background, true},
		{"ends during the search", func() context.Context {
			c := &endsAfter{Context: context.Background()}
			c.n.Store(1)
			return c
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, sel := range []export.Selection{
				{Roots: []string{"zz-targt"}, Depth: 1},
				{From: "zz-targt", To: "e-00001"},
			} {
				_, err := export.Select(tc.ctx(), g, sel)
				if !errors.Is(err, domain.ErrNotFound) {
					t.Fatalf("%+v: %v", sel, err)
				}
				if got := strings.Contains(err.Error(), `did you mean "zz-target"?`); got != tc.suggest {
					t.Errorf("%+v: suggestion %v, want %v: %v", sel, got, tc.suggest, err)
				}
			}
		})
	}
}

// An id longer than any id may be is refused as a bad request before it is
// compared with the graph's ids.
func TestLongIDIsRefused(t *testing.T) {
	g := manyEntities(10)
	long := strings.Repeat("zz-target", 60<<10/9)
	for _, sel := range []export.Selection{
		{Roots: []string{"e-00001", long}, Depth: 1},
		{From: long, To: "e-00001"},
		{From: "e-00001", To: long},
	} {
		_, err := export.Select(context.Background(), g, sel)
		msg := fmt.Sprint(err)
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if !errors.Is(err, domain.ErrInvalidArgument) || !strings.Contains(msg, "longer than the longest an id may be, 256") {
			t.Errorf("a %d-byte id: %s", len(long), msg)
		}
	}
	// at the limit, an unknown id still gets its 404
	_, err := export.Select(context.Background(), g, export.Selection{Roots: []string{strings.Repeat("a", export.MaxIDBytes)}, Depth: 1})
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an id of %d bytes: %v", export.MaxIDBytes, err)
	}
}
