package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

var readmeScreenshot = flag.Bool("readme-screenshot", false, "TestBrowser also writes the explorer's screenshot to ../docs/explorer.png")

// TestBrowser drives Debian's chromium through the explorer and GraphiQL
// against the real server, as a user would, with every request off
// 127.0.0.1 blocked: it must not need one. .ci/run installs chromium and
// sets DIGIDIP_TEST_BROWSER=1, which makes the test required.
func TestBrowser(t *testing.T) {
	b, tab, rec := startBrowser(t)
	shots := b.shots
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	if u, _ := url.Parse(srv.URL); u.Hostname() != "127.0.0.1" {
		t.Fatalf("the test server is on %s, not loopback", srv.URL)
	}

	// 1. Search as one types, pick the suggestion, see the neighbourhood.
	b.do("open the explorer", chromedp.EmulateViewport(1400, 900), chromedp.Navigate(srv.URL+"/explore"))
	b.do("type in the search box", chromedp.SendKeys(chromedp.CSS("#search"), "Global Gateway"))
	b.do("wait for suggestions", chromedp.WaitVisible(chromedp.CSS(`#search-list li[data-id="global-gateway"]`)))
	if first := evaluate[string](b, `document.querySelector('#search-list [role=option]').dataset.id`); first != "global-gateway" {
		t.Errorf("first suggestion is %q, want global-gateway", first)
	}
	b.do("pick the suggestion", chromedp.Click(chromedp.CSS(`#search-list li[data-id="global-gateway"]`)))
	b.waitRendered("roots=global-gateway")
	hood := subgraph(t, srv, "global-gateway")
	b.checkDrawn(hood)
	if len(hood.Nodes) < 3 {
		t.Fatalf("Global Gateway's neighbourhood has %d nodes: too few to test expanding", len(hood.Nodes))
	}
	b.screenshot("1-neighbourhood.png")

	// 2. Click a neighbour on the canvas: it expands (its neighbours join).
	next := hood.bestNeighbour("global-gateway")
	b.clickAt("node "+next, fmt.Sprintf(`(() => { const p = explorer.cy.getElementById(%q).renderedPosition(); return [p.x, p.y]; })()`, next))
	b.waitRendered("roots=global-gateway," + next)
	both := subgraph(t, srv, "global-gateway", next)
	if len(both.Nodes) <= len(hood.Nodes) {
		t.Errorf("expanding %s drew %d nodes, no more than before (%d)", next, len(both.Nodes), len(hood.Nodes))
	}
	b.checkDrawn(both)

	// Each line says how firmly the text holds its edge, as the API does.
	line := map[string]string{"STATED": "solid", "RECALLED": "solid", "REQUESTED": "dotted", "OBLIGATION": "dotted",
		"FUTURE": "dashed", "POSSIBLE": "dashed", "CONDITIONAL": "dashed"}
	drawn := evaluate[map[string]string](b, `Object.fromEntries(explorer.cy.edges().map(e => [e.id(), e.style('line-style')]))`)
	weaker := 0
	for _, e := range both.Edges {
		if got, want := drawn[e.ID], line[e.Modality]; got != want {
			t.Errorf("edge %s (%s) is drawn %q, want %q", e.ID, e.Modality, got, want)
		}
		if e.Modality != "STATED" {
			weaker++
		}
	}
	if weaker == 0 {
		t.Errorf("no edge around global-gateway and %s is held less than stated: nothing to check the lines by", next)
	}

	// 3. Click the edge between them: its evidence, verbatim, highlighted.
	edge := both.edgeBetween("global-gateway", next)
	b.clickAt("edge "+edge, fmt.Sprintf(clearPointOnEdge, edge))
	b.waitRendered("sel=" + edge)
	quotes := evidenceQuotes(t, srv, edge)
	b.do("wait for the evidence", chromedp.WaitVisible(chromedp.CSS("#details .relation blockquote")))
	shown := evaluate[[]string](b, `[...document.querySelectorAll('#details blockquote')].map(q => q.textContent)`)
	marked := evaluate[[]string](b, `[...document.querySelectorAll('#details mark')].map(m => m.textContent)`)
	if !slices.Equal(shown, quotes) || !slices.Equal(marked, quotes) {
		t.Errorf("evidence of %s: quotes %q, highlighted %q; the API says %q", edge, shown, marked, quotes)
	}
	if n := evaluate[int](b, `document.querySelectorAll('#details figcaption .modality').length`); n != len(quotes) {
		t.Errorf("%d of %d quotes say how they hold the relation", n, len(quotes))
	}
	b.screenshot("2-evidence.png")

	// 4. Share the link: a new tab, and a reload, show the same view.
	link := evaluate[string](b, `location.href`)
	ids := b.drawnIDs()
	shared, closeShared := chromedp.NewContext(tab, chromedp.WithListener(rec.listen))
	defer closeShared()
	s := &tester{t: t, ctx: shared, shots: shots}
	s.do("open the shared link", chromedp.EmulateViewport(1400, 900), chromedp.Navigate(link))
	s.waitRendered("sel=" + edge)
	s.do("wait for the evidence", chromedp.WaitVisible(chromedp.CSS("#details .relation blockquote")))
	if got := s.drawnIDs(); !slices.Equal(got, ids) {
		t.Errorf("the shared link draws %v, the original view %v", got, ids)
	}
	if got := evaluate[[]string](s, `[...document.querySelectorAll('#details mark')].map(m => m.textContent)`); !slices.Equal(got, quotes) {
		t.Errorf("the shared link highlights %q, want %q", got, quotes)
	}
	img := s.screenshot("3-shared-link.png")
	if *readmeScreenshot {
		// the README's picture: a shared link, the graph and a relation's evidence
		if err := os.WriteFile(filepath.Join("..", "docs", "explorer.png"), img, 0o644); err != nil {
			t.Errorf("README screenshot: %v", err)
		}
	}
	b.do("reload", chromedp.Reload())
	b.waitRendered("sel=" + edge)
	if got := b.drawnIDs(); !slices.Equal(got, ids) {
		t.Errorf("after a reload the view draws %v, before %v", got, ids)
	}

	// 5. The table shows the same nodes and edges and works from the keyboard.
	b.do("show the table", chromedp.Click(chromedp.CSS("#show-table")))
	b.waitRendered("view=table")
	rows := evaluate[[]string](b, `[...document.querySelectorAll('#table tbody tr')].map(r => r.dataset.id).sort()`)
	if want := both.ids(); !slices.Equal(rows, want) {
		t.Errorf("table rows %v, want the subgraph's nodes and edges %v", rows, want)
	}
	other := both.otherEdge(edge)
	b.do("focus another relation's Evidence button", chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#table tr[data-id=%q] button`, other))))
	b.do("press Enter", chromedp.KeyEvent("\r"))
	b.waitRendered("sel=" + other)
	b.do("wait for its evidence", chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector('#details blockquote')?.textContent === %q`, evidenceQuotes(t, srv, other)[0])))
	if focused := evaluate[string](b, `document.activeElement.closest('#details') ? document.activeElement.tagName : document.activeElement.outerHTML.slice(0, 80)`); focused != "H2" {
		t.Errorf("after Evidence from the table the focus is on %s, not the details' heading", focused)
	}
	b.screenshot("4-table.png")

	// 6. The PNG download is an image of the graph.
	b.do("show the graph", chromedp.Click(chromedp.CSS("#show-graph")))
	b.waitRendered("")
	pic := b.download("#png")
	if cfg, err := png.DecodeConfig(bytes.NewReader(pic)); err != nil || cfg.Width < 200 || cfg.Height < 200 {
		t.Errorf("the PNG download: %d bytes, %v, %+v", len(pic), err, cfg)
	}
	b.checkExport("graphml", srv.URL+"/export?format=graphml&roots=global-gateway,"+next+"&depth=1&maxNodes=300")

	// 7. Show the paths between two entities picked in the path form.
	b.pick("#path-from", "D4D Hub", "d4d-hub")
	b.pick("#path-to", "European Commission", "european-commission")
	b.do("show the path", chromedp.Click(chromedp.CSS("#path-show")))
	b.waitRendered("from=d4d-hub&to=european-commission")
	if got, want := b.drawnIDs(), pathIDs(t, srv, "d4d-hub", "european-commission"); !slices.Equal(got, want) {
		t.Errorf("the path view draws %v, the path query gives %v", got, want)
	}
	if n := evaluate[int](b, `explorer.cy.edges('.path').length`); n == 0 {
		t.Errorf("no edge of the path view is marked as on a path")
	}
	b.checkExport("gexf", srv.URL+"/export?format=gexf&from=d4d-hub&to=european-commission&maxHops=6")
	b.screenshot("6-path.png")

	// 8. GraphiQL: run an example query and read the answer.
	b.do("open GraphiQL", chromedp.Navigate(srv.URL+"/graphiql?example=search"))
	b.do("wait for GraphiQL", chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")))
	if n := evaluate[int](b, `document.querySelectorAll('#examples a').length`); n < 6 {
		t.Errorf("GraphiQL offers %d examples, want 6", n)
	}
	b.do("run the example", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	result := evaluate[string](b, `new Promise(resolve => { const read = () => { const t = document.querySelector('.result-window')?.innerText ?? ''; t.includes('"search"') ? resolve(t) : setTimeout(read, 50); }; read(); })`, chromedp.EvalAwaitPromise)
	for _, want := range []string{`"id": "global-gateway"`, `"name": "Global Gateway"`, `"kind": "INSTRUMENT"`} {
		if !strings.Contains(result, want) {
			t.Errorf("GraphiQL's result lacks %s:\n%s", want, result)
		}
	}
	b.screenshot("5-graphiql.png")

	// 9. Nothing left 127.0.0.1, and the pages reported no error.
	requests, problems := rec.results()
	fonts := 0
	for _, u := range requests {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "blob:"+srv.URL+"/") {
			t.Errorf("a request left the server: %s", u)
		}
		if strings.HasSuffix(u, ".woff2") {
			fonts++
		}
	}
	if len(requests) < 20 || fonts == 0 {
		t.Errorf("only %d requests recorded (%d fonts): the recorder missed the pages' loads", len(requests), fonts)
	}
	for _, p := range problems {
		t.Errorf("the page reported: %s", p)
	}
	t.Logf("%d requests recorded; screenshots in %s", len(requests), shots)
}

// startBrowser starts Debian's chromium for a test, or skips the test when
// DIGIDIP_TEST_BROWSER is not set. The network is cut for the browser: a
// proxy that does not exist for every host but loopback (which Chrome never
// proxies), no name resolution, and none of Chrome's own background traffic.
// Screenshots go to the test's artifact directory (kept with -artifacts).
func startBrowser(t *testing.T) (b *tester, tab context.Context, rec *recorder) {
	t.Helper()
	if os.Getenv("DIGIDIP_TEST_BROWSER") != "1" {
		t.Skip("DIGIDIP_TEST_BROWSER not set: the browser test needs chromium (apt-get install chromium)")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("DIGIDIP_TEST_BROWSER=1 but no chromium on PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 850),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)...)
	t.Cleanup(cancelAlloc)
	rec = &recorder{}
	tab, closeTab := chromedp.NewContext(allocCtx, chromedp.WithListener(rec.listen))
	t.Cleanup(closeTab)
	return &tester{t: t, ctx: tab, shots: t.ArtifactDir()}, tab, rec
}

// recorder keeps every request the tabs send and every error they report
// (a CSP violation is one), from the first event of each tab.
type recorder struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (r *recorder) listen(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.requests = append(r.requests, ev.Request.URL)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			r.problems = append(r.problems, fmt.Sprintf("%s %s: %s (%s)", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			r.problems = append(r.problems, fmt.Sprintf("console.%s: %s", ev.Type, remoteObjects(ev.Args)))
		}
	case *runtime.EventExceptionThrown:
		r.problems = append(r.problems, fmt.Sprintf("exception: %s %s", ev.ExceptionDetails.Text, remoteObjects([]*runtime.RemoteObject{ev.ExceptionDetails.Exception})))
	}
}

func remoteObjects(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if a == nil {
			continue
		}
		if a.Description != "" {
			parts = append(parts, a.Description)
		} else {
			parts = append(parts, string(a.Value))
		}
	}
	return strings.Join(parts, " ")
}

func (r *recorder) results() (requests, problems []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests), slices.Clone(r.problems)
}

// tester runs the steps of one tab and stops the test at the first failure.
type tester struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (b *tester) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.failShot(what, err)
	}
}

func (b *tester) failShot(what string, err error) {
	b.t.Helper()
	b.screenshot("failed.png")
	b.t.Fatalf("%s: %v (screenshot: %s)", what, err, filepath.Join(b.shots, "failed.png"))
}

func evaluate[T any](b *tester, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.failShot("evaluate "+expr, err)
	}
	return v
}

// waitRendered waits until the explorer has drawn the state in the URL (and
// the URL holds want), so that what follows reads a finished view.
func (b *tester) waitRendered(want string) {
	b.t.Helper()
	cond := fmt.Sprintf(`(() => { const v = document.getElementById('view');
		return v.getAttribute('aria-busy') === 'false' && v.dataset.rendered === location.search.slice(1) && location.search.includes(%q); })()`, want)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.failShot("wait for the view with "+want, fmt.Errorf("%w; at %s, status %q", err,
			evaluate[string](b, `location.href`), evaluate[string](b, `document.getElementById('status').textContent`)))
	}
}

// drawnIDs are the ids of the nodes and edges Cytoscape holds, sorted.
func (b *tester) drawnIDs() []string {
	b.t.Helper()
	return evaluate[[]string](b, `explorer.cy.elements().map(e => e.id()).sort()`)
}

// checkDrawn compares what the explorer drew with the subgraph the API
// gives for the same roots, and checks the root is painted in its kind's
// colour where Cytoscape placed it.
func (b *tester) checkDrawn(want graphResult) {
	b.t.Helper()
	if got := b.drawnIDs(); !slices.Equal(got, want.ids()) {
		b.t.Errorf("drawn: %d elements %v\nthe subgraph query: %d nodes and %d edges %v", len(got), got, len(want.Nodes), len(want.Edges), want.ids())
	}
	painted := evaluate[map[string]string](b, `(() => {
		const n = explorer.cy.nodes('.root')[0], p = n.renderedPosition(), dpr = devicePixelRatio;
		const pixel = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
		const colours = [...document.querySelectorAll('#graph canvas')].map(c => {
			pixel.clearRect(0, 0, 1, 1);
			pixel.drawImage(c, Math.round(p.x * dpr), Math.round(p.y * dpr), 1, 1, 0, 0, 1, 1);
			const d = pixel.getImageData(0, 0, 1, 1).data;
			return d[3] ? 'rgb(' + d[0] + ',' + d[1] + ',' + d[2] + ')' : '';
		}).filter(Boolean);
		return { want: n.style('background-color').replaceAll(' ', ''), got: colours.join(' ') };
	})()`)
	if !strings.Contains(painted["got"], painted["want"]) {
		b.t.Errorf("the root's centre is painted %q, want its kind's colour %s", painted["got"], painted["want"])
	}
}

// clickAt clicks with the mouse where a script says an element is drawn on
// the graph's canvas.
// clearPointOnEdge is a point of an edge (%q: its id) that no node covers:
// the midpoint where it is clear, else a point nearer one end, so that a
// click there selects the edge whatever the layout put over its middle.
const clearPointOnEdge = `(() => {
	const cy = explorer.cy, e = cy.getElementById(%q);
	const m = e.renderedMidpoint(), s = e.renderedSourceEndpoint(), t = e.renderedTargetEndpoint();
	const at = (a, b, f) => ({ x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f });
	const tries = [m, at(m, s, 0.3), at(m, t, 0.3), at(m, s, 0.55), at(m, t, 0.55), at(m, s, 0.75), at(m, t, 0.75)];
	const covered = (p) => cy.nodes().some((n) => { const b = n.renderedBoundingBox({ includeLabels: true }); return p.x >= b.x1 - 4 && p.x <= b.x2 + 4 && p.y >= b.y1 - 4 && p.y <= b.y2 + 4; });
	const p = tries.find((q) => !covered(q)) ?? m;
	return [p.x, p.y];
})()`

func (b *tester) clickAt(what, rendered string) {
	b.t.Helper()
	xy := evaluate[[2]float64](b, rendered)
	box := evaluate[[2]float64](b, `(() => { const r = document.getElementById('graph').getBoundingClientRect(); return [r.left, r.top]; })()`)
	b.do("click "+what, chromedp.MouseClickXY(box[0]+xy[0], box[1]+xy[1]))
}

// checkExport checks the link of one export format and that the server
// answers it with a file.
func (b *tester) checkExport(format, want string) {
	b.t.Helper()
	href := evaluate[string](b, fmt.Sprintf(`document.querySelector('#exports a[data-format=%s]').href`, format))
	if href != want {
		b.t.Errorf("the %s export link is %s, want %s", format, href, want)
		return
	}
	res, err := http.Get(href)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || len(body) == 0 {
		b.t.Errorf("GET %s: %d, %q, %d bytes: %.200s", href, res.StatusCode, res.Header.Get("Content-Disposition"), len(body), body)
	}
}

// pick types into a search box and picks the suggestion with this id.
func (b *tester) pick(input, text, id string) {
	b.t.Helper()
	option := chromedp.CSS(fmt.Sprintf(`#%s-list li[data-id=%q]`, strings.TrimPrefix(input, "#"), id))
	b.do("type "+text+" in "+input, chromedp.SendKeys(chromedp.CSS(input), text), chromedp.WaitVisible(option))
	b.do("pick "+id, chromedp.Click(option))
}

// screenshot saves the tab's viewport under the test's artifact dir.
func (b *tester) screenshot(name string) []byte {
	b.t.Helper()
	img, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(filepath.Join(b.shots, name), img, 0o644)
	}
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
	return img
}

// download clicks a download button and returns the file the browser saved.
func (b *tester) download(button string) []byte {
	b.t.Helper()
	dir := b.t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
	}); err != nil {
		b.failShot("allow downloads", err)
	}
	events := chromedp.BrowserEvents(b.ctx, browser.DownloadProgress)
	b.do("click "+button, chromedp.Click(chromedp.CSS(button)))
	for ev, err := range events {
		if err != nil {
			b.failShot("wait for the download", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				b.t.Fatalf("the downloaded file: %v", err)
			}
			return data
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			b.t.Fatalf("the download was cancelled")
		}
	}
	return nil
}

