package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/digidip/digidip/extract"
	"github.com/digidip/digidip/split"

	"go.yaml.in/yaml/v3"
)

var (
	docSlug   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	isoDayish = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

const addDocSynopsis = `Split a new text (plain text, Markdown, HTML, or PDF through pdftotext) into
addressable paragraphs, and write DATA/sources/ID.yaml with the text kept
beside it (Markdown as ID.md, anything else as ID.txt). Metadata the flags do
not give is looked for in the text; what is neither given nor found is
reported, to be added by hand. Ambiguous splits are reported as
FILE:LINE: warning: ...; nothing is written when the text cannot be split.
FILE comes first: digidip add-document FILE --id ID [flags]`

func cmdAddDocument(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("add-document", addDocSynopsis, stderr)
	var d dataFlag
	fs.StringVar(&d.dir, "data", "data", "data directory whose sources/ receives the document")
	id := fs.String("id", "", "the document id: a kebab-case slug such as council-2024 (required)")
	var meta docMeta
	fs.StringVar(&meta.title, "title", "", "title (default: the Subject: line, the title in capitals, or the first heading)")
	fs.StringVar(&meta.short, "short", "", "short title for lists, e.g. \"Council Conclusions on X (2024)\"")
	fs.StringVar(&meta.reference, "reference", "", "document reference (default: one like 10603/1/23 REV 1 in the letterhead)")
	fs.StringVar(&meta.date, "date", "", "date, YYYY-MM-DD (default: a \"Brussels, 13 June 2023\" line)")
	fs.StringVar(&meta.author, "author", "", "author (default: the From: line)")
	fs.StringVar(&meta.url, "url", "", "where the document is published (optional)")
	as := fs.String("as", "", "read FILE as text, markdown, html or pdf (default: by its extension, and a .txt with Markdown in it as Markdown)")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" || *id == "" {
		fmt.Fprintln(stderr, "add-document needs FILE and --id ID")
		fs.Usage()
		return errUsage
	}
	if !docSlug.MatchString(*id) {
		return fmt.Errorf("--id %q is not a kebab-case slug (like council-2024)", *id)
	}
	if meta.date != "" && !isoDayish.MatchString(meta.date) {
		return fmt.Errorf("--date %q is not YYYY, YYYY-MM or YYYY-MM-DD", meta.date)
	}
	sources := filepath.Join(d.dir, "sources")
	if st, err := os.Stat(sources); err != nil || !st.IsDir() {
		return fmt.Errorf("--data %s: no sources directory %s", d.dir, sources)
	}
	yamlPath := filepath.Join(sources, *id+".yaml")
	for _, p := range []string{yamlPath, filepath.Join(sources, *id+".md"), filepath.Join(sources, *id+".txt")} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("document %q already exists: %s (nothing written)", *id, p)
		}
	}

	var doc *extract.Doc
	if *as != "" {
		k, err := extract.ParseKind(*as)
		if err != nil {
			return fmt.Errorf("--as: %w", err)
		}
		if doc, err = extract.ReadAs(ctx, file, k); err != nil {
			return err
		}
	} else {
		var err error
		if doc, err = extract.Read(ctx, file); err != nil {
			return err
		}
	}
	if len(doc.Signs) > 0 {
		var why []string
		for _, s := range doc.Signs {
			why = append(why, fmt.Sprintf("line %d has %s", s.Line, s.What))
		}
		fmt.Fprintf(stderr, "%s: note: read as Markdown (%s); --as text keeps its markup as text\n", file, strings.Join(why, ", "))
	}
	keptName := *id + ".txt"
	if doc.Kind == extract.Markdown {
		keptName = *id + ".md"
	}
	keptText := doc.Text
	if doc.Kind == extract.Markdown || doc.Kind == extract.Plain {
		raw, err := os.ReadFile(file) // kept verbatim, byte for byte
		if err != nil {
			return err
		}
		keptText = string(raw)
	}
	// Lines of HTML and PDF input are lines of the extracted text, kept as keptName.
	where := func(line int) string {
		if doc.Kind == extract.HTML || doc.Kind == extract.PDF {
			return fmt.Sprintf("%s (%s:%d)", file, filepath.Join(sources, keptName), line)
		}
		return fmt.Sprintf("%s:%d", file, line)
	}
	res, err := split.Split(doc.Text, doc.Kind == extract.Markdown)
	var se *split.Error
	if errors.As(err, &se) {
		if se.Line > 0 && (doc.Kind == extract.HTML || doc.Kind == extract.PDF) {
			return fmt.Errorf("%s: line %d of its %s text: %s (nothing written)", file, se.Line, doc.Kind, se.Msg)
		}
		if se.Line > 0 {
			return fmt.Errorf("%s: %s (nothing written)", where(se.Line), se.Msg)
		}
		return fmt.Errorf("%s: %s (nothing written)", file, se.Msg)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", where(w.Line), w.Msg)
	}
	if len(res.Paragraphs) == 0 {
		return fmt.Errorf("%s: no paragraphs found (nothing written)", file)
	}

	found := map[string]split.Field{"title": res.Meta.Title, "reference": res.Meta.Reference, "date": res.Meta.Date, "author": res.Meta.Author}
	if found["title"].Value == "" && doc.Title != "" {
		found["title"] = split.Field{Value: doc.Title}
	}
	for _, f := range []struct {
		name string
		val  *string
	}{{"title", &meta.title}, {"reference", &meta.reference}, {"date", &meta.date}, {"author", &meta.author}} {
		if fv := found[f.name]; *f.val == "" && fv.Value != "" {
			*f.val = fv.Value
			// said, so that the curator checks what was taken from where
			if fv.Line > 0 {
				fmt.Fprintf(stderr, "%s: %s taken from the text: %s\n", where(fv.Line), f.name, fv.Value)
			} else {
				fmt.Fprintf(stderr, "%s: %s taken from the page: %s\n", file, f.name, fv.Value)
			}
		}
	}
	if meta.title == "" {
		return fmt.Errorf("%s: no title found (no Subject: line, title in capitals or heading): give --title (nothing written)", file)
	}
	for _, m := range []struct{ name, val, hint string }{
		{"short", meta.short, "a short title for lists; or give --short"},
		{"reference", meta.reference, "the document's reference; or give --reference"},
		{"date", meta.date, "its date as YYYY-MM-DD; or give --date"},
		{"author", meta.author, "who issued it; or give --author"},
	} {
		if m.val == "" {
			fmt.Fprintf(stderr, "%s: warning: no %s given or found in the text: add %s: to %s by hand: %s\n", file, m.name, m.name, yamlPath, m.hint)
		}
	}
	fmt.Fprintf(stderr, "%s: note: add author-entity: (the entity id of the author) to %s by hand\n", file, yamlPath)

	out, err := documentYAML(*id, filepath.Base(file), keptName, doc.Kind, meta, res.Paragraphs)
	if err != nil {
		return err
	}
	if err := writeBoth(sources, keptName, keptText, *id+".yaml", out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d paragraphs) and %s\n", yamlPath, len(res.Paragraphs), filepath.Join(sources, keptName))
	return nil
}

