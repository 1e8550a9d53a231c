package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cayleygraph/cayley/graph"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// The anchor's question, asked of a generation digidip wrote, answers
// every entity with ten of its own outgoing relations' objects, each with
// the object's name and kind: what digidip's answer holds.
func TestAskerAnswersLikeDigidip(t *testing.T) {
	ctx := context.Background()
	ds := synth.Dataset(20000, 1)
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{Backend: "bolt", Address: dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := store.Prepare(vocab.Quads(ds))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	gen := st.Generation()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	qs, err := graph.NewQuadStore("bolt", filepath.Join(dir, gen), graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer qs.Close()

	byID := map[string]*domain.Entity{}
	for _, e := range ds.Entities {
		byID[e.ID] = e
	}
	objects := map[string]map[string]bool{}
	for _, r := range ds.Relations {
		if objects[r.Subject] == nil {
			objects[r.Subject] = map[string]bool{}
		}
		objects[r.Subject][r.Object] = true
	}
	hop := oneHop{Name: "http://www.w3.org/2000/01/rdf-schema#label", Kind: "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", First: 10}
	for _, pr := range ds.Predicates {
		hop.Predicates = append(hop.Predicates, string(vocab.PredicateIRI(pr.ID)))
	}
	ask := asker(qs, hop)
	asked := 0
	for subject, objs := range objects {
		n := 0
		for _, r := range ds.Relations {
			if r.Subject == subject {
				n++
			}
		}
		if n < 10 {
			continue
		}
		asked++
		got, err := ask(ctx, string(vocab.EntityIRI(subject)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 10 {
			t.Errorf("%s: %d objects, want 10", subject, len(got))
		}
		for _, o := range got {
			e := byID[strings.TrimPrefix(o.id, string(vocab.EntityIRI("")))]
			switch {
			case e == nil || !objs[e.ID]:
				t.Errorf("%s: object %s is not one of its relations' objects", subject, o.id)
			case o.name != e.Name:
				t.Errorf("%s: object %s named %q, want %q", subject, o.id, o.name, e.Name)
			case o.kind != string(vocab.KindIRI(e.Kind)):
				t.Errorf("%s: object %s of kind %q, want %q", subject, o.id, o.kind, vocab.KindIRI(e.Kind))
			}
		}
	}
	if asked == 0 {
		t.Fatal("no entity with ten outgoing relations")
	}
}
