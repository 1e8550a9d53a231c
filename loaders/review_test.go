package loaders_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/loaders"
)

// A review form draws the same relations for the same seed, each with its
// predicate's definition and its quotes inside their paragraphs.
func TestWriteReview(t *testing.T) {
	ds, err := loaders.Read(good(t), "good")
	if err != nil {
		t.Fatal(err)
	}
	form := func(n int, seed uint64) string {
		var b strings.Builder
		if err := loaders.WriteReview(&b, ds, n, seed); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	drawn := func(s string) []string {
		var ids []string
		for _, m := range regexp.MustCompile(`(?m)^## \d+\. (.+)$`).FindAllStringSubmatch(s, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	a, again := form(3, 7), form(3, 7)
	if a != again {
		t.Error("the same seed drew another form")
	}
	if got := drawn(a); len(got) != 3 {
		t.Fatalf("drew %d relations, want 3:\n%s", len(got), a)
	}
	differs := false
	for seed := uint64(1); seed < 20 && !differs; seed++ {
		differs = strings.Join(drawn(form(3, seed)), ",") != strings.Join(drawn(a), ",")
	}
	if !differs {
		t.Error("every seed draws the same relations")
	}
	all := drawn(form(1000, 1))
	if len(all) != len(ds.Relations) {
		t.Errorf("asked for more than there are: drew %d of %d", len(all), len(ds.Relations))
	}
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Errorf("%s drawn twice", id)
		}
		seen[id] = true
	}
	whole := form(1000, 1)
	for _, r := range ds.Relations {
		for _, e := range r.Evidence {
			if !strings.Contains(whole, "“"+e.Quote+"”") {
				t.Errorf("%s: quote %q not in the form", r.ID, e.Quote)
			}
		}
	}
	for _, p := range ds.Predicates {
		if strings.Contains(whole, "**"+p.ID+"**") && !strings.Contains(whole, p.Definition) {
			t.Errorf("predicate %s drawn without its definition", p.ID)
		}
	}
	if err := loaders.WriteReview(&strings.Builder{}, ds, 0, 1); !errors.Is(err, domain.ErrInvalidArgument) {
		t.Errorf("no relation asked for: %v", err)
	}
}
