package cite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Format is a citation format.
type Format string

// The formats, by the names ?format= takes.
const (
	CSLJSON       Format = "csl-json"
	BibTeX        Format = "bibtex"
	RIS           Format = "ris"
	Text          Format = "text"
	WebAnnotation Format = "annotation"
)

// Formats lists every format, in the order messages name them.
var Formats = []Format{CSLJSON, BibTeX, RIS, Text, WebAnnotation}

// mediaTypes are the formats' media types, as Content-Type names them.
var mediaTypes = map[Format]string{
	CSLJSON:       "application/vnd.citationstyles.csl+json",
	BibTeX:        "application/x-bibtex",
	RIS:           "application/x-research-info-systems",
	Text:          "text/plain",
	WebAnnotation: `application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"`,
}

// MediaType is the format's media type, with its charset where it takes one.
func (f Format) MediaType() string {
	switch f {
	case BibTeX, Text:
		return mediaTypes[f] + "; charset=utf-8"
	}
	return mediaTypes[f]
}

// aliases are the other names tools give the formats: citation.js's
// "csl", the file extensions, the Web Annotation's own name.
var aliases = map[string]Format{
	"csl": CSLJSON, "csljson": CSLJSON, "csl+json": CSLJSON, "citeproc": CSLJSON,
	"bib": BibTeX, "txt": Text, "plain": Text,
	"web-annotation": WebAnnotation, "webannotation": WebAnnotation, "anno": WebAnnotation,
}

// ParseFormat finds a format by its name or an alias, case aside.
func ParseFormat(name string) (Format, bool) {
	for _, f := range Formats {
		if strings.EqualFold(name, string(f)) {
			return f, true
		}
	}
	f, ok := aliases[strings.ToLower(name)]
	return f, ok
}

// FormatNames lists the formats' names, joined by sep, for a message.
func FormatNames(sep string) string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, sep)
}

// Options shape a citation.
type Options struct {
	// Base is the origin the API serves under ("https://digidip.example"),
	// which a Web Annotation's ids and a paragraph's reading-view link
	// are made from; "" leaves them relative to the API's origin.
	Base string
}

// ParagraphURL is where the reading view shows the quote's paragraph:
// /read/{document}#{paragraph number}.
func (o Options) ParagraphURL(q Quote) string {
	return o.Base + "/read/" + q.Document.ID + "#" + q.Paragraph.Number
}

// QuoteURL is where the reading view marks the quote itself:
// /read/{document}#{paragraph number}:char={start},{end}.
func (o Options) QuoteURL(q Quote) string {
	return fmt.Sprintf("%s:char=%d,%d", o.ParagraphURL(q), q.Evidence.Start, q.Evidence.End)
}

// Write formats c in f.
func Write(c *Citation, f Format, opt Options) ([]byte, error) {
	switch f {
	case CSLJSON:
		return cslJSON(c)
	case BibTeX:
		return bibTeX(c), nil
	case RIS:
		return ris(c), nil
	case Text:
		return text(c, opt), nil
	case WebAnnotation:
		return annotation(c, opt)
	}
	return nil, fmt.Errorf("cite: unknown format %q (the formats are %s)", f, FormatNames(", "))
}

// dateParts splits an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD) into
// numbers; nil when it is not one.
func dateParts(date string) []int {
	if date == "" {
		return nil
	}
	var out []int
	for _, s := range strings.Split(date, "-") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// locator names the quoted paragraph as a reader finds it in the
// document: "paragraph 7", "footnote 2" for fn2.
func locator(q Quote) string {
	if n, ok := strings.CutPrefix(q.Paragraph.Number, "fn"); ok {
		return "footnote " + n
	}
	return "paragraph " + q.Paragraph.Number
}

// note is the quote and what it states, for the formats' note field.
func note(c *Citation, q Quote) string {
	return fmt.Sprintf("%s: “%s” (%s; cite id %s)", locator(q), q.Evidence.Quote, c.Statement, q.ID)
}

type cslName struct {
	Literal string `json:"literal"`
}

type cslDate struct {
	DateParts [][]int `json:"date-parts"`
}

// cslItem is one CSL-JSON item (CSL 1.0.2 schema): the document, with the
// quote as its note and the paragraph as its section.
type cslItem struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Title      string    `json:"title"`
	TitleShort string    `json:"title-short,omitempty"`
	Author     []cslName `json:"author,omitempty"`
	Issued     *cslDate  `json:"issued,omitempty"`
	Number     string    `json:"number,omitempty"`
	URL        string    `json:"URL,omitempty"`
	Section    string    `json:"section"`
	Note       string    `json:"note"`
}

