package store

import (
	"context"
	"errors"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/vocab"
)

// Health.Behind dates from the first look that found the backend naming a
// generation the store has not installed, survives failed looks and later
// ones naming the same generation, and clears once the store serves it.
func TestHealthBehind(t *testing.T) {
	ctx := context.Background()
	b := &memBackend{}
	st := mustOpen(t, func() (*Store, error) { return open(ctx, Options{Backend: "memory"}, b, nil) })
	if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
		t.Fatal(err)
	}
	served := st.Generation()
	if h := st.Health(); h.Current != served || !h.Behind.IsZero() || h.Err != nil {
		t.Fatalf("after a load: %+v", h)
	}

	// the backend names a newer generation this store cannot read
	b.mu.Lock()
	qs := b.cur
	b.name, b.cur = "mem-99", nil
	b.mu.Unlock()
	if _, err := st.Refresh(ctx); err == nil {
		t.Fatal("a generation that is gone was read")
	}
	first := st.Health()
	if first.Current != "mem-99" || first.Behind.IsZero() || st.Generation() != served {
		t.Fatalf("behind: %+v, serving %s", first, st.Generation())
	}
	st.checked("", errors.New("connection refused"))
	if _, err := st.Refresh(ctx); err == nil {
		t.Fatal("a generation that is gone was read")
	}
	if h := st.Health(); !h.Behind.Equal(first.Behind) || h.Current != "mem-99" {
		t.Errorf("a failed look and a second refresh moved Behind: %+v, first %+v", h, first)
	}

	// the backend names the served generation again
	b.mu.Lock()
	b.name, b.cur = served, qs
	b.mu.Unlock()
	if _, err := st.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if h := st.Health(); !h.Behind.IsZero() || h.Current != served {
		t.Errorf("serving what the backend names, still behind: %+v", h)
	}
}
