package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type addedDoc struct {
	ID         string `yaml:"id"`
	Title      string `yaml:"title"`
	Reference  string `yaml:"reference"`
	Date       string `yaml:"date"`
	Author     string `yaml:"author"`
	Source     string `yaml:"source"`
	Paragraphs []struct {
		ID      string   `yaml:"id"`
		Section string   `yaml:"section"`
		Notes   []string `yaml:"notes"`
		Text    string   `yaml:"text"`
	} `yaml:"paragraphs"`
}

func readDoc(t *testing.T, name string) addedDoc {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var d addedDoc
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

func addDocument(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), append([]string{"add-document"}, args...), &o, &e)
	return o.String(), e.String(), code
}

// TestAddDocument adds the 2023 conclusions again, as Markdown and as plain
// text, and small HTML and PDF texts, to a copy of the data; the curated
// paragraphs come back, each kept text is beside its YAML, and check passes.
func TestAddDocument(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "data", dir)
	sources := filepath.Join(dir, "sources")
	curated := readDoc(t, "data/sources/council-2023.yaml")
	pdf := "extract/testdata/conclusions.pdf"
	havePDF := true
	if _, err := exec.LookPath("pdftotext"); err != nil && os.Getenv("DIGIDIP_TEST_CONSUMERS") != "1" {
		havePDF = false
	}
	// The Markdown text under a .txt name, as the texts saved from the web are.
	seed := filepath.Join(t.TempDir(), "002_council.txt")
	if b, err := os.ReadFile("data/sources/council-2023.md"); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(seed, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id, file, kept string
		ids            []string // nil: those of council-2023.yaml
		notes          bool     // compare the notes with council-2023.yaml's
		args           []string
	}{
		{id: "council-md", file: "data/sources/council-2023.md", kept: "council-md.md", notes: true},
		{id: "council-txt", file: "split/testdata/council-2023.txt", kept: "council-txt.txt"},
		{id: "council-seed", file: seed, kept: "council-seed.md", notes: true},
		{id: "test-html", file: "extract/testdata/conclusions.html", kept: "test-html.txt", ids: []string{"cover.1", "cover.2", "1", "2", "2.A", "2.B", "3", "4", "fn1"}},
		// a plain text keeps what would be Markdown: the loader must not remove it
		{id: "dashes", file: "split/testdata/dashes.txt", kept: "dashes.txt", ids: []string{"1", "2"}, args: []string{"--title", "Dashes"}},
		{id: "test-pdf", file: pdf, kept: "test-pdf.txt", ids: []string{"title", "cover.1", "1", "2", "2.a", "2.b", "3"}},
	} {
		t.Run(c.id, func(t *testing.T) {
			if c.file == pdf && !havePDF {
				t.Skip("pdftotext is not installed (poppler-utils); DIGIDIP_TEST_CONSUMERS=1 makes this a failure")
			}
			out, errs, code := addDocument(t, append([]string{c.file, "--id", c.id, "--data", dir, "--short", "A test copy"}, c.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if wantNote := c.file == seed; strings.Contains(errs, ": note: read as Markdown (line ") != wantNote {
				t.Errorf("said it read Markdown: %v, want %v:\n%s", !wantNote, wantNote, errs)
			}
			if strings.Contains(errs, ": warning: ") && !strings.Contains(errs, "warning: no ") {
				t.Errorf("a split warning on a clean text:\n%s", errs)
			}
			if !strings.Contains(out, filepath.Join(sources, c.id+".yaml")) {
				t.Errorf("stdout %q does not name the file written", out)
			}
			got := readDoc(t, filepath.Join(sources, c.id+".yaml"))
			if got.ID != c.id || got.Source != c.kept {
				t.Errorf("id %q source %q, want %q %q", got.ID, got.Source, c.id, c.kept)
			}
			if _, err := os.Stat(filepath.Join(sources, c.kept)); err != nil {
				t.Errorf("kept text: %v", err)
			}
			if c.ids != nil {
				var ids []string
				for _, p := range got.Paragraphs {
					ids = append(ids, p.ID)
				}
				if strings.Join(ids, " ") != strings.Join(c.ids, " ") {
					t.Errorf("paragraphs %v, want %v", ids, c.ids)
				}
				return
			}
			kept, _ := os.ReadFile(filepath.Join(sources, c.kept))
			if in, _ := os.ReadFile(c.file); !bytes.Equal(kept, in) {
				t.Errorf("%s is not %s verbatim", c.kept, c.file)
			}
			if got.Title != curated.Title || got.Reference != curated.Reference || got.Date != curated.Date || got.Author != curated.Author {
				t.Errorf("metadata %q %q %q %q, want %q %q %q %q", got.Title, got.Reference, got.Date, got.Author, curated.Title, curated.Reference, curated.Date, curated.Author)
			}
			if len(got.Paragraphs) != len(curated.Paragraphs) {
				t.Fatalf("%d paragraphs, want %d", len(got.Paragraphs), len(curated.Paragraphs))
			}
			for i, p := range got.Paragraphs {
				w := curated.Paragraphs[i]
				if p.ID != w.ID || p.Section != w.Section || p.Text != w.Text {
					t.Errorf("paragraph %d: %s [%s] %.60q, want %s [%s] %.60q", i, p.ID, p.Section, p.Text, w.ID, w.Section, w.Text)
				}
				if c.notes && strings.Join(p.Notes, ",") != strings.Join(w.Notes, ",") {
					t.Errorf("paragraph %s notes %v, want %v", p.ID, p.Notes, w.Notes)
				}
			}
		})
	}
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"check", "--data", dir}, &o, &e); code != 0 {
		t.Fatalf("check on the data with the added documents: exit %d\n%s%s", code, o.String(), e.String())
	}
	if !strings.Contains(o.String(), ": ok: ") {
		t.Errorf("check said %q", o.String())
	}
}

