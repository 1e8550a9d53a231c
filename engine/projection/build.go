package projection

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// builder lays a dataset out as a snapshot's sections.
type builder struct {
	sec  [numSections][]uint32
	ids  map[string]uint32 // string -> its index in the string table
	strs []string          // the string table: the sorted symbols, then the rest
	nsym int
}

// build writes the snapshot of a dataset. It reads ds and changes nothing
// in it. Its orders are those the projection answers in: entities,
// documents, predicates and relations by id, paragraphs by document then
// order, evidence by engine.SortEvidence.
func build(ds *domain.Dataset, sum *engine.Summary) []byte {
	ents := sortedBy(ds.Entities, func(e *domain.Entity) string { return e.ID })
	docs := sortedBy(ds.Documents, func(d *domain.Document) string { return d.ID })
	preds := sortedBy(ds.Predicates, func(p *domain.Predicate) string { return p.ID })
	rels := sortedBy(ds.Relations, func(r *domain.Relation) string { return r.ID })
	var paras []*domain.Paragraph // in reading order
	docParas := make([][]*domain.Paragraph, len(docs))
	for i, d := range docs {
		ps := append([]*domain.Paragraph(nil), d.Paragraphs...)
		sort.Slice(ps, func(i, j int) bool { return ps[i].Order < ps[j].Order })
		docParas[i] = ps
		paras = append(paras, ps...)
	}

	// The symbols: every string an index is keyed by.
	keys := map[string]bool{}
	for _, e := range ents {
		keys[e.ID], keys[string(e.Kind)] = true, true
	}
	for _, d := range docs {
		keys[d.ID] = true
	}
	order := make(map[string]int, len(paras))
	for _, p := range paras {
		keys[p.ID] = true
		order[p.ID] = p.Order
		for _, m := range p.Mentions {
			keys[m] = true
		}
	}
	for _, r := range rels {
		keys[r.Subject], keys[r.Predicate], keys[r.Object] = true, true, true
		for _, ev := range r.Evidence {
			keys[ev.Paragraph], keys[ev.Document] = true, true
		}
	}
	b := &builder{ids: make(map[string]uint32, 2*len(keys))}
	for k := range keys {
		b.strs = append(b.strs, k)
	}
	slices.Sort(b.strs)
	for i, s := range b.strs {
		b.ids[s] = uint32(i)
	}
	b.nsym = len(b.strs)
	syms := make([]uint32, symWords*b.nsym)
	// Per-symbol lists, as (symbol, value) in the order they are appended.
	var out, in, byPred, byPara, byDoc, mentioned, docParaList, byKind pairs

	var evs []domain.Evidence // relations' evidence first, then facts' and examples'
	for i, e := range ents {
		sym := b.ids[e.ID]
		syms[int(sym)*symWords+symEntity] = uint32(i + 1)
		byKind.add(b.ids[string(e.Kind)], i)
		flags := emptyFlag(e.Aliases, entAliasesEmpty) | emptyFlag(e.Common, entCommonEmpty) | emptyFlag(e.Facts, entFactsEmpty)
		b.add(secEntities, sym, b.str(e.Name), b.str(string(e.Kind)), b.str(e.Description), flags)
		b.list(secAliasOff, sortedStrings(e.Aliases))
		b.list(secCommonOff, sortedStrings(e.Common))
	}
	// Facts' evidence goes after every relation's: count those first.
	nRelEv := 0
	for _, r := range rels {
		nRelEv += len(r.Evidence)
	}
	b.sec[secFactOff] = append(b.sec[secFactOff], 0)
	var factEvs []domain.Evidence
	for _, e := range ents {
		for _, f := range e.Facts {
			var flags uint32
			var num uint64
			if f.Number != nil {
				flags, num = factHasNumber, math.Float64bits(*f.Number)
			}
			b.add(secFacts, b.str(f.Key), b.str(f.Role), b.str(f.Qualifier), b.str(f.Text), b.str(f.Date), b.str(f.Precision), b.str(f.Unit), flags,
				uint32(num), uint32(num>>32), uint32(nRelEv+len(factEvs)))
			factEvs = append(factEvs, f.Evidence)
		}
		b.sec[secFactOff] = append(b.sec[secFactOff], uint32(len(b.sec[secFacts])/factWords))
	}

	pi := 0
	for i, d := range docs {
		b.add(secDocuments, b.str(d.ID), b.str(d.Title), b.str(d.Short), b.str(d.Reference), b.str(d.Date),
			b.str(d.Author), b.str(d.AuthorEntity), b.str(d.URL), b.str(d.SHA256))
		for _, p := range docParas[i] {
			sym := b.ids[p.ID]
			syms[int(sym)*symWords+symPara] = uint32(pi + 1)
			docParaList.add(b.ids[d.ID], pi)
			flags := emptyFlag(p.Notes, paraNotesEmpty) | emptyFlag(p.Mentions, paraMentionsEmpty)
			b.add(secParagraphs, sym, b.str(p.Document), b.str(p.Number), b.str(p.Section), b.str(p.Parent),
				b.str(p.Text), flags, uint32(int64(p.Order)), uint32(int64(p.Order)>>32))
			b.list(secNoteOff, sortedStrings(p.Notes))
			b.list(secMentionOff, p.Mentions)
			seen := map[string]bool{}
			for _, m := range p.Mentions {
				if !seen[m] {
					seen[m] = true
					mentioned.add(b.ids[m], pi)
				}
			}
			pi++
		}
	}

	// The paragraph and document indexes hold a relation once per run of
	// its evidence, and not twice in a row: last is the relation each
	// symbol's list ends with.
	lastRel := func() []int {
		l := make([]int, b.nsym)
		for i := range l {
			l[i] = -1
		}
		return l
	}
	paraLast, docLast := lastRel(), lastRel()
	cites := func(list *pairs, last []int, key string, ri int) {
		k := b.ids[key]
		if last[k] < 0 || rels[last[k]].ID != rels[ri].ID {
			list.add(k, ri)
			last[k] = ri
		}
	}
	b.sec[secEvidenceOff] = append(b.sec[secEvidenceOff], 0)
	var sorted []domain.Evidence
	for i, r := range rels {
		subj, pred, obj := b.ids[r.Subject], b.ids[r.Predicate], b.ids[r.Object]
		var flags uint32
		if r.Implied {
			flags |= relImplied
		}
		flags |= emptyFlag(r.Evidence, relEvidenceEmpty)
		b.add(secRelations, b.str(r.ID), subj, pred, obj, flags)
		out.add(subj, i)
		in.add(obj, i)
		syms[int(subj)*symWords+symDegree]++
		if r.Object != r.Subject {
			syms[int(obj)*symWords+symDegree]++
		}
		byPred.add(pred, i)
		sorted = append(sorted[:0], r.Evidence...)
		engine.SortEvidence(sorted, order)
		var lastPara, lastDoc string
		for _, ev := range sorted {
			if ev.Paragraph != lastPara {
				lastPara = ev.Paragraph
				cites(&byPara, paraLast, ev.Paragraph, i)
			}
			if ev.Document != lastDoc {
				lastDoc = ev.Document
				cites(&byDoc, docLast, ev.Document, i)
			}
		}
		evs = append(evs, sorted...)
		b.sec[secEvidenceOff] = append(b.sec[secEvidenceOff], uint32(len(evs)))
	}
	evs = append(evs, factEvs...)
	for _, p := range preds {
		var example uint32
		if p.Example != nil {
			evs = append(evs, *p.Example)
			example = uint32(len(evs))
		}
		b.add(secPredicates, b.str(p.ID), b.str(p.Label), b.str(p.Inverse), b.str(p.Definition), example,
			b.str(joinKinds(p.SubjectKinds)), b.str(joinKinds(p.ObjectKinds)))
	}
	for _, ev := range evs {
		b.add(secEvidence, b.str(ev.Document), b.str(ev.Paragraph), b.str(ev.Quote),
			uint32(int64(ev.Start)), uint32(int64(ev.Start)>>32), uint32(int64(ev.End)), uint32(int64(ev.End)>>32),
			b.str(ev.Verb), b.str(string(ev.Modality)))
	}
	b.sec[secSymbols] = syms
	for _, ix := range []struct {
		p   *pairs
		sec int
	}{
		{&out, secOutOff}, {&in, secInOff}, {&byPred, secByPredOff}, {&byPara, secByParaOff},
		{&byDoc, secByDocOff}, {&mentioned, secMentionedOff}, {&docParaList, secDocParasOff}, {&byKind, secByKindOff},
	} {
		b.sec[ix.sec], b.sec[ix.sec+1] = ix.p.csr(b.nsym)
	}

	c := counts{str: len(b.strs), sym: b.nsym, ent: len(ents), fact: len(b.sec[secFacts]) / factWords,
		para: len(paras), doc: len(docs), pred: len(preds), rel: len(rels), ev: len(evs)}
	for _, f := range c.fields() {
		b.sec[secCounts] = append(b.sec[secCounts], uint32(*f))
	}
	return b.encode(sum)
}

