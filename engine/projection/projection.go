// Package projection is the engine that holds one generation of the graph
// in memory as a few flat arrays (a snapshot, written beside the generation
// and opened without reading the quad store), indexed for every question of
// engine.Reader, so that no read waits on the quad store.
package projection

import (
	"context"
	"hash/maphash"
	"math"
	"unsafe"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// Projection is an immutable index of a dataset, pointer-free: entities,
// relations, paragraphs and documents are numbers into tables of words,
// strings are ranges of one byte array, and each index is a list of numbers
// per key, all inside one snapshot (see Open). The garbage collector sees a
// handful of objects whatever the graph's size. Answers are built on each
// call; their strings share the snapshot's bytes.
type Projection struct {
	data []byte // the snapshot
	sum  *engine.Summary
	n    counts

	strOff words // string i is strs[strOff[i]:strOff[i+1]]
	strs   []byte
	// Made when the snapshot is opened: symbols and relations by id.
	symIndex, relIndex hashIndex

	syms, ents, facts, paras, docs, preds, rels, evs words // tables of records

	aliases, common, notes, mentions csr // by entity or paragraph: strings
	factOff, evOff                   words

	// by symbol
	out, in, byPred, byPara, byDoc csr // relations
	mentioned, docParas            csr // paragraphs
	byKind                         csr // entities
}

var _ engine.Reader = (*Projection)(nil)

// New indexes a dataset. It reads ds, sorting nothing in it, and keeps none
// of it.
func New(ds *domain.Dataset) *Projection {
	p, err := Open(build(ds, engine.Summarize(ds)))
	if err != nil {
		// The snapshot was written just now: only a bug makes it unreadable.
		panic(err)
	}
	return p
}

// NewGraph indexes a dataset and answers from it: the loader checks data
// with it without a store. It is Graph: a projection keeps nothing of the
// dataset it indexes.
func NewGraph(ds *domain.Dataset) *engine.Graph { return Graph(ds) }

// Graph indexes a dataset and answers from it.
func Graph(ds *domain.Dataset) *engine.Graph { return New(ds).Graph() }

// Graph is the read model that answers from the projection.
func (p *Projection) Graph() *engine.Graph {
	g, err := engine.New(context.Background(), "projection", p)
	if err != nil {
		// A projection's answers come from memory: they cannot fail.
		panic(err)
	}
	return g
}

// str is string i of the table, sharing the snapshot's bytes (which never
// change, and which the string keeps alive).
func (p *Projection) str(i uint32) string {
	a, z := p.strOff.at(int(i)), p.strOff.at(int(i)+1)
	if a == z {
		return ""
	}
	return unsafe.String(&p.strs[a], int(z-a))
}

// sym finds the symbol s: its index, or -1.
func (p *Projection) sym(s string) int { return p.symIndex.find(s, p.symbol) }

func (p *Projection) symbol(k int) string { return p.str(uint32(k)) }

func (p *Projection) relationID(r int) string { return p.str(p.rels.at(r*relWords + relID)) }

// hashIndex finds items by a string key with a probe or two, where a binary
// search over the sorted keys would compare a dozen strings or more: open
// addressing, item+1 per slot (0: empty), at least twice as many slots as
// items. It is made when a snapshot is opened, not stored in it.
type hashIndex struct {
	slots []uint32
	seed  maphash.Seed
}

// newHashIndex indexes items 0..n-1 by key; of items with the same key,
// the index finds the last.
func newHashIndex(n int, key func(int) string) hashIndex {
	size := 1
	for size < 2*n {
		size <<= 1
	}
	h := hashIndex{slots: make([]uint32, size), seed: maphash.MakeSeed()}
	mask := uint64(size - 1)
	for k := range n {
		s := key(k)
		i := maphash.String(h.seed, s) & mask
		for h.slots[i] != 0 && key(int(h.slots[i]-1)) != s {
			i = (i + 1) & mask
		}
		h.slots[i] = uint32(k + 1)
	}
	return h
}

// find gives the item with key s, or -1.
func (h hashIndex) find(s string, key func(int) string) int {
	mask := uint64(len(h.slots) - 1)
	for i := maphash.String(h.seed, s) & mask; ; i = (i + 1) & mask {
		k := h.slots[i]
		if k == 0 {
			return -1
		}
		if key(int(k-1)) == s {
			return int(k - 1)
		}
	}
}

// slot is what the symbol s holds in field f of its record, 0 when s is not
// a symbol.
func (p *Projection) slot(s string, f int) int {
	k := p.sym(s)
	if k < 0 {
		return 0
	}
	return int(p.syms.at(k*symWords + f))
}

// relation finds the relation with id s, the last of those with that id as
// a map of them would: its index, or -1.
func (p *Projection) relation(s string) int { return p.relIndex.find(s, p.relationID) }

// keyed gives, for each key, its list in c, as spans; nil lists for keys
// that are not symbols.
func (p *Projection) keyed(c csr, keys []string) (spans [][2]int, total int) {
	spans = make([][2]int, len(keys))
	for i, key := range keys {
		if k := p.sym(key); k >= 0 {
			a, z := c.span(k)
			spans[i] = [2]int{a, z}
			total += z - a
		}
	}
	return spans, total
}

// Summary implements engine.Reader.
func (p *Projection) Summary(context.Context) (*engine.Summary, error) { return p.sum, nil }

// Entities implements engine.Reader.
func (p *Projection) Entities(_ context.Context, ids []string) ([]*domain.Entity, error) {
	idx := make([]int, len(ids))
	found, nstr, nfact := 0, 0, 0
	for i, id := range ids {
		e := p.slot(id, symEntity) - 1
		idx[i] = e
		if e >= 0 {
			found++
			a, z := p.aliases.span(e)
			c, d := p.common.span(e)
			nstr += z - a + d - c
			nfact += int(p.factOff.at(e+1) - p.factOff.at(e))
		}
	}
	out := make([]*domain.Entity, len(ids))
	ents := make([]domain.Entity, found)
	strs := make([]string, 0, nstr)
	facts := make([]domain.Fact, 0, nfact)
	for i, e := range idx {
		if e < 0 {
			continue
		}
		x := &ents[0]
		ents = ents[1:]
		strs, facts = p.entity(x, e, strs, facts)
		out[i] = x
	}
	return out, nil
}

// entity fills x with entity e, its lists taken from the ends of strs and
// facts, which it returns grown.
func (p *Projection) entity(x *domain.Entity, e int, strs []string, facts []domain.Fact) ([]string, []domain.Fact) {
	r := e * entWords
	flags := p.ents.at(r + entFlags)
	*x = domain.Entity{
		ID:          p.str(p.ents.at(r + entID)),
		Name:        p.str(p.ents.at(r + entName)),
		Kind:        domain.Kind(p.str(p.ents.at(r + entKind))),
		Description: p.str(p.ents.at(r + entDesc)),
	}
	x.Aliases, strs = p.strings(p.aliases, e, flags&entAliasesEmpty != 0, strs)
	x.Common, strs = p.strings(p.common, e, flags&entCommonEmpty != 0, strs)
	a, z := int(p.factOff.at(e)), int(p.factOff.at(e+1))
	if a == z {
		if flags&entFactsEmpty != 0 {
			x.Facts = []domain.Fact{}
		}
		return strs, facts
	}
	start := len(facts)
	for f := a; f < z; f++ {
		r := f * factWords
		fact := domain.Fact{
			Key:       p.str(p.facts.at(r + factKey)),
			Role:      p.str(p.facts.at(r + factRole)),
			Qualifier: p.str(p.facts.at(r + factQualifier)),
			Text:      p.str(p.facts.at(r + factText)),
			Date:      p.str(p.facts.at(r + factDate)),
			Precision: p.str(p.facts.at(r + factPrecision)),
			Unit:      p.str(p.facts.at(r + factUnit)),
			Evidence:  p.evidence(int(p.facts.at(r + factEvidence))),
		}
		if p.facts.at(r+factFlags)&factHasNumber != 0 {
			n := math.Float64frombits(p.facts.uint64(r + factNumber))
			fact.Number = &n
		}
		facts = append(facts, fact)
	}
	x.Facts = facts[start:len(facts):len(facts)]
	return strs, facts
}

// strings appends key k's list of c to strs and returns it as its own
// slice: nil when empty, unless empty says the dataset had an empty list.
func (p *Projection) strings(c csr, k int, empty bool, strs []string) ([]string, []string) {
	a, z := c.span(k)
	if a == z {
		if empty {
			return []string{}, strs
		}
		return nil, strs
	}
	start := len(strs)
	for i := a; i < z; i++ {
		strs = append(strs, p.str(c.val.at(i)))
	}
	return strs[start:len(strs):len(strs)], strs
}

func (p *Projection) evidence(i int) domain.Evidence {
	r := i * evWords
	return domain.Evidence{
		Document:  p.str(p.evs.at(r + evDoc)),
		Paragraph: p.str(p.evs.at(r + evPara)),
		Quote:     p.str(p.evs.at(r + evQuote)),
		Start:     int(p.evs.int64(r + evStart)),
		End:       int(p.evs.int64(r + evEnd)),
		Verb:      p.str(p.evs.at(r + evVerb)),
		Modality:  domain.Modality(p.str(p.evs.at(r + evModality))),
	}
}

// EntityIDs implements engine.Reader.
func (p *Projection) EntityIDs(_ context.Context, kind domain.Kind) ([]string, error) {
	if kind == "" {
		if p.n.ent == 0 {
			return nil, nil
		}
		out := make([]string, p.n.ent)
		for e := range out {
			out[e] = p.str(p.ents.at(e*entWords + entID))
		}
		return out, nil
	}
	k := p.sym(string(kind))
	if k < 0 {
		return nil, nil
	}
	a, z := p.byKind.span(k)
	if a == z {
		return nil, nil
	}
	out := make([]string, 0, z-a)
	for i := a; i < z; i++ {
		out = append(out, p.str(p.ents.at(int(p.byKind.val.at(i))*entWords+entID)))
	}
	return out, nil
}

// Names implements engine.Reader.
func (p *Projection) Names(context.Context) ([]engine.Name, error) {
	if p.n.ent == 0 {
		return nil, nil
	}
	out := make([]engine.Name, p.n.ent)
	strs := make([]string, 0, p.aliases.val.len()+p.common.val.len())
	for e := range out {
		r := e * entWords
		flags := p.ents.at(r + entFlags)
		n := &out[e]
		n.ID = p.str(p.ents.at(r + entID))
		n.Kind = domain.Kind(p.str(p.ents.at(r + entKind)))
		n.Name = p.str(p.ents.at(r + entName))
		n.Aliases, strs = p.strings(p.aliases, e, flags&entAliasesEmpty != 0, strs)
		n.Common, strs = p.strings(p.common, e, flags&entCommonEmpty != 0, strs)
	}
	return out, nil
}

// Degrees implements engine.Reader.
func (p *Projection) Degrees(_ context.Context, ids []string) ([]int, error) {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = p.slot(id, symDegree)
	}
	return out, nil
}