// cslJSON is an array of one item per quote: CSL cites documents, and a
// relation's quotes may come from several.
func cslJSON(c *Citation) ([]byte, error) {
	items := make([]cslItem, len(c.Quotes))
	for i, q := range c.Quotes {
		d := q.Document
		it := cslItem{ID: q.ID, Type: "document", Title: d.Title, TitleShort: d.Short, Number: d.Reference, URL: d.URL,
			Section: locator(q), Note: note(c, q)}
		if d.Author != "" {
			it.Author = []cslName{{d.Author}}
		}
		if p := dateParts(d.Date); p != nil {
			it.Issued = &cslDate{[][]int{p}}
		}
		items[i] = it
	}
	return marshal(items)
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("cite: %w", err)
	}
	return b.Bytes(), nil
}

var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// bibTeX is one entry per quote, keyed by its claim id.
func bibTeX(c *Citation) []byte {
	var b strings.Builder
	for i, q := range c.Quotes {
		if i > 0 {
			b.WriteByte('\n')
		}
		d := q.Document
		// a numbered document is a body's report; anything else @misc
		kind := "misc"
		if d.Reference != "" {
			kind = "techreport"
		}
		fmt.Fprintf(&b, "@%s{%s,\n", kind, q.ID)
		field := func(k, v string) {
			if v != "" {
				fmt.Fprintf(&b, "  %s = {%s},\n", k, v)
			}
		}
		field("title", bibEscape(d.Title))
		if d.Author != "" {
			// double braces: a body's name, not a person's to split
			field("author", "{"+bibEscape(d.Author)+"}")
		}
		if p := dateParts(d.Date); p != nil {
			field("year", strconv.Itoa(p[0]))
			if len(p) > 1 && p[1] >= 1 && p[1] <= 12 {
				fmt.Fprintf(&b, "  month = %s,\n", months[p[1]-1])
			}
		}
		field("number", bibEscape(d.Reference))
		if d.Reference != "" {
			field("institution", "{"+bibEscape(d.Author)+"}")
		}
		// a url is read verbatim (biblatex, the url package): only a
		// brace or a backslash could break it, and they are
		// percent-encoded, as a URL may have them
		field("url", strings.NewReplacer("{", "%7B", "}", "%7D", `\`, "%5C").Replace(d.URL))
		field("note", bibEscape(note(c, q)))
		b.WriteString("}\n")
	}
	return []byte(b.String())
}

// bibEscape escapes TeX's special characters, so that a title or a quote
// reads as written.
func bibEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\textbackslash{}`)
		case '{', '}', '%', '&', '$', '#', '_':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '~':
			b.WriteString(`\textasciitilde{}`)
		case '\u00a0':
			// TeX's no-break space: a BibTeX reader folds other spaces
			b.WriteByte('~')
		case '^':
			b.WriteString(`\textasciicircum{}`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ris is one GOVDOC record per quote.
func ris(c *Citation) []byte {
	var b strings.Builder
	for _, q := range c.Quotes {
		d := q.Document
		tag := func(k, v string) {
			if v != "" {
				// one line a tag: RIS has no continuation lines
				fmt.Fprintf(&b, "%s  - %s\r\n", k, strings.Join(strings.Fields(v), " "))
			}
		}
		tag("TY", "GOVDOC")
		tag("ID", q.ID)
		tag("TI", d.Title)
		tag("ST", d.Short)
		tag("AU", d.Author)
		if p := dateParts(d.Date); p != nil {
			tag("PY", strconv.Itoa(p[0]))
			parts := []string{strconv.Itoa(p[0]), "", "", ""}
			for i := 1; i < len(p); i++ {
				parts[i] = fmt.Sprintf("%02d", p[i])
			}
			tag("DA", strings.Join(parts, "/"))
		}
		tag("M1", d.Reference)
		tag("SE", locator(q))
		tag("UR", d.URL)
		tag("N1", note(c, q))
		tag("ER", " ")
	}
	return []byte(b.String())
}

// text is a citation a person reads: the claim, then each document
// quoted, once, with its quotes under it (they come in reading order).
func text(c *Citation, opt Options) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n", c.Statement)
	for i, q := range c.Quotes {
		d := q.Document
		if i == 0 || c.Quotes[i-1].Document.ID != d.ID {
			b.WriteString("\n")
			if d.Author != "" {
				b.WriteString(d.Author)
				if p := dateParts(d.Date); p != nil {
					fmt.Fprintf(&b, " (%d)", p[0])
				}
				b.WriteString(". ")
			}
			b.WriteString(d.Title)
			for _, s := range []string{d.Reference, d.Date} {
				if s != "" {
					fmt.Fprintf(&b, ", %s", s)
				}
			}
			b.WriteString(".")
			if d.URL != "" {
				fmt.Fprintf(&b, " %s", d.URL)
			}
			if d.SHA256 != "" {
				fmt.Fprintf(&b, " (source text sha256 %s)", d.SHA256)
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "  %s, characters %d–%d: “%s”\n    %s · cite id %s\n",
			locator(q), q.Evidence.Start, q.Evidence.End, q.Evidence.Quote, opt.QuoteURL(q), q.ID)
	}
	if len(c.Quotes) > 1 {
		fmt.Fprintf(&b, "\nCite id of the relation: %s\n", c.ID)
	}
	return []byte(b.String())
}

// contextChars is how many code points of the paragraph a
// TextQuoteSelector's prefix and suffix take.
const contextChars = 32

type annoSelector struct {
	Type   string `json:"type"`
	Exact  string `json:"exact,omitempty"`
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
	Start  *int   `json:"start,omitempty"`
	End    *int   `json:"end,omitempty"`
}

type annoTarget struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Source   string         `json:"source"`
	Selector []annoSelector `json:"selector"`
}

type annoBody struct {
	Type     string `json:"type"`
	Value    string `json:"value"`
	Format   string `json:"format"`
	Language string `json:"language"`
	Purpose  string `json:"purpose"`
}

type annoDoc struct {
	Context    string   `json:"@context"`
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Motivation string   `json:"motivation"`
	Body       annoBody `json:"body"`
	Target     any      `json:"target"`
	Canonical  string   `json:"canonical"`
}

// annotation is a W3C Web Annotation: the relation's sentence as its body,
// and as its target each quote of the paragraph's text, which the reading
// view at ParagraphURL shows (the target's id is the view's link to the
// quote, QuoteURL), selected by the quote (with up to
// contextChars code points either side) and by its code-point offsets.
func annotation(c *Citation, opt Options) ([]byte, error) {
	targets := make([]annoTarget, len(c.Quotes))
	for i, q := range c.Quotes {
		text := []rune(q.Paragraph.Text)
		s, e := q.Evidence.Start, q.Evidence.End
		if s < 0 || e > len(text) || s > e || string(text[s:e]) != q.Evidence.Quote {
			return nil, fmt.Errorf("cite: evidence %s: the quote is not the paragraph's text at %d:%d", q.Evidence.ID(), s, e)
		}
		targets[i] = annoTarget{
			ID:     opt.QuoteURL(q),
			Type:   "SpecificResource",
			Source: opt.ParagraphURL(q),
			Selector: []annoSelector{
				{Type: "TextQuoteSelector", Exact: q.Evidence.Quote,
					Prefix: string(text[max(0, s-contextChars):s]), Suffix: string(text[e:min(len(text), e+contextChars)])},
				{Type: "TextPositionSelector", Start: &s, End: &e},
			},
		}
	}
	var target any = targets
	if len(targets) == 1 {
		target = targets[0]
	}
	return marshal(annoDoc{
		Context:    "http://www.w3.org/ns/anno.jsonld",
		ID:         opt.Base + "/cite/" + c.ID,
		Type:       "Annotation",
		Motivation: "describing",
		Body:       annoBody{Type: "TextualBody", Value: c.Statement, Format: "text/plain", Language: "en", Purpose: "describing"},
		Target:     target,
		Canonical:  "urn:digidip:" + c.ID,
	})
}

// quoteOverhead bounds what one quote adds to a citation besides its
// document's title, the quote and the relation's names: keys and
// punctuation, the document's author, reference, date and URL, cite ids,
// links, the source's SHA-256 and a Web Annotation's prefix and suffix
// (contextChars code points each, 4 bytes at most).
const quoteOverhead = 1536

// MaxQuoteBytes bounds the bytes one quote adds to a citation in any
// format, given the longest title, quote and entity name in bytes (a
// relation's citation is at most one of these per quote): the API prices
// a citation by it. Each text counts twice: a title and its short form,
// a quote and the Web Annotation's selector of it, two names, and TeX's
// or JSON's escapes.
func MaxQuoteBytes(title, quote, name int) int {
	return quoteOverhead + 2*(title+quote+name)
}