// graphResult is a subgraph as the API answers it.
type graphResult struct {
	Nodes []struct {
		ID     string `json:"id"`
		Degree int    `json:"degree"`
	} `json:"nodes"`
	Edges []struct {
		ID       string `json:"id"`
		Source   string `json:"source"`
		Target   string `json:"target"`
		Modality string `json:"modality"`
	} `json:"edges"`
}

// subgraph asks the API what the explorer should draw for these roots (at
// its default depth, 1, and its node limit).
func subgraph(t *testing.T, srv *httptest.Server, roots ...string) graphResult {
	t.Helper()
	r := post(t, srv, `query($roots: [ID!]) { subgraph(roots: $roots, depth: 1, maxNodes: 300) {
		nodes { id degree } edges { id source target modality } } }`, map[string]any{"roots": roots})
	var data struct{ Subgraph graphResult }
	if err := json.Unmarshal(r.resp.Data, &data); err != nil || len(r.resp.Errors) > 0 {
		t.Fatalf("subgraph %v: %v %s", roots, err, r.body)
	}
	return data.Subgraph
}

// ids are the node and edge ids, sorted, as drawnIDs gives them.
func (g graphResult) ids() []string {
	var ids []string
	for _, n := range g.Nodes {
		ids = append(ids, n.ID)
	}
	for _, e := range g.Edges {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

// bestNeighbour is the root's best-connected neighbour: expanding it adds
// the most.
func (g graphResult) bestNeighbour(root string) string {
	best, degree := "", -1
	for _, n := range g.Nodes {
		if n.ID != root && n.Degree > degree && g.edgeBetween(root, n.ID) != "" {
			best, degree = n.ID, n.Degree
		}
	}
	return best
}

func (g graphResult) edgeBetween(a, b string) string {
	for _, e := range g.Edges {
		if (e.Source == a && e.Target == b) || (e.Source == b && e.Target == a) {
			return e.ID
		}
	}
	return ""
}

func (g graphResult) otherEdge(not string) string {
	for _, e := range g.Edges {
		if e.ID != not {
			return e.ID
		}
	}
	return ""
}

// pathIDs are the entities and relations on the shortest paths between two
// entities, as the explorer asks for them, sorted.
func pathIDs(t *testing.T, srv *httptest.Server, from, to string) []string {
	t.Helper()
	r := post(t, srv, `query($from: ID!, $to: ID!) { path(from: $from, to: $to, maxHops: 6, first: 5) {
		nodes { id } steps { relation { id } } } }`, map[string]any{"from": from, "to": to})
	var data struct {
		Path []struct {
			Nodes []struct{ ID string }
			Steps []struct{ Relation struct{ ID string } }
		}
	}
	if err := json.Unmarshal(r.resp.Data, &data); err != nil || len(data.Path) == 0 {
		t.Fatalf("path %s → %s: %v %s", from, to, err, r.body)
	}
	seen := map[string]bool{}
	for _, p := range data.Path {
		for _, n := range p.Nodes {
			seen[n.ID] = true
		}
		for _, s := range p.Steps {
			seen[s.Relation.ID] = true
		}
	}
	ids := slices.Collect(maps.Keys(seen))
	slices.Sort(ids)
	return ids
}

// evidenceQuotes are a relation's quotes as the API gives them.
func evidenceQuotes(t *testing.T, srv *httptest.Server, id string) []string {
	t.Helper()
	r := post(t, srv, `query($id: ID!) { node(id: $id) { ... on Relation { evidence { quote } } } }`, map[string]any{"id": id})
	var data struct {
		Node struct{ Evidence []struct{ Quote string } }
	}
	if err := json.Unmarshal(r.resp.Data, &data); err != nil || len(data.Node.Evidence) == 0 {
		t.Fatalf("evidence of %s: %v %s", id, err, r.body)
	}
	var quotes []string
	for _, e := range data.Node.Evidence {
		quotes = append(quotes, e.Quote)
	}
	return quotes
}