// edge is relation r without its evidence.
func (p *Projection) edge(r int) engine.Edge {
	w := r * relWords
	return engine.Edge{
		ID:        p.str(p.rels.at(w + relID)),
		Subject:   p.str(p.rels.at(w + relSubject)),
		Predicate: p.str(p.rels.at(w + relPredicate)),
		Object:    p.str(p.rels.at(w + relObject)),
	}
}

// Edges implements engine.Reader.
func (p *Projection) Edges(_ context.Context, ids []string, dir engine.Direction, predicates []string) ([][]engine.Edge, error) {
	index := p.out
	if dir == engine.In {
		index = p.in
	}
	// The predicates as symbols; one that is not a symbol has no relation.
	var preds []uint32
	for _, pr := range predicates {
		if k := p.sym(pr); k >= 0 {
			preds = append(preds, uint32(k))
		}
	}
	keep := func(r uint32) bool {
		if len(predicates) == 0 {
			return true
		}
		pr := p.rels.at(int(r)*relWords + relPredicate)
		for _, k := range preds {
			if k == pr {
				return true
			}
		}
		return false
	}
	spans, total := p.keyed(index, ids)
	if len(predicates) > 0 {
		total = 0
		for _, s := range spans {
			for i := s[0]; i < s[1]; i++ {
				if keep(index.val.at(i)) {
					total++
				}
			}
		}
	}
	out := make([][]engine.Edge, len(ids))
	all := make([]engine.Edge, 0, total)
	for j, s := range spans {
		start := len(all)
		for i := s[0]; i < s[1]; i++ {
			if r := index.val.at(i); keep(r) {
				all = append(all, p.edge(int(r)))
			}
		}
		if len(all) > start {
			out[j] = all[start:len(all):len(all)]
		}
	}
	return out, nil
}

