package loaders

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/mention"
)

// Coverage warning kinds.
const (
	// WarnUnmatchedName: a capitalised name or an abbreviation in a
	// paragraph that matches no entity's name or alias.
	WarnUnmatchedName = "unmatched-name"
	// WarnSilentParagraph: a paragraph that mentions entities but states no
	// relation.
	WarnSilentParagraph = "silent-paragraph"
	// WarnIsolatedEntity: an entity with no relation that no paragraph
	// names either.
	WarnIsolatedEntity = "isolated-entity"
	// WarnStaleAllow: an allow-list entry that no longer matches a warning.
	WarnStaleAllow = "stale-allow"
)

// Warning is one gap between the texts and the graph.
type Warning struct {
	Kind      string
	Paragraph string // paragraph id, for names and silent paragraphs
	Entity    string // entity id, for isolated entities
	Text      string // the unmatched words
	Allowed   string // the allow-list's reason, if the warning is allowed
}

func (w Warning) String() string {
	switch w.Kind {
	case WarnUnmatchedName:
		return fmt.Sprintf("%s: %s %q matches no entity name or alias", w.Paragraph, w.Kind, w.Text)
	case WarnSilentParagraph:
		return fmt.Sprintf("%s: %s: it mentions entities but states no relation", w.Paragraph, w.Kind)
	case WarnIsolatedEntity:
		return fmt.Sprintf("%s: %s: it has no relation and no paragraph names it", w.Entity, w.Kind)
	}
	return fmt.Sprintf("%s: %s", w.Kind, w.Text)
}

// ParagraphCoverage is what the graph holds of one paragraph.
type ParagraphCoverage struct {
	Paragraph *domain.Paragraph
	Mentions  []string // entity ids
	Relations []string // relation ids with evidence in the paragraph
	Warnings  []Warning
}

// Coverage reports, paragraph by paragraph, what the graph holds of the
// texts, and where it falls short.
type Coverage struct {
	Paragraphs []ParagraphCoverage
	Entities   []Warning // isolated entities
	Stale      []Warning // allow-list entries that match nothing
}

// Open lists the warnings the allow-list does not excuse.
func (c *Coverage) Open() []Warning {
	var out []Warning
	for _, p := range c.Paragraphs {
		for _, w := range p.Warnings {
			if w.Allowed == "" {
				out = append(out, w)
			}
		}
	}
	for _, w := range c.Entities {
		if w.Allowed == "" {
			out = append(out, w)
		}
	}
	return append(out, c.Stale...)
}

// allowEntry is one line of graph/coverage-allow.yaml.
type allowEntry struct {
	kind, text, para, entity, reason string
	file                             string
	line                             int
	used                             bool
}

func (a *allowEntry) matches(w Warning) bool {
	if a.kind != w.Kind {
		return false
	}
	switch w.Kind {
	case WarnUnmatchedName:
		return a.text == w.Text && (a.para == "" || a.para == w.Paragraph)
	case WarnSilentParagraph:
		return a.para == w.Paragraph
	case WarnIsolatedEntity:
		return a.entity == w.Entity
	}
	return false
}

// AllowFile is where the coverage allow-list lives, under the data root.
const AllowFile = "graph/coverage-allow.yaml"

func (r *reader) readAllow() []*allowEntry {
	if _, err := fs.Stat(r.fsys, AllowFile); err != nil {
		return nil
	}
	f, root, ok := r.openYAML(AllowFile)
	if !ok {
		return nil
	}
	var out []*allowEntry
	for _, n := range f.list(root, "the allow-list") {
		af, ok := f.mapping(n, "an allow entry", "warning", "text", "para", "entity", "reason")
		if !ok {
			continue
		}
		a := &allowEntry{
			kind: af.str("warning", true), text: af.str("text", false), para: af.str("para", false),
			entity: af.str("entity", false), reason: af.str("reason", true), file: f.name, line: n.Line,
		}
		switch a.kind {
		case WarnUnmatchedName:
			if a.text == "" {
				f.problem(n.Line, "an %s entry needs the text it allows", a.kind)
			}
		case WarnSilentParagraph:
			if a.para == "" {
				f.problem(n.Line, "a %s entry needs the paragraph (document:number)", a.kind)
			}
		case WarnIsolatedEntity:
			if a.entity == "" {
				f.problem(n.Line, "an %s entry needs the entity id", a.kind)
			}
		case "":
		default:
			f.problem(af.line("warning"), "unknown warning %q (known: %s, %s, %s)", a.kind, WarnUnmatchedName, WarnSilentParagraph, WarnIsolatedEntity)
		}
		out = append(out, a)
	}
	return out
}

