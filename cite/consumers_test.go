package cite_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digidip/digidip/cite"
	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/engine/projection"
)

// TestConsumers cites every relation of the data, quote by quote, and has
// real reference tools read the result: citeproc-js formats the CSL-JSON
// in the APA style, citation.js parses the BibTeX (TeX escapes, corporate
// authors, months) and formats it. Run with DIGIDIP_TEST_CONSUMERS=1,
// which makes it required, after npm ci in cite/testdata/citeproc.
func TestConsumers(t *testing.T) {
	if os.Getenv("DIGIDIP_TEST_CONSUMERS") == "" {
		t.Skip("DIGIDIP_TEST_CONSUMERS not set: needs node and npm ci in cite/testdata/citeproc")
	}
	if _, err := os.Stat("testdata/citeproc/node_modules/citeproc"); err != nil {
		t.Fatalf("citeproc is not installed: run npm ci in cite/testdata/citeproc (%v)", err)
	}
	ds := datatest.Dataset(t)
	g := projection.Graph(ds)
	var items []map[string]any
	var bib bytes.Buffer
	want := map[string]cite.Quote{}
	notes := map[string]string{}
	for _, r := range ds.Relations {
		c := citation(t, g, r.ID, -1)
		b, err := cite.Write(c, cite.CSLJSON, cite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var some []map[string]any
		if err := json.Unmarshal(b, &some); err != nil {
			t.Fatal(err)
		}
		items = append(items, some...)
		b, _ = cite.Write(c, cite.BibTeX, cite.Options{})
		bib.Write(b)
		bib.WriteByte('\n')
		for _, q := range c.Quotes {
			want[q.ID] = q
		}
		for _, it := range some {
			notes[it["id"].(string)] = it["note"].(string)
		}
	}
	dir := t.TempDir()
	cslPath, bibPath := filepath.Join(dir, "items.json"), filepath.Join(dir, "entries.bib")
	b, _ := json.Marshal(items)
	if err := os.WriteFile(cslPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bibPath, bib.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/citeproc/check.mjs", cslPath, bibPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var got struct {
		Citeproc struct {
			Errors  []any
			Entries []string
			IDs     []string
		}
		Bibtex struct {
			Items []struct {
				ID, Type, Title, Note, URL, Number string
				Year                               int
				Author                             []map[string]string
			}
			APA []string
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}

	// citeproc: an entry per item, each naming its document, its year and
	// the body that wrote it
	cp := got.Citeproc
	if len(cp.Errors) > 0 || len(cp.Entries) != len(want) || len(cp.IDs) != len(want) {
		t.Fatalf("citeproc: %d errors %v, %d entries for %d items", len(cp.Errors), cp.Errors, len(cp.Entries), len(want))
	}
	for i, e := range cp.Entries {
		q := want[cp.IDs[i]]
		if q.Document == nil {
			t.Fatalf("citeproc entry %d is of an unknown id %q", i, cp.IDs[i])
		}
		year := "n.d." // APA's word for an undated work
		if p := q.Document.Date; p != "" {
			year = p[:4]
		}
		if !strings.Contains(e, q.Document.Title) || !strings.Contains(e, year) || !strings.Contains(e, q.Document.Author) {
			t.Errorf("citeproc's APA entry for %s lacks the title, year or author: %s", q.ID, e)
		}
	}
	t.Logf("citeproc-js: %d APA entries, e.g. %s", len(cp.Entries), cp.Entries[0])

	// citation.js: every entry read back as written, TeX escapes undone
	bt := got.Bibtex
	if len(bt.Items) != len(want) || len(bt.APA) != len(want) {
		t.Fatalf("citation.js read %d entries and formatted %d of %d", len(bt.Items), len(bt.APA), len(want))
	}
	amp := 0
	for _, it := range bt.Items {
		q, ok := want[it.ID]
		switch {
		case !ok:
			t.Errorf("citation.js read an entry of an unknown id %q", it.ID)
			continue
		case it.Title != q.Document.Title || it.URL != q.Document.URL || it.Number != q.Document.Reference:
			t.Errorf("%s: citation.js read title %q, url %q, number %q", it.ID, it.Title, it.URL, it.Number)
		case it.Note != notes[it.ID]:
			t.Errorf("%s: citation.js read the note %q, written %q", it.ID, it.Note, notes[it.ID])
		case len(it.Author) != 1 || it.Author[0]["literal"] != q.Document.Author && it.Author[0]["family"] != q.Document.Author:
			// {{a body}} is one name, read whole as a family name
			t.Errorf("%s: citation.js read the author %v, not the body %q", it.ID, it.Author, q.Document.Author)
		case q.Document.Date != "" && !strings.HasPrefix(q.Document.Date, strconv.Itoa(it.Year)):
			t.Errorf("%s: citation.js read the year %d, the document is of %s", it.ID, it.Year, q.Document.Date)
		}
		if strings.Contains(q.Evidence.Quote, "&") {
			amp++
		}
	}
	if amp == 0 {
		t.Error("no quote has a TeX special character: escaping went untested")
	}
	t.Logf("citation.js: %d BibTeX entries read back (%d with &), e.g. %s", len(bt.Items), amp, bt.APA[0])
}
