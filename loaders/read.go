// Package loaders reads the data files, validates them and writes them to the
// store as quads, all or nothing.
package loaders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"

	"go.yaml.in/yaml/v3"
)

// formatVersion is part of the data hash: when the way data becomes quads
// changes, stores loaded by an older digidip are reloaded.
const formatVersion = "digidip-data-1"

var (
	slug    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	paraNum = regexp.MustCompile(`^[A-Za-z0-9]+([.-][A-Za-z0-9]+)*$`)
	// ISO 8601 / EDTF: YYYY, YYYY-MM, YYYY-MM-DD, a season YYYY-21..24, or
	// an interval of two of those ("2020/2024"), either end of which may be
	// open ("2025/..": after 2025).
	isoDate   = regexp.MustCompile(`^(` + edtf + `(/(` + edtf + `|\.\.))?|\.\./` + edtf + `)$`)
	edtf      = `\d{4}(-(0[1-9]|1[0-2]|2[1-4])(-(0[1-9]|[12]\d|3[01]))?)?`
	precision = map[string]bool{"year": true, "season": true, "month": true, "day": true}
)

type reader struct {
	root     string // how file names are shown: the data directory
	fsys     fs.FS
	problems Problems

	ds        *domain.Dataset
	docs      map[string]*domain.Document
	paras     map[string]*domain.Paragraph
	entities  map[string]*domain.Entity
	entityAt  map[string]Problem // where each id was defined
	preds     map[string]*domain.Predicate
	predAt    map[string]Problem // where each predicate was defined
	relations map[string]*domain.Relation
	relAt     map[string]Problem

	// drafts takes proposed items as present (ReadDraft); otherwise each
	// is a problem until a curator accepts or deletes it.
	drafts    bool
	proposals []Proposal
}

// Read parses and validates the data under fsys (sources/ and graph/). root
// is the directory name shown in problems, and the dataset's source. It returns every problem found, as
// Problems, or the dataset with mentions derived and the content hash set.
// An item still marked status: proposed is a problem (see ReadDraft).
func Read(fsys fs.FS, root string) (*domain.Dataset, error) {
	r, err := read(fsys, root, false)
	if err != nil {
		return nil, err
	}
	return r.ds, nil
}

// read is Read, and ReadDraft when drafts is set; it returns the reader for
// what it knows of where each item was defined.
func read(fsys fs.FS, root string, drafts bool) (*reader, error) {
	r := &reader{
		drafts:    drafts,
		root:      root,
		fsys:      fsys,
		ds:        &domain.Dataset{},
		docs:      map[string]*domain.Document{},
		paras:     map[string]*domain.Paragraph{},
		entities:  map[string]*domain.Entity{},
		entityAt:  map[string]Problem{},
		preds:     map[string]*domain.Predicate{},
		predAt:    map[string]Problem{},
		relations: map[string]*domain.Relation{},
		relAt:     map[string]Problem{},
	}
	hash, err := Hash(fsys)
	if err != nil {
		return nil, err
	}
	r.ds.Hash = hash
	if err := r.readAll(); err != nil {
		return nil, err
	}
	if !drafts {
		r.refuseProposals()
	}
	if len(r.problems) > 0 {
		return nil, r.problems.sorted()
	}
	deriveMentions(r.ds)
	r.ds.Source = root
	return r, nil
}

// Hash is the content hash of the data files: the store keeps it, and serve
// reloads when the files it embeds hash differently.
func Hash(fsys fs.FS) (string, error) {
	h := sha256.New()
	h.Write([]byte(formatVersion + "\n"))
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\n%d\n", p, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash data: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (r *reader) open(name string) (*file, []byte, bool) {
	f := &file{name: path.Join(r.root, name), r: r}
	data, err := fs.ReadFile(r.fsys, name)
	if err != nil {
		f.problem(0, "cannot read: %v", err)
		return f, nil, false
	}
	if !utf8.Valid(data) {
		f.problem(0, "not valid UTF-8")
		return f, nil, false
	}
	return f, data, true
}