// add appends a record to a table.
func (b *builder) add(sec int, fields ...uint32) { b.sec[sec] = append(b.sec[sec], fields...) }

// list appends a list of strings to the list whose offsets are section sec
// (its values are sec+1).
func (b *builder) list(sec int, ss []string) {
	if len(b.sec[sec]) == 0 {
		b.sec[sec] = append(b.sec[sec], 0)
	}
	for _, s := range ss {
		b.sec[sec+1] = append(b.sec[sec+1], b.str(s))
	}
	b.sec[sec] = append(b.sec[sec], uint32(len(b.sec[sec+1])))
}

// str gives a string's index in the string table, adding it if new: each
// distinct string is stored once.
func (b *builder) str(s string) uint32 {
	if i, ok := b.ids[s]; ok {
		return i
	}
	i := uint32(len(b.strs))
	b.ids[s] = i
	b.strs = append(b.strs, s)
	return i
}

// encode lays the sections out after the header and table.
func (b *builder) encode(sum *engine.Summary) []byte {
	js, err := json.Marshal(sum)
	if err != nil {
		// A Summary is plain data: only a bug makes it fail to encode.
		panic(fmt.Sprintf("projection: encode summary: %v", err))
	}
	strOff := make([]uint32, 0, len(b.strs)+1)
	arena := 0
	for _, s := range b.strs {
		strOff = append(strOff, uint32(arena))
		arena += len(s)
		if arena > math.MaxUint32 {
			panic("projection: more than 4 GiB of strings, the most a snapshot holds")
		}
	}
	b.sec[secStrOff] = append(strOff, uint32(arena))
	for _, sec := range []int{secAliasOff, secCommonOff, secNoteOff, secMentionOff} {
		if len(b.sec[sec]) == 0 { // no entity or paragraph: one offset, 0
			b.sec[sec] = []uint32{0}
		}
	}
	sizes := make([]int, numSections)
	for i := range sizes {
		sizes[i] = 4 * len(b.sec[i])
	}
	sizes[secSummary], sizes[secStrings] = len(js), arena
	total := headerSize + numSections*entrySize
	offs := make([]int, numSections)
	for i, n := range sizes {
		total = (total + 7) &^ 7
		offs[i] = total
		total += n
	}
	data := make([]byte, total)
	copy(data, magic)
	le := binary.LittleEndian
	le.PutUint32(data[8:], version)
	le.PutUint32(data[12:], numSections)
	le.PutUint64(data[16:], uint64(total))

	copy(data[offs[secSummary]:], js)
	at := offs[secStrings]
	for _, s := range b.strs {
		at += copy(data[at:], s)
	}
	for i, ws := range b.sec {
		for j, w := range ws {
			le.PutUint32(data[offs[i]+4*j:], w)
		}
	}
	for i := range sizes {
		e := data[headerSize+i*entrySize:]
		le.PutUint64(e, uint64(offs[i]))
		le.PutUint64(e[8:], uint64(sizes[i]))
		le.PutUint32(e[16:], crc32.Checksum(data[offs[i]:offs[i]+sizes[i]], castagnoli))
	}
	seal(data)
	return data
}

