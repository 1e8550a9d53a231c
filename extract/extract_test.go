package extract

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the goldens under testdata/")

// TestReadRefuses: empty and binary files are refused, each error naming
// the file and saying why.
func TestReadRefuses(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"testdata/empty.txt", "empty file"},
		{"testdata/blank.txt", "empty file"},
		{"testdata/nul.txt", "binary file (NUL byte at offset 9)"},
		{"testdata/latin1.txt", "not UTF-8 text (invalid byte at offset 3)"},
	} {
		t.Run(c.file, func(t *testing.T) {
			d, err := Read(context.Background(), c.file)
			if err == nil {
				t.Fatalf("read as %v, want an error", d.Kind)
			}
			if !strings.HasPrefix(err.Error(), c.file+": ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want %q naming %s", err, c.want, c.file)
			}
		})
	}
}

// TestKinds: the extension decides, and without one the content does.
func TestKinds(t *testing.T) {
	for _, c := range []struct {
		file string
		want Kind
	}{
		{"../data/sources/council-2023.md", Markdown},
		{"testdata/conclusions.txt", Plain},
		{"testdata/conclusions.html", HTML},
		{"testdata/notes", Markdown},
		{"testdata/page", HTML},
	} {
		d, err := Read(context.Background(), c.file)
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != c.want {
			t.Errorf("%s read as %v, want %v", c.file, d.Kind, c.want)
		}
	}
	// A .txt holding Markdown (headings, bold, note marks) is read as
	// Markdown, saying why; asked for plain text, it stays plain.
	md, err := os.ReadFile("../data/sources/council-2023.md")
	if err != nil {
		t.Fatal(err)
	}
	txt := filepath.Join(t.TempDir(), "council.txt")
	if err := os.WriteFile(txt, md, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Read(context.Background(), txt)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Markdown || len(d.Signs) < 2 || d.Signs[0].Line < 1 {
		t.Errorf("%s read as %v with signs %v, want Markdown with two or more signs", txt, d.Kind, d.Signs)
	}
	if d, err := ReadAs(context.Background(), txt, Plain); err != nil || d.Kind != Plain || d.Signs != nil {
		t.Errorf("read as plain text: %v %v", d, err)
	}
}

// TestHTML holds the text of each page to its golden: blocks become
// paragraphs, an ordered list keeps its numbers (or letters), scripts,
// styles, comments and navigation are left out, and a note marker inside a
// paragraph is dropped while the footnote keeps its number. malformed.html
// leaves tags unclosed and nests lists, as pages found in the wild do; its
// absent and present strings hold even if its golden is rewritten.
func TestHTML(t *testing.T) {
	for _, c := range []struct {
		page, title     string
		absent, present []string
	}{
		{page: "conclusions", title: "Council conclusions on test diplomacy",
			absent:  []string{"not a paragraph", "Home", "Consilium", "margin"},
			present: []string{"\n1. The Council recalls its earlier conclusions on digital diplomacy & underlines", "\n3. The Council welcomes", "Japan and Korea", "\n1 Council Conclusions"}},
		{page: "malformed", title: "Joint statement on open networks",
			absent: []string{"fake paragraph", "commented", "Site name", "Press", "Malformed", "color", "&amp;", "&#", "&lt;", "b\">", "agree2", "agree 2"},
			present: []string{
				"\nBrussels, 5 May 2025\n", // the attribute's ">" is no tag end
				"\n1. The EU\u2019s partners & the Member States agree that:\n",
				"\na. networks stay open;\n\nb. standards are set in the open, with:\n\n- the ITU;\n\n- the IETF <and> W3C.\n\ne. rules apply to all.\n",
				"\n2. The Council welcomes the plan.\nIt will report\nin 2026.\n",
				"\nPartner Since\n\nJapan 2022\n",
				"\n2 Joint Communication, 2023.\n",
			}},
	} {
		t.Run(c.page, func(t *testing.T) {
			d, err := Read(context.Background(), "testdata/"+c.page+".html")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != HTML || d.Title != c.title {
				t.Errorf("read as %v titled %q, want HTML titled %q", d.Kind, d.Title, c.title)
			}
			for _, s := range c.absent {
				if strings.Contains(d.Text, s) {
					t.Errorf("text has %q", s)
				}
			}
			for _, s := range c.present {
				if !strings.Contains(d.Text, s) {
					t.Errorf("text lacks %q", s)
				}
			}
			golden := "testdata/" + c.page + ".txt"
			if *update {
				os.WriteFile(golden, []byte(d.Text), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if d.Text != string(want) {
				t.Errorf("text differs from %s:\n%s", golden, d.Text)
			}
		})
	}
}

// TestItemMarker: an <ol type=...> item shows letters or Roman numerals
// as a browser does, numbers where those cannot count.
func TestItemMarker(t *testing.T) {
	for _, c := range []struct {
		n           int
		style, want string
	}{
		{3, "", "3"}, {3, "1", "3"}, {1, "a", "a"}, {26, "a", "z"}, {27, "a", "aa"}, {28, "A", "AB"}, {702, "a", "zz"}, {703, "a", "aaa"},
		{4, "i", "iv"}, {9, "I", "IX"}, {1994, "I", "MCMXCIV"}, {4000, "I", "4000"}, {0, "a", "0"}, {-2, "i", "-2"},
	} {
		if got := itemMarker(c.n, c.style); got != c.want {
			t.Errorf("itemMarker(%d, %q) = %q, want %q", c.n, c.style, got, c.want)
		}
	}
}

func needPdftotext(t *testing.T) {
	if _, err := Read(context.Background(), "testdata/conclusions.pdf"); errors.Is(err, ErrNoPdftotext) && os.Getenv("DIGIDIP_TEST_CONSUMERS") != "1" {
		t.Skip("pdftotext is not installed (poppler-utils); DIGIDIP_TEST_CONSUMERS=1 makes this a failure")
	}
}

// TestPDF reads a PDF made by tinyPDF through pdftotext: its lines come
// back in order, with the blank lines between paragraphs.
func TestPDF(t *testing.T) {
	const file = "testdata/conclusions.pdf"
	pdf := tinyPDF(pdfLines)
	if *update {
		os.WriteFile(file, pdf, 0o644)
	}
	if kept, err := os.ReadFile(file); err != nil || !bytes.Equal(kept, pdf) {
		t.Fatalf("%s is not tinyPDF(pdfLines): run go test ./extract -run PDF -update (%v)", file, err)
	}
	needPdftotext(t)
	d, err := Read(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != PDF {
		t.Errorf("read as %v", d.Kind)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(d.Text), "\n") {
		got = append(got, strings.TrimSpace(l))
	}
	if strings.Join(got, "\n") != strings.Join(pdfLines, "\n") {
		t.Errorf("pdftotext gave\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(pdfLines, "\n"))
	}
}

// TestNoPdftotext: without pdftotext, the error says what to install.
func TestNoPdftotext(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Read(context.Background(), "testdata/conclusions.pdf")
	if !errors.Is(err, ErrNoPdftotext) || !strings.Contains(err.Error(), "testdata/conclusions.pdf: ") || !strings.Contains(err.Error(), "poppler-utils") {
		t.Errorf("error %v, want one naming the file and poppler-utils", err)
	}
}