// EdgesBy implements engine.Reader.
func (p *Projection) EdgesBy(_ context.Context, key engine.EdgeKey) ([]engine.Edge, error) {
	var index csr
	var id string
	switch {
	case key.Predicate != "":
		index, id = p.byPred, key.Predicate
	case key.Paragraph != "":
		index, id = p.byPara, key.Paragraph
	case key.Document != "":
		index, id = p.byDoc, key.Document
	default:
		if p.n.rel == 0 {
			return nil, nil
		}
		out := make([]engine.Edge, p.n.rel)
		for r := range out {
			out[r] = p.edge(r)
		}
		return out, nil
	}
	k := p.sym(id)
	if k < 0 {
		return nil, nil
	}
	a, z := index.span(k)
	if a == z {
		return nil, nil
	}
	out := make([]engine.Edge, 0, z-a)
	for i := a; i < z; i++ {
		out = append(out, p.edge(int(index.val.at(i))))
	}
	return out, nil
}

// Relations implements engine.Reader.
func (p *Projection) Relations(_ context.Context, ids []string) ([]*domain.Relation, error) {
	idx := make([]int, len(ids))
	found, nev := 0, 0
	for i, id := range ids {
		r := p.relation(id)
		idx[i] = r
		if r >= 0 {
			found++
			nev += int(p.evOff.at(r+1) - p.evOff.at(r))
		}
	}
	out := make([]*domain.Relation, len(ids))
	rels := make([]domain.Relation, found)
	evs := make([]domain.Evidence, 0, nev)
	for i, r := range idx {
		if r < 0 {
			continue
		}
		x := &rels[0]
		rels = rels[1:]
		e := p.edge(r)
		flags := p.rels.at(r*relWords + relFlags)
		*x = domain.Relation{ID: e.ID, Subject: e.Subject, Predicate: e.Predicate, Object: e.Object,
			Implied: flags&relImplied != 0}
		a, z := int(p.evOff.at(r)), int(p.evOff.at(r+1))
		switch {
		case a < z:
			start := len(evs)
			for j := a; j < z; j++ {
				evs = append(evs, p.evidence(j))
			}
			x.Evidence = evs[start:len(evs):len(evs)]
		case flags&relEvidenceEmpty != 0:
			x.Evidence = []domain.Evidence{}
		}
		out[i] = x
	}
	return out, nil
}

