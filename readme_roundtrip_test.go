package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMERoundTrip runs README's "A curator's round trip" block as
// printed, with the digidip just built on PATH, in a scratch directory
// holding what the block reads (data/ and the plain-text source), and
// checks where it ends: the draft loaded, every proposal reviewed.
func TestREADMERoundTrip(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)### A curator's round trip\n.*?```sh\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal(`README.md has no "### A curator's round trip" section with a sh block`)
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-r", "data", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy data: %v: %s", err, out)
	}
	text := filepath.Join("split", "testdata", "council-2023.txt")
	raw, err := os.ReadFile(text)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(text)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, text), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", string(block[1]))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the round trip, as printed, failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"wrote draft/sources/council-2023.yaml (31 paragraphs)",
		"draft: ok:",
		"loaded draft",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the round trip printed no %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"graph/relations/council-2023.proposed.yaml", "graph/entities/council-2023.proposed.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, "draft", f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "status: proposed") {
			t.Errorf("draft/%s still holds proposals after accept --all", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "draft.db", "CURRENT")); err != nil {
		t.Errorf("no store generation was loaded: %v", err)
	}
}
