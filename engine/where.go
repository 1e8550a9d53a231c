package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/digidip/digidip/domain"
)

// Text is a condition on a text: Eq and In exactly, Contains, StartsWith
// and EndsWith ignoring case, accents and punctuation. Every part given must
// hold; an In that is empty (not nil) holds for nothing.
type Text struct {
	Eq                             *string
	In                             []string
	Contains, StartsWith, EndsWith *string

	folded [3]string // the last three, normalized on first use
	ready  bool
}

func (t *Text) match(s string) bool {
	if t == nil {
		return true
	}
	if t.Eq != nil && s != *t.Eq || t.In != nil && !slices.Contains(t.In, s) {
		return false
	}
	if t.Contains == nil && t.StartsWith == nil && t.EndsWith == nil {
		return true
	}
	if !t.ready {
		for i, p := range []*string{t.Contains, t.StartsWith, t.EndsWith} {
			if p != nil {
				t.folded[i] = normalize(*p)
			}
		}
		t.ready = true
	}
	n := normalize(s)
	return (t.Contains == nil || strings.Contains(n, t.folded[0])) &&
		(t.StartsWith == nil || strings.HasPrefix(n, t.folded[1])) &&
		(t.EndsWith == nil || strings.HasSuffix(n, t.folded[2]))
}

// Number is a condition on a number; every part given must hold.
type Number struct {
	Eq               *float64
	In               []float64
	Lt, Lte, Gt, Gte *float64
}

func (m *Number) match(x float64) bool {
	return m == nil || (m.Eq == nil || x == *m.Eq) && (m.In == nil || slices.Contains(m.In, x)) &&
		(m.Lt == nil || x < *m.Lt) && (m.Lte == nil || x <= *m.Lte) &&
		(m.Gt == nil || x > *m.Gt) && (m.Gte == nil || x >= *m.Gte)
}

// Date is a condition on a date (ISO 8601 or EDTF, as facts hold them),
// compared by the first day it may mean: Lt and Gte against the first day
// of the date given, Lte and Gt against its last, Eq within it.
type Date struct {
	Eq, Lt, Lte, Gt, Gte *string
}

func (m *Date) match(date string) bool {
	if m == nil {
		return true
	}
	if date == "" {
		return false
	}
	lo, hi := bounds(date)
	return (m.Eq == nil || lo >= first(*m.Eq) && hi <= last(*m.Eq)) &&
		(m.Lt == nil || lo < first(*m.Lt)) && (m.Lte == nil || lo <= last(*m.Lte)) &&
		(m.Gt == nil || lo > last(*m.Gt)) && (m.Gte == nil || lo >= first(*m.Gte))
}

// OneOf is a condition on a value from a closed set (a kind, a predicate
// id, a document id): Eq and In must both hold when given.
type OneOf[T comparable] struct {
	Eq *T
	In []T
}

func (m *OneOf[T]) match(v T) bool {
	return m == nil || (m.Eq == nil || v == *m.Eq) && (m.In == nil || slices.Contains(m.In, v))
}

// Quantified is a condition on a list: Some holds when an item matches,
// None when none does, All when every one does (an empty list too), Single
// when exactly one does. Every part given must hold.
type Quantified[W any] struct {
	Some, None, All, Single *W
}

// EntityWhere keeps the entities for which every part given holds.
type EntityWhere struct {
	And, Or []*EntityWhere
	Not     *EntityWhere

	ID, Name, AnyName, Description *Text
	Kind                           *OneOf[domain.Kind]
	Degree                         *Number
	// Relations looks at the entity's relations in RelationsDir.
	Relations    *Quantified[RelationWhere]
	RelationsDir Direction
	Facts        *Quantified[FactWhere]
	MentionedIn  *Quantified[ParagraphWhere]
}

// RelationWhere keeps the relations for which every part given holds.
type RelationWhere struct {
	And, Or []*RelationWhere
	Not     *RelationWhere

	ID                      *Text
	Predicate               *OneOf[string]
	Subject, Object, Either *EntityWhere
	Evidence                *Quantified[EvidenceWhere]
	// Sources counts the distinct documents of the evidence.
	Sources *Number
	Implied *bool
	// Verb holds when one of the relation's verbs matches (a relation
	// without one is matched as "").
	Verb *Text
	// Modality is the firmest of the evidence's modalities
	// (domain.Relation.Modality).
	Modality *OneOf[domain.Modality]
}

