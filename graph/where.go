package graph

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/graph/model"
)

// Bounds on a where filter: each nested filter is one more pass over a set
// of the graph, so their number, not only the query's size, bounds the work.
const (
	maxWhereDepth = 8
	maxWhereParts = 64
	maxWhereIn    = 100
)

// where translates the schema's filters into the engine's, checking them
// on the way: the ids they name must exist, dates must be dates, lists and
// nesting are bounded. Errors name the filter's path (`where.subject.id`).
type where struct {
	parts                 int
	entities, docs, paras map[string]string // id -> the filter path that names it
	relations             map[string]string
	entityOrder, relOrder []string
	docOrder, paraOrder   []string
}

func newWhere() *where {
	return &where{entities: map[string]string{}, docs: map[string]string{}, paras: map[string]string{}, relations: map[string]string{}}
}

// check returns a NOT_FOUND error, naming the filter's path, for the first
// id the filters name that names nothing.
func (w *where) check(ctx context.Context, g *engine.Graph) error {
	err := g.CheckEntities(ctx, w.entityOrder...)
	for _, d := range w.docOrder {
		if err == nil {
			err = g.CheckDocument(ctx, d)
		}
	}
	for _, p := range w.paraOrder {
		if err == nil {
			err = g.CheckParagraph(ctx, p)
		}
	}
	for _, id := range w.relOrder {
		if err != nil {
			break
		}
		var r *domain.Relation
		if r, err = g.Relation(ctx, id); err == nil && r == nil {
			err = g.NotFound(ctx, "relation", id)
		}
	}
	var nf *domain.NotFoundError
	if errors.As(err, &nf) {
		paths := map[string]map[string]string{"entity": w.entities, "document": w.docs, "paragraph": w.paras, "relation": w.relations}
		nf.At = paths[nf.What][nf.ID]
	}
	return err
}

func (w *where) enter(path string, depth int) error {
	w.parts++
	if depth > maxWhereDepth {
		return badInput("%s: filters nest %d deep at most", path, maxWhereDepth)
	}
	if w.parts > maxWhereParts {
		return badInput("%s: a request's filters hold %d nested filters at most", path, maxWhereParts)
	}
	return nil
}

func (w *where) ids(path string, f *model.IDFilter, into map[string]string, order *[]string) (*engine.Text, error) {
	if f == nil {
		return nil, nil
	}
	if len(f.In) > maxWhereIn {
		return nil, badInput("%s.in: %d ids at most, not %d", path, maxWhereIn, len(f.In))
	}
	for _, id := range append(f.In, deref(f.Eq)...) {
		if _, ok := into[id]; !ok {
			into[id] = path
			*order = append(*order, id)
		}
	}
	return &engine.Text{Eq: f.Eq, In: f.In}, nil
}

