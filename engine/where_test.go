package engine_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/synth"
)

// TestWhereMatchesScan holds the set-at-a-time filter evaluation to a
// plain one that checks each item against the dataset on its own, over
// random filters drawn from the data's own values.
func TestWhereMatchesScan(t *testing.T) {
	embedded, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range []*domain.Dataset{embedded, synth.Dataset(20000, 5)} {
		t.Run(ds.Source, func(t *testing.T) { whereMatchesScan(t, ds) })
	}
}

// scan answers filters by looking at one item at a time.
type scan struct {
	ds      *domain.Dataset
	ents    map[string]*domain.Entity
	paras   map[string]*domain.Paragraph
	out, in map[string][]*domain.Relation
	degree  map[string]int
	mention map[string][]string
}

func newScan(ds *domain.Dataset) *scan {
	s := &scan{ds: ds, ents: map[string]*domain.Entity{}, paras: map[string]*domain.Paragraph{},
		out: map[string][]*domain.Relation{}, in: map[string][]*domain.Relation{}, degree: map[string]int{}, mention: map[string][]string{}}
	for _, e := range ds.Entities {
		s.ents[e.ID] = e
	}
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			s.paras[p.ID] = p
			for _, m := range p.Mentions {
				s.mention[m] = append(s.mention[m], p.ID)
			}
		}
	}
	for _, r := range ds.Relations {
		s.out[r.Subject] = append(s.out[r.Subject], r)
		s.in[r.Object] = append(s.in[r.Object], r)
		s.degree[r.Subject]++
		if r.Object != r.Subject {
			s.degree[r.Object]++
		}
	}
	return s
}

func text(t *engine.Text, v string) bool {
	if t == nil {
		return true
	}
	fold := func(s string) string { // the words, lower case, as the API compares them
		return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r > 127)
		}), " ")
	}
	return (t.Eq == nil || v == *t.Eq) && (t.In == nil || slices.Contains(t.In, v)) &&
		(t.Contains == nil || strings.Contains(fold(v), fold(*t.Contains))) &&
		(t.StartsWith == nil || strings.HasPrefix(fold(v), fold(*t.StartsWith))) &&
		(t.EndsWith == nil || strings.HasSuffix(fold(v), fold(*t.EndsWith)))
}

func count[T any](items []T, match func(T) bool) (m int) {
	for _, it := range items {
		if match(it) {
			m++
		}
	}
	return m
}

func quant[T, W any](q *engine.Quantified[W], items []T, match func(T, *W) bool) bool {
	if q == nil {
		return true
	}
	n := len(items)
	m := func(w *W) int { return count(items, func(it T) bool { return match(it, w) }) }
	return (q.Some == nil || m(q.Some) > 0) && (q.None == nil || m(q.None) == 0) &&
		(q.All == nil || m(q.All) == n) && (q.Single == nil || m(q.Single) == 1)
}

func logic[T, W any](it T, and, or []*W, not *W, match func(T, *W) bool) bool {
	for _, a := range and {
		if !match(it, a) {
			return false
		}
	}
	if len(or) > 0 && !slices.ContainsFunc(or, func(o *W) bool { return match(it, o) }) {
		return false
	}
	return not == nil || !match(it, not)
}

