// Package extract reads a document file as text: plain text and Markdown as
// they are, HTML with its markup turned into lines, PDF through pdftotext.
package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Kind is what a file holds.
type Kind int

const (
	Plain Kind = iota
	Markdown
	HTML
	PDF
)

func (k Kind) String() string { return [...]string{"plain text", "Markdown", "HTML", "PDF"}[k] }

// Doc is a file read as text.
type Doc struct {
	Kind  Kind
	Text  string
	Title string // HTML: its first <h1>, else its <title>
	// Signs are why a .txt file was read as Markdown, so that the reader
	// can be told and can say otherwise.
	Signs []Sign
}

// Sign is a Markdown construct found on a line of a text file.
type Sign struct {
	Line int
	What string
}

// ParseKind reads a kind as a flag gives it.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(s) {
	case "text", "txt", "plain":
		return Plain, nil
	case "markdown", "md":
		return Markdown, nil
	case "html", "htm":
		return HTML, nil
	case "pdf":
		return PDF, nil
	}
	return 0, fmt.Errorf("unknown kind %q: text, markdown, html or pdf", s)
}

// ErrNoPdftotext says PDF support needs poppler-utils.
var ErrNoPdftotext = errors.New("reading a PDF needs pdftotext: install poppler-utils (apt-get install poppler-utils)")

var mdSign = regexp.MustCompile(`(?m)^#{1,6}\s|\*\*|<sup>|\]\(`)

// mdSigns are the constructs that mark a .txt file as Markdown when two
// kinds of them are found: texts saved from the web often carry a .txt name.
var mdSigns = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a heading", regexp.MustCompile(`^#{1,6} \S`)},
	{"**bold**", regexp.MustCompile(`\*\*\S[^*]*\*\*`)},
	{"a <sup> note mark", regexp.MustCompile(`<sup>[^<]{1,8}</sup>`)},
	{"a [link](…)", regexp.MustCompile(`\[[^\]]+\]\([^)\s]*\)`)},
}

func markdownSigns(s string) []Sign {
	var found []Sign
	seen := make([]bool, len(mdSigns))
	for i, line := range strings.Split(s, "\n") {
		for k, m := range mdSigns {
			if !seen[k] && m.re.MatchString(line) {
				seen[k] = true
				found = append(found, Sign{Line: i + 1, What: m.what})
			}
		}
	}
	if len(found) < 2 {
		return nil
	}
	return found
}

// Read reads the file at name, its kind told by its extension and content.
// Empty and binary files are refused, each error naming the file.
func Read(ctx context.Context, name string) (*Doc, error) {
	return read(ctx, name, -1)
}

// ReadAs reads the file at name as the kind given, whatever its name says.
func ReadAs(ctx context.Context, name string, k Kind) (*Doc, error) {
	return read(ctx, name, k)
}

func read(ctx context.Context, name string, as Kind) (*Doc, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if as == PDF || as < 0 && (ext == ".pdf" || bytes.HasPrefix(b, []byte("%PDF-"))) {
		return readPDF(ctx, name)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, fmt.Errorf("%s: binary file (NUL byte at offset %d), not text", name, i)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%s: not UTF-8 text (invalid byte at offset %d)", name, invalidAt(b))
	}
	s := string(bytes.TrimPrefix(b, []byte("\ufeff")))
	switch as {
	case Plain:
		return &Doc{Kind: Plain, Text: s}, nil
	case Markdown:
		return &Doc{Kind: Markdown, Text: s}, nil
	case HTML:
		return fromHTML(name, s)
	}
	switch {
	case ext == ".html" || ext == ".htm" || ext == ".xhtml" || sniffHTML(s):
		return fromHTML(name, s)
	case ext == ".md" || ext == ".markdown":
		return &Doc{Kind: Markdown, Text: s}, nil
	case ext == ".txt":
		if signs := markdownSigns(s); signs != nil {
			return &Doc{Kind: Markdown, Text: s, Signs: signs}, nil
		}
		return &Doc{Kind: Plain, Text: s}, nil
	case mdSign.MatchString(s):
		return &Doc{Kind: Markdown, Text: s}, nil
	}
	return &Doc{Kind: Plain, Text: s}, nil
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

func sniffHTML(s string) bool {
	head := strings.ToLower(strings.TrimSpace(s))
	if len(head) > 512 {
		head = head[:512]
	}
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<body")
}

func readPDF(ctx context.Context, name string) (*Doc, error) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, ErrNoPdftotext)
	}
	var out, errb bytes.Buffer
	// -layout keeps the blank lines between paragraphs, which the default
	// reading order drops, and the splitter needs
	cmd := exec.CommandContext(ctx, bin, "-layout", "-enc", "UTF-8", name, "-")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: pdftotext: %v: %s", name, err, strings.TrimSpace(errb.String()))
	}
	// a page break ends a paragraph only where a blank line says so
	text := strings.ReplaceAll(out.String(), "\f", "\n")
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("%s: the PDF has no text layer (a scan?): nothing to split", name)
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("%s: pdftotext gave text that is not UTF-8", name)
	}
	return &Doc{Kind: PDF, Text: text}, nil
}

var (
	blankRun = regexp.MustCompile(`\n{3,}`)
	hspace   = regexp.MustCompile(`[ \t\r\f\v\x{00a0}]+`)
)

// skipped elements hold no text of the document: code, styling, the page
// head (its <title> is read apart) and the site's navigation.
var skipped = map[string]bool{"script": true, "style": true, "head": true, "noscript": true, "template": true, "nav": true}