func deref(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

func (w *where) oneOfIDs(path string, f *model.IDFilter, into map[string]string, order *[]string) (*engine.OneOf[string], error) {
	t, err := w.ids(path, f, into, order)
	if t == nil || err != nil {
		return nil, err
	}
	return &engine.OneOf[string]{Eq: t.Eq, In: t.In}, nil
}

func text(path string, f *model.StringFilter) (*engine.Text, error) {
	if f == nil {
		return nil, nil
	}
	if len(f.In) > maxWhereIn {
		return nil, badInput("%s.in: %d values at most, not %d", path, maxWhereIn, len(f.In))
	}
	for _, p := range []*string{f.Eq, f.Contains, f.StartsWith, f.EndsWith} {
		if p != nil && len(*p) > maxSearchText {
			return nil, badInput("%s: a text to compare is %d characters at most", path, maxSearchText)
		}
	}
	return &engine.Text{Eq: f.Eq, In: f.In, Contains: f.Contains, StartsWith: f.StartsWith, EndsWith: f.EndsWith}, nil
}

func intNumber(path string, f *model.IntFilter) (*engine.Number, error) {
	if f == nil {
		return nil, nil
	}
	if len(f.In) > maxWhereIn {
		return nil, badInput("%s.in: %d values at most, not %d", path, maxWhereIn, len(f.In))
	}
	fl := func(p *int) *float64 {
		if p == nil {
			return nil
		}
		x := float64(*p)
		return &x
	}
	n := &engine.Number{Eq: fl(f.Eq), Lt: fl(f.Lt), Lte: fl(f.Lte), Gt: fl(f.Gt), Gte: fl(f.Gte)}
	if f.In != nil {
		n.In = make([]float64, len(f.In))
		for i, x := range f.In {
			n.In[i] = float64(x)
		}
	}
	return n, nil
}

var isoDate = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$`)

func date(path string, f *model.DateFilter) (*engine.Date, error) {
	if f == nil {
		return nil, nil
	}
	for _, p := range []*string{f.Eq, f.Lt, f.Lte, f.Gt, f.Gte} {
		if p != nil && !isoDate.MatchString(*p) {
			return nil, badInput("%s: %q is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)", path, *p)
		}
	}
	return &engine.Date{Eq: f.Eq, Lt: f.Lt, Lte: f.Lte, Gt: f.Gt, Gte: f.Gte}, nil
}

// list translates the AND and OR lists of a filter.
func each[M, E any](path, op string, ms []*M, depth int, tr func(string, *M, int) (*E, error)) ([]*E, error) {
	var out []*E
	for i, m := range ms {
		e, err := tr(fmt.Sprintf("%s.%s[%d]", path, op, i), m, depth+1)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out, nil
}

func quantified[M, E any](path string, some, none, all, single *M, depth int, tr func(string, *M, int) (*E, error)) (*engine.Quantified[E], error) {
	q := &engine.Quantified[E]{}
	var err error
	for _, p := range []struct {
		name string
		m    *M
		e    **E
	}{{"some", some, &q.Some}, {"none", none, &q.None}, {"all", all, &q.All}, {"single", single, &q.Single}} {
		if p.m == nil {
			continue
		}
		if *p.e, err = tr(path+"."+p.name, p.m, depth+1); err != nil {
			return nil, err
		}
		if *p.e == nil { // an empty filter: every item matches
			*p.e = new(E)
		}
	}
	return q, nil
}

func (w *where) entity(path string, m *model.EntityWhere, depth int) (*engine.EntityWhere, error) {
	if m == nil {
		return nil, nil
	}
	if err := w.enter(path, depth); err != nil {
		return nil, err
	}
	e := &engine.EntityWhere{}
	var err error
	if e.And, err = each(path, "AND", m.And, depth, w.entity); err != nil {
		return nil, err
	}
	if e.Or, err = each(path, "OR", m.Or, depth, w.entity); err != nil {
		return nil, err
	}
	if e.Not, err = w.entity(path+".NOT", m.Not, depth+1); err != nil {
		return nil, err
	}
	if m.Not != nil && e.Not == nil {
		e.Not = &engine.EntityWhere{} // NOT of an empty filter keeps nothing
	}
	if e.ID, err = w.ids(path+".id", m.ID, w.entities, &w.entityOrder); err != nil {
		return nil, err
	}
	if m.Kind != nil {
		e.Kind = &engine.OneOf[domain.Kind]{}
		if m.Kind.Eq != nil {
			k := domain.Kind(*m.Kind.Eq)
			e.Kind.Eq = &k
		}
		if m.Kind.In != nil {
			e.Kind.In = toKinds(m.Kind.In)
		}
	}
	for _, t := range []struct {
		name string
		m    *model.StringFilter
		e    **engine.Text
	}{{"name", m.Name, &e.Name}, {"anyName", m.AnyName, &e.AnyName}, {"description", m.Description, &e.Description}} {
		if *t.e, err = text(path+"."+t.name, t.m); err != nil {
			return nil, err
		}
	}
	if e.Degree, err = intNumber(path+".degree", m.Degree); err != nil {
		return nil, err
	}
	if r := m.Relations; r != nil {
		e.RelationsDir = toDirection(r.Direction, engine.Both)
		if e.Relations, err = quantified(path+".relations", r.Some, r.None, r.All, r.Single, depth, w.relation); err != nil {
			return nil, err
		}
	}
	if f := m.Facts; f != nil {
		if e.Facts, err = quantified(path+".facts", f.Some, f.None, f.All, f.Single, depth, w.fact); err != nil {
			return nil, err
		}
	}
	if p := m.MentionedIn; p != nil {
		if e.MentionedIn, err = quantified(path+".mentionedIn", p.Some, p.None, p.All, p.Single, depth, w.paragraph); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (w *where) relation(path string, m *model.RelationWhere, depth int) (*engine.RelationWhere, error) {
	if m == nil {
		return nil, nil
	}
	if err := w.enter(path, depth); err != nil {
		return nil, err
	}
	r := &engine.RelationWhere{Implied: m.Implied}
	var err error
	if r.And, err = each(path, "AND", m.And, depth, w.relation); err != nil {
		return nil, err
	}
	if r.Or, err = each(path, "OR", m.Or, depth, w.relation); err != nil {
		return nil, err
	}
	if r.Not, err = w.relation(path+".NOT", m.Not, depth+1); err != nil {
		return nil, err
	}
	if m.Not != nil && r.Not == nil {
		r.Not = &engine.RelationWhere{}
	}
	if r.ID, err = w.ids(path+".id", m.ID, w.relations, &w.relOrder); err != nil {
		return nil, err
	}
	if p := m.Predicate; p != nil {
		r.Predicate = &engine.OneOf[string]{}
		if p.Eq != nil {
			id := PredicateID(*p.Eq)
			r.Predicate.Eq = &id
		}
		if p.In != nil {
			r.Predicate.In = predicateIDs(p.In)
		}
	}
	for _, end := range []struct {
		name string
		m    *model.EntityWhere
		e    **engine.EntityWhere
	}{{"subject", m.Subject, &r.Subject}, {"object", m.Object, &r.Object}, {"either", m.Either, &r.Either}} {
		if *end.e, err = w.entity(path+"."+end.name, end.m, depth+1); err != nil {
			return nil, err
		}
	}
	if ev := m.Evidence; ev != nil {
		if r.Evidence, err = quantified(path+".evidence", ev.Some, ev.None, ev.All, ev.Single, depth, w.evidence); err != nil {
			return nil, err
		}
	}
	if r.Sources, err = intNumber(path+".sources", m.Sources); err != nil {
		return nil, err
	}
	if r.Verb, err = text(path+".verb", m.Verb); err != nil {
		return nil, err
	}
	r.Modality = modalities(m.Modality)
	return r, nil
}

// modalities is a ModalityFilter in the domain's words.
func modalities(m *model.ModalityFilter) *engine.OneOf[domain.Modality] {
	if m == nil {
		return nil
	}
	out := &engine.OneOf[domain.Modality]{}
	if m.Eq != nil {
		d := domainModality(*m.Eq)
		out.Eq = &d
	}
	if m.In != nil {
		out.In = make([]domain.Modality, len(m.In))
		for i, x := range m.In {
			out.In[i] = domainModality(x)
		}
	}
	return out
}

func (w *where) evidence(path string, m *model.EvidenceWhere, depth int) (*engine.EvidenceWhere, error) {
	if m == nil {
		return nil, nil
	}
	if err := w.enter(path, depth); err != nil {
		return nil, err
	}
	e := &engine.EvidenceWhere{}
	var err error
	if e.And, err = each(path, "AND", m.And, depth, w.evidence); err != nil {
		return nil, err
	}
	if e.Or, err = each(path, "OR", m.Or, depth, w.evidence); err != nil {
		return nil, err
	}
	if e.Not, err = w.evidence(path+".NOT", m.Not, depth+1); err != nil {
		return nil, err
	}
	if m.Not != nil && e.Not == nil {
		e.Not = &engine.EvidenceWhere{}
	}
	if e.Document, err = w.oneOfIDs(path+".document", m.Document, w.docs, &w.docOrder); err != nil {
		return nil, err
	}
	if e.Paragraph, err = w.paragraph(path+".paragraph", m.Paragraph, depth+1); err != nil {
		return nil, err
	}
	if e.Quote, err = text(path+".quote", m.Quote); err != nil {
		return nil, err
	}
	if e.Verb, err = text(path+".verb", m.Verb); err != nil {
		return nil, err
	}
	e.Modality = modalities(m.Modality)
	return e, nil
}

func (w *where) paragraph(path string, m *model.ParagraphWhere, depth int) (*engine.ParagraphWhere, error) {
	if m == nil {
		return nil, nil
	}
	if err := w.enter(path, depth); err != nil {
		return nil, err
	}
	p := &engine.ParagraphWhere{Within: m.Within}
	var err error
	if p.And, err = each(path, "AND", m.And, depth, w.paragraph); err != nil {
		return nil, err
	}
	if p.Or, err = each(path, "OR", m.Or, depth, w.paragraph); err != nil {
		return nil, err
	}
	if p.Not, err = w.paragraph(path+".NOT", m.Not, depth+1); err != nil {
		return nil, err
	}
	if m.Not != nil && p.Not == nil {
		p.Not = &engine.ParagraphWhere{}
	}
	if p.ID, err = w.ids(path+".id", m.ID, w.paras, &w.paraOrder); err != nil {
		return nil, err
	}
	if m.Within != nil {
		if _, ok := w.paras[*m.Within]; !ok {
			w.paras[*m.Within] = path + ".within"
			w.paraOrder = append(w.paraOrder, *m.Within)
		}
	}
	if p.Document, err = w.oneOfIDs(path+".document", m.Document, w.docs, &w.docOrder); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		name string
		m    *model.StringFilter
		e    **engine.Text
	}{{"number", m.Number, &p.Number}, {"section", m.Section, &p.Section}, {"text", m.Text, &p.Text}} {
		if *t.e, err = text(path+"."+t.name, t.m); err != nil {
			return nil, err
		}
	}
	if q := m.Mentions; q != nil {
		if p.Mentions, err = quantified(path+".mentions", q.Some, q.None, q.All, q.Single, depth, w.entity); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (w *where) fact(path string, m *model.FactWhere, depth int) (*engine.FactWhere, error) {
	if m == nil {
		return nil, nil
	}
	if err := w.enter(path, depth); err != nil {
		return nil, err
	}
	f := &engine.FactWhere{}
	var err error
	if f.And, err = each(path, "AND", m.And, depth, w.fact); err != nil {
		return nil, err
	}
	if f.Or, err = each(path, "OR", m.Or, depth, w.fact); err != nil {
		return nil, err
	}
	if f.Not, err = w.fact(path+".NOT", m.Not, depth+1); err != nil {
		return nil, err
	}
	if m.Not != nil && f.Not == nil {
		f.Not = &engine.FactWhere{}
	}
	for _, t := range []struct {
		name string
		m    *model.StringFilter
		e    **engine.Text
	}{{"key", m.Key, &f.Key}, {"text", m.Text, &f.Text}, {"unit", m.Unit, &f.Unit}} {
		if *t.e, err = text(path+"."+t.name, t.m); err != nil {
			return nil, err
		}
	}
	if f.Date, err = date(path+".date", m.Date); err != nil {
		return nil, err
	}
	if m.Number != nil {
		n := m.Number
		f.Number = &engine.Number{Eq: n.Eq, Lt: n.Lt, Lte: n.Lte, Gt: n.Gt, Gte: n.Gte}
	}
	return f, nil
}

// entityWhere translates and checks an entity filter argument.
func entityWhere(ctx context.Context, g *engine.Graph, m *model.EntityWhere) (*engine.EntityWhere, error) {
	w := newWhere()
	e, err := w.entity("where", m, 1)
	if err != nil {
		return nil, err
	}
	return e, w.check(ctx, g)
}

// relationWhere translates and checks a relation filter argument.
func relationWhere(ctx context.Context, g *engine.Graph, m *model.RelationWhere) (*engine.RelationWhere, error) {
	w := newWhere()
	r, err := w.relation("where", m, 1)
	if err != nil {
		return nil, err
	}
	return r, w.check(ctx, g)
}

// paragraphWhere translates and checks a paragraph filter argument.
func paragraphWhere(ctx context.Context, g *engine.Graph, m *model.ParagraphWhere) (*engine.ParagraphWhere, error) {
	w := newWhere()
	p, err := w.paragraph("where", m, 1)
	if err != nil {
		return nil, err
	}
	return p, w.check(ctx, g)
}

// filterFacts keeps the facts a fact filter argument keeps.
func filterFacts(facts []*domain.Fact, m *model.FactWhere) ([]*domain.Fact, error) {
	if m == nil {
		return facts, nil
	}
	w, err := newWhere().fact("where", m, 1)
	if err != nil {
		return nil, err
	}
	return engine.FilterFacts(facts, w), nil
}

// filterEntities keeps the ids an entity filter argument keeps.
func filterEntities(ctx context.Context, g *engine.Graph, ids []string, m *model.EntityWhere) ([]string, error) {
	if m == nil {
		return ids, nil
	}
	w, err := entityWhere(ctx, g, m)
	if err != nil {
		return nil, err
	}
	return g.FilterEntities(ctx, ids, w)
}

// filterRelations keeps the edges a relation filter argument keeps.
func filterRelations(ctx context.Context, g *engine.Graph, edges []engine.Edge, m *model.RelationWhere) ([]engine.Edge, error) {
	if m == nil {
		return edges, nil
	}
	w, err := relationWhere(ctx, g, m)
	if err != nil {
		return nil, err
	}
	return g.FilterRelations(ctx, edges, w)
}

// filterParagraphs keeps the paragraphs a paragraph filter argument keeps.
func filterParagraphs(ctx context.Context, g *engine.Graph, ps []*domain.Paragraph, m *model.ParagraphWhere) ([]*domain.Paragraph, error) {
	if m == nil {
		return ps, nil
	}
	w, err := paragraphWhere(ctx, g, m)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	kept, err := g.FilterParagraphs(ctx, ids, w)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Paragraph, 0, len(kept))
	j := 0
	for _, p := range ps {
		if j < len(kept) && p.ID == kept[j] {
			out = append(out, p)
			j++
		}
	}
	return out, nil
}

// entitySort translates a sort argument: each key names exactly one field.
func entitySort(ss []*model.EntitySort) ([]engine.SortKey, error) {
	var keys []engine.SortKey
	for i, s := range ss {
		var set []engine.SortKey
		for _, f := range []struct {
			d  *model.SortDirection
			by engine.Order
		}{{s.ID, engine.ByID}, {s.Name, engine.ByName}, {s.Kind, engine.ByKind}, {s.Degree, engine.ByDegree}, {s.DocumentOrder, engine.ByDocumentOrder}} {
			if f.d != nil {
				set = append(set, engine.SortKey{By: f.by, Desc: *f.d == model.SortDirectionDesc})
			}
		}
		if len(set) != 1 {
			return nil, badInput("sort[%d]: give exactly one field to sort by, not %d", i, len(set))
		}
		keys = append(keys, set[0])
	}
	return keys, nil
}

// relationSort translates a sort argument: each key names exactly one field.
func relationSort(ss []*model.RelationSort) ([]engine.SortKey, error) {
	var keys []engine.SortKey
	for i, s := range ss {
		var set []engine.SortKey
		for _, f := range []struct {
			d  *model.SortDirection
			by engine.Order
		}{{s.ID, engine.ByID}, {s.Predicate, engine.ByPredicate}, {s.Subject, engine.BySubject}, {s.Object, engine.ByObject},
			{s.DocumentOrder, engine.ByDocumentOrder}, {s.Sources, engine.BySources}} {
			if f.d != nil {
				set = append(set, engine.SortKey{By: f.by, Desc: *f.d == model.SortDirectionDesc})
			}
		}
		if len(set) != 1 {
			return nil, badInput("sort[%d]: give exactly one field to sort by, not %d", i, len(set))
		}
		keys = append(keys, set[0])
	}
	return keys, nil
}

// filterSortRelations keeps the edges a filter argument keeps, in the
// order a sort argument asks for.
func filterSortRelations(ctx context.Context, g *engine.Graph, edges []engine.Edge, where *model.RelationWhere, sort []*model.RelationSort) ([]engine.Edge, error) {
	keys, err := relationSort(sort)
	if err != nil {
		return nil, err
	}
	if edges, err = filterRelations(ctx, g, edges, where); err != nil {
		return nil, err
	}
	return g.SortRelations(ctx, edges, keys)
}

// entityGroups counts entities by a key, largest groups first, then by
// key.
func entityGroups(ctx context.Context, g *engine.Graph, ids []string, by model.EntityKey) ([]*model.GroupCount, error) {
	count := map[string]int{}
	switch by {
	case model.EntityKeyDocument:
		ms, err := g.Reader().Mentions(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			seen := map[string]bool{}
			for _, p := range m {
				doc, _, _ := strings.Cut(p, ":")
				if !seen[doc] {
					seen[doc] = true
					count[doc]++
				}
			}
		}
	default:
		es, err := entitiesByID(ctx, g, ids)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e != nil {
				count[string(e.Kind)]++
			}
		}
	}
	return sortGroups(count), nil
}

func compactParagraphs(ps []*domain.Paragraph) []*domain.Paragraph {
	return slices.DeleteFunc(ps, func(p *domain.Paragraph) bool { return p == nil })
}