func (s *scan) entity(id string, w *engine.EntityWhere) bool {
	e := s.ents[id]
	if e == nil {
		return false
	}
	rels := append(slices.Clone(s.out[id]), s.in[id]...)
	switch w.RelationsDir {
	case engine.Out:
		rels = s.out[id]
	case engine.In:
		rels = s.in[id]
	default:
		// a relation with itself is one relation
		rels = slices.DeleteFunc(rels, func(r *domain.Relation) bool { return r.Subject == r.Object && r.Subject == id })
		for _, r := range s.out[id] {
			if r.Object == id {
				rels = append(rels, r)
			}
		}
	}
	facts := make([]*domain.Fact, len(e.Facts))
	for i := range e.Facts {
		facts[i] = &e.Facts[i]
	}
	names := append(append([]string{e.Name}, e.Aliases...), e.Common...)
	return text(w.ID, id) && text(w.Name, e.Name) && text(w.Description, e.Description) &&
		(w.AnyName == nil || slices.ContainsFunc(names, func(n string) bool { return text(w.AnyName, n) })) &&
		(w.Kind == nil || (w.Kind.Eq == nil || e.Kind == *w.Kind.Eq) && (w.Kind.In == nil || slices.Contains(w.Kind.In, e.Kind))) &&
		(w.Degree == nil || number(w.Degree, float64(s.degree[id]))) &&
		quant(w.Relations, rels, s.relation) &&
		quant(w.Facts, facts, s.fact) &&
		quant(w.MentionedIn, s.mention[id], s.paragraph) &&
		logic(id, w.And, w.Or, w.Not, s.entity)
}

func number(n *engine.Number, x float64) bool {
	return (n.Eq == nil || x == *n.Eq) && (n.In == nil || slices.Contains(n.In, x)) &&
		(n.Lt == nil || x < *n.Lt) && (n.Lte == nil || x <= *n.Lte) && (n.Gt == nil || x > *n.Gt) && (n.Gte == nil || x >= *n.Gte)
}

func (s *scan) fact(f *domain.Fact, w *engine.FactWhere) bool {
	return text(w.Key, f.Key) && text(w.Text, f.Text) && text(w.Unit, f.Unit) &&
		(w.Number == nil || f.Number != nil && number(w.Number, *f.Number)) &&
		logic(f, w.And, w.Or, w.Not, s.fact)
}

func (s *scan) relation(r *domain.Relation, w *engine.RelationWhere) bool {
	docs := map[string]bool{}
	evs := make([]evidence, len(r.Evidence))
	for i := range r.Evidence {
		docs[r.Evidence[i].Document] = true
		evs[i] = evidence{r, &r.Evidence[i]}
	}
	return text(w.ID, r.ID) &&
		(w.Predicate == nil || (w.Predicate.Eq == nil || r.Predicate == *w.Predicate.Eq) && (w.Predicate.In == nil || slices.Contains(w.Predicate.In, r.Predicate))) &&
		(w.Subject == nil || s.entity(r.Subject, w.Subject)) && (w.Object == nil || s.entity(r.Object, w.Object)) &&
		(w.Either == nil || s.entity(r.Subject, w.Either) || s.entity(r.Object, w.Either)) &&
		(w.Sources == nil || number(w.Sources, float64(len(docs)))) &&
		(w.Implied == nil || r.Implied == *w.Implied) && anyVerb(w.Verb, r) && modality(w.Modality, r.Modality()) &&
		quant(w.Evidence, evs, s.evidence) &&
		logic(r, w.And, w.Or, w.Not, s.relation)
}

// anyVerb holds when one of r's verbs matches t, "" standing for none.
func anyVerb(t *engine.Text, r *domain.Relation) bool {
	verbs := []string{""}
	for _, e := range r.Evidence {
		if e.Verb != "" {
			if verbs[0] == "" {
				verbs = verbs[:0]
			}
			verbs = append(verbs, e.Verb)
		}
	}
	return slices.ContainsFunc(verbs, func(v string) bool { return text(t, v) })
}

func modality(w *engine.OneOf[domain.Modality], m domain.Modality) bool {
	return w == nil || (w.Eq == nil || m == *w.Eq) && (w.In == nil || slices.Contains(w.In, m))
}

type evidence struct {
	r *domain.Relation
	e *domain.Evidence
}

func (s *scan) evidence(e evidence, w *engine.EvidenceWhere) bool {
	return (w.Document == nil || (w.Document.Eq == nil || e.e.Document == *w.Document.Eq) && (w.Document.In == nil || slices.Contains(w.Document.In, e.e.Document))) &&
		text(w.Quote, e.e.Quote) && text(w.Verb, e.e.Verb) && modality(w.Modality, e.e.Modality) &&
		(w.Paragraph == nil || s.paragraph(e.e.Paragraph, w.Paragraph)) &&
		logic(e, w.And, w.Or, w.Not, s.evidence)
}