// seal writes the header's checksum.
func seal(data []byte) {
	end := headerSize + numSections*entrySize
	sum := crc32.Update(crc32.Checksum(data[:24], castagnoli), castagnoli, data[headerSize:end])
	binary.LittleEndian.PutUint32(data[24:], sum)
}

// pairs are values appended to per-symbol lists, in order.
type pairs struct{ key, val []uint32 }

func (p *pairs) add(key uint32, val int) {
	p.key = append(p.key, key)
	p.val = append(p.val, uint32(val))
}

// csr groups the values by symbol, keeping their order within a symbol.
func (p *pairs) csr(nsym int) (off, val []uint32) {
	off = make([]uint32, nsym+1)
	for _, k := range p.key {
		off[k+1]++
	}
	for i := 1; i <= nsym; i++ {
		off[i] += off[i-1]
	}
	next := append([]uint32(nil), off[:nsym]...)
	val = make([]uint32, len(p.val))
	for i, k := range p.key {
		val[next[k]] = p.val[i]
		next[k]++
	}
	return off, val
}

// sortedBy copies a list and sorts it by key as the projection always has
// (sort.Slice), so that items with equal keys come in the same order.
func sortedBy[T any](xs []*T, key func(*T) string) []*T {
	out := append([]*T(nil), xs...)
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

func sortedStrings(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}

// emptyFlag is flag when a list is empty but not nil.
func emptyFlag[T any](xs []T, flag uint32) uint32 {
	if xs != nil && len(xs) == 0 {
		return flag
	}
	return 0
}

// joinKinds writes a contract's kinds as one string; splitKinds reads it.
func joinKinds(ks []domain.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, " ")
}

func splitKinds(s string) []domain.Kind {
	var out []domain.Kind
	for _, f := range strings.Fields(s) {
		out = append(out, domain.Kind(f))
	}
	return out
}