// openYAML reads and parses a data file; a problem is recorded if it
// cannot.
func (r *reader) openYAML(name string) (*file, *yaml.Node, bool) {
	f, data, ok := r.open(name)
	if !ok {
		return f, nil, false
	}
	root, ok := f.parse(data)
	return f, root, ok
}

func (r *reader) glob(pattern string) []string {
	names, err := fs.Glob(r.fsys, pattern)
	if err != nil {
		r.problems = append(r.problems, Problem{File: path.Join(r.root, pattern), Msg: err.Error()})
	}
	sort.Strings(names)
	return names
}

func (r *reader) readAll() error {
	sources := r.glob("sources/*.yaml")
	if len(sources) == 0 {
		r.problems = append(r.problems, Problem{File: path.Join(r.root, "sources"), Msg: "no source documents (sources/*.yaml)"})
	}
	for _, name := range sources {
		r.readDocument(name)
	}
	predFile := "graph/predicates.yaml"
	if _, err := fs.Stat(r.fsys, predFile); errors.Is(err, fs.ErrNotExist) {
		r.problems = append(r.problems, Problem{File: path.Join(r.root, predFile), Msg: "missing: every predicate must be defined there"})
	} else {
		r.readPredicates(predFile)
	}
	if _, err := fs.Stat(r.fsys, versionFile); err == nil {
		r.readVersion(versionFile)
	}
	for _, name := range proposedLast(r.glob("graph/entities/*.yaml")) {
		r.readEntities(name)
	}
	// Entities are all known before any relation is checked, so the order of
	// files does not matter.
	for _, name := range proposedLast(r.glob("graph/relations/*.yaml")) {
		r.readRelations(name)
	}
	for _, d := range r.ds.Documents {
		if d.AuthorEntity != "" && r.entities[d.AuthorEntity] == nil {
			r.problems = append(r.problems, Problem{File: path.Join(r.root, "sources", d.ID+".yaml"), Msg: fmt.Sprintf("author-entity %q is not an entity%s", d.AuthorEntity, r.suggest(d.AuthorEntity))})
		}
	}
	return nil
}

// versionFile holds the data's release number (see domain.Dataset.Version);
// data without it is unversioned.
const versionFile = "graph/version.yaml"

func (r *reader) readVersion(name string) {
	f, root, ok := r.openYAML(name)
	if !ok {
		return
	}
	vf, ok := f.mapping(root, "the data's version", "version")
	if !ok {
		return
	}
	if !vf.has("version") {
		f.problem(vf.line("version"), `missing "version"`)
		return
	}
	switch v := vf.integer("version", math.MinInt); {
	case v == math.MinInt: // not a whole number: reported
	case v < 1:
		f.problem(vf.line("version"), `"version" must be a whole number from 1 up, not %d`, v)
	default:
		r.ds.Version = v
	}
}

// suggest names the known entity id nearest to a misspelt one, if one is
// near.
func (r *reader) suggest(id string) string {
	return domain.Suggest(context.Background(), id, maps.Keys(r.entities))
}