// Documents implements engine.Reader.
func (p *Projection) Documents(context.Context) ([]*domain.Document, error) {
	if p.n.doc == 0 {
		return nil, nil
	}
	out := make([]*domain.Document, p.n.doc)
	docs := make([]domain.Document, p.n.doc)
	for i := range docs {
		r := i * docWords
		s := func(f int) string { return p.str(p.docs.at(r + f)) }
		docs[i] = domain.Document{ID: s(docID), Title: s(docTitle), Short: s(docShort), Reference: s(docReference),
			Date: s(docDate), Author: s(docAuthor), AuthorEntity: s(docAuthorEntity), URL: s(docURL), SHA256: s(docSHA256)}
		out[i] = &docs[i]
	}
	return out, nil
}

// paragraphIDs gives, for each key, the ids of the paragraphs c lists.
func (p *Projection) paragraphIDs(c csr, keys []string) [][]string {
	spans, total := p.keyed(c, keys)
	out := make([][]string, len(keys))
	all := make([]string, 0, total)
	for j, s := range spans {
		if s[0] == s[1] {
			continue
		}
		start := len(all)
		for i := s[0]; i < s[1]; i++ {
			all = append(all, p.str(p.paras.at(int(c.val.at(i))*paraWords+paraID)))
		}
		out[j] = all[start:len(all):len(all)]
	}
	return out
}

