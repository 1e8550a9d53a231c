package server_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// TestPagesBrowser drives the reading view and the commitments board in
// chromium, comparing what they show with the API's answers, at a desktop
// width and at 390 px.
func TestPagesBrowser(t *testing.T) {
	b, _, rec := startBrowser(t)
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})

	// 1. The reading view highlights every quote of paragraph 7.
	quoted := paragraphQuotes(t, srv, "council-2023:7")
	b.do("open the reading view", chromedp.EmulateViewport(1400, 900), chromedp.Navigate(srv.URL+"/read/council-2023"))
	b.waitReady("#text")
	shown := evaluate[[]string](b, `[...new Set([...document.getElementById('7').querySelectorAll('.seg.quote')]
		.flatMap(s => s.dataset.quotes.split(' ')))].sort()`)
	if want := slices.Sorted(maps.Keys(quoted)); !slices.Equal(shown, want) {
		t.Errorf("paragraph 7 highlights the quotes\n%v\nthe API has\n%v", shown, want)
	}
	if n := evaluate[int](b, `document.querySelectorAll('#text .seg.mention').length`); n == 0 {
		t.Error("the reading view highlights no mention")
	}
	b.noOverlap("reading view", "header.bar", "#text", "#panel")
	b.screenshot("read-1-document.png")

	// 2. A click on a quote shows the relations it states.
	ev := firstWithRelations(quoted)
	b.do("click a quote", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#text [data-start="%d"][data-quotes~="%s"]`, quoted[ev].start, ev))))
	got := evaluate[[]string](b, fmt.Sprintf(`[...document.querySelectorAll('#panel [data-evidence="%s"] li[data-relation]')].map(l => l.dataset.relation).sort()`, ev))
	if want := slices.Sorted(slices.Values(quoted[ev].relations)); !slices.Equal(got, want) {
		t.Errorf("the panel shows for %s the relations\n%v\nthe API has\n%v", ev, got, want)
	}
	readme(t, b.screenshot("read-2-clicked.png"), "reading.png")

	// The keyboard reaches a highlight, and Enter shows it.
	b.do("reload", chromedp.Navigate(srv.URL+"/read/council-2023"))
	b.waitReady("#text")
	b.do("focus a quote and press Enter", chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#text [data-start="%d"][data-quotes~="%s"]`, quoted[ev].start, ev))), chromedp.KeyEvent("\r"))
	if n := evaluate[int](b, fmt.Sprintf(`document.querySelectorAll('#panel [data-evidence="%s"]').length`, ev)); n != 1 {
		t.Errorf("Enter on the quote shows %d panels of it, want 1", n)
	}

	// 3. A deep link marks exactly its quote and scrolls to it.
	frag := strings.Replace(strings.TrimPrefix(ev, "council-2023:"), "#", ":", 1)
	b.do("open a deep link", chromedp.Navigate(srv.URL+"/read/council-2023#"+frag))
	b.waitReady("#text")
	if marked := evaluate[string](b, `[...document.querySelectorAll('.seg.target')].map(s => s.textContent).join('')`); marked != quoted[ev].quote {
		t.Errorf("#%s marks %q, want the quote %q", frag, marked, quoted[ev].quote)
	}
	if !evaluate[bool](b, `(() => { const r = document.querySelector('.seg.target').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`) {
		t.Errorf("#%s: the quote is not scrolled into view", frag)
	}
	if !evaluate[bool](b, `document.getElementById('7').classList.contains('marked')`) {
		t.Errorf("#%s: paragraph 7 is not marked", frag)
	}
	b.screenshot("read-3-deep-link.png")

	// An unknown paragraph says so (and the text is still there).
	b.do("open an unknown paragraph", chromedp.Navigate(srv.URL+"/read/council-2023#999"))
	b.waitReady("#text")
	if msg := evaluate[string](b, `document.getElementById('status').textContent`); !strings.Contains(msg, "no paragraph “999”") {
		t.Errorf("#999 says %q", msg)
	}
	b.screenshot("read-4-unknown-paragraph.png")

	// /read/ lists the documents, each linking to its reading view.
	b.do("open the list of documents", chromedp.Navigate(srv.URL+"/read/"))
	b.waitReady("#text")
	var docs []string
	for _, d := range st.Graph().Documents() {
		docs = append(docs, srv.URL+"/read/"+d.ID)
	}
	if links := evaluate[[]string](b, `[...document.querySelectorAll('#text ul.documents a')].map(a => a.href)`); !slices.Equal(links, docs) {
		t.Errorf("/read/ links to %v, want %v", links, docs)
	}

	// 4. The commitments board lists every commitment, filters, downloads.
	all := commitmentRows(t, srv)
	b.do("open the board", chromedp.Navigate(srv.URL+"/commitments"))
	b.waitReady("#board")
	if ids := b.boardIDs(); !slices.Equal(ids, sortedIDs(all, nil)) {
		t.Errorf("the board lists %d commitments, the API has %d: %v", len(ids), len(all), ids)
	}
	b.noOverlap("commitments board", "header.bar", "#controls", "#board")
	b.screenshot("commitments-1-all.png")
	hr := func(r []string) bool { return slices.Contains(strings.Split(r[5], "; "), "High Representative") }
	b.do("filter by actor", chromedp.SendKeys(chromedp.CSS("#filter"), "High Representative"))
	if ids := b.boardIDs(); !slices.Equal(ids, sortedIDs(all, hr)) || len(ids) == 0 || len(ids) == len(all) {
		t.Errorf("filtered by the High Representative the board shows %v, the API's are %v", ids, sortedIDs(all, hr))
	}
	readme(t, b.screenshot("commitments-2-filtered.png"), "commitments.png")
	file, err := csv.NewReader(strings.NewReader(string(b.download("#csv")))).ReadAll()
	if err != nil || len(file) == 0 {
		t.Fatalf("the CSV: %v", err)
	}
	if want := []string{"id", "name", "evidence.document.id", "evidence.paragraph.number", "evidence.verb", "calledOn.name", "targets.name", "instruments.name", "deadline.text", "deadline.date", "evidence.quote", "evidence.id"}; !slices.Equal(file[0], want) {
		t.Errorf("CSV columns %v, want %v", file[0], want)
	}
	var want [][]string
	for _, r := range all {
		if hr(r) {
			want = append(want, r)
		}
	}
	rows := file[1:]
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("the CSV's rows\n%q\nthe API's\n%q", rows, want)
	}

	// 5. At 390 px: nothing wider than the screen, no block over another.
	b.do("narrow the reading view", chromedp.EmulateViewport(390, 844), chromedp.Navigate(srv.URL+"/read/council-2023#7"))
	b.waitReady("#text")
	b.noOverlap("reading view at 390 px", "header.bar", "#text", "#panel")
	b.screenshot("read-5-390px.png")
	b.do("click a quote at 390 px", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#text [data-start="%d"][data-quotes~="%s"]`, quoted[ev].start, ev))))
	b.noOverlap("reading view at 390 px, clicked", "header.bar", "#text", "#panel")
	b.screenshot("read-6-390px-panel.png")
	b.do("narrow the board", chromedp.Navigate(srv.URL+"/commitments"))
	b.waitReady("#board")
	b.noOverlap("commitments board at 390 px", "header.bar", "#controls", "#board")
	b.screenshot("commitments-3-390px.png")

	requests, problems := rec.results()
	for _, r := range requests {
		if !strings.HasPrefix(r, srv.URL) && !strings.HasPrefix(r, "blob:"+srv.URL) {
			t.Errorf("a page asked another origin: %s", r)
		}
	}
	for _, p := range problems {
		t.Errorf("the browser reported: %s", p)
	}
	t.Logf("screenshots in %s", b.shots)
}

// readme writes a screenshot to ../docs/name with -readme-screenshot.
func readme(t *testing.T, img []byte, name string) {
	t.Helper()
	if *readmeScreenshot {
		if err := os.WriteFile("../docs/"+name, img, 0o644); err != nil {
			t.Errorf("the README's screenshot: %v", err)
		}
	}
}

// waitReady waits until the page has loaded what it shows into sel.
func (b *tester) waitReady(sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q)?.getAttribute('aria-busy') === 'false'`, sel),
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.failShot("wait for "+sel, err)
	}
}

// noOverlap checks that the page's layout blocks do not overlap and that no
// visible element is wider than the viewport.
func (b *tester) noOverlap(what string, blocks ...string) {
	b.t.Helper()
	list, _ := json.Marshal(blocks)
	overlaps := evaluate[[]string](b, fmt.Sprintf(`(() => {
		const boxes = %s.map(s => [s, document.querySelector(s)]).filter(([, e]) => e && e.offsetParent !== null)
			.map(([s, e]) => [s, e.getBoundingClientRect()]);
		const out = [];
		for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
			const [a, p] = boxes[i], [c, q] = boxes[j];
			if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1) out.push(a + ' overlaps ' + c);
		}
		if (boxes.length < 2) out.push('only ' + boxes.length + ' blocks visible');
		return out; })()`, list))
	for _, o := range overlaps {
		b.t.Errorf("%s: %s", what, o)
	}
	wide := evaluate[[]string](b, `(() => { const w = document.documentElement.clientWidth; const out = [];
		if (document.documentElement.scrollWidth > w) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + w);
		for (const e of document.body.querySelectorAll('*')) { const r = e.getBoundingClientRect();
			if (r.width > 0 && (r.right > w + 1 || r.left < -1)) out.push(e.tagName + '.' + e.className + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right)); }
		return out.slice(0, 5); })()`)
	for _, o := range wide {
		b.t.Errorf("%s: wider than the viewport: %s", what, o)
	}
}

func (b *tester) boardIDs() []string {
	b.t.Helper()
	return evaluate[[]string](b, `[...document.querySelectorAll('#board tbody tr')].map(r => r.dataset.id).sort()`)
}

type quotedSpan struct {
	start     int
	quote     string
	relations []string
}

// paragraphQuotes is the API's answer for a paragraph's quotations, by
// evidence id.
func paragraphQuotes(t *testing.T, srv *httptest.Server, id string) map[string]*quotedSpan {
	t.Helper()
	r := post(t, srv, `query($id: ID!) { paragraph(id: $id) { quotations { evidence { id start quote } relation { id } } } }`, map[string]any{"id": id})
	var data struct {
		Paragraph struct {
			Quotations []struct {
				Evidence struct {
					ID, Quote string
					Start     int
				}
				Relation *struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal(r.resp.Data, &data); err != nil || len(data.Paragraph.Quotations) == 0 {
		t.Fatalf("quotations of %s: %v %s", id, err, r.body)
	}
	out := map[string]*quotedSpan{}
	for _, q := range data.Paragraph.Quotations {
		s := out[q.Evidence.ID]
		if s == nil {
			s = &quotedSpan{start: q.Evidence.Start, quote: q.Evidence.Quote}
			out[q.Evidence.ID] = s
		}
		if q.Relation != nil {
			s.relations = append(s.relations, q.Relation.ID)
		}
	}
	return out
}

// firstWithRelations is the quote with the most relations (ties: by id).
func firstWithRelations(qs map[string]*quotedSpan) string {
	best := ""
	for _, id := range slices.Sorted(maps.Keys(qs)) {
		if best == "" || len(qs[id].relations) > len(qs[best].relations) {
			best = id
		}
	}
	return best
}

// commitmentRows are the board's rows as the API answers its query
// (web/src/commitments.graphql), in the CSV's columns, sorted by id: the
// quote is the commitment's call (calls-on from it), else the first quote
// of any of its relations; the deadline is the fact with role deadline.
func commitmentRows(t *testing.T, srv *httptest.Server) [][]string {
	t.Helper()
	q, err := os.ReadFile("../web/src/commitments.graphql")
	if err != nil {
		t.Fatal(err)
	}
	type evidence struct {
		ID, Quote string
		Verb      *string
		Document  struct{ ID string }
		Paragraph struct{ Number string }
	}
	var rows [][]string
	var after any
	for {
		r := post(t, srv, string(q), map[string]any{"after": after})
		var data struct {
			Entities struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
				Nodes []struct {
					ID, Name                       string
					CalledOn, Targets, Instruments []namedRef
					Facts                          []struct {
						Role *string
						Text string
						Date *string
					}
					Relations struct {
						Nodes []struct {
							PredicateID string
							Subject     struct{ ID string }
							Evidence    []evidence
						}
					}
				}
			}
		}
		if err := json.Unmarshal(r.resp.Data, &data); err != nil || len(r.resp.Errors) > 0 {
			t.Fatalf("the board's query: %v %s", err, r.body)
		}
		for _, c := range data.Entities.Nodes {
			var call, first *evidence
			for _, rel := range c.Relations.Nodes {
				if len(rel.Evidence) == 0 {
					continue
				}
				if first == nil {
					first = &rel.Evidence[0]
				}
				if call == nil && rel.PredicateID == "calls-on" && rel.Subject.ID == c.ID {
					call = &rel.Evidence[0]
				}
			}
			ev := call
			if ev == nil {
				ev = first
			}
			row := []string{c.ID, c.Name, "", "", "", joinNames(c.CalledOn), joinNames(c.Targets), joinNames(c.Instruments), "", "", "", ""}
			if ev != nil {
				row[2], row[3], row[10], row[11] = ev.Document.ID, ev.Paragraph.Number, ev.Quote, ev.ID
				if ev.Verb != nil {
					row[4] = *ev.Verb
				}
			}
			for _, f := range c.Facts {
				if f.Role != nil && *f.Role == "deadline" {
					row[8] = f.Text
					if f.Date != nil {
						row[9] = *f.Date
					}
					break
				}
			}
			rows = append(rows, row)
		}
		if !data.Entities.PageInfo.HasNextPage {
			break
		}
		after = data.Entities.PageInfo.EndCursor
	}
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return rows
}

type namedRef struct{ Name string }

func joinNames(l []namedRef) string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Name
	}
	return strings.Join(s, "; ")
}

func sortedIDs(rows [][]string, keep func([]string) bool) []string {
	var ids []string
	for _, r := range rows {
		if keep == nil || keep(r) {
			ids = append(ids, r[0])
		}
	}
	slices.Sort(ids)
	return ids
}
