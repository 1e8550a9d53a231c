package graph

import (
	"strings"
	"testing"

	"github.com/digidip/digidip/graph/model"
	"github.com/digidip/digidip/store"
)

// FuzzCursor: any `after` string is either a cursor this API gave out, whose
// key comes back whole, or refused as BAD_CURSOR; never a panic, never a page
// that starts somewhere arbitrary.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{encodeCursor("global-gateway"), encodeCursor("a/b/c"), "", "not-a-cursor", "dGFtcGVyZWQ", "djE6", "====", strings.Repeat("A", 2000)} {
		f.Add(s)
	}
	items := []string{"a", "b", "c", "d"}
	f.Fuzz(func(t *testing.T, after string) {
		key, err := decodeCursor(&after)
		if err != nil {
			if ue, ok := err.(*userError); !ok || ue.code != CodeBadCursor {
				t.Fatalf("error %v is not a BAD_CURSOR", err)
			}
			return
		}
		if encodeCursor(key) != strings.TrimRight(after, "=") && decodeRoundTrip(key) != key {
			t.Fatalf("cursor %q decodes to %q, which does not encode back", after, key)
		}
		two := 2
		got, _, info, err := page(items, func(s string) string { return s }, &two, &after)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			if g <= key {
				t.Fatalf("page after %q holds %q", key, g)
			}
		}
		if info.HasNextPage && len(got) != 2 {
			t.Fatalf("a short page claims a next page")
		}
	})
}

func decodeRoundTrip(key string) string {
	c := encodeCursor(key)
	k, _ := decodeCursor(&c)
	return k
}

// The four-deep first:100 query must cost more than the limit, whatever
// the schema grows into, over a graph where every list is that long.
func TestNestedListsCostMoreThanTheLimit(t *testing.T) {
	big := &store.Sizes{Entities: 1 << 20, Relations: 1 << 20, Degree: 1 << 20}
	c := Complexity(func() *store.Sizes { return big })
	hundred := 100
	leaf := 1
	inner := c.Entity.Relations(leaf, nil, nil, &hundred, nil)
	outer := c.Entity.Relations(inner, nil, nil, &hundred, nil)
	outer = c.Entity.Relations(outer, nil, nil, &hundred, nil)
	top := c.Query.Entities(outer, (*model.Kind)(nil), &hundred, nil)
	if top <= DefaultMaxCost*1000 {
		t.Errorf("four nested first:100 lists cost %d", top)
	}
}