// CheckCoverage reads and validates the data like Read, then reports its
// coverage of the texts, with the allow-list (graph/coverage-allow.yaml)
// applied.
func CheckCoverage(fsys fs.FS, root string) (*Coverage, error) {
	ds, err := Read(fsys, root)
	if err != nil {
		return nil, err
	}
	r := &reader{root: root, fsys: fsys}
	allow := r.readAllow()
	if len(r.problems) > 0 {
		return nil, r.problems.sorted()
	}
	c := coverage(ds)
	c.excuse(allow, func(*allowEntry) bool { return true })
	return c, nil
}

// CheckDocCoverage is CheckCoverage of one document's paragraphs, with the
// items still marked proposed taken as present: a draft's coverage, so that
// a curator sees what the draft leaves unlinked before reviewing it. Its
// isolated entities are those of the document's own entities file
// (graph/entities/<doc>.yaml or <doc>.proposed.yaml), and an allow entry is
// stale only if it names one of those or a paragraph of the document: the
// others may be used by the other documents.
func CheckDocCoverage(fsys fs.FS, root, doc string) (*Coverage, error) {
	r, err := read(fsys, root, true)
	if err != nil {
		return nil, err
	}
	if r.docs[doc] == nil {
		return nil, fmt.Errorf("no document %q in %s", doc, root)
	}
	ar := &reader{root: root, fsys: fsys}
	allow := ar.readAllow()
	if len(ar.problems) > 0 {
		return nil, ar.problems.sorted()
	}
	own := func(entity string) bool {
		at, ok := r.entityAt[entity]
		base := path.Base(at.File)
		return ok && path.Dir(at.File) == path.Join(root, "graph/entities") &&
			(base == doc+".yaml" || base == doc+ProposedSuffix)
	}
	full := coverage(r.ds)
	c := &Coverage{}
	for _, p := range full.Paragraphs {
		if p.Paragraph.Document == doc {
			c.Paragraphs = append(c.Paragraphs, p)
		}
	}
	for _, w := range full.Entities {
		if own(w.Entity) {
			c.Entities = append(c.Entities, w)
		}
	}
	c.excuse(allow, func(a *allowEntry) bool {
		return strings.HasPrefix(a.para, doc+":") || a.kind == WarnIsolatedEntity && own(a.entity)
	})
	return c, nil
}

// excuse marks the warnings the allow-list excuses, and reports as stale
// each entry judged that excuses none.
func (c *Coverage) excuse(allow []*allowEntry, judged func(*allowEntry) bool) {
	excuse := func(w *Warning) {
		for _, a := range allow {
			if a.matches(*w) {
				w.Allowed = a.reason
				a.used = true
				return
			}
		}
	}
	for i := range c.Paragraphs {
		for j := range c.Paragraphs[i].Warnings {
			excuse(&c.Paragraphs[i].Warnings[j])
		}
	}
	for i := range c.Entities {
		excuse(&c.Entities[i])
	}
	for _, a := range allow {
		if !a.used && judged(a) {
			c.Stale = append(c.Stale, Warning{Kind: WarnStaleAllow,
				Text: fmt.Sprintf("%s:%d: allows a %s warning that no longer occurs", a.file, a.line, a.kind)})
		}
	}
}

func coverage(ds *domain.Dataset) *Coverage {
	m := mention.New(ds.Entities)
	c := &Coverage{}
	rels := slices.Clone(ds.Relations)
	slices.SortFunc(rels, func(a, b *domain.Relation) int { return strings.Compare(a.ID, b.ID) })
	byPara := map[string][]string{}
	related := map[string]bool{}
	for _, r := range rels {
		related[r.Subject], related[r.Object] = true, true
		for _, e := range r.Evidence {
			if l := byPara[e.Paragraph]; len(l) == 0 || l[len(l)-1] != r.ID {
				byPara[e.Paragraph] = append(l, r.ID)
			}
		}
	}
	docs := slices.Clone(ds.Documents)
	slices.SortFunc(docs, func(a, b *domain.Document) int { return strings.Compare(a.ID, b.ID) })
	for _, d := range docs {
		paras := slices.Clone(d.Paragraphs)
		slices.SortStableFunc(paras, func(a, b *domain.Paragraph) int { return a.Order - b.Order })
		for _, p := range paras {
			pc := ParagraphCoverage{Paragraph: p, Mentions: p.Mentions, Relations: byPara[p.ID]}
			for _, name := range unmatchedNames(p.Text, m.Spans(p.Text)) {
				pc.Warnings = append(pc.Warnings, Warning{Kind: WarnUnmatchedName, Paragraph: p.ID, Text: name})
			}
			if len(p.Mentions) > 0 && len(pc.Relations) == 0 {
				pc.Warnings = append(pc.Warnings, Warning{Kind: WarnSilentParagraph, Paragraph: p.ID})
			}
			c.Paragraphs = append(c.Paragraphs, pc)
		}
	}
	// An entity a paragraph names is linked to the text by that mention: a
	// relation is asked for only of one nothing links, so that curators are
	// never pushed to invent one.
	mentioned := map[string]bool{}
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			for _, m := range p.Mentions {
				mentioned[m] = true
			}
		}
	}
	ents := slices.Clone(ds.Entities)
	slices.SortFunc(ents, func(a, b *domain.Entity) int { return strings.Compare(a.ID, b.ID) })
	for _, e := range ents {
		if !related[e.ID] && !mentioned[e.ID] {
			c.Entities = append(c.Entities, Warning{Kind: WarnIsolatedEntity, Entity: e.ID})
		}
	}
	return c
}