func (r *reader) readDocument(name string) {
	f, root, ok := r.openYAML(name)
	if !ok {
		return
	}
	fs_, ok := f.mapping(root, "a document", "id", "title", "short", "reference", "date", "author", "author-entity", "source", "url", "paragraphs")
	if !ok {
		return
	}
	d := &domain.Document{
		ID:           fs_.str("id", true),
		Title:        fs_.str("title", true),
		Short:        fs_.str("short", false),
		Reference:    fs_.str("reference", false),
		Date:         fs_.str("date", false),
		Author:       fs_.str("author", false),
		AuthorEntity: fs_.str("author-entity", false),
		URL:          fs_.str("url", false),
	}
	if d.ID != "" && !slug.MatchString(d.ID) {
		f.problem(fs_.line("id"), "document id %q is not a kebab-case slug", d.ID)
	}
	if want := strings.TrimSuffix(path.Base(name), ".yaml"); d.ID != "" && d.ID != want {
		f.problem(fs_.line("id"), "document id %q does not match its file name %q", d.ID, want)
	}
	if _, dup := r.docs[d.ID]; dup {
		f.problem(fs_.line("id"), "duplicate document id %q", d.ID)
		return
	}
	if d.Date != "" && !isoDate.MatchString(d.Date) {
		f.problem(fs_.line("date"), "date %q is not ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD)", d.Date)
	}
	var source string
	if src := fs_.str("source", true); src != "" {
		raw, err := fs.ReadFile(r.fsys, path.Join(path.Dir(name), src))
		if err != nil {
			f.problem(fs_.line("source"), "source file %q: %v", src, err)
		} else {
			sum := sha256.Sum256(raw)
			d.SHA256 = hex.EncodeToString(sum[:])
			source = plainSource(string(raw))
			if path.Ext(src) == ".txt" {
				source = foldSpace(string(raw)) // a plain text has no Markdown to remove
			}
		}
	}
	seen := map[string]int{}
	for i, pn := range fs_.list("paragraphs", true) {
		pf, ok := f.mapping(pn, "a paragraph", "id", "section", "notes", "text")
		if !ok {
			continue
		}
		num := pf.str("id", true)
		if num == "" {
			continue
		}
		if !paraNum.MatchString(num) {
			f.problem(pf.line("id"), "paragraph id %q: use letters, digits, '.' and '-'", num)
		}
		if prev, dup := seen[num]; dup {
			f.problem(pf.line("id"), "duplicate paragraph %q (first at line %d)", num, prev)
			continue
		}
		seen[num] = pf.line("id")
		p := &domain.Paragraph{
			ID:       domain.ParagraphID(d.ID, num),
			Document: d.ID,
			Number:   num,
			Section:  pf.str("section", false),
			Order:    i,
			Text:     pf.str("text", true),
		}
		if source != "" && p.Text != "" && !strings.Contains(source, foldSpace(p.Text)) {
			f.problem(pf.line("text"), "paragraph %q: text is not in the source file %s (compared with Markdown removed and spaces folded)", num, fs_.str("source", false))
		}
		for _, n := range pf.strs("notes") {
			p.Notes = append(p.Notes, domain.ParagraphID(d.ID, n))
		}
		d.Paragraphs = append(d.Paragraphs, p)
		r.paras[p.ID] = p
	}
	for _, p := range d.Paragraphs {
		// "4.A" sits under "4" when the document has a paragraph "4"
		if i := strings.LastIndexByte(p.Number, '.'); i > 0 {
			if parent := domain.ParagraphID(d.ID, p.Number[:i]); r.paras[parent] != nil {
				p.Parent = parent
			}
		}
		for _, n := range p.Notes {
			if r.paras[n] == nil {
				f.problem(fs_.line("paragraphs"), "paragraph %q cites note %q, which is not a paragraph of %s", p.Number, n, d.ID)
			}
		}
	}
	r.docs[d.ID] = d
	r.ds.Documents = append(r.ds.Documents, d)
}

var (
	mdSup      = regexp.MustCompile(`<sup>[^<]*</sup>`)
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdBullet   = regexp.MustCompile(`(?m)^\s*(?:[-•*]|\d+\.|- [A-Z]\.)\s+`)
	mdHeading  = regexp.MustCompile(`(?m)^#+\s+`)
	mdRule     = regexp.MustCompile(`(?m)^\s*-{3,}\s*$`)
	spaceRuns  = regexp.MustCompile(`\s+`)
	backslashe = strings.NewReplacer(`\\_`, "_", `\_`, "_", "**", "")
)

