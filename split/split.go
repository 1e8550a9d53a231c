// Package split cuts a source document's text into addressable paragraphs
// (numbered paragraphs, lettered points, footnotes, cover note, or sections
// of an unnumbered page) and finds its metadata, the way data/sources records them.
package split

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Paragraph is one addressable unit, as data/sources/*.yaml records it.
type Paragraph struct {
	ID      string
	Section string
	Notes   []string // footnote ids ("fn1") the paragraph cites
	Text    string   // Markdown removed, spaces folded; blocks joined by a blank line
	Line    int      // where it starts in the input
}

// Warning is an ambiguity the splitter resolved one way and the curator
// should look at.
type Warning struct {
	Line int
	Msg  string
}

// Error is a text that cannot be split; Line is 0 when it concerns the whole text.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Field is a metadata value found in the text, with the line it came from.
type Field struct {
	Value string
	Line  int
}

// Meta is the document metadata the text states.
type Meta struct {
	Title, Reference, Date, Author Field
}

// Result is a split document.
type Result struct {
	Paragraphs []Paragraph
	Meta       Meta
	Warnings   []Warning
}

// Section names given to paragraphs outside the body.
const (
	CoverSection    = "Cover note"
	FootnoteSection = "Footnotes"
	IntroSection    = "Introduction"
	introSlug       = "intro"
	maxHeadingWords = 14
)

var (
	mdHeading  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	rule       = regexp.MustCompile(`^\s*(?:-{3,}|\*{3,}|_{3,})\s*$`)
	loneBullet = regexp.MustCompile(`^\s*[-*•]\s*$`)
	numbered   = regexp.MustCompile(`^\s*(\d{1,3})\.\s+(\S.*)$`)
	lettered   = regexp.MustCompile(`^\s*(?:[-*•]\s+)?(?:([A-Z])\.|([a-z])\)|\(([a-z])\))\s+(\S.*)$`)
	bullet     = regexp.MustCompile(`^\s*[-*•]\s+(\S.*)$`)
	mdFootnote = regexp.MustCompile(`^\s*<sup>(\d+)</sup>\s*(.*)$`)
	txFootnote = regexp.MustCompile(`^\s*(\d{1,2})[ \t]+(\S.*)$`)
	memoField  = regexp.MustCompile(`^\s*(From|To|Subject|Date|Origin|Recipient)\s*:\s*(.*)$`)
	sup        = regexp.MustCompile(`<sup>(\d+)</sup>`)
	supAny     = regexp.MustCompile(`<sup>[^<]*</sup>`)
	link       = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	unescape   = strings.NewReplacer(`\\_`, "_", `\_`, "_", "**", "")
	spaces     = regexp.MustCompile(`\s+`)
	dateLine   = regexp.MustCompile(`^\s*\p{Lu}[\p{L} -]*,\s+(\d{1,2})\s+(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{4})\b`)
	reference  = regexp.MustCompile(`\b\d{3,6}/(?:\d+/)?\d{2}(?: REV \d+)?\b`)
)

// line is one input line, classified.
type line struct {
	n    int    // 1-based line number
	raw  string // as written
	kind kind
	num  string // numbered: the number; lettered: the letter; footnote: its number
	text string // the line's text after its marker
}

type kind int

const (
	blank kind = iota
	ruleLine
	heading // a Markdown heading
	textLine
	numLine
	letterLine
	bulletLine
	noteLine
)

// Split splits text. markdown says whether the text is Markdown (its
// markup is removed from paragraph texts, and <sup>N</sup> marks notes);
// otherwise the text is plain and kept verbatim apart from folded spaces.
func Split(text string, markdown bool) (*Result, error) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	raw := strings.Split(text, "\n")
	lines := make([]line, len(raw))
	for i, r := range raw {
		lines[i] = classify(i+1, r, markdown)
	}
	s := &splitter{markdown: markdown, lines: lines, res: &Result{}, notes: map[string]*Paragraph{}, cited: map[string]int{}}
	first := -1
	for i, l := range lines {
		if l.kind == numLine {
			first = i
			break
		}
	}
	var err error
	if first < 0 {
		err = s.unnumbered()
	} else {
		s.cover(first)
		s.body(first)
	}
	if err != nil {
		return nil, err
	}
	s.checkNotes()
	sortWarnings(s.res.Warnings)
	s.res.Meta.Date = s.findDate()
	return s.res, nil
}

func classify(n int, r string, markdown bool) line {
	l := line{n: n, raw: r, kind: textLine, text: strings.TrimSpace(r)}
	switch {
	case strings.TrimSpace(r) == "" || loneBullet.MatchString(r):
		l.kind = blank
	case rule.MatchString(r):
		l.kind = ruleLine
	case markdown && mdHeading.MatchString(r):
		l.kind, l.text = heading, mdHeading.FindStringSubmatch(r)[1]
	case markdown && mdFootnote.MatchString(r):
		m := mdFootnote.FindStringSubmatch(r)
		l.kind, l.num, l.text = noteLine, m[1], m[2]
	case numbered.MatchString(r):
		m := numbered.FindStringSubmatch(r)
		l.kind, l.num, l.text = numLine, m[1], m[2]
	case lettered.MatchString(r):
		m := lettered.FindStringSubmatch(r)
		l.kind, l.num, l.text = letterLine, m[1]+m[2]+m[3], m[4]
	case bullet.MatchString(r):
		l.kind, l.text = bulletLine, bullet.FindStringSubmatch(r)[1]
	}
	return l
}

type splitter struct {
	markdown bool
	lines    []line
	res      *Result
	notes    map[string]*Paragraph // footnotes by number
	noteList []*Paragraph
	cited    map[string]int // footnote number → line of its first marker
}

func (s *splitter) warn(n int, format string, args ...any) {
	s.res.Warnings = append(s.res.Warnings, Warning{Line: n, Msg: fmt.Sprintf(format, args...)})
}

// inline removes Markdown from one line of text, recording the notes it cites.
func (s *splitter) inline(t string, n int, p *Paragraph) string {
	if !s.markdown {
		return t
	}
	for _, m := range sup.FindAllStringSubmatch(t, -1) {
		id := "fn" + m[1]
		if p != nil && !contains(p.Notes, id) {
			p.Notes = append(p.Notes, id)
		}
		if _, ok := s.cited[m[1]]; !ok {
			s.cited[m[1]] = n
		}
	}
	t = supAny.ReplaceAllString(t, "")
	t = link.ReplaceAllString(t, "$1")
	return unescape.Replace(t)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func fold(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// block is a run of lines between blank lines or rules.
type block []line

func blocks(ls []line) []block {
	var out []block
	var cur block
	for _, l := range ls {
		if l.kind == blank || l.kind == ruleLine {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// joined is a block's text, its lines joined by spaces.
func (s *splitter) joined(b block) string {
	parts := make([]string, len(b))
	for i, l := range b {
		parts[i] = s.inline(l.raw, l.n, nil)
	}
	return fold(strings.Join(parts, " "))
}

// headingLike says whether a one-line block reads as a heading: short,
// capitalised, and not ending as a sentence or a lead-in does.
func headingLike(t string) bool {
	t = strings.TrimSpace(t)
	if t == "" || len(strings.Fields(t)) > maxHeadingWords {
		return false
	}
	r := []rune(t)
	if !unicode.IsUpper(r[0]) {
		return false
	}
	return !strings.ContainsRune(".:;,!?", r[len(r)-1])
}

// upper says whether a text is written in capitals (a title, "REV 4").
func upper(t string) bool {
	letters := 0
	for _, r := range t {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsLower(r) {
				return false
			}
		}
	}
	return letters > 0
}

// cover splits what comes before the first numbered paragraph: the
// letterhead (header), the memo (cover.1: From/To/Subject), the covering
// text (cover.2, ...), the title, and the headings that open the body.
func (s *splitter) cover(first int) {
	bs := blocks(s.lines[:first])
	// the heading just above the first paragraph opens the body
	if len(bs) > 0 {
		last := bs[len(bs)-1]
		if len(last) == 1 && (last[0].kind == heading || headingLike(last[0].text) && !upper(last[0].text)) {
			bs = bs[:len(bs)-1]
		}
	}
	memo := -1
	for i, b := range bs {
		if memoField.MatchString(b[0].raw) {
			memo = i
			break
		}
	}
	add := func(id string, b block, text string) {
		if text != "" {
			s.res.Paragraphs = append(s.res.Paragraphs, Paragraph{ID: id, Section: CoverSection, Text: text, Line: b[0].n})
		}
	}
	rest := bs
	if memo >= 0 {
		start := memo
		if memo > 0 && len(bs[memo-1]) == 1 && upper(bs[memo-1][0].text) {
			start = memo - 1 // the note's kind: "'I/A' ITEM NOTE"
		}
		var head []string
		for _, b := range bs[:start] {
			head = append(head, s.letterhead(b)...)
		}
		if len(head) > 0 {
			add("header", bs[0], strings.Join(head, "\n"))
		}
		var memoLines []string
		for _, b := range bs[start : memo+1] {
			for _, l := range b {
				t := fold(s.inline(l.raw, l.n, nil))
				memoLines = append(memoLines, t)
				if m := memoField.FindStringSubmatch(t); m != nil {
					switch m[1] {
					case "Subject":
						s.res.Meta.Title = Field{m[2], l.n}
					case "From":
						s.res.Meta.Author = Field{m[2], l.n}
					}
				}
			}
		}
		add("cover.1", bs[start], strings.Join(memoLines, "\n"))
		if ref := reference.FindString(strings.Join(head, " ")); ref != "" {
			s.res.Meta.Reference = Field{ref, bs[0][0].n}
			for _, b := range bs[:start] {
				if strings.Contains(fold(s.joined(b)), ref) {
					s.res.Meta.Reference.Line = b[0].n
					break
				}
			}
		}
		rest = bs[memo+1:]
	}
	k := 2
	if memo < 0 {
		k = 1
	}
	for i := 0; i < len(rest); i++ {
		b := rest[i]
		if len(b) <= 2 && upper(s.joined(b)) && len(strings.Fields(s.joined(b))) >= 3 {
			title := []string{s.joined(b)}
			for i+1 < len(rest) && upper(s.joined(rest[i+1])) && len(strings.Fields(s.joined(rest[i+1]))) < 3 {
				i++
				title = append(title, s.joined(rest[i]))
			}
			add("title", b, strings.Join(title, "\n"))
			if s.res.Meta.Title.Value == "" {
				s.res.Meta.Title = Field{title[0], b[0].n}
			}
			continue
		}
		if b[0].kind == heading && s.res.Meta.Title.Value == "" {
			s.res.Meta.Title = Field{s.joined(b), b[0].n}
		}
		add("cover."+strconv.Itoa(k), b, s.joined(b))
		k++
	}
}

// letterhead is a header block's lines: wrapped lines are joined, and a
// parenthesised line ("(OR. en)") keeps a line of its own.
func (s *splitter) letterhead(b block) []string {
	var out []string
	for i, l := range b {
		t := fold(s.inline(l.raw, l.n, nil))
		if i == 0 || strings.HasPrefix(t, "(") {
			out = append(out, t)
		} else {
			out[len(out)-1] += " " + t
		}
	}
	return out
}

// para is a paragraph being built: blocks of lines.
type para struct {
	p      *Paragraph
	blocks [][]string
}

func (pp *para) add(t string, newBlock bool) {
	if newBlock || len(pp.blocks) == 0 {
		pp.blocks = append(pp.blocks, nil)
	}
	pp.blocks[len(pp.blocks)-1] = append(pp.blocks[len(pp.blocks)-1], t)
}

func (pp *para) finish() {
	var bs []string
	for _, b := range pp.blocks {
		if t := fold(strings.Join(b, " ")); t != "" {
			bs = append(bs, t)
		}
	}
	pp.p.Text = strings.Join(bs, "\n\n")
}

// body splits the numbered part of a document, from line index first.
func (s *splitter) body(first int) {
	section := ""
	// the headings just above the first paragraph name its section
	for i := first - 1; i >= 0; i-- {
		l := s.lines[i]
		if l.kind == blank {
			continue
		}
		if l.kind == heading || (headingLike(l.text) && !upper(l.text) && (i == 0 || s.lines[i-1].kind == blank || s.lines[i-1].kind == ruleLine)) {
			section = s.inline(l.text, l.n, nil)
		}
		break
	}
	var all []*para
	var cur, note *para
	last := 0            // number of the last numbered paragraph
	parent := ""         // its id
	letter := rune(0)    // last letter of the current list
	startOfBlock := true // the previous line was blank or a rule
	for i := first; i < len(s.lines); i++ {
		l := s.lines[i]
		nextBlank := i+1 == len(s.lines) || s.lines[i+1].kind == blank || s.lines[i+1].kind == ruleLine
		open := func(id string) *para {
			pp := &para{p: &Paragraph{ID: id, Section: section, Line: l.n}}
			all = append(all, pp)
			return pp
		}
		kind := l.kind
		if kind == textLine && !s.markdown && startOfBlock {
			if m := txFootnote.FindStringSubmatch(l.raw); m != nil && m[1] == strconv.Itoa(len(s.noteList)+1) {
				kind, l.num, l.text = noteLine, m[1], m[2]
			}
		}
		if kind == numLine {
			n, _ := strconv.Atoi(l.num)
			switch {
			case parent == "":
				if n != 1 {
					s.warn(l.n, "the first numbered paragraph is %d, not 1", n)
				}
			case n == last+1:
			case n > last+1 && n <= last+3:
				s.warn(l.n, "paragraph %d follows paragraph %d: %d missing?", n, last, last+1)
			default:
				s.warn(l.n, "%q breaks the numbering (after paragraph %d): kept as text of paragraph %s", l.num+".", last, parent)
				kind, l.text = textLine, l.raw
			}
		}
		if kind == letterLine && cur != nil {
			r := []rune(l.num)[0]
			switch {
			case letter == 0 && (r == 'A' || r == 'a'):
				if parent == "" {
					s.warn(l.n, "lettered point %s. has no numbered paragraph above it", l.num)
				} else if !strings.HasSuffix(strings.TrimSpace(lastText(cur)), ":") {
					s.warn(l.n, "lettered list under paragraph %s has no lead-in (the paragraph does not end with ':')", parent)
				}
			case letter != 0 && r == letter+1:
			default:
				s.warn(l.n, "lettered point %s. out of sequence: kept as text", l.num)
				kind, l.text = textLine, l.raw
			}
		} else if kind == letterLine {
			s.warn(l.n, "lettered point %s. outside any numbered paragraph: kept as text", l.num)
			kind, l.text = textLine, l.raw
		}
		switch kind {
		case blank, ruleLine:
			startOfBlock = true
			note = nil
			if kind == ruleLine {
				cur = nil // what follows a rule is not the paragraph's continuation
			}
			continue
		case heading:
			section, cur, note = s.inline(l.text, l.n, nil), nil, nil
		case noteLine:
			if _, dup := s.notes[l.num]; dup {
				s.warn(l.n, "footnote %s defined twice: the second is left out", l.num)
				note = nil
				break
			}
			note = &para{p: &Paragraph{ID: "fn" + l.num, Section: FootnoteSection, Line: l.n}}
			s.notes[l.num] = note.p
			s.noteList = append(s.noteList, note.p)
			all = append(all, note)
			note.add(s.inline(l.text, l.n, nil), true)
		case numLine:
			n, _ := strconv.Atoi(l.num)
			last, parent, letter, note = n, l.num, 0, nil
			cur = open(l.num)
			cur.add(s.inline(l.text, l.n, cur.p), true)
		case letterLine:
			letter = []rune(l.num)[0]
			id := l.num
			if parent != "" {
				id = parent + "." + l.num
			}
			cur = open(id)
			cur.add(s.inline(l.text, l.n, cur.p), true)
		default:
			t := l.text
			if kind == bulletLine && !s.markdown {
				t = strings.TrimSpace(l.raw) // plain text keeps its dash: the source has it
			}
			switch {
			case note != nil && !startOfBlock:
				note.add(s.inline(l.raw, l.n, note.p), false)
			case startOfBlock && nextBlank && headingLike(l.text) && kind != bulletLine:
				section, cur = s.inline(l.text, l.n, nil), nil
			case cur != nil:
				cur.add(s.inline(t, l.n, cur.p), startOfBlock)
			default:
				s.warn(l.n, "text outside any numbered paragraph, left out: %q", clip(l.text))
			}
		}
		startOfBlock = false
	}
	var notes []Paragraph
	for _, pp := range all {
		pp.finish()
		if pp.p.Text == "" {
			s.warn(pp.p.Line, "paragraph %s has no text once its markup is removed: left out", pp.p.ID)
			continue
		}
		if pp.p.Section == FootnoteSection && strings.HasPrefix(pp.p.ID, "fn") {
			notes = append(notes, *pp.p)
			continue
		}
		s.res.Paragraphs = append(s.res.Paragraphs, *pp.p)
	}
	s.res.Paragraphs = append(s.res.Paragraphs, notes...)
}

func lastText(pp *para) string {
	b := pp.blocks[len(pp.blocks)-1]
	return b[len(b)-1]
}

func clip(t string) string {
	if r := []rune(t); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return t
}

// checkNotes reports markers without a footnote and footnotes no marker cites.
func (s *splitter) checkNotes() {
	for num, n := range s.cited {
		if s.notes[num] == nil {
			s.warn(n, "footnote marker %s has no footnote text", num)
		}
	}
	if !s.markdown {
		return // plain text has no marker syntax to look for
	}
	for _, p := range s.noteList {
		num := strings.TrimPrefix(p.ID, "fn")
		if _, ok := s.cited[num]; !ok {
			s.warn(p.Line, "footnote %s is cited by no marker in the text", num)
		}
	}
}

func sortWarnings(ws []Warning) {
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].Line < ws[j].Line })
}

var months = map[string]string{"January": "01", "February": "02", "March": "03", "April": "04", "May": "05", "June": "06", "July": "07", "August": "08", "September": "09", "October": "10", "November": "11", "December": "12"}

// findDate is the date of a "Place, 13 June 2023" line in the cover note.
func (s *splitter) findDate() Field {
	for _, p := range s.res.Paragraphs {
		if p.Section != CoverSection {
			break
		}
		for _, t := range strings.Split(p.Text, "\n") {
			if m := dateLine.FindStringSubmatch(t); m != nil {
				day, _ := strconv.Atoi(m[1])
				return Field{fmt.Sprintf("%s-%s-%02d", m[3], months[m[2]], day), s.lineOf(p.Line, t)}
			}
		}
	}
	return Field{}
}

// lineOf finds the input line, at or after from, that starts a text.
func (s *splitter) lineOf(from int, t string) int {
	head := strings.Fields(t)[0]
	for _, l := range s.lines[from-1:] {
		if strings.HasPrefix(strings.TrimSpace(s.inline(l.raw, l.n, nil)), head) {
			return l.n
		}
	}
	return from
}

// unnumbered splits a page without numbered paragraphs: each heading opens
// a section, each block (or bullet item) is a paragraph "slug.n".
func (s *splitter) unnumbered() error {
	bs := blocks(s.lines)
	if len(bs) == 0 {
		return &Error{Msg: "no text"}
	}
	headings := 0
	for _, b := range bs {
		if len(b) == 1 && (b[0].kind == heading || headingLike(b[0].text)) {
			headings++
		}
	}
	if len(bs) == 1 || len(bs)-headings < 1 {
		return &Error{Line: bs[0][0].n, Msg: fmt.Sprintf("no paragraph structure: one block of %d lines without numbered paragraphs, headings or blank lines between paragraphs", len(bs[0]))}
	}
	section, slug := IntroSection, introSlug
	used := map[string]int{}
	count := 0
	var cur *para
	var all []*para
	for _, b := range bs {
		if len(b) == 1 && (b[0].kind == heading || headingLike(b[0].text) && b[0].kind != bulletLine) {
			section = s.inline(b[0].text, b[0].n, nil)
			slug, count = sectionSlug(section, used), 0
			continue
		}
		cur = nil
		for _, l := range b {
			startsItem := l.kind == bulletLine || l.kind == numLine || l.kind == letterLine
			if cur == nil || startsItem && len(cur.blocks) > 0 && len(cur.blocks[0]) > 0 && (l.kind == bulletLine) {
				count++
				cur = &para{p: &Paragraph{ID: slug + "." + strconv.Itoa(count), Section: section, Line: l.n}}
				all = append(all, cur)
			}
			t := l.text
			if l.kind != bulletLine {
				t = l.raw
			}
			cur.add(s.inline(t, l.n, cur.p), false)
		}
	}
	for _, pp := range all {
		pp.finish()
		if pp.p.Text == "" {
			s.warn(pp.p.Line, "paragraph %s has no text once its markup is removed: left out", pp.p.ID)
			continue
		}
		s.res.Paragraphs = append(s.res.Paragraphs, *pp.p)
	}
	if len(bs) > 0 && bs[0][0].kind == heading {
		s.res.Meta.Title = Field{s.inline(bs[0][0].text, bs[0][0].n, nil), bs[0][0].n}
	}
	return nil
}

var stop = map[string]bool{"about": true, "from": true, "with": true, "that": true, "this": true, "their": true, "into": true, "over": true, "under": true}

// sectionSlug names a section for "slug.n" ids: its first word of four
// letters or more, lower case, made unique.
func sectionSlug(heading string, used map[string]int) string {
	base := "section"
	for _, w := range strings.FieldsFunc(strings.ToLower(heading), func(r rune) bool { return r < 'a' || r > 'z' }) {
		if len([]rune(w)) >= 4 && !stop[w] {
			base = w
			break
		}
	}
	used[base]++
	if used[base] == 1 {
		return base
	}
	return base + "-" + strconv.Itoa(used[base]) // a base is letters only: no clash
}