var (
	token     = regexp.MustCompile(`[\p{L}\p{N}]+(?:['’/&-][\p{L}\p{N}]+)*`)
	connector = map[string]bool{"of": true, "the": true, "and": true, "for": true, "on": true, "in": true, "&": true, "de": true}
	months    = map[string]bool{"January": true, "February": true, "March": true, "April": true, "May": true, "June": true,
		"July": true, "August": true, "September": true, "October": true, "November": true, "December": true}
)

// isName tells a capitalised word or an abbreviation from an ordinary word.
func isName(tok string, sentenceStart bool) bool {
	upper, digit := 0, false
	for _, r := range tok {
		if unicode.IsUpper(r) {
			upper++
		}
		if unicode.IsDigit(r) {
			digit = true
		}
	}
	first, _ := utf8.DecodeRuneInString(tok)
	switch {
	case upper >= 2 || upper >= 1 && digit: // ITU, HR/VP, EU-US, 6G
		return true
	case !unicode.IsUpper(first), months[tok]:
		return false
	}
	// A capitalised word opening a sentence is not evidence of a name.
	return !sentenceStart
}

// unmatchedNames lists the runs of capitalised words and abbreviations that
// no entity label covers.
func unmatchedNames(text string, covered []mention.Span) []string {
	// A word touched by a label is covered: "EU's" by EU, "Geneva-based"
	// by Geneva.
	inSpan := func(start, end int) bool {
		for _, m := range covered {
			if start < m.End && m.Start < end {
				return true
			}
		}
		return false
	}
	var names []string
	seen := map[string]bool{}
	var run []string
	var pending []string // connectors after the run, kept only if another name follows
	flush := func() {
		if len(run) > 0 {
			n := strings.Join(run, " ")
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
		run, pending = nil, nil
	}
	prevEnd := 0
	for _, loc := range token.FindAllStringIndex(text, -1) {
		if t := text[loc[0]:loc[1]]; strings.HasSuffix(t, "'s") || strings.HasSuffix(t, "’s") {
			loc[1] -= len("s") + len(string([]rune(t)[utf8.RuneCountInString(t)-2]))
		}
		tok := text[loc[0]:loc[1]]
		gap := text[prevEnd:loc[0]]
		start := loc[0] == 0 || strings.ContainsAny(gap, ".:;!?\n•") && !strings.Contains(gap, ",")
		if strings.ContainsAny(gap, ".,:;!?()\n\"“”") {
			flush()
		}
		prevEnd = loc[1]
		switch {
		case !inSpan(loc[0], loc[1]) && isName(tok, start):
			run = append(run, pending...)
			pending = nil
			run = append(run, tok)
		case len(run) > 0 && connector[tok]:
			pending = append(pending, tok)
		default:
			flush()
		}
	}
	flush()
	return names
}

// WriteCoverage prints a coverage report: per paragraph the entities it
// mentions, the relations it states and its warnings; then isolated
// entities and stale allow entries; then a summary.
func WriteCoverage(w io.Writer, c *Coverage) {
	allowed := 0
	for _, p := range c.Paragraphs {
		fmt.Fprintf(w, "%s: %d entities, %d relations\n", p.Paragraph.ID, len(p.Mentions), len(p.Relations))
		if len(p.Mentions) > 0 {
			fmt.Fprintf(w, "  mentions: %s\n", strings.Join(p.Mentions, ", "))
		}
		for _, r := range p.Relations {
			fmt.Fprintf(w, "  states: %s\n", r)
		}
		for _, wn := range p.Warnings {
			writeWarning(w, wn, &allowed)
		}
	}
	for _, wn := range c.Entities {
		writeWarning(w, wn, &allowed)
	}
	for _, wn := range c.Stale {
		fmt.Fprintf(w, "  warning: %s\n", wn.Text)
	}
	fmt.Fprintf(w, "coverage: %d paragraphs; %d warnings open, %d allowed (%s)\n",
		len(c.Paragraphs), len(c.Open()), allowed, path.Join("data", AllowFile))
}

func writeWarning(w io.Writer, wn Warning, allowed *int) {
	if wn.Allowed != "" {
		*allowed++
		fmt.Fprintf(w, "  allowed: %s (%s)\n", wn, wn.Allowed)
		return
	}
	fmt.Fprintf(w, "  warning: %s\n", wn)
}