// plainSource is a Markdown source reduced to its words, for checking that
// paragraph texts come from it.
func plainSource(s string) string {
	s = mdSup.ReplaceAllString(s, "")
	s = mdLink.ReplaceAllString(s, "$1")
	s = backslashe.Replace(s)
	s = mdHeading.ReplaceAllString(s, "")
	s = mdRule.ReplaceAllString(s, "")
	s = mdBullet.ReplaceAllString(s, "")
	return foldSpace(s)
}

func foldSpace(s string) string { return strings.TrimSpace(spaceRuns.ReplaceAllString(s, " ")) }

// evidence checks one {doc, para, quote[, occurrence]} item and locates the
// quote in its paragraph.
func (r *reader) evidence(f *file, n *yaml.Node, defaultDoc string) (domain.Evidence, bool) {
	ef, ok := f.mapping(n, "evidence", "doc", "para", "quote", "occurrence")
	if !ok {
		return domain.Evidence{}, false
	}
	return r.locate(f, ef, defaultDoc)
}

// relationEvidence checks a relation's evidence item, which also says how
// its quote words the relation: {doc, para, quote[, occurrence][, verb]
// [, modality]}. The verb must be words of the quote; the modality is
// stated unless given.
func (r *reader) relationEvidence(f *file, n *yaml.Node, defaultDoc string) (domain.Evidence, bool) {
	ef, ok := f.mapping(n, "evidence", "doc", "para", "quote", "occurrence", "verb", "modality")
	if !ok {
		return domain.Evidence{}, false
	}
	ev, found := r.locate(f, ef, defaultDoc)
	good := found
	ev.Verb = ef.str("verb", false)
	ev.Modality = domain.Modality(ef.str("modality", false))
	if ev.Modality == "" {
		ev.Modality = domain.Stated
	}
	if !ev.Modality.Valid() {
		f.problem(ef.line("modality"), "unknown modality %q (known: %s)", ev.Modality, domain.ModalityNames(", "))
		good = false
	}
	// a quote that is not in its paragraph is the one mistake to report
	if found && ev.Verb != "" && !domain.ContainsWords(ev.Quote, ev.Verb) {
		f.problem(ef.line("verb"), "verb %q is not words of the quote %q", ev.Verb, ev.Quote)
		good = false
	}
	return ev, good
}

// locate finds an evidence item's quote in its paragraph.
func (r *reader) locate(f *file, ef fields, defaultDoc string) (domain.Evidence, bool) {
	doc := ef.str("doc", defaultDoc == "")
	if doc == "" {
		doc = defaultDoc
	}
	num := ef.str("para", true)
	quote := ef.str("quote", true)
	occ := ef.integer("occurrence", 1)
	if doc == "" || num == "" || quote == "" {
		return domain.Evidence{}, false
	}
	if r.docs[doc] == nil {
		f.problem(ef.line("doc"), "unknown document %q", doc)
		return domain.Evidence{}, false
	}
	pid := domain.ParagraphID(doc, num)
	p := r.paras[pid]
	if p == nil {
		f.problem(ef.line("para"), "document %s has no paragraph %q", doc, num)
		return domain.Evidence{}, false
	}
	if occ < 1 {
		f.problem(ef.line("occurrence"), "occurrence must be 1 or more")
		return domain.Evidence{}, false
	}
	at := -1
	for i, from := 0, 0; i < occ; i++ {
		j := strings.Index(p.Text[from:], quote)
		if j < 0 {
			at = -1
			break
		}
		at = from + j
		from = at + 1
	}
	if at < 0 {
		if occ > 1 && strings.Contains(p.Text, quote) {
			f.problem(ef.line("occurrence"), "quote occurs fewer than %d times in %s", occ, pid)
		} else {
			f.problem(ef.line("quote"), "quote not found in %s: %q", pid, quote)
		}
		return domain.Evidence{}, false
	}
	start := utf8.RuneCountInString(p.Text[:at])
	return domain.Evidence{
		Document:  doc,
		Paragraph: pid,
		Quote:     quote,
		Start:     start,
		End:       start + utf8.RuneCountInString(quote),
	}, true
}
