package loaders

import (
	"path"
	"slices"
	"strings"

	"github.com/digidip/digidip/domain"

	"go.yaml.in/yaml/v3"
)

func (r *reader) readPredicates(name string) {
	f, root, ok := r.openYAML(name)
	if !ok {
		return
	}
	for _, n := range f.list(root, "predicates.yaml") {
		pf, ok := f.mapping(n, "a predicate", "id", "label", "inverse", "definition", "example", "subject", "object")
		if !ok {
			continue
		}
		p := &domain.Predicate{
			ID:         pf.str("id", true),
			Label:      pf.str("label", true),
			Inverse:    pf.str("inverse", false),
			Definition: pf.str("definition", true),
		}
		if p.ID == "" {
			continue
		}
		if !slug.MatchString(p.ID) {
			f.problem(pf.line("id"), "predicate id %q is not a kebab-case slug", p.ID)
			continue
		}
		if _, dup := r.preds[p.ID]; dup {
			f.problem(pf.line("id"), "duplicate predicate %q", p.ID)
			continue
		}
		if strings.Contains(strings.TrimSpace(p.Definition), "\n") {
			f.problem(pf.line("definition"), "definition must be one line")
		}
		if pf.has("example") {
			if ev, ok := r.evidence(f, pf.m["example"], ""); ok {
				p.Example = &ev
			}
		}
		p.SubjectKinds = pf.kinds("subject")
		p.ObjectKinds = pf.kinds("object")
		r.predAt[p.ID] = Problem{File: f.name, Line: pf.node.Line}
		r.preds[p.ID] = p
		r.ds.Predicates = append(r.ds.Predicates, p)
	}
}