// EvidenceWhere keeps the evidence items for which every part given holds.
type EvidenceWhere struct {
	And, Or []*EvidenceWhere
	Not     *EvidenceWhere

	Document    *OneOf[string]
	Paragraph   *ParagraphWhere
	Quote, Verb *Text
	Modality    *OneOf[domain.Modality]
}

// ParagraphWhere keeps the paragraphs for which every part given holds.
type ParagraphWhere struct {
	And, Or []*ParagraphWhere
	Not     *ParagraphWhere

	ID                    *Text
	Document              *OneOf[string]
	Number, Section, Text *Text
	// Within is a paragraph whose subtree the paragraph must be in.
	Within   *string
	Mentions *Quantified[EntityWhere]
}

// FactWhere keeps the facts for which every part given holds.
type FactWhere struct {
	And, Or []*FactWhere
	Not     *FactWhere

	Key, Text, Unit *Text
	Date            *Date
	Number          *Number
}

// FilterEntities keeps the entities of ids (any order) that w keeps, in
// the same order. A nil w keeps them all.
func (g *Graph) FilterEntities(ctx context.Context, ids []string, w *EntityWhere) ([]string, error) {
	if w == nil {
		return ids, nil
	}
	f := g.newFilter(ctx)
	ok, err := f.entities(ids, w)
	return keep(ids, ok), err
}

// FilterRelations keeps the relations of edges that w keeps, in order.
func (g *Graph) FilterRelations(ctx context.Context, edges []Edge, w *RelationWhere) ([]Edge, error) {
	if w == nil {
		return edges, nil
	}
	f := g.newFilter(ctx)
	ok, err := f.relations(edges, w)
	return keep(edges, ok), err
}

// FilterParagraphs keeps the paragraphs of ids that w keeps, in order.
func (g *Graph) FilterParagraphs(ctx context.Context, ids []string, w *ParagraphWhere) ([]string, error) {
	if w == nil {
		return ids, nil
	}
	f := g.newFilter(ctx)
	ok, err := f.paragraphs(ids, w)
	return keep(ids, ok), err
}

// FilterFacts keeps the facts that w keeps, in order.
func FilterFacts(facts []*domain.Fact, w *FactWhere) []*domain.Fact {
	if w == nil {
		return facts
	}
	ok, _ := (&filter{}).facts(facts, w) // facts are in hand: nothing to read, nothing to fail
	return keep(facts, ok)
}

