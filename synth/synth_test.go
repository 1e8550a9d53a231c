package synth_test

import (
	"context"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

func TestDataset(t *testing.T) {
	for _, n := range []int{2000, 20000} {
		ds := synth.Dataset(n, 1)
		qs := vocab.Quads(ds)
		if len(qs) < n*8/10 || len(qs) > n*12/10 {
			t.Errorf("asked %d quads, got %d", n, len(qs))
		}
		ds, err := vocab.DecodeQuads(qs)
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		g := projection.Graph(ds)
		// every quote is where its offsets say
		for _, r := range ds.Relations {
			e := r.Evidence[0]
			if got := string([]rune(domaintest.Must(g.Paragraph(context.Background(), e.Paragraph)).Text)[e.Start:e.End]); got != e.Quote {
				t.Fatalf("%s: %q at %d..%d, quote %q", r.ID, got, e.Start, e.End, e.Quote)
			}
		}
		// skewed: the biggest hub has many times the mean degree
		mean := 2 * len(domaintest.Must(g.Relations(context.Background(), engine.RelationFilter{}))) / len(domaintest.Must(g.Entities(context.Background(), "")))
		if hub := domaintest.Must(g.Degree(context.Background(), "e0")); hub < 3*mean {
			t.Errorf("%d: the hub has degree %d, the mean is %d", n, hub, mean)
		}
		// names and aliases are searchable
		e := domaintest.Must(g.Entity(context.Background(), "e7"))
		if hits := domaintest.Must(g.Search(context.Background(), e.Aliases[0], nil, 5)); len(hits) == 0 || hits[0].ID != "e7" && hits[0].Aliases[0] != e.Aliases[0] {
			t.Errorf("search %q: %v", e.Aliases[0], hits)
		}
	}
	a, b := vocab.Quads(synth.Dataset(5000, 7)), vocab.Quads(synth.Dataset(5000, 7))
	if len(a) != len(b) {
		t.Fatal("not deterministic")
	}
	for i := range a {
		if a[i].NQuad() != b[i].NQuad() {
			t.Fatalf("quad %d differs between two runs", i)
		}
	}
	// and it loads
	st, err := store.Open(context.Background(), store.Options{Backend: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Replace(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}
