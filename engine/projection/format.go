package projection

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/digidip/digidip/engine"
)

// A snapshot is the projection's own bytes, which it answers from in place:
//
//	header   32 bytes: magic "DGDPPROJ", version u32, section count u32,
//	         total size u64, CRC-32C of the header's first 24 bytes and the
//	         section table u32, zero u32
//	table    per section: offset u64, length u64, CRC-32C u32, zero u32
//	sections in table order, each starting on a multiple of 8
//
// Numbers are little-endian. Every table of records is an array of u32
// words (an int64 takes two, low word first); a string is a word indexing
// the string table, whose first nsym strings are the symbols: the ids the
// indexes are keyed by, sorted, so that a dataset has one snapshot whatever
// order its lists came in (Open indexes them by hash). A list per key is
// CSR: an offsets section (keys+1 words) and a values section.
// Each section has its own checksum, so that the summary can be read
// without checking the rest, and an error names the section that is wrong.
const (
	magic      = "DGDPPROJ"
	version    = 2
	headerSize = 32
	entrySize  = 24
)

// ErrSnapshot is wrapped by the errors of a snapshot that is not one this
// package wrote: truncated, corrupt, or of another version.
var ErrSnapshot = errors.New("invalid projection snapshot")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// The sections of version 1, in order.
const (
	secSummary  = iota // engine.Summary as JSON
	secCounts          // the counts, in the order of the counts struct
	secStrOff          // string table: nstr+1 offsets into secStrings
	secStrings         // the bytes of every string
	secSymbols         // per symbol: symWords words
	secEntities        // per entity, in id order: entWords words
	secAliasOff
	secAliases // entity -> strings, sorted
	secCommonOff
	secCommon  // entity -> strings, sorted
	secFactOff // entity -> its facts in secFacts
	secFacts   // per fact: factWords words
	secParagraphs
	secNoteOff
	secNotes // paragraph -> strings, sorted
	secMentionOff
	secMentions // paragraph -> strings, as given
	secDocuments
	secPredicates
	secRelations
	secEvidenceOff // relation -> its evidence in secEvidence
	secEvidence    // relations' evidence, then facts' and examples'
	secOutOff
	secOut // symbol -> relations whose subject it is
	secInOff
	secIn // symbol -> relations whose object it is
	secByPredOff
	secByPred // symbol -> relations of that predicate
	secByParaOff
	secByPara // symbol -> relations whose evidence quotes that paragraph
	secByDocOff
	secByDoc // symbol -> relations whose evidence quotes that document
	secMentionedOff
	secMentioned // symbol -> paragraphs that mention it
	secDocParasOff
	secDocParas // symbol -> the document's paragraphs
	secByKindOff
	secByKind // symbol -> entities of that kind
	numSections
)

var sectionNames = [numSections]string{
	"summary", "counts", "string offsets", "strings", "symbols", "entities",
	"alias offsets", "aliases", "common name offsets", "common names",
	"fact offsets", "facts", "paragraphs", "note offsets", "notes",
	"mention offsets", "mentions", "documents", "predicates", "relations",
	"evidence offsets", "evidence", "out offsets", "out", "in offsets", "in",
	"by-predicate offsets", "by-predicate", "by-paragraph offsets", "by-paragraph",
	"by-document offsets", "by-document", "mentioned offsets", "mentioned",
	"document paragraph offsets", "document paragraphs", "by-kind offsets", "by-kind",
}

// Record layouts: the word each field starts at, and the record's length.
const (
	symEntity = iota // entity index + 1; 0: no entity has this id
	symPara          // paragraph index + 1; 0: no paragraph has this id
	symDegree
	symWords
)

const (
	entID = iota
	entName
	entKind
	entDesc
	entFlags
	entWords
)

const (
	factKey = iota
	factRole
	factQualifier
	factText
	factDate
	factPrecision
	factUnit
	factFlags
	factNumber   // two words
	factEvidence = factNumber + 2
	factWords    = factEvidence + 1
)