func (s *scan) paragraph(id string, w *engine.ParagraphWhere) bool {
	p := s.paras[id]
	if p == nil {
		return false
	}
	within := w.Within == nil
	for q := id; q != "" && !within; q = s.paras[q].Parent {
		within = q == *w.Within
	}
	return within && text(w.ID, id) && text(w.Number, p.Number) && text(w.Section, p.Section) && text(w.Text, p.Text) &&
		(w.Document == nil || (w.Document.Eq == nil || p.Document == *w.Document.Eq) && (w.Document.In == nil || slices.Contains(w.Document.In, p.Document))) &&
		quant(w.Mentions, p.Mentions, s.entity) &&
		logic(id, w.And, w.Or, w.Not, s.paragraph)
}

// gen draws random filters from a dataset's values.
type gen struct {
	rng                                  *rand.Rand
	ds                                   *domain.Dataset
	ents, paras, docs, preds, words, num []string
}

func (g *gen) pick(l []string) string { return l[g.rng.IntN(len(l))] }
func (g *gen) ptr(s string) *string   { return &s }
func (g *gen) chance(n int) bool      { return g.rng.IntN(n) == 0 }

func (g *gen) text(values []string) *engine.Text {
	switch g.rng.IntN(5) {
	case 0:
		return &engine.Text{Eq: g.ptr(g.pick(values))}
	case 1:
		return &engine.Text{In: []string{g.pick(values), g.pick(values)}}
	case 2:
		w := g.pick(g.words)
		return &engine.Text{Contains: &w}
	case 3:
		v := g.pick(values)
		return &engine.Text{StartsWith: g.ptr(v[:min(len(v), 1+g.rng.IntN(6))])}
	}
	v := g.pick(values)
	return &engine.Text{EndsWith: g.ptr(v[max(0, len(v)-1-g.rng.IntN(6)):])}
}

func (g *gen) number() *engine.Number {
	x := float64(g.rng.IntN(6))
	switch g.rng.IntN(5) {
	case 0:
		return &engine.Number{Eq: &x}
	case 1:
		return &engine.Number{Lt: &x}
	case 2:
		return &engine.Number{Gte: &x}
	case 3:
		return &engine.Number{In: []float64{x, x + 1}}
	}
	return &engine.Number{Gt: &x, Lte: new(float64(x + 3))}
}

// quantOf sets one or two of a list condition's parts.
func quantOf[W any](g *gen, make func() *W) *engine.Quantified[W] {
	q := &engine.Quantified[W]{}
	parts := []**W{&q.Some, &q.None, &q.All, &q.Single}
	for range 1 + g.rng.IntN(2) {
		*parts[g.rng.IntN(len(parts))] = make()
	}
	return q
}

func (g *gen) entity(depth int) *engine.EntityWhere {
	w := &engine.EntityWhere{}
	for range 1 + g.rng.IntN(2) {
		switch g.rng.IntN(9) {
		case 0:
			w.ID = g.text(g.ents)
		case 1:
			k := domain.Kinds[g.rng.IntN(len(domain.Kinds))]
			w.Kind = &engine.OneOf[domain.Kind]{Eq: &k}
		case 2:
			w.Kind = &engine.OneOf[domain.Kind]{In: []domain.Kind{domain.Kinds[g.rng.IntN(len(domain.Kinds))], domain.Kinds[g.rng.IntN(len(domain.Kinds))]}}
		case 3:
			w.Name = &engine.Text{Contains: g.ptr(g.pick(g.words))}
		case 4:
			w.AnyName = &engine.Text{StartsWith: g.ptr(g.pick(g.words))}
		case 5:
			w.Degree = g.number()
		case 6:
			w.Facts = quantOf(g, func() *engine.FactWhere {
				return &engine.FactWhere{Key: &engine.Text{Eq: g.ptr(g.pick(domain.FactKeys))}}
			})
		}
		if depth > 0 {
			switch g.rng.IntN(6) {
			case 0:
				w.Relations, w.RelationsDir = quantOf(g, func() *engine.RelationWhere { return g.relation(depth - 1) }), engine.Direction(g.rng.IntN(3))
			case 1:
				w.MentionedIn = quantOf(g, func() *engine.ParagraphWhere { return g.paragraph(depth - 1) })
			case 2:
				w.Or = []*engine.EntityWhere{g.entity(depth - 1), g.entity(depth - 1)}
			case 3:
				w.Not = g.entity(depth - 1)
			case 4:
				w.And = []*engine.EntityWhere{g.entity(depth - 1)}
			}
		}
	}
	return w
}

