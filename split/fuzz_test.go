package split

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzSplit: whatever the text, Split does not panic, and what it returns
// is what the loader accepts: unique ids and no empty text.
func FuzzSplit(f *testing.F) {
	names, _ := filepath.Glob("testdata/*")
	names = append(names, "../data/sources/council-2023.md", "../data/sources/eeas-2022.md")
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(string(b), true)
			f.Add(string(b), false)
		}
	}
	f.Add("1. a\n<sup>1</sup> x\n\n<sup>1</sup> y\n", true)
	f.Fuzz(func(t *testing.T, text string, markdown bool) {
		res, err := Split(text, markdown)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range res.Paragraphs {
			if seen[p.ID] {
				t.Errorf("paragraph id %q twice", p.ID)
			}
			seen[p.ID] = true
			if p.Text == "" {
				t.Errorf("paragraph %q has no text", p.ID)
			}
		}
	})
}