type docMeta struct{ title, short, reference, date, author, url string }

// documentYAML writes the document in the layout of data/sources/*.yaml, and
// reads it back to make sure every text survives the trip.
func documentYAML(id, from, kept string, kind extract.Kind, m docMeta, ps []split.Paragraph) ([]byte, error) {
	var b strings.Builder
	how := "with its Markdown removed and runs of spaces folded"
	if kind != extract.Markdown {
		how = "with runs of spaces folded"
	}
	fmt.Fprintf(&b, "# Written by digidip add-document from %s (%s). Paragraph texts are\n# %s %s.\n", from, kind, kept, how)
	fmt.Fprintf(&b, "id: %s\n", id)
	for _, f := range []struct{ k, v string }{{"title", m.title}, {"short", m.short}, {"reference", m.reference}, {"date", m.date}, {"author", m.author}, {"source", kept}, {"url", m.url}} {
		if f.v != "" {
			fmt.Fprintf(&b, "%s: %s\n", f.k, scalar(f.v))
		}
	}
	b.WriteString("paragraphs:\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "  - id: %q\n", p.ID)
		fmt.Fprintf(&b, "    section: %s\n", scalar(p.Section))
		if len(p.Notes) > 0 {
			fmt.Fprintf(&b, "    notes: [%s]\n", strings.Join(p.Notes, ", "))
		}
		b.WriteString("    text: |-\n")
		for _, l := range strings.Split(p.Text, "\n") {
			if l == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("      " + l + "\n")
		}
	}
	var back struct {
		Paragraphs []struct {
			ID   string `yaml:"id"`
			Text string `yaml:"text"`
		} `yaml:"paragraphs"`
	}
	if err := yaml.Unmarshal([]byte(b.String()), &back); err != nil {
		return nil, fmt.Errorf("writing %s.yaml: %w", id, err)
	}
	for i, p := range ps {
		if i >= len(back.Paragraphs) || back.Paragraphs[i].Text != p.Text || back.Paragraphs[i].ID != p.ID {
			return nil, fmt.Errorf("writing %s.yaml: paragraph %s does not read back as written", id, p.ID)
		}
	}
	return []byte(b.String()), nil
}

// scalar is a YAML scalar for v, quoted only when YAML needs it.
func scalar(v string) string {
	out, err := yaml.Marshal(v)
	if err != nil || strings.Contains(string(out), "\n") && strings.Count(string(out), "\n") > 1 {
		return fmt.Sprintf("%q", v)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// writeBoth writes the kept text and the YAML into dir, both or neither:
// each goes to a temporary file first, and is linked into place only if
// its name is still free.
func writeBoth(dir, textName, text, yamlName string, yml []byte) (err error) {
	tmp := func(content []byte) (string, error) {
		f, err := os.CreateTemp(dir, ".add-document-*")
		if err != nil {
			return "", err
		}
		if _, err := f.Write(content); err != nil {
			f.Close()
			os.Remove(f.Name())
			return "", err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			os.Remove(f.Name())
			return "", err
		}
		if err := f.Chmod(0o644); err != nil {
			f.Close()
			os.Remove(f.Name())
			return "", err
		}
		return f.Name(), f.Close()
	}
	tText, err := tmp([]byte(text))
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(dir, textName), err)
	}
	defer os.Remove(tText)
	tYAML, err := tmp(yml)
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(dir, yamlName), err)
	}
	defer os.Remove(tYAML)
	textPath, yamlPath := filepath.Join(dir, textName), filepath.Join(dir, yamlName)
	// a link fails if the name was taken meanwhile, where a rename would replace it
	if err := os.Link(tText, textPath); err != nil {
		return fmt.Errorf("writing %s: %w (nothing written)", textPath, err)
	}
	if err := os.Link(tYAML, yamlPath); err != nil {
		os.Remove(textPath)
		return fmt.Errorf("writing %s: %w (nothing written)", yamlPath, err)
	}
	return nil
}