func (g *gen) relation(depth int) *engine.RelationWhere {
	w := &engine.RelationWhere{}
	for range 1 + g.rng.IntN(2) {
		switch g.rng.IntN(6) {
		case 0:
			p := g.pick(g.preds)
			w.Predicate = &engine.OneOf[string]{Eq: &p}
		case 1:
			w.Predicate = &engine.OneOf[string]{In: []string{g.pick(g.preds), g.pick(g.preds)}}
		case 2:
			w.Sources = g.number()
		case 3:
			b := g.chance(2)
			w.Implied = &b
		case 4:
			w.Verb = &engine.Text{Contains: g.ptr(g.pick([]string{"calls", "invites", "on", "will", "encourages"}))}
		case 5:
			w.Modality = g.modality()
		}
		if depth > 0 {
			switch g.rng.IntN(7) {
			case 0:
				w.Subject = g.entity(depth - 1)
			case 1:
				w.Object = g.entity(depth - 1)
			case 2:
				w.Either = g.entity(depth - 1)
			case 3:
				w.Evidence = quantOf(g, func() *engine.EvidenceWhere { return g.evidence(depth - 1) })
			case 4:
				w.Or = []*engine.RelationWhere{g.relation(depth - 1), g.relation(depth - 1)}
			case 5:
				w.Not = g.relation(depth - 1)
			}
		}
	}
	return w
}

func (g *gen) modality() *engine.OneOf[domain.Modality] {
	pick := func() domain.Modality { return domain.Modalities[g.rng.IntN(len(domain.Modalities))].Modality }
	if g.chance(2) {
		m := pick()
		return &engine.OneOf[domain.Modality]{Eq: &m}
	}
	return &engine.OneOf[domain.Modality]{In: []domain.Modality{pick(), pick()}}
}

func (g *gen) evidence(depth int) *engine.EvidenceWhere {
	w := &engine.EvidenceWhere{}
	switch g.rng.IntN(5) {
	case 0:
		d := g.pick(g.docs)
		w.Document = &engine.OneOf[string]{Eq: &d}
	case 1:
		w.Quote = &engine.Text{Contains: g.ptr(g.pick(g.words))}
	case 2:
		w.Verb = &engine.Text{Contains: g.ptr(g.pick([]string{"calls", "invites"}))}
	case 3:
		w.Modality = g.modality()
	}
	if depth > 0 && g.chance(2) {
		w.Paragraph = g.paragraph(depth - 1)
	}
	if depth > 0 && g.chance(4) {
		w.Not = g.evidence(depth - 1)
	}
	return w
}