const (
	paraID = iota
	paraDoc
	paraNumber
	paraSection
	paraParent
	paraText
	paraFlags
	paraOrder // two words
	paraWords = paraOrder + 2
)

const (
	docID = iota
	docTitle
	docShort
	docReference
	docDate
	docAuthor
	docAuthorEntity
	docURL
	docSHA256
	docWords
)

const (
	predID = iota
	predLabel
	predInverse
	predDefinition
	predExample  // evidence index + 1; 0: none
	predSubjects // the contract's subject kinds, space-separated
	predObjects  // ... and its object kinds
	predWords
)

const (
	relID = iota
	relSubject
	relPredicate
	relObject
	relFlags
	relWords
)

const (
	evDoc = iota
	evPara
	evQuote
	evStart        // two words
	evEnd      = 5 // two words
	evVerb     = evEnd + 2
	evModality = evVerb + 1
	evWords    = evModality + 1
)

// Flags. A list that is empty is nil unless its "empty" flag says it was an
// empty list, so that answers are what the dataset held.
const (
	entAliasesEmpty = 1 << iota
	entCommonEmpty
	entFactsEmpty
	entFlagsAll = 1<<iota - 1
)

const (
	factHasNumber = 1
	factFlagsAll  = 1
)

const (
	paraNotesEmpty = 1 << iota
	paraMentionsEmpty
	paraFlagsAll = 1<<iota - 1
)

const (
	relImplied = 1 << iota
	relEvidenceEmpty
	relFlagsAll = 1<<iota - 1
)

// counts are the snapshot's sizes, as secCounts holds them.
type counts struct {
	str, sym, ent, fact, para, doc, pred, rel, ev int
}

const numCounts = 9

func (c *counts) fields() [numCounts]*int {
	return [numCounts]*int{&c.str, &c.sym, &c.ent, &c.fact, &c.para, &c.doc, &c.pred, &c.rel, &c.ev}
}

// words is an array of little-endian u32 inside a snapshot.
type words []byte

func (w words) len() int { return len(w) / 4 }

func (w words) at(i int) uint32 { return binary.LittleEndian.Uint32(w[4*i:]) }

func (w words) int64(i int) int64 { return int64(binary.LittleEndian.Uint64(w[4*i:])) }

func (w words) uint64(i int) uint64 { return binary.LittleEndian.Uint64(w[4*i:]) }

// csr lists values per key: those of key k are val[off[k]:off[k+1]].
type csr struct{ off, val words }

func (c csr) span(k int) (int, int) { return int(c.off.at(k)), int(c.off.at(k + 1)) }

// Size is the length of the projection's snapshot, in bytes.
func (p *Projection) Size() int { return len(p.data) }

// WriteTo writes the projection's snapshot, which Open reads back.
func (p *Projection) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(p.data)
	return int64(n), err
}