// joinKinds lists kinds for a message: "ACTOR, COUNTRY or FORUM".
func joinKinds(ks []domain.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func (r *reader) readEntities(name string) {
	f, root, ok := r.openYAML(name)
	if !ok {
		return
	}
	for _, n := range f.list(root, path.Base(name)) {
		ef, ok := f.mapping(n, "an entity", "id", "name", "kind", "aliases", "common", "description", "facts", "status", "confidence")
		if !ok {
			continue
		}
		e := &domain.Entity{
			ID:          ef.str("id", true),
			Name:        ef.str("name", true),
			Kind:        domain.Kind(ef.str("kind", true)),
			Aliases:     ef.strs("aliases"),
			Common:      ef.strs("common"),
			Description: ef.str("description", true),
		}
		r.proposal(f, ef, "entity", e.ID)
		if e.ID == "" {
			continue
		}
		if !slug.MatchString(e.ID) {
			f.problem(ef.line("id"), "entity id %q is not a kebab-case slug", e.ID)
			continue
		}
		if prev, dup := r.entityAt[e.ID]; dup {
			f.problem(ef.line("id"), "duplicate entity id %q (first defined at %s:%d)", e.ID, prev.File, prev.Line)
			continue
		}
		if r.docs[e.ID] != nil {
			f.problem(ef.line("id"), "entity id %q is already a document id", e.ID)
			continue
		}
		if e.Kind != "" && !e.Kind.Valid() {
			f.problem(ef.line("kind"), "unknown kind %q (known: %s)", e.Kind, domain.JoinKinds(", "))
		}
		if strings.Contains(strings.TrimSpace(e.Description), "\n") {
			f.problem(ef.line("description"), "description must be one line")
		}
		roles := map[string]int{} // a role's first fact's line: the timeline shows an entity once per role
		for _, fn := range ef.list("facts", false) {
			fact, ok := r.fact(f, fn)
			if !ok {
				continue
			}
			if fact.Role != "" {
				if at, dup := roles[fact.Role]; dup {
					f.problem(fn.Line, "a second %q fact of %s (the first at line %d): one event, one fact", fact.Role, e.ID, at)
					continue
				}
				roles[fact.Role] = fn.Line
			}
			e.Facts = append(e.Facts, fact)
		}
		r.entities[e.ID] = e
		r.entityAt[e.ID] = Problem{File: f.name, Line: ef.line("id")}
		r.ds.Entities = append(r.ds.Entities, e)
	}
}

func (r *reader) fact(f *file, n *yaml.Node) (domain.Fact, bool) {
	ff, ok := f.mapping(n, "a fact", "key", "role", "qualifier", "text", "date", "precision", "number", "unit", "evidence")
	if !ok {
		return domain.Fact{}, false
	}
	fact := domain.Fact{
		Key:       ff.str("key", true),
		Role:      ff.str("role", false),
		Qualifier: ff.str("qualifier", false),
		Text:      ff.str("text", true),
		Date:      ff.str("date", false),
		Precision: ff.str("precision", false),
		Number:    ff.number("number"),
		Unit:      ff.str("unit", false),
	}
	good := fact.Key != "" && fact.Text != ""
	if fact.Key != "" && !slices.Contains(domain.FactKeys, fact.Key) {
		f.problem(ff.line("key"), "unknown fact key %q (known: %s)", fact.Key, strings.Join(domain.FactKeys, ", "))
		good = false
	}
	if known, fits := domain.FactRoleFits(fact.Role, fact.Key); fact.Role != "" && !known {
		f.problem(ff.line("role"), "unknown fact role %q (known: %s)", fact.Role, domain.TermNames(domain.FactRoles, ", "))
		good = false
	} else if fact.Role != "" && !fits {
		f.problem(ff.line("role"), "a %s fact cannot have the role %q", fact.Key, fact.Role)
		good = false
	} else if fact.Role == "" && (fact.Key == "date" || fact.Key == "deadline" || fact.Key == "period") {
		f.problem(n.Line, "a %s fact needs a role: what the date marks (%s)", fact.Key, domain.TermNames(domain.FactRoles, ", "))
		good = false
	}
	if fact.Qualifier != "" && !domain.KnownTerm(domain.FactQualifiers, fact.Qualifier) {
		f.problem(ff.line("qualifier"), "unknown fact qualifier %q (known: %s)", fact.Qualifier, domain.TermNames(domain.FactQualifiers, ", "))
		good = false
	}
	if fact.Date != "" && !isoDate.MatchString(fact.Date) {
		f.problem(ff.line("date"), "date %q is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-21..24 for a season, or an interval A/B, either end of which may be ..)", fact.Date)
		good = false
	}
	if fact.Precision != "" && !precision[fact.Precision] {
		f.problem(ff.line("precision"), "unknown precision %q (known: year, season, month, day)", fact.Precision)
		good = false
	}
	if fact.Date != "" && fact.Precision == "" {
		fact.Precision = datePrecision(fact.Date)
	}
	if !ff.has("evidence") {
		f.problem(n.Line, "a fact needs evidence: {doc, para, quote}")
		return fact, false
	}
	ev, ok := r.evidence(f, ff.m["evidence"], "")
	if !ok {
		return fact, false
	}
	fact.Evidence = ev
	return fact, good
}

// datePrecision reads the precision off an ISO 8601 / EDTF date (of an
// interval, its start).
func datePrecision(d string) string {
	if a, b, ok := strings.Cut(d, "/"); ok {
		d = a
		if a == ".." {
			d = b
		}
	}
	switch {
	case len(d) == 4:
		return "year"
	case len(d) == 7 && d[5] == '2':
		return "season"
	case len(d) == 7:
		return "month"
	}
	return "day"
}

func (r *reader) readRelations(name string) {
	f, root, ok := r.openYAML(name)
	if !ok {
		return
	}
	rf, ok := f.mapping(root, "a relations file", "doc", "relations")
	if !ok {
		return
	}
	doc := rf.str("doc", false)
	if doc != "" && r.docs[doc] == nil {
		f.problem(rf.line("doc"), "unknown document %q", doc)
		return
	}
	for _, n := range rf.list("relations", true) {
		xf, ok := f.mapping(n, "a relation", "subject", "predicate", "object", "implied", "evidence", "status", "confidence")
		if !ok {
			continue
		}
		rel := &domain.Relation{
			Subject:   xf.str("subject", true),
			Predicate: xf.str("predicate", true),
			Object:    xf.str("object", true),
			Implied:   xf.boolean("implied"),
		}
		proposed := r.proposal(f, xf, "relation", domain.RelationID(rel.Subject, rel.Predicate, rel.Object))
		good := rel.Subject != "" && rel.Predicate != "" && rel.Object != ""
		for _, k := range []string{"subject", "object"} {
			id := xf.str(k, false)
			if id != "" && r.entities[id] == nil {
				f.problem(xf.line(k), "unknown entity %q as %s%s", id, k, r.suggest(id))
				good = false
			}
		}
		if p := r.preds[rel.Predicate]; rel.Predicate != "" && p == nil {
			f.problem(xf.line("predicate"), "unknown predicate %q (define it in graph/predicates.yaml)", rel.Predicate)
			good = false
		} else if s, o := r.entities[rel.Subject], r.entities[rel.Object]; p != nil && s != nil && o != nil && s.Kind.Valid() && o.Kind.Valid() && !p.Takes(s.Kind, o.Kind) {
			at := r.predAt[p.ID]
			end, e, kinds := "subject", s, p.SubjectKinds
			if slices.Contains(p.SubjectKinds, s.Kind) {
				end, e, kinds = "object", o, p.ObjectKinds
			}
			f.problem(xf.line(end), "%s %q is %s, but %s takes as %s only %s (%s:%d)", end, e.ID, e.Kind, p.ID, end, joinKinds(kinds), at.File, at.Line)
			good = false
		}
		evs := xf.list("evidence", false)
		if len(evs) == 0 {
			f.problem(xf.node.Line, "a relation needs at least one evidence item")
			good = false
		}
		for _, en := range evs {
			ev, ok := r.relationEvidence(f, en, doc)
			if !ok {
				good = false
				continue
			}
			rel.Evidence = append(rel.Evidence, ev)
		}
		if !good {
			continue
		}
		rel.ID = domain.RelationID(rel.Subject, rel.Predicate, rel.Object)
		if prev, dup := r.relAt[rel.ID]; dup {
			if r.drafts && proposed {
				// a draft's coverage counts a proposal the data states
				// already as more evidence of it; accepting it as a second
				// entry is refused below, asking for the move
				r.relations[rel.ID].Evidence = append(r.relations[rel.ID].Evidence, rel.Evidence...)
				continue
			}
			f.problem(xf.node.Line, "relation %s is stated again (first at %s:%d): add the evidence to the first", rel.ID, prev.File, prev.Line)
			continue
		}
		r.relAt[rel.ID] = Problem{File: f.name, Line: xf.node.Line}
		r.relations[rel.ID] = rel
		r.ds.Relations = append(r.ds.Relations, rel)
	}
}