func (g *gen) paragraph(depth int) *engine.ParagraphWhere {
	w := &engine.ParagraphWhere{}
	switch g.rng.IntN(6) {
	case 0:
		w.ID = g.text(g.paras)
	case 1:
		d := g.pick(g.docs)
		w.Document = &engine.OneOf[string]{Eq: &d}
	case 2:
		w.Number = g.text(g.num)
	case 3:
		w.Text = &engine.Text{Contains: g.ptr(g.pick(g.words))}
	case 4:
		p := g.pick(g.paras)
		w.Within = &p
	}
	if depth > 0 {
		switch g.rng.IntN(4) {
		case 0:
			w.Mentions = quantOf(g, func() *engine.EntityWhere { return g.entity(depth - 1) })
		case 1:
			w.Or = []*engine.ParagraphWhere{g.paragraph(depth - 1), g.paragraph(depth - 1)}
		case 2:
			w.Not = g.paragraph(depth - 1)
		}
	}
	return w
}

func whereMatchesScan(t *testing.T, ds *domain.Dataset) {
	g := projection.NewGraph(domaintest.Clone(ds))
	ctx := context.Background()
	s := newScan(ds)
	gn := &gen{rng: rand.New(rand.NewPCG(7, 11)), ds: ds}
	var edges []engine.Edge
	for _, e := range ds.Entities {
		gn.ents = append(gn.ents, e.ID)
		for _, w := range strings.Fields(e.Name) {
			if len(w) > 3 {
				gn.words = append(gn.words, strings.ToLower(w))
			}
		}
	}
	for _, d := range ds.Documents {
		gn.docs = append(gn.docs, d.ID)
		for _, p := range d.Paragraphs {
			gn.paras = append(gn.paras, p.ID)
			gn.num = append(gn.num, p.Number)
		}
	}
	for _, p := range ds.Predicates {
		gn.preds = append(gn.preds, p.ID)
	}
	slices.Sort(gn.ents)
	for _, r := range ds.Relations {
		edges = append(edges, engine.Edge{ID: r.ID, Subject: r.Subject, Predicate: r.Predicate, Object: r.Object})
	}
	slices.SortFunc(edges, func(a, b engine.Edge) int { return strings.Compare(a.ID, b.ID) })
	byID := map[string]*domain.Relation{}
	for _, r := range ds.Relations {
		byID[r.ID] = r
	}
	n := 300
	if len(ds.Entities) > 1000 {
		n = 60 // the scan is quadratic in places
	}
	nonEmpty := [3]int{}
	for i := range n {
		ew := gn.entity(2)
		want := slices.DeleteFunc(slices.Clone(gn.ents), func(id string) bool { return !s.entity(id, ew) })
		got, err := g.FilterEntities(ctx, gn.ents, ew)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("entity filter %d: got %d %v, want %d %v", i, len(got), head(got), len(want), head(want))
		}
		nonEmpty[0] += min(len(want), 1)

		rw := gn.relation(2)
		var wantR []string
		for _, e := range edges {
			if s.relation(byID[e.ID], rw) {
				wantR = append(wantR, e.ID)
			}
		}
		gotE, err := g.FilterRelations(ctx, edges, rw)
		if err != nil {
			t.Fatal(err)
		}
		if gotR := relationIDs(gotE); !slices.Equal(gotR, append([]string{}, wantR...)) {
			t.Errorf("relation filter %d: got %d %v, want %d %v", i, len(gotR), head(gotR), len(wantR), head(wantR))
		}
		nonEmpty[1] += min(len(wantR), 1)

		pw := gn.paragraph(2)
		wantP := slices.DeleteFunc(slices.Clone(gn.paras), func(id string) bool { return !s.paragraph(id, pw) })
		gotP, err := g.FilterParagraphs(ctx, gn.paras, pw)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(gotP, wantP) {
			t.Errorf("paragraph filter %d: got %d %v, want %d %v", i, len(gotP), head(gotP), len(wantP), head(wantP))
		}
		nonEmpty[2] += min(len(wantP), 1)
	}
	for i, what := range []string{"entity", "relation", "paragraph"} {
		if nonEmpty[i] < n/4 {
			t.Errorf("only %d of %d %s filters keep anything: too few to test by", nonEmpty[i], n, what)
		}
	}
}

func head(ids []string) []string { return ids[:min(len(ids), 5)] }