var blockTags = map[string]bool{"p": true, "div": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"table": true, "tr": true, "section": true, "article": true, "header": true,
	"footer": true, "blockquote": true, "hr": true, "main": true, "aside": true, "dl": true, "dt": true, "dd": true, "pre": true, "figure": true, "figcaption": true}

// fromHTML turns a page into lines: each block element its own paragraph,
// an ordered list's items numbered as the browser shows them, a <sup> note
// number kept only where it opens a block (the footnote itself).
func fromHTML(name, s string) (*Doc, error) {
	// the parser repairs what browsers repair (unclosed tags, stray end
	// tags, misnested inline markup), so the text follows the page as shown
	root, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return nil, fmt.Errorf("%s: parsing HTML: %w", name, err)
	}
	w := &htmlText{atBlock: true}
	w.walk(root)
	var out []string
	for _, l := range strings.Split(w.b.String(), "\n") {
		out = append(out, strings.TrimSpace(hspace.ReplaceAllString(l, " ")))
	}
	return &Doc{
		Kind:  HTML,
		Text:  strings.TrimSpace(blankRun.ReplaceAllString(strings.Join(out, "\n"), "\n\n")) + "\n",
		Title: pageTitle(root),
	}, nil
}

// htmlText gathers the text of a parsed page.
type htmlText struct {
	b       strings.Builder
	lists   []htmlList
	atBlock bool // nothing written since the last block break
	inSup   int
}

type htmlList struct {
	ordered bool
	style   string // an <ol>'s type: 1, a, A, i or I
	n       int
}

func (w *htmlText) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.DocumentNode:
		w.children(n)
		return
	case html.ElementNode:
	default: // comments, the doctype
		return
	}
	name := n.Data
	switch {
	case skipped[name]:
	case name == "br":
		w.b.WriteString("\n")
	case name == "sup":
		w.inSup++
		w.children(n)
		w.inSup--
	case name == "ol" || name == "ul":
		l := htmlList{ordered: name == "ol", style: attr(n, "type"), n: 1}
		if v, err := strconv.Atoi(strings.TrimSpace(attr(n, "start"))); err == nil {
			l.n = v
		}
		w.lists = append(w.lists, l)
		w.block()
		w.children(n)
		w.block()
		w.lists = w.lists[:len(w.lists)-1]
	case name == "li":
		w.block()
		if len(w.lists) > 0 {
			l := &w.lists[len(w.lists)-1]
			if !l.ordered {
				w.b.WriteString("- ")
			} else {
				if v, err := strconv.Atoi(strings.TrimSpace(attr(n, "value"))); err == nil {
					l.n = v
				}
				w.b.WriteString(itemMarker(l.n, l.style) + ". ")
				l.n++
			}
		}
		w.children(n)
		w.block()
	case blockTags[name]:
		w.block()
		w.children(n)
		w.block()
	case name == "td" || name == "th":
		// cells of a row are read as one line, a space apart
		w.text(" ")
		w.children(n)
		w.text(" ")
	default:
		w.children(n)
	}
}

func (w *htmlText) children(n *html.Node) {
	for c := range n.ChildNodes() {
		w.walk(c)
	}
}

func (w *htmlText) block() {
	w.b.WriteString("\n\n")
	w.atBlock = true
}

func (w *htmlText) text(t string) {
	if strings.TrimSpace(t) == "" {
		if !w.atBlock {
			w.b.WriteString(" ")
		}
		return
	}
	if w.inSup > 0 && !w.atBlock {
		return // a note marker inside a paragraph
	}
	w.b.WriteString(strings.ReplaceAll(t, "\n", " "))
	if w.inSup > 0 {
		w.b.WriteString(" ")
	}
	w.atBlock = false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// itemMarker writes n the way an <ol type=style> shows it; numbers below
// one, which letters and numerals cannot show, stay numbers as browsers do.
func itemMarker(n int, style string) string {
	if n < 1 {
		return strconv.Itoa(n)
	}
	switch style {
	case "a", "A":
		var s []byte
		for ; n > 0; n = (n - 1) / 26 {
			s = append([]byte{style[0] + byte((n-1)%26)}, s...)
		}
		return string(s)
	case "i":
		return strings.ToLower(roman(n))
	case "I":
		return roman(n)
	}
	return strconv.Itoa(n)
}

func roman(n int) string {
	if n >= 4000 {
		return strconv.Itoa(n)
	}
	var b strings.Builder
	for _, r := range []struct {
		v int
		s string
	}{{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}} {
		for ; n >= r.v; n -= r.v {
			b.WriteString(r.s)
		}
	}
	return b.String()
}

// pageTitle is the page's first <h1>, else its <title>, spaces folded;
// a heading inside a skipped element (navigation, a template) is none.
func pageTitle(root *html.Node) string {
	for _, want := range []string{"h1", "title"} {
		if n := firstElement(root, want); n != nil {
			if t := strings.Join(strings.Fields(textOf(n)), " "); t != "" {
				return t
			}
		}
	}
	return ""
}

func firstElement(n *html.Node, name string) *html.Node {
	if n.Type == html.ElementNode && n.Namespace == "" {
		if n.Data == name {
			return n
		}
		if skipped[n.Data] && n.Data != "head" {
			return nil
		}
	}
	for c := range n.ChildNodes() {
		if f := firstElement(c, name); f != nil {
			return f
		}
	}
	return nil
}

// textOf is the text under n, scripts and styles left out; a line break
// or block boundary separates words.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type != html.ElementNode || skipped[n.Data] {
			return
		}
		if n.Data == "br" || blockTags[n.Data] {
			b.WriteString(" ")
		}
		for c := range n.ChildNodes() {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