// EntityCandidates is where a filter over every entity starts: the
// entities of the kinds, or with the ids, w's top level names, else all,
// in id order.
func (g *Graph) EntityCandidates(ctx context.Context, w *EntityWhere) ([]string, error) {
	if w != nil && w.ID != nil && w.ID.In != nil && w.ID.Eq == nil {
		return g.existing(ctx, w.ID.In)
	}
	if w != nil && w.ID != nil && w.ID.Eq != nil {
		return g.existing(ctx, []string{*w.ID.Eq})
	}
	if w != nil && w.Kind != nil {
		kinds := w.Kind.In
		if w.Kind.Eq != nil {
			kinds = []domain.Kind{*w.Kind.Eq}
		}
		var out []string
		for _, k := range kinds {
			ids, err := g.r.EntityIDs(ctx, k)
			if err != nil {
				return nil, err
			}
			out = append(out, ids...)
		}
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	return g.r.EntityIDs(ctx, "")
}

// existing is ids that name entities, sorted, each once.
func (g *Graph) existing(ctx context.Context, ids []string) ([]string, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	es, err := g.r.Entities(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := ids[:0]
	for i, e := range es {
		if e != nil {
			out = append(out, ids[i])
		}
	}
	return out, nil
}

// RelationIndex is the part of w that an index answers: the predicates,
// ends and evidence its top level (and its top-level AND) requires, as a
// RelationFilter to start from before w filters the rest.
func RelationIndex(w *RelationWhere) RelationFilter {
	var f RelationFilter
	var walk func(w *RelationWhere)
	walk = func(w *RelationWhere) {
		if w == nil {
			return
		}
		if p := w.Predicate; p != nil && f.Predicates == nil {
			switch {
			case p.Eq != nil:
				f.Predicates = []string{*p.Eq}
			case len(p.In) > 0:
				f.Predicates = p.In
			}
		}
		if id := onlyID(w.Subject); id != "" && f.Subject == "" {
			f.Subject = id
		}
		if id := onlyID(w.Object); id != "" && f.Object == "" {
			f.Object = id
		}
		if id := onlyID(w.Either); id != "" && f.Entity == "" {
			f.Entity = id
		}
		if w.Evidence != nil && w.Evidence.Some != nil {
			ev := w.Evidence.Some
			if d := ev.Document; d != nil && d.Eq != nil && f.Document == "" {
				f.Document = *d.Eq
			}
			if p := ev.Paragraph; p != nil && f.Paragraph == "" {
				if p.ID != nil && p.ID.Eq != nil {
					f.Paragraph = *p.ID.Eq
				} else if p.Within != nil {
					f.Paragraph, f.Subtree = *p.Within, true
				}
			}
		}
		for _, a := range w.And {
			walk(a)
		}
	}
	walk(w)
	return f
}

// onlyID is the id an entity filter requires by eq, "" when none.
func onlyID(w *EntityWhere) string {
	if w != nil && w.ID != nil && w.ID.Eq != nil {
		return *w.ID.Eq
	}
	return ""
}

func keep[T any](items []T, ok []bool) []T {
	out := make([]T, 0, len(items))
	for i, it := range items {
		if ok[i] {
			out = append(out, it)
		}
	}
	return out
}

// filter evaluates where filters over sets rather than one item at a
// time, so that each level of a nested filter costs one batched lookup;
// it keeps what it read for the rest of the evaluation. It serves one
// request and is not safe for concurrent use.
type filter struct {
	ctx     context.Context
	g       *Graph
	ents    map[string]*domain.Entity
	rels    map[string]*domain.Relation
	paras   map[string]*domain.Paragraph
	degrees map[string]int
	within  map[string]map[string]bool
}

func (g *Graph) newFilter(ctx context.Context) *filter {
	return &filter{ctx: ctx, g: g, ents: map[string]*domain.Entity{}, rels: map[string]*domain.Relation{},
		paras: map[string]*domain.Paragraph{}, degrees: map[string]int{}, within: map[string]map[string]bool{}}
}

// narrow clears ok where test, run on the items still ok, fails.
func narrow[T any](items []T, ok []bool, test func([]T) ([]bool, error)) error {
	var sub []T
	var at []int
	for i, it := range items {
		if ok[i] {
			sub, at = append(sub, it), append(at, i)
		}
	}
	if len(sub) == 0 {
		return nil
	}
	res, err := test(sub)
	if err != nil {
		return err
	}
	for j, r := range res {
		if !r {
			ok[at[j]] = false
		}
	}
	return nil
}

// logic narrows ok by a filter's AND, OR and NOT.
func logic[T, W any](items []T, ok []bool, and, or []*W, not *W, eval func([]T, *W) ([]bool, error)) error {
	for _, a := range and {
		if err := narrow(items, ok, func(s []T) ([]bool, error) { return eval(s, a) }); err != nil {
			return err
		}
	}
	if len(or) > 0 {
		matched := make([]bool, len(items))
		for _, o := range or {
			open := make([]bool, len(items))
			for i := range open {
				open[i] = ok[i] && !matched[i]
			}
			if err := narrow(items, open, func(s []T) ([]bool, error) { return eval(s, o) }); err != nil {
				return err
			}
			for i, m := range open {
				if m {
					matched[i] = true
				}
			}
		}
		for i := range ok {
			ok[i] = ok[i] && matched[i]
		}
	}
	if not != nil {
		return narrow(items, ok, func(s []T) ([]bool, error) {
			r, err := eval(s, not)
			for i := range r {
				r[i] = !r[i]
			}
			return r, err
		})
	}
	return nil
}

// quantify narrows ok by a condition on each item's list of children,
// evaluating the children of every item still ok in one call per part.
func quantify[C, W any](ok []bool, children [][]C, q *Quantified[W], eval func([]C, *W) ([]bool, error)) error {
	if q == nil {
		return nil
	}
	parts := []struct {
		w    *W
		test func(m, n int) bool
	}{
		{q.Some, func(m, _ int) bool { return m > 0 }},
		{q.None, func(m, _ int) bool { return m == 0 }},
		{q.All, func(m, n int) bool { return m == n }},
		{q.Single, func(m, _ int) bool { return m == 1 }},
	}
	for _, p := range parts {
		if p.w == nil {
			continue
		}
		var flat []C
		var owner []int
		for i := range ok {
			if ok[i] {
				for _, c := range children[i] {
					flat, owner = append(flat, c), append(owner, i)
				}
			}
		}
		var res []bool
		if len(flat) > 0 {
			var err error
			if res, err = eval(flat, p.w); err != nil {
				return err
			}
		}
		m := make([]int, len(ok))
		for j, r := range res {
			if r {
				m[owner[j]]++
			}
		}
		for i := range ok {
			if ok[i] && !p.test(m[i], len(children[i])) {
				ok[i] = false
			}
		}
	}
	return nil
}

func all(n int) []bool {
	ok := make([]bool, n)
	for i := range ok {
		ok[i] = true
	}
	return ok
}

// unique evaluates eval once per distinct id of ids.
func unique(ids []string, eval func([]string) ([]bool, error)) ([]bool, error) {
	distinct := slices.Clone(ids)
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	res, err := eval(distinct)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(ids))
	for i, id := range ids {
		j, _ := slices.BinarySearch(distinct, id)
		out[i] = res[j]
	}
	return out, nil
}

func (f *filter) loadEntities(ids []string) error {
	var need []string
	for _, id := range ids {
		if _, ok := f.ents[id]; !ok {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	es, err := f.g.r.Entities(f.ctx, need)
	if err != nil {
		return err
	}
	for i, e := range es {
		f.ents[need[i]] = e
	}
	return nil
}

func (f *filter) entities(ids []string, w *EntityWhere) ([]bool, error) {
	return unique(ids, func(ids []string) ([]bool, error) {
		ok := all(len(ids))
		if err := f.entityFields(ids, ok, w); err != nil {
			return nil, err
		}
		return ok, logic(ids, ok, w.And, w.Or, w.Not, f.entities)
	})
}

func (f *filter) entityFields(ids []string, ok []bool, w *EntityWhere) error {
	if w.ID != nil {
		for i, id := range ids {
			ok[i] = ok[i] && w.ID.match(id)
		}
	}
	if w.Kind != nil || w.Name != nil || w.AnyName != nil || w.Description != nil || w.Facts != nil {
		if err := f.loadEntities(keep(ids, ok)); err != nil {
			return err
		}
		for i, id := range ids {
			e := f.ents[id]
			if !ok[i] {
				continue
			}
			ok[i] = e != nil && w.Kind.match(e.Kind) && w.Name.match(e.Name) && w.Description.match(e.Description) &&
				(w.AnyName == nil || slices.ContainsFunc(append(append([]string{e.Name}, e.Aliases...), e.Common...), w.AnyName.match))
		}
		if w.Facts != nil {
			facts := make([][]*domain.Fact, len(ids))
			for i, id := range ids {
				if e := f.ents[id]; ok[i] && e != nil {
					for j := range e.Facts {
						facts[i] = append(facts[i], &e.Facts[j])
					}
				}
			}
			if err := quantify(ok, facts, w.Facts, f.facts); err != nil {
				return err
			}
		}
	}
	if w.Degree != nil {
		if err := narrow(ids, ok, func(s []string) ([]bool, error) {
			ds, err := f.g.r.Degrees(f.ctx, s)
			if err != nil {
				return nil, err
			}
			out := make([]bool, len(s))
			for i, d := range ds {
				out[i] = w.Degree.match(float64(d))
			}
			return out, nil
		}); err != nil {
			return err
		}
	}
	if w.Relations != nil {
		edges, err := f.edgesOf(ids, ok, w.RelationsDir)
		if err != nil {
			return err
		}
		if err := quantify(ok, edges, w.Relations, f.relations); err != nil {
			return err
		}
	}
	if w.MentionedIn != nil {
		sub := keep(ids, ok)
		lists, err := f.g.r.Mentions(f.ctx, sub)
		if err != nil {
			return err
		}
		paras := make([][]string, len(ids))
		j := 0
		for i := range ids {
			if ok[i] {
				paras[i] = lists[j]
				j++
			}
		}
		if err := quantify(ok, paras, w.MentionedIn, f.paragraphs); err != nil {
			return err
		}
	}
	return nil
}

// edgesOf lists the relations of each entity still ok, in dir.
func (f *filter) edgesOf(ids []string, ok []bool, dir Direction) ([][]Edge, error) {
	sub := keep(ids, ok)
	var out, in [][]Edge
	var err error
	if dir != In {
		if out, err = f.g.r.Edges(f.ctx, sub, Out, nil); err != nil {
			return nil, err
		}
	}
	if dir != Out {
		if in, err = f.g.r.Edges(f.ctx, sub, In, nil); err != nil {
			return nil, err
		}
	}
	lists := make([][]Edge, len(ids))
	j := 0
	for i := range ids {
		if !ok[i] {
			continue
		}
		switch dir {
		case Out:
			lists[i] = out[j]
		case In:
			lists[i] = in[j]
		default:
			lists[i] = Merge(out[j], in[j])
		}
		j++
	}
	return lists, nil
}

func (f *filter) facts(facts []*domain.Fact, w *FactWhere) ([]bool, error) {
	ok := all(len(facts))
	for i, x := range facts {
		ok[i] = w.Key.match(x.Key) && w.Text.match(x.Text) && w.Unit.match(x.Unit) && w.Date.match(x.Date) &&
			(w.Number == nil || x.Number != nil && w.Number.match(*x.Number))
	}
	return ok, logic(facts, ok, w.And, w.Or, w.Not, f.facts)
}

func (f *filter) loadRelations(edges []Edge) error {
	var need []Edge
	for _, e := range edges {
		if _, ok := f.rels[e.ID]; !ok {
			need = append(need, e)
		}
	}
	if len(need) == 0 {
		return nil
	}
	rs, err := f.g.r.Relations(f.ctx, ids(need))
	if err != nil {
		return err
	}
	for i, r := range rs {
		f.rels[need[i].ID] = r
	}
	return nil
}

func (f *filter) relations(edges []Edge, w *RelationWhere) ([]bool, error) {
	ok := all(len(edges))
	for i, e := range edges {
		ok[i] = w.ID.match(e.ID) && w.Predicate.match(e.Predicate)
	}
	for _, end := range []struct {
		w  *EntityWhere
		id func(Edge) string
	}{{w.Subject, func(e Edge) string { return e.Subject }}, {w.Object, func(e Edge) string { return e.Object }}} {
		if end.w == nil {
			continue
		}
		if err := narrow(edges, ok, func(s []Edge) ([]bool, error) {
			ends := make([]string, len(s))
			for i, e := range s {
				ends[i] = end.id(e)
			}
			return f.entities(ends, end.w)
		}); err != nil {
			return nil, err
		}
	}
	if w.Either != nil {
		if err := narrow(edges, ok, func(s []Edge) ([]bool, error) {
			ends := make([]string, 0, 2*len(s))
			for _, e := range s {
				ends = append(ends, e.Subject, e.Object)
			}
			res, err := f.entities(ends, w.Either)
			if err != nil {
				return nil, err
			}
			out := make([]bool, len(s))
			for i := range s {
				out[i] = res[2*i] || res[2*i+1]
			}
			return out, nil
		}); err != nil {
			return nil, err
		}
	}
	if w.Evidence != nil || w.Sources != nil || w.Implied != nil || w.Verb != nil || w.Modality != nil {
		if err := f.loadRelations(keep(edges, ok)); err != nil {
			return nil, err
		}
		evs := make([][]evidence, len(edges))
		for i, e := range edges {
			r := f.rels[e.ID]
			if !ok[i] {
				continue
			}
			if r == nil {
				ok[i] = false
				continue
			}
			ok[i] = (w.Implied == nil || r.Implied == *w.Implied) && verbMatch(w.Verb, r) &&
				w.Modality.match(r.Modality()) && (w.Sources == nil || w.Sources.match(float64(sources(r))))
			if w.Evidence != nil {
				for j := range r.Evidence {
					evs[i] = append(evs[i], evidence{r, &r.Evidence[j]})
				}
			}
		}
		if err := quantify(ok, evs, w.Evidence, f.evidence); err != nil {
			return nil, err
		}
	}
	return ok, logic(edges, ok, w.And, w.Or, w.Not, f.relations)
}

// verbMatch reports whether one of r's verbs matches t.
func verbMatch(t *Text, r *domain.Relation) bool {
	if t == nil {
		return true
	}
	vs := r.Verbs()
	if len(vs) == 0 {
		return t.match("")
	}
	return slices.ContainsFunc(vs, t.match)
}

// sources counts the documents that state r.
func sources(r *domain.Relation) int {
	n := 0
	for i, e := range r.Evidence {
		if !slices.ContainsFunc(r.Evidence[:i], func(x domain.Evidence) bool { return x.Document == e.Document }) {
			n++
		}
	}
	return n
}

type evidence struct {
	rel *domain.Relation
	ev  *domain.Evidence
}

func (f *filter) evidence(evs []evidence, w *EvidenceWhere) ([]bool, error) {
	ok := all(len(evs))
	for i, e := range evs {
		ok[i] = w.Document.match(e.ev.Document) && w.Quote.match(e.ev.Quote) && w.Verb.match(e.ev.Verb) && w.Modality.match(e.ev.Modality)
	}
	if w.Paragraph != nil {
		if err := narrow(evs, ok, func(s []evidence) ([]bool, error) {
			ps := make([]string, len(s))
			for i, e := range s {
				ps[i] = e.ev.Paragraph
			}
			return f.paragraphs(ps, w.Paragraph)
		}); err != nil {
			return nil, err
		}
	}
	return ok, logic(evs, ok, w.And, w.Or, w.Not, f.evidence)
}

func (f *filter) loadParagraphs(ids []string) error {
	var need []string
	for _, id := range ids {
		if _, ok := f.paras[id]; !ok {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	ps, err := f.g.r.Paragraphs(f.ctx, need)
	if err != nil {
		return err
	}
	for i, p := range ps {
		f.paras[need[i]] = p
	}
	return nil
}

func (f *filter) paragraphs(ids []string, w *ParagraphWhere) ([]bool, error) {
	return unique(ids, func(ids []string) ([]bool, error) {
		ok := all(len(ids))
		for i, id := range ids {
			doc, _, _ := strings.Cut(id, ":")
			ok[i] = w.ID.match(id) && w.Document.match(doc)
		}
		if w.Within != nil {
			in, err := f.subtree(*w.Within)
			if err != nil {
				return nil, err
			}
			for i, id := range ids {
				ok[i] = ok[i] && in[id]
			}
		}
		if w.Number != nil || w.Section != nil || w.Text != nil || w.Mentions != nil {
			if err := f.loadParagraphs(keep(ids, ok)); err != nil {
				return nil, err
			}
			mentions := make([][]string, len(ids))
			for i, id := range ids {
				p := f.paras[id]
				if !ok[i] {
					continue
				}
				ok[i] = p != nil && w.Number.match(p.Number) && w.Section.match(p.Section) && w.Text.match(p.Text)
				if ok[i] {
					mentions[i] = p.Mentions
				}
			}
			if err := quantify(ok, mentions, w.Mentions, f.entities); err != nil {
				return nil, err
			}
		}
		return ok, logic(ids, ok, w.And, w.Or, w.Not, f.paragraphs)
	})
}

func (f *filter) subtree(id string) (map[string]bool, error) {
	if s, ok := f.within[id]; ok {
		return s, nil
	}
	ids, err := f.g.Subtree(f.ctx, id)
	if err != nil {
		return nil, fmt.Errorf("within %s: %w", id, err)
	}
	s := make(map[string]bool, len(ids))
	for _, p := range ids {
		s[p] = true
	}
	f.within[id] = s
	return s, nil
}
