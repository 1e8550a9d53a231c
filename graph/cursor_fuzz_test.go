package graph

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/graph/model"
)

// FuzzCursor: any `after` string is either a cursor this API gave out, whose
// key comes back whole, or refused as BAD_CURSOR; never a panic, never a page
// that starts somewhere arbitrary. The fuzzed string is also tried as a key:
// the cursor made for it must decode back to it.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{encodeCursor("global-gateway"), encodeCursor("a/b/c"), encodeCursor(""), encodeCursor("c"),
		"", "not-a-cursor", "dGFtcGVyZWQ", "djE6", "====", strings.Repeat("A", 2000), encodeCursor("b") + "=", "djE6Yw\n"} {
		f.Add(s)
	}
	items := []string{"a", "b", "c", "d"}
	f.Fuzz(func(t *testing.T, after string) {
		if len(cursorPrefix)+len(after) <= 1024 {
			c := encodeCursor(after)
			if key, err := decodeCursor(&c); err != nil || key != after {
				t.Fatalf("the cursor of key %q decodes to %q, %v", after, key, err)
			}
		}

		key, err := decodeCursor(&after)
		if err != nil {
			if ue, ok := err.(*userError); !ok || ue.code != CodeBadCursor {
				t.Fatalf("error %v is not a BAD_CURSOR", err)
			}
			return
		}
		if encodeCursor(key) != after {
			t.Fatalf("%q is accepted as the cursor of %q, which is %q", after, key, encodeCursor(key))
		}
		two := 2
		got, cursors, info, err := page(items, func(s string) string { return s }, &two, &after)
		if err != nil {
			t.Fatal(err)
		}
		// the page is exactly the next items after the key, in order
		var want []string
		for _, it := range items {
			if it > key && len(want) < two {
				want = append(want, it)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("page after %q is %q, want %q", key, got, want)
		}
		for i, c := range cursors {
			if k, err := decodeCursor(&c); err != nil || k != got[i] {
				t.Fatalf("cursor of %q decodes to %q, %v", got[i], k, err)
			}
		}
		if rest := len(items) - sort.SearchStrings(items, key+"\x00"); info.HasNextPage != (rest > len(got)) {
			t.Fatalf("after %q: hasNextPage %v with %d items left and a page of %d", key, info.HasNextPage, rest, len(got))
		}
	})
}

// The four-deep first:100 query must cost more than the limit, whatever
// the schema grows into, over a graph where every list is that long.
func TestNestedListsCostMoreThanTheLimit(t *testing.T) {
	big := &engine.Sizes{Entities: 1 << 20, Relations: 1 << 20, Degree: 1 << 20}
	c := Complexity(func() *engine.Sizes { return big })
	hundred := 100
	leaf := 1
	inner := c.Entity.Relations(leaf, nil, nil, nil, nil, nil, nil, nil, nil, &hundred, nil)
	outer := c.Entity.Relations(inner, nil, nil, nil, nil, nil, nil, nil, nil, &hundred, nil)
	outer = c.Entity.Relations(outer, nil, nil, nil, nil, nil, nil, nil, nil, &hundred, nil)
	top := c.Query.Entities(outer, (*model.Kind)(nil), nil, nil, &hundred, nil)
	if top <= DefaultMaxCost*1000 {
		t.Errorf("four nested first:100 lists cost %d", top)
	}
}