// Open reads a snapshot that WriteTo wrote, checking all of it: a snapshot
// that is truncated, corrupt or of another version gives an error wrapping
// ErrSnapshot. The projection answers from data in place: the caller must
// never change it afterwards.
func Open(data []byte) (*Projection, error) {
	secs, err := sections(data)
	if err != nil {
		return nil, err
	}
	for i, s := range secs {
		if err := checkSum(data, i, s); err != nil {
			return nil, err
		}
	}
	p, err := parse(data, secs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	return p, nil
}

// ReadSummary reads only the summary of a snapshot, checking the header and
// the summary's own checksum: what an engine that reads the quad store
// needs of a generation, without opening the projection.
func ReadSummary(data []byte) (*engine.Summary, error) {
	secs, err := sections(data)
	if err != nil {
		return nil, err
	}
	if err := checkSum(data, secSummary, secs[secSummary]); err != nil {
		return nil, err
	}
	sum, err := decodeSummary(data[secs[secSummary].off:][:secs[secSummary].len])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	return sum, nil
}

// section is one entry of the table.
type section struct {
	off, len int
	sum      uint32
}

// sections checks the header and the table, and that the sections fill the
// snapshot, in order, with nothing between them but padding to 8 bytes.
func sections(data []byte) ([]section, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, args...))
	}
	if len(data) < headerSize {
		return nil, bad("%d bytes, shorter than the %d-byte header", len(data), headerSize)
	}
	if string(data[:8]) != magic {
		return nil, bad("it does not start with %q", magic)
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != version {
		return nil, bad("version %d; this digidip reads version %d", v, version)
	}
	if n := binary.LittleEndian.Uint32(data[12:]); n != numSections {
		return nil, bad("%d sections, version %d has %d", n, version, numSections)
	}
	if size := binary.LittleEndian.Uint64(data[16:]); size != uint64(len(data)) {
		return nil, bad("truncated or padded: %d bytes, the header says %d", len(data), size)
	}
	end := headerSize + numSections*entrySize
	if len(data) < end {
		return nil, bad("%d bytes, shorter than its section table (%d)", len(data), end)
	}
	sum := crc32.Update(crc32.Checksum(data[:24], castagnoli), castagnoli, data[headerSize:end])
	if got := binary.LittleEndian.Uint32(data[24:]); got != sum || binary.LittleEndian.Uint32(data[28:]) != 0 {
		return nil, bad("header or section table: checksum mismatch")
	}
	secs := make([]section, numSections)
	prev := end
	for i := range secs {
		e := data[headerSize+i*entrySize:]
		off, n := binary.LittleEndian.Uint64(e), binary.LittleEndian.Uint64(e[8:])
		if off < uint64(prev) || off > uint64(len(data)) || n > uint64(len(data))-off {
			return nil, bad("section %q (bytes %d+%d) lies outside %d..%d", sectionNames[i], off, n, prev, len(data))
		}
		for _, c := range data[prev:off] {
			if c != 0 || off-uint64(prev) >= 8 {
				return nil, bad("bytes before section %q are not padding", sectionNames[i])
			}
		}
		secs[i] = section{off: int(off), len: int(n), sum: binary.LittleEndian.Uint32(e[16:])}
		prev = int(off + n)
	}
	if prev != len(data) {
		return nil, bad("%d bytes after the last section", len(data)-prev)
	}
	return secs, nil
}

func checkSum(data []byte, i int, s section) error {
	if crc32.Checksum(data[s.off:s.off+s.len], castagnoli) != s.sum {
		return fmt.Errorf("%w: section %q: checksum mismatch", ErrSnapshot, sectionNames[i])
	}
	return nil
}

func decodeSummary(b []byte) (*engine.Summary, error) {
	var sum engine.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return nil, fmt.Errorf("section %q: %w", sectionNames[secSummary], err)
	}
	return &sum, nil
}