// snapshot is a directory's files and contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		files[e.Name()] = string(b)
	}
	return files
}

// TestAddDocumentRefuses: bad inputs are refused with an error naming the
// file (and the line where there is one), and nothing is written.
func TestAddDocumentRefuses(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "data", dir)
	sources := filepath.Join(dir, "sources")
	before := snapshot(t, sources)
	for _, c := range []struct {
		name, file, id, want string
		args                 []string
	}{
		{"empty file", "extract/testdata/empty.txt", "new-doc", "extract/testdata/empty.txt: empty file", nil},
		{"binary file", "extract/testdata/nul.txt", "new-doc", "extract/testdata/nul.txt: binary file (NUL byte at offset 9)", nil},
		{"not UTF-8", "extract/testdata/latin1.txt", "new-doc", "extract/testdata/latin1.txt: not UTF-8 text", nil},
		{"no paragraph structure", "split/testdata/one-block.txt", "new-doc", "split/testdata/one-block.txt:1: no paragraph structure", nil},
		{"existing id", "data/sources/council-2023.md", "council-2023", "document \"council-2023\" already exists: " + filepath.Join(sources, "council-2023.yaml"), nil},
		{"id not a slug", "data/sources/council-2023.md", "Council 2024", "--id \"Council 2024\" is not a kebab-case slug", nil},
		{"missing file", "no/such/file.md", "new-doc", "no/such/file.md", nil},
		{"unknown kind", "data/sources/council-2023.md", "new-doc", `--as: unknown kind "docx": text, markdown, html or pdf`, []string{"--as", "docx"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs, code := addDocument(t, append([]string{c.file, "--id", c.id, "--data", dir}, c.args...)...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(errs, c.want) {
				t.Errorf("stderr %q, want %q", errs, c.want)
			}
			after := snapshot(t, sources)
			if len(after) != len(before) {
				t.Errorf("files now %d, were %d: something was written", len(after), len(before))
			}
			for name, content := range before {
				if after[name] != content {
					t.Errorf("%s changed", name)
				}
			}
		})
	}
}

// TestWriteBothOrNeither: when the YAML's name is taken between the check
// and the write, the kept text is taken back and no temporary file stays.
func TestWriteBothOrNeither(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "late.yaml"), []byte("someone else's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeBoth(dir, "late.txt", "1. Text.\n", "late.yaml", []byte("id: late\n"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "late.yaml")) {
		t.Fatalf("error %v, want one naming late.yaml", err)
	}
	files := snapshot(t, dir)
	if len(files) != 1 || files["late.yaml"] != "someone else's\n" {
		t.Errorf("directory holds %v, want only the other late.yaml untouched", files)
	}
	if err := writeBoth(dir, "new.txt", "1. Text.\n", "new.yaml", []byte("id: new\n")); err != nil {
		t.Fatal(err)
	}
	if files := snapshot(t, dir); len(files) != 3 || files["new.txt"] != "1. Text.\n" || files["new.yaml"] != "id: new\n" {
		t.Errorf("directory holds %v", files)
	}
}
