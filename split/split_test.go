package split

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/council-2023.txt from data/sources/council-2023.md")

type wantDoc struct {
	Paragraphs []struct {
		ID      string   `yaml:"id"`
		Section string   `yaml:"section"`
		Notes   []string `yaml:"notes"`
		Text    string   `yaml:"text"`
	} `yaml:"paragraphs"`
}

func readWant(t *testing.T, name string) wantDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "data", "sources", name))
	if err != nil {
		t.Fatal(err)
	}
	var d wantDoc
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	plainSup  = regexp.MustCompile(`<sup>(\d+)</sup>`)
	plainLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	plainHead = regexp.MustCompile(`(?m)^#+\s+`)
	plainRule = regexp.MustCompile(`(?m)^\s*-{3,}\s*$`)
	plainBul  = regexp.MustCompile(`(?m)^(\s*)- `)
	plainLone = regexp.MustCompile(`(?m)^\s*-\s*$`)
	plainTail = regexp.MustCompile(`(?m)[ \t]+$`)
)

// plainText is a Markdown text as true plain text: markup removed line by
// line, a footnote keeping its number at the start of its line as printed,
// and the markers in the body dropped (as the loader's Markdown removal
// drops them).
func plainText(md string) string {
	md = regexp.MustCompile(`(?m)^<sup>(\d+)</sup>`).ReplaceAllString(md, "$1")
	md = plainSup.ReplaceAllString(md, "")
	md = plainLink.ReplaceAllString(md, "$1")
	md = strings.NewReplacer(`\\_`, "_", `\_`, "_", "**", "").Replace(md)
	md = plainHead.ReplaceAllString(md, "")
	md = plainRule.ReplaceAllString(md, "")
	md = plainLone.ReplaceAllString(md, "")
	md = plainBul.ReplaceAllString(md, "$1")
	return plainTail.ReplaceAllString(md, "")
}

// TestCouncil2023 splits the kept 2023 text, as Markdown and as plain text,
// and holds the result to the curated data/sources/council-2023.yaml.
func TestCouncil2023(t *testing.T) {
	md, err := os.ReadFile("../data/sources/council-2023.md")
	if err != nil {
		t.Fatal(err)
	}
	want := readWant(t, "council-2023.yaml")
	// the plain text is kept under testdata for the CLI test; it must stay
	// the Markdown with its markup removed
	plain := plainText(string(md))
	if *update {
		os.WriteFile("testdata/council-2023.txt", []byte(plain), 0o644)
	}
	if kept, err := os.ReadFile("testdata/council-2023.txt"); err != nil || string(kept) != plain {
		t.Errorf("testdata/council-2023.txt is not council-2023.md as plain text: run go test ./split -run Council -update (%v)", err)
	}
	for _, c := range []struct {
		name     string
		text     string
		markdown bool
	}{
		{"markdown", string(md), true},
		{"plain", plain, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Split(c.text, c.markdown)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Paragraphs) != len(want.Paragraphs) {
				t.Errorf("%d paragraphs, want %d", len(got.Paragraphs), len(want.Paragraphs))
			}
			for i := 0; i < len(got.Paragraphs) && i < len(want.Paragraphs); i++ {
				g, w := got.Paragraphs[i], want.Paragraphs[i]
				if g.ID != w.ID || g.Section != w.Section || g.Text != w.Text {
					t.Errorf("paragraph %d:\n got %s [%s] %q\nwant %s [%s] %q", i, g.ID, g.Section, g.Text, w.ID, w.Section, w.Text)
				}
				// plain text has no note markers: the notes are Markdown's
				if c.markdown && strings.Join(g.Notes, ",") != strings.Join(w.Notes, ",") {
					t.Errorf("paragraph %s notes %v, want %v", g.ID, g.Notes, w.Notes)
				}
			}
			m := got.Meta
			for _, f := range []struct{ name, got, want string }{
				{"title", m.Title.Value, "Draft Council Conclusions on EU Digital Diplomacy - approval of the final text"},
				{"reference", m.Reference.Value, "10603/1/23 REV 1"},
				{"date", m.Date.Value, "2023-06-13"},
				{"author", m.Author.Value, "General Secretariat of the Council"},
			} {
				if f.got != f.want {
					t.Errorf("%s %q, want %q", f.name, f.got, f.want)
				}
			}
			if len(got.Warnings) > 0 {
				t.Errorf("warnings on a clean text: %v", got.Warnings)
			}
		})
	}
}

// TestEEAS2022 splits the unnumbered EEAS page. Its curated section slugs
// were chosen by hand, so the test holds the texts, their order and their
// sections, and counts the ids that match.
func TestEEAS2022(t *testing.T) {
	md, err := os.ReadFile("../data/sources/eeas-2022.md")
	if err != nil {
		t.Fatal(err)
	}
	want := readWant(t, "eeas-2022.yaml")
	got, err := Split(string(md), true)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]Paragraph{}
	for _, p := range got.Paragraphs {
		texts[p.Text] = p
	}
	found, ids := 0, 0
	for _, w := range want.Paragraphs {
		if p, ok := texts[w.Text]; ok {
			found++
			if p.Section != w.Section {
				t.Errorf("%s: section %q, want %q", w.ID, p.Section, w.Section)
			}
			if p.ID == w.ID {
				ids++
			}
		}
	}
	t.Logf("eeas-2022: %d of %d curated texts reproduced (%d with the same id), %d paragraphs written", found, len(want.Paragraphs), ids, len(got.Paragraphs))
	// borrell.1 repeats its heading as a paragraph: the one text not found
	if found < len(want.Paragraphs)-1 {
		t.Errorf("only %d of %d curated texts reproduced", found, len(want.Paragraphs))
	}
}

// TestAmbiguities: what the splitter cannot settle is reported at its line,
// and a text without structure is refused.
func TestAmbiguities(t *testing.T) {
	for _, c := range []struct {
		file     string
		markdown bool
		warnings []string // "LINE: part of the message"
		err      string
	}{
		{file: "sequence.md", markdown: true, warnings: []string{"7: paragraph 4 follows paragraph 2: 3 missing?", "9: \"40.\" breaks the numbering (after paragraph 4): kept as text of paragraph 4"}},
		{file: "no-lead-in.md", markdown: true, warnings: []string{"3: lettered list under paragraph 1 has no lead-in"}},
		{file: "orphan-note.md", markdown: true, warnings: []string{"1: footnote marker 2 has no footnote text", "7: footnote 3 is cited by no marker in the text"}},
		{file: "first-number.txt", warnings: []string{"3: the first numbered paragraph is 3, not 1"}},
		{file: "one-block.txt", err: "line 1: no paragraph structure: one block of 5 lines"},
	} {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Split(string(b), c.markdown)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range res.Warnings {
				got = append(got, strconv.Itoa(w.Line)+": "+w.Msg)
			}
			if len(got) != len(c.warnings) {
				t.Fatalf("warnings %q, want %q", got, c.warnings)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.warnings[i]) {
					t.Errorf("warning %q, want %q", got[i], c.warnings[i])
				}
			}
		})
	}
}