// parse checks that every index in the snapshot points inside what it
// indexes, so that no answer can read out of bounds, and builds the
// projection over data.
func parse(data []byte, secs []section) (*Projection, error) {
	sec := func(i int) []byte { return data[secs[i].off:][:secs[i].len:secs[i].len] }
	p := &Projection{data: data}
	var err error
	if p.sum, err = decodeSummary(sec(secSummary)); err != nil {
		return nil, err
	}

	cw := sec(secCounts)
	if len(cw) != 4*numCounts {
		return nil, fmt.Errorf("section %q: %d bytes, want %d", sectionNames[secCounts], len(cw), 4*numCounts)
	}
	for i, f := range p.n.fields() {
		*f = int(words(cw).at(i))
	}
	n := &p.n
	if n.sym > n.str {
		return nil, fmt.Errorf("%d symbols but only %d strings", n.sym, n.str)
	}

	// table gives section i as n records of stride words, or an error.
	table := func(i, n, stride int) (words, error) {
		b := sec(i)
		if uint64(len(b)) != uint64(n)*uint64(stride)*4 {
			return nil, fmt.Errorf("section %q: %d bytes, want %d records of %d bytes", sectionNames[i], len(b), n, 4*stride)
		}
		return words(b), nil
	}
	// list gives sections i (offsets) and i+1 (values) as n lists of values
	// below bound.
	list := func(i, n, bound int) (csr, error) {
		off, err := table(i, n+1, 1)
		if err != nil {
			return csr{}, err
		}
		val := sec(i + 1)
		if len(val)%4 != 0 {
			return csr{}, fmt.Errorf("section %q: %d bytes, not whole words", sectionNames[i+1], len(val))
		}
		c := csr{off: off, val: words(val)}
		if err := checkOffsets(off, c.val.len(), sectionNames[i]); err != nil {
			return csr{}, err
		}
		return c, checkBelow(c.val, 1, 0, bound, sectionNames[i+1], "value")
	}
	strOff, err := table(secStrOff, n.str+1, 1)
	if err != nil {
		return nil, err
	}
	p.strs = sec(secStrings)
	if err := checkOffsets(strOff, len(p.strs), sectionNames[secStrOff]); err != nil {
		return nil, err
	}
	p.strOff = strOff
	for i := 1; i < n.sym; i++ {
		if p.str(uint32(i-1)) >= p.str(uint32(i)) {
			return nil, fmt.Errorf("section %q: symbols %d and %d are not in order", sectionNames[secStrings], i-1, i)
		}
	}

	type field struct {
		at    int
		bound int
		what  string
	}
	// records checks the fields of a table: each below its bound (+1 for
	// the fields that hold index+1).
	records := func(t words, stride, i int, fields ...field) error {
		for _, f := range fields {
			if err := checkBelow(t, stride, f.at, f.bound, sectionNames[i], f.what); err != nil {
				return err
			}
		}
		return nil
	}
	strField := func(at int, what string) field { return field{at, n.str, what} }

	p.symIndex = newHashIndex(n.sym, p.symbol)
	if p.syms, err = table(secSymbols, n.sym, symWords); err != nil {
		return nil, err
	}
	if err := records(p.syms, symWords, secSymbols,
		field{symEntity, n.ent + 1, "entity"}, field{symPara, n.para + 1, "paragraph"}); err != nil {
		return nil, err
	}
	if p.ents, err = table(secEntities, n.ent, entWords); err != nil {
		return nil, err
	}
	if err := records(p.ents, entWords, secEntities, strField(entID, "id"), strField(entName, "name"),
		strField(entKind, "kind"), strField(entDesc, "description"), field{entFlags, entFlagsAll + 1, "flags"}); err != nil {
		return nil, err
	}
	if p.aliases, err = list(secAliasOff, n.ent, n.str); err != nil {
		return nil, err
	}
	if p.common, err = list(secCommonOff, n.ent, n.str); err != nil {
		return nil, err
	}
	if p.factOff, err = table(secFactOff, n.ent+1, 1); err != nil {
		return nil, err
	}
	if err := checkOffsets(p.factOff, n.fact, sectionNames[secFactOff]); err != nil {
		return nil, err
	}
	if p.facts, err = table(secFacts, n.fact, factWords); err != nil {
		return nil, err
	}
	if err := records(p.facts, factWords, secFacts, strField(factKey, "key"), strField(factRole, "role"), strField(factQualifier, "qualifier"), strField(factText, "text"),
		strField(factDate, "date"), strField(factPrecision, "precision"), strField(factUnit, "unit"),
		field{factFlags, factFlagsAll + 1, "flags"}, field{factEvidence, n.ev, "evidence"}); err != nil {
		return nil, err
	}
	if p.paras, err = table(secParagraphs, n.para, paraWords); err != nil {
		return nil, err
	}
	if err := records(p.paras, paraWords, secParagraphs, strField(paraID, "id"), strField(paraDoc, "document"),
		strField(paraNumber, "number"), strField(paraSection, "section"), strField(paraParent, "parent"),
		strField(paraText, "text"), field{paraFlags, paraFlagsAll + 1, "flags"}); err != nil {
		return nil, err
	}
	if p.notes, err = list(secNoteOff, n.para, n.str); err != nil {
		return nil, err
	}
	if p.mentions, err = list(secMentionOff, n.para, n.str); err != nil {
		return nil, err
	}
	if p.docs, err = table(secDocuments, n.doc, docWords); err != nil {
		return nil, err
	}
	docFields := make([]field, docWords)
	for i := range docFields {
		docFields[i] = strField(i, "string")
	}
	if err := records(p.docs, docWords, secDocuments, docFields...); err != nil {
		return nil, err
	}
	if p.preds, err = table(secPredicates, n.pred, predWords); err != nil {
		return nil, err
	}
	if err := records(p.preds, predWords, secPredicates, strField(predID, "id"), strField(predLabel, "label"),
		strField(predInverse, "inverse"), strField(predDefinition, "definition"), field{predExample, n.ev + 1, "example"},
		strField(predSubjects, "subject kinds"), strField(predObjects, "object kinds")); err != nil {
		return nil, err
	}
	if p.rels, err = table(secRelations, n.rel, relWords); err != nil {
		return nil, err
	}
	if err := records(p.rels, relWords, secRelations, strField(relID, "id"), strField(relSubject, "subject"),
		strField(relPredicate, "predicate"), strField(relObject, "object"),
		field{relFlags, relFlagsAll + 1, "flags"}); err != nil {
		return nil, err
	}
	p.relIndex = newHashIndex(n.rel, p.relationID)
	if p.evOff, err = table(secEvidenceOff, n.rel+1, 1); err != nil {
		return nil, err
	}
	if err := checkOffsets(p.evOff, -1, sectionNames[secEvidenceOff]); err != nil {
		return nil, err
	}
	if int(p.evOff.at(n.rel)) > n.ev {
		return nil, fmt.Errorf("section %q: relations' evidence ends at %d, beyond the %d items", sectionNames[secEvidenceOff], p.evOff.at(n.rel), n.ev)
	}
	if p.evs, err = table(secEvidence, n.ev, evWords); err != nil {
		return nil, err
	}
	if err := records(p.evs, evWords, secEvidence, strField(evDoc, "document"), strField(evPara, "paragraph"),
		strField(evQuote, "quote"), strField(evVerb, "verb"), strField(evModality, "modality")); err != nil {
		return nil, err
	}
	for _, ix := range []struct {
		c     *csr
		sec   int
		bound int
	}{
		{&p.out, secOutOff, n.rel}, {&p.in, secInOff, n.rel}, {&p.byPred, secByPredOff, n.rel},
		{&p.byPara, secByParaOff, n.rel}, {&p.byDoc, secByDocOff, n.rel},
		{&p.mentioned, secMentionedOff, n.para}, {&p.docParas, secDocParasOff, n.para}, {&p.byKind, secByKindOff, n.ent},
	} {
		if *ix.c, err = list(ix.sec, n.sym, ix.bound); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checkOffsets checks that off starts at 0, never decreases and ends at end
// (anywhere when end < 0).
func checkOffsets(off words, end int, name string) error {
	if off.at(0) != 0 {
		return fmt.Errorf("section %q: the first offset is %d, not 0", name, off.at(0))
	}
	for i := 1; i < off.len(); i++ {
		if off.at(i) < off.at(i-1) {
			return fmt.Errorf("section %q: offset %d goes back from %d to %d", name, i, off.at(i-1), off.at(i))
		}
	}
	if last := off.at(off.len() - 1); end >= 0 && int(last) != end {
		return fmt.Errorf("section %q: the last offset is %d, want %d", name, last, end)
	}
	return nil
}

// checkBelow checks that the field at of every record of t is below bound.
func checkBelow(t words, stride, at, bound int, name, what string) error {
	for i := at; i < t.len(); i += stride {
		if v := t.at(i); uint64(v) >= uint64(bound) {
			return fmt.Errorf("section %q: record %d: %s %d out of range (%d)", name, i/stride, what, v, bound)
		}
	}
	return nil
}