// DocumentParagraphs implements engine.Reader.
func (p *Projection) DocumentParagraphs(_ context.Context, docs []string) ([][]string, error) {
	return p.paragraphIDs(p.docParas, docs), nil
}

// Mentions implements engine.Reader.
func (p *Projection) Mentions(_ context.Context, entities []string) ([][]string, error) {
	return p.paragraphIDs(p.mentioned, entities), nil
}

// Paragraphs implements engine.Reader.
func (p *Projection) Paragraphs(_ context.Context, ids []string) ([]*domain.Paragraph, error) {
	idx := make([]int, len(ids))
	found, nstr := 0, 0
	for i, id := range ids {
		k := p.slot(id, symPara) - 1
		idx[i] = k
		if k >= 0 {
			found++
			a, z := p.notes.span(k)
			c, d := p.mentions.span(k)
			nstr += z - a + d - c
		}
	}
	out := make([]*domain.Paragraph, len(ids))
	paras := make([]domain.Paragraph, found)
	strs := make([]string, 0, nstr)
	for i, k := range idx {
		if k < 0 {
			continue
		}
		x := &paras[0]
		paras = paras[1:]
		r := k * paraWords
		s := func(f int) string { return p.str(p.paras.at(r + f)) }
		flags := p.paras.at(r + paraFlags)
		*x = domain.Paragraph{ID: s(paraID), Document: s(paraDoc), Number: s(paraNumber), Section: s(paraSection),
			Parent: s(paraParent), Text: s(paraText), Order: int(p.paras.int64(r + paraOrder))}
		x.Notes, strs = p.strings(p.notes, k, flags&paraNotesEmpty != 0, strs)
		x.Mentions, strs = p.strings(p.mentions, k, flags&paraMentionsEmpty != 0, strs)
		out[i] = x
	}
	return out, nil
}

// Predicates implements engine.Reader.
func (p *Projection) Predicates(context.Context) ([]*domain.Predicate, error) {
	if p.n.pred == 0 {
		return nil, nil
	}
	out := make([]*domain.Predicate, p.n.pred)
	preds := make([]domain.Predicate, p.n.pred)
	for i := range preds {
		r := i * predWords
		s := func(f int) string { return p.str(p.preds.at(r + f)) }
		preds[i] = domain.Predicate{ID: s(predID), Label: s(predLabel), Inverse: s(predInverse), Definition: s(predDefinition),
			SubjectKinds: splitKinds(s(predSubjects)), ObjectKinds: splitKinds(s(predObjects))}
		if ex := p.preds.at(r + predExample); ex > 0 {
			ev := p.evidence(int(ex) - 1)
			preds[i].Example = &ev
		}
		out[i] = &preds[i]
	}
	return out, nil
}
