package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// record is one line of bench/run.sh's records: every field any record
// has; which are set depends on What.
type record struct {
	What   string  `json:"what"`
	Size   int     `json:"size"`
	Target string  `json:"target"`
	Run    int     `json:"run"`
	Result *Result `json:"result"`

	Quads int     `json:"quads"`
	Ms    float64 `json:"ms"`
	Plan  *Plan   `json:"plan"`

	DigidipBytes int64  `json:"digidip_bytes"`
	CayleyBytes  int64  `json:"cayley_bytes"`
	PGBytes      int64  `json:"pg_bytes"`
	RSSKB        int64  `json:"rss_kb"`
	HWMKB        int64  `json:"hwm_kb"`
	AnonKB       int64  `json:"anon_kb"`
	FileKB       int64  `json:"file_kb"`
	Skipped      string `json:"skipped"`

	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	MemGB      int    `json:"mem_gb"`
	Go         string `json:"go"`
	Kernel     string `json:"kernel"`
	Date       string `json:"date"`
	Cayley     string `json:"cayley"`
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
	LoadAvg    string `json:"load_avg"`
	Duration   string `json:"duration"`
	Warmup     string `json:"warmup"`
	Repeat     int    `json:"repeat"`
}

// results indexes the records.
type results struct {
	machine record
	total   record
	sizes   []int
	recs    []record
	profDir string
}

func (r *results) all(what string, size int, target string) []record {
	var out []record
	for _, x := range r.recs {
		if x.What == what && x.Size == size && (target == "" || x.Target == target) {
			out = append(out, x)
		}
	}
	return out
}

func (r *results) one(what string, size int, target string) (record, bool) {
	xs := r.all(what, size, target)
	if len(xs) == 0 {
		return record{}, false
	}
	return xs[len(xs)-1], true
}

// best is the run with the most requests per second (throughput) or the
// lowest p99 (latency): the machine is shared, so the better run is the
// one less disturbed.
func (r *results) best(what string, size int, target string) (*Result, []*Result) {
	var runs []*Result
	var b *Result
	for _, x := range r.all(what, size, target) {
		if x.Result == nil {
			continue
		}
		runs = append(runs, x.Result)
		switch {
		case b == nil:
			b = x.Result
		case what == "latency" && x.Result.P99ms < b.P99ms:
			b = x.Result
		case what != "latency" && x.Result.RPS > b.RPS:
			b = x.Result
		}
	}
	return b, runs
}

// fastest is the quickest run of a timed step (a load), in ms.
func (r *results) fastest(what string, size int, target string) (record, bool) {
	var b record
	ok := false
	for _, x := range r.all(what, size, target) {
		if !ok || x.Ms < b.Ms {
			b, ok = x, true
		}
	}
	return b, ok
}

func reportMain(args []string) error {
	fs := flag.NewFlagSet("loadgen report", flag.ContinueOnError)
	in := fs.String("records", "", "records written by bench/run.sh")
	prof := fs.String("prof", "", "directory of the CPU and heap profiles (pprof -top text)")
	out := fs.String("out", "", "the Markdown file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		fs.Usage()
		return errors.New("--records and --out are required")
	}
	r, err := readRecords(*in)
	if err != nil {
		return err
	}
	r.profDir = *prof
	var b bytes.Buffer
	r.write(&b)
	return os.WriteFile(*out, b.Bytes(), 0o644)
}

func readRecords(name string) (*results, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &results{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		var x record
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		switch x.What {
		case "machine":
			r.machine = x
		case "total":
			r.total = x
		case "plan":
			r.sizes = append(r.sizes, x.Size)
		}
		r.recs = append(r.recs, x)
	}
	return r, sc.Err()
}

func label(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmt.Sprintf("%dM", n/1000000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func mb(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)/1024) }

func (r *results) write(w *bytes.Buffer) {
	m := r.machine
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Benchmark results\n\n")
	p("Written by `bench/run.sh` (issue 7); do not edit by hand, run it again.\n\n")
	p("- **Date**: %s; whole run %.1f min\n", m.Date, r.total.Ms/60000)
	p("- **Machine**: %s, %d cores, %d GB RAM, Linux %s; %s; Cayley %s built from a scratch module\n", m.CPU, m.Cores, m.MemGB, m.Kernel, m.Go, m.Cayley)
	p("- **Noise**: the machine is shared; load average %s before the run, %s after. Every figure is the best of %d runs (rounds interleave the servers, so a disturbance hits all alike); each run measures %s after a %s warm-up.\n", m.LoadBefore, r.total.LoadAfter, m.Repeat, m.Duration, m.Warmup)
	p("- **Setup**: each server pinned to core 0 (`taskset -c 0`), the load generator (`bench/loadgen`, Go, raw HTTP/1.1 keep-alive) to core 1. Every answer is checked for its expected content; a wrong or failed answer counts as an error and not as a request. Cayley's `cayley http` serves a byte-for-byte copy of the bolt generation (`indexes.bolt`) that `digidip load` wrote and digidip serves (Cayley's bolt backend locks the file exclusively even with `--read_only`, so it cannot share the file with running digidip servers).\n")
	p("- **Ratios** are against anchors measured in the same run: Cayley's Gizmo endpoint for 1-hop throughput and latency, the bare gqlgen server for the GraphQL ceiling, `cayley load` for load speed.\n\n")

	r.writeTargets(w)
	for _, n := range r.sizes {
		r.writeSize(w, n)
	}
	r.writeProfiles(w)
	r.writeRuns(w)
}

// verdict is one target line.
type verdict struct {
	target, measured string
	met              *bool // nil: not measured
	by               string
}

func (r *results) writeTargets(w *bytes.Buffer) {
	var vs []verdict
	sizes := r.sizes
	yes, no := true, false
	mark := func(ok bool) *bool {
		if ok {
			return &yes
		}
		return &no
	}
	// perSize checks a ratio against a floor (or ceiling) at every size.
	perSize := func(target string, floor float64, atMost bool, get func(n int) (float64, bool)) {
		var parts []string
		ok, any := true, false
		worst := 0.0
		for _, n := range sizes {
			v, has := get(n)
			if !has {
				continue
			}
			any = true
			parts = append(parts, fmt.Sprintf("%s %.2f×", label(n), v))
			bad := v < floor
			if atMost {
				bad = v > floor
			}
			if bad {
				ok = false
			}
			if worst == 0 || (!atMost && v < worst) || (atMost && v > worst) {
				worst = v
			}
		}
		v := verdict{target: target, measured: strings.Join(parts, ", ")}
		if any {
			v.met = mark(ok)
			if ok {
				v.by = fmt.Sprintf("worst %.2f× against %.2f×", worst, floor)
			} else if atMost {
				v.by = fmt.Sprintf("worst %.2f×, %.0f%% over %.2f×", worst, (worst/floor-1)*100, floor)
			} else {
				v.by = fmt.Sprintf("worst %.2f×, %.0f%% short of %.2f×", worst, (1-worst/floor)*100, floor)
			}
		}
		vs = append(vs, v)
	}
	onehop := func(target string) func(int) *Result {
		return func(n int) *Result { b, _ := r.best("onehop", n, target); return b }
	}
	gizmo, cache, nocache, ceil := onehop("gizmo"), onehop("digidip-cache"), onehop("digidip-nocache"), onehop("ceiling")
	rps := func(a, b func(int) *Result) func(int) (float64, bool) {
		return func(n int) (float64, bool) {
			x, y := a(n), b(n)
			if x == nil || y == nil || y.RPS == 0 {
				return 0, false
			}
			return x.RPS / y.RPS, true
		}
	}
	p99 := func(a, b func(int) *Result) func(int) (float64, bool) {
		return func(n int) (float64, bool) {
			x, y := a(n), b(n)
			if x == nil || y == nil || y.P99ms == 0 {
				return 0, false
			}
			return x.P99ms / y.P99ms, true
		}
	}
	perSize("1-hop req/s with the response cache ≥ 3× Cayley Gizmo, every size", 3, false, rps(cache, gizmo))
	perSize("1-hop req/s without the cache ≥ 1.5× Cayley Gizmo, every size", 1.5, false, rps(nocache, gizmo))
	perSize("1-hop req/s without the cache ≥ 0.5× the bare gqlgen ceiling, every size", 0.5, false, rps(nocache, ceil))
	perSize("1-hop p99 with the cache below Cayley's (ratio < 1)", 1, true, p99(cache, gizmo))
	perSize("1-hop p99 without the cache below Cayley's (ratio < 1)", 1, true, p99(nocache, gizmo))
	perSize("1-hop p99 with the cache ≤ 2× the ceiling's p99", 2, true, p99(cache, ceil))
	perSize("1-hop p99 without the cache ≤ 2× the ceiling's p99", 2, true, p99(nocache, ceil))

	// p50 at the largest size against the smallest
	if len(sizes) >= 2 {
		lo, hi := sizes[0], sizes[len(sizes)-1]
		for _, t := range []string{"digidip-nocache", "digidip-cache"} {
			a, _ := r.best("onehop", hi, t)
			b, _ := r.best("onehop", lo, t)
			v := verdict{target: fmt.Sprintf("1-hop p50 at %s ≤ 1.5× p50 at %s (%s)", label(hi), label(lo), strings.TrimPrefix(t, "digidip-"))}
			if a != nil && b != nil && b.P50ms > 0 {
				x := a.P50ms / b.P50ms
				v.measured = fmt.Sprintf("%.3f ms / %.3f ms = %.2f×", a.P50ms, b.P50ms, x)
				v.met = mark(x <= 1.5)
				v.by = fmt.Sprintf("%.2f× against 1.5×", x)
			}
			vs = append(vs, v)
		}
	}
	// search p99 at the largest size
	if len(sizes) > 0 {
		hi := sizes[len(sizes)-1]
		v := verdict{target: fmt.Sprintf("search p99 < 20 ms at %s (1 connection)", label(hi))}
		if s, _ := r.best("latency", hi, "search"); s != nil {
			v.measured = fmt.Sprintf("%.2f ms", s.P99ms)
			v.met = mark(s.P99ms < 20)
			v.by = fmt.Sprintf("%.1f× under the limit", 20/s.P99ms)
			if s.P99ms >= 20 {
				v.by = fmt.Sprintf("%.0f%% over", (s.P99ms/20-1)*100)
			}
		}
		vs = append(vs, v)
	}
	// load speed
	{
		v := verdict{target: "`digidip load` ≥ 25k quads/s (every size, bolt)"}
		var parts []string
		worst := 0.0
		for _, n := range sizes {
			if x, ok := r.fastest("load", n, "digidip"); ok && x.Ms > 0 {
				q := float64(x.Quads) / (x.Ms / 1000)
				parts = append(parts, fmt.Sprintf("%s %.1fk/s", label(n), q/1000))
				if worst == 0 || q < worst {
					worst = q
				}
			}
		}
		if worst > 0 {
			v.measured = strings.Join(parts, ", ")
			v.met = mark(worst >= 25000)
			if worst >= 25000 {
				v.by = fmt.Sprintf("worst %.1fk/s", worst/1000)
			} else {
				v.by = fmt.Sprintf("worst %.1fk/s, %.0f%% short (needs %.1f× faster)", worst/1000, (1-worst/25000)*100, 25000/worst)
			}
		}
		vs = append(vs, v)
	}
	// ready time on the embedded data
	for _, t := range []string{"embedded-empty-store", "embedded-loaded-store"} {
		what := map[string]string{
			"embedded-empty-store":  "`serve` ready on the embedded data < 1 s (empty store: loads it first)",
			"embedded-loaded-store": "`serve` ready on the embedded data < 1 s (store already holds it)",
		}[t]
		v := verdict{target: what}
		var parts []string
		best := -1.0
		for _, n := range sizes {
			if x, ok := r.fastest("ready", n, t); ok {
				parts = append(parts, fmt.Sprintf("%.0f ms", x.Ms))
				if best < 0 || x.Ms < best {
					best = x.Ms
				}
			}
		}
		if best >= 0 {
			v.measured = strings.Join(parts, ", ") + " (one start before each size)"
			v.met = mark(best < 1000)
			v.by = fmt.Sprintf("best %.0f ms", best)
			if best >= 1000 {
				v.by = fmt.Sprintf("best %.0f ms, %.1f× the limit", best, best/1000)
			}
		}
		vs = append(vs, v)
	}
	// RSS at the largest size
	if len(sizes) > 0 {
		hi := sizes[len(sizes)-1]
		v := verdict{target: fmt.Sprintf("RSS < 300 MB serving %s quads from bolt", label(hi))}
		var parts []string
		worst := int64(0)
		for _, t := range []string{"nocache", "cache"} {
			if x, ok := r.one("rss", hi, t); ok {
				parts = append(parts, fmt.Sprintf("%s %s (heap/anon %s, bolt file pages %s; peak %s)", t, mb(x.RSSKB), mb(x.AnonKB), mb(x.FileKB), mb(x.HWMKB)))
				worst = max(worst, x.RSSKB)
			}
		}
		if worst > 0 {
			v.measured = strings.Join(parts, ", ")
			v.met = mark(worst < 300*1024)
			if worst < 300*1024 {
				v.by = fmt.Sprintf("%s of 300 MB", mb(worst))
			} else {
				v.by = fmt.Sprintf("%.0f%% over", (float64(worst)/(300*1024)-1)*100)
			}
		}
		vs = append(vs, v)
	}
	// PostgreSQL
	for _, n := range sizes {
		pg, _ := r.best("onehop-pg", n, "digidip-nocache-postgres")
		bolt, _ := r.best("onehop-pg", n, "digidip-nocache-bolt")
		if pg == nil || bolt == nil {
			continue
		}
		x := pg.RPS / bolt.RPS
		v := verdict{target: fmt.Sprintf("1-hop req/s on PostgreSQL ≥ 80%% of bolt's at %s (no response cache)", label(n)),
			measured: fmt.Sprintf("%.0f vs %.0f req/s = %.0f%%", pg.RPS, bolt.RPS, x*100), met: mark(x >= 0.8)}
		v.by = fmt.Sprintf("%.0f%% against 80%%", x*100)
		vs = append(vs, v)
	}

	fmt.Fprintf(w, "## Targets of issue 7 §3\n\n| target | measured | verdict |\n|---|---|---|\n")
	for _, v := range vs {
		verdict := "not measured"
		if v.met != nil {
			verdict = "**met**"
			if !*v.met {
				verdict = "**not met**"
			}
			verdict += " (" + v.by + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", v.target, v.measured, verdict)
	}
	fmt.Fprintln(w)
}

func (r *results) writeSize(w *bytes.Buffer, n int) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## %s quads\n\n", label(n))
	if pl, ok := r.one("plan", n, ""); ok && pl.Plan != nil {
		x := pl.Plan
		p("%d quads, %d entities, %d of which fund something. The 1-hop list asks about %d different entities: %d fund something, %d answer an empty list; an answer holds %.1f neighbours on average (the ceiling always answers 20)", pl.Quads, x.Entities, x.Funders, x.Spread, x.SpreadFunders, x.SpreadEmpty, x.MeanAnswer)
		if x.Spread < 1000 {
			p(" (the graph has fewer than 1000 entities that fund something, so the spread adds entities that fund nothing)")
		}
		p(". Latency lists: %d searches (exact names, acronym aliases, two-word prefixes), %d subgraph roots (depth 2), %d path pairs 2–4 relations apart.", x.SearchRequests, x.SubgraphRoots, x.PathPairs)
		if pl.LoadAvg != "" {
			p(" Load average when this size started: %s.", pl.LoadAvg)
		}
		p("\n\n")
	}

	// load
	cl, hasC := r.fastest("load", n, "cayley")
	p("### Load (best of the runs)\n\n| loader | time | quads/s | × `cayley load` |\n|---|---:|---:|---:|\n")
	for _, t := range []struct{ target, name string }{{"digidip", "`digidip load --nquads` (bolt)"}, {"cayley", "`cayley load` (bolt, anchor)"}, {"digidip-postgres", "`digidip load --nquads` (PostgreSQL)"}} {
		x, ok := r.fastest("load", n, t.target)
		if !ok {
			continue
		}
		q := float64(x.Quads) / (x.Ms / 1000)
		rel := "–"
		if hasC {
			rel = ratio(q, float64(cl.Quads)/(cl.Ms/1000))
		}
		p("| %s | %.1f s | %.0f | %s |\n", t.name, x.Ms/1000, q, rel)
	}
	p("\n")

	// 1-hop
	g, _ := r.best("onehop", n, "gizmo")
	c, _ := r.best("onehop", n, "ceiling")
	p("### 1-hop question, 16 connections (\"what does entity X fund\", 20 neighbours with names)\n\n")
	p("| server | req/s | × Gizmo | × ceiling | p50 ms | p90 ms | p99 ms | p99 × Gizmo | p99 × ceiling | errors | X-Cache |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, t := range []struct{ target, name string }{
		{"gizmo", "Cayley `cayley http`, Gizmo (anchor)"},
		{"digidip-cache", "digidip, response cache on"},
		{"digidip-nocache", "digidip, response cache off"},
		{"ceiling", "bare gqlgen, constant list (ceiling)"},
		{"plain", "plain net/http, the ceiling's answer as constant bytes"},
	} {
		x, _ := r.best("onehop", n, t.target)
		if x == nil {
			continue
		}
		rg, rc, pg, pc := "–", "–", "–", "–"
		if g != nil {
			rg, pg = ratio(x.RPS, g.RPS), ratio(x.P99ms, g.P99ms)
		}
		if c != nil {
			rc, pc = ratio(x.RPS, c.RPS), ratio(x.P99ms, c.P99ms)
		}
		p("| %s | %.0f | %s | %s | %.2f | %.2f | %.2f | %s | %s | %d | %s |\n", t.name, x.RPS, rg, rc, x.P50ms, x.P90ms, x.P99ms, pg, pc, x.Errors, cacheStates(x.Cache))
	}
	p("\n")

	// latencies
	p("### digidip: search, 2-hop subgraph, path (1 connection, response cache off)\n\n| query | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, q := range []string{"search", "subgraph", "path"} {
		x, _ := r.best("latency", n, q)
		if x == nil {
			continue
		}
		p("| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d |\n", q, x.RPS, x.P50ms, x.P90ms, x.P99ms, x.MaxMs, x.Errors)
	}
	p("\n")

	// PostgreSQL
	if pgr, _ := r.best("onehop-pg", n, "digidip-nocache-postgres"); pgr != nil {
		bolt, _ := r.best("onehop-pg", n, "digidip-nocache-bolt")
		p("### PostgreSQL (1-hop, 16 connections, response cache off; rounds interleaved with bolt)\n\n| backend | req/s | × bolt | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|---:|\n")
		for _, x := range []struct {
			name string
			res  *Result
		}{{"bolt", bolt}, {"PostgreSQL", pgr}} {
			if x.res == nil {
				continue
			}
			rb := "–"
			if bolt != nil {
				rb = ratio(x.res.RPS, bolt.RPS)
			}
			p("| %s | %.0f | %s | %.2f | %.2f | %d |\n", x.name, x.res.RPS, rb, x.res.P50ms, x.res.P99ms, x.res.Errors)
		}
		if s, ok := r.one("store", n, "postgres"); ok {
			p("\nPostgreSQL database size after the loads: %.0f MB.", float64(s.PGBytes)/1e6)
		}
		if x, ok := r.one("rss", n, "postgres"); ok {
			p(" digidip's RSS on PostgreSQL: %s (anon %s; peak %s).", mb(x.RSSKB), mb(x.AnonKB), mb(x.HWMKB))
		}
		p("\n\n")
	} else if s, ok := r.one("pg", n, ""); ok && s.Skipped != "" {
		p("PostgreSQL: skipped (%s).\n\n", s.Skipped)
	}

	// memory, disk, start
	p("### Memory, disk, start\n\n| | value |\n|---|---:|\n")
	for _, t := range []struct{ target, name string }{{"cache", "digidip RSS (cache on)"}, {"nocache", "digidip RSS (cache off)"}, {"cayley", "`cayley http` RSS"}} {
		if x, ok := r.one("rss", n, t.target); ok {
			p("| %s, after the runs: VmRSS = anon + file (peak VmHWM) | %s = %s + %s (%s) |\n", t.name, mb(x.RSSKB), mb(x.AnonKB), mb(x.FileKB), mb(x.HWMKB))
		}
	}
	if s, ok := r.one("store", n, ""); ok && s.DigidipBytes > 0 {
		p("| store on disk: digidip's generation (a Cayley bolt store) | %.1f MB |\n", float64(s.DigidipBytes)/1e6)
		p("| store on disk: `cayley load`'s own bolt store | %.1f MB |\n", float64(s.CayleyBytes)/1e6)
	}
	if x, ok := r.one("switch", n, ""); ok {
		p("| running servers switched to the loaded graph (read model built from the store, two servers on one core) | %.1f s |\n", x.Ms/1000)
	}
	for _, t := range []struct{ target, name string }{{"embedded-empty-store", "`serve` ready, empty store (loads the embedded data)"}, {"embedded-loaded-store", "`serve` ready, store holding the embedded data"}} {
		if x, ok := r.one("ready", n, t.target); ok {
			p("| %s | %.0f ms |\n", t.name, x.Ms)
		}
	}
	p("\n")
}

func cacheStates(c map[string]int) string {
	if len(c) == 0 {
		return ""
	}
	var ks []string
	for k := range c {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}

func (r *results) writeProfiles(w *bytes.Buffer) {
	if r.profDir == "" || len(r.sizes) == 0 {
		return
	}
	n := r.sizes[len(r.sizes)-1]
	files := []struct{ file, title string }{
		{fmt.Sprintf("cpu-nocache-%d.top", n), "CPU, 1-hop without the response cache, by function"},
		{fmt.Sprintf("cpu-cache-%d.top", n), "CPU, 1-hop with the response cache, by function"},
		{fmt.Sprintf("heap-nocache-%d.top", n), "heap in use after the runs (server without the cache)"},
	}
	wrote := false
	if t := r.profileShares(n); t != "" {
		fmt.Fprintf(w, "## Where digidip's time goes at %s quads (pprof, `serve --pprof`, a 6 s profile during an extra 1-hop run)\n\n%s\n", label(n), t)
		wrote = true
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(r.profDir, f.file))
		if err != nil || len(b) == 0 {
			continue
		}
		if !wrote {
			fmt.Fprintf(w, "## Where digidip's time goes at %s quads (pprof, `serve --pprof`, a 6 s profile during an extra 1-hop run)\n\n", label(n))
			wrote = true
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		var keep []string
		for _, l := range lines {
			if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Build ID:") || strings.HasPrefix(l, "Time:") {
				continue
			}
			keep = append(keep, l)
		}
		fmt.Fprintf(w, "%s:\n\n```\n%s\n```\n\n", f.title, strings.Join(keep, "\n"))
	}
}

func (r *results) writeRuns(w *bytes.Buffer) {
	fmt.Fprintf(w, "## Every run (req/s, p99 ms), for judging the noise\n\n| size | measure | server | runs |\n|---|---|---|---|\n")
	for _, n := range r.sizes {
		seen := map[string]bool{}
		for _, x := range r.recs {
			if x.Size != n || x.Result == nil || seen[x.What+x.Target] {
				continue
			}
			seen[x.What+x.Target] = true
			_, runs := r.best(x.What, n, x.Target)
			var parts []string
			for _, y := range runs {
				parts = append(parts, fmt.Sprintf("%.0f / %.2f", y.RPS, y.P99ms))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", label(n), x.What, x.Target, strings.Join(parts, "; "))
		}
		var loads []string
		for _, t := range []string{"digidip", "cayley", "digidip-postgres"} {
			var parts []string
			for _, x := range r.all("load", n, t) {
				parts = append(parts, fmt.Sprintf("%.1f s", x.Ms/1000))
			}
			if len(parts) > 0 {
				loads = append(loads, t+": "+strings.Join(parts, ", "))
			}
		}
		if len(loads) > 0 {
			fmt.Fprintf(w, "| %s | load | | %s |\n", label(n), strings.Join(loads, "; "))
		}
	}
	fmt.Fprintln(w)
}

// profileShares sums up the cumulative CPU profiles of the 1-hop runs: the
// share of the samples spent in (and under) each part of a request.
func (r *results) profileShares(n int) string {
	parts := []struct{ label, fn string }{
		{"whole request (net/http conn loop)", "net/http.(*conn).serve"},
		{"socket writes (response)", "net.(*conn).Write"},
		{"socket reads (request)", "net.(*conn).Read"},
		{"access log line (slog)", "log/slog.(*Logger).LogAttrs"},
		{"GraphQL transport: read, parse, validate, execute, encode", "github.com/digidip/digidip/server.transport.Do"},
		{"parse and validate (gqlgen, query cache)", "github.com/99designs/gqlgen/graphql/executor.(*Executor).CreateOperationContext"},
		{"cost, depth and alias limits", "github.com/digidip/digidip/graph.(*Limits).MutateOperationContext"},
		{"execution (resolvers and marshalling)", "github.com/digidip/digidip/graph.(*executableSchema).Exec.func2"},
		{"neighbours from the read model", "github.com/digidip/digidip/graph.neighbours"},
		{"response JSON encoding", "github.com/digidip/digidip/server.writeResponse"},
		{"response cache layer and what it calls (cache on: the hit path alone)", "github.com/digidip/digidip/server.New.(*responseCache).wrap.func4"},
		{"metrics of the operation", "github.com/digidip/digidip/server.(*metrics).observeOperation"},
		{"memory allocation", "runtime.mallocgc"},
		{"garbage collector (background marking)", "runtime.gcBgMarkWorker"},
	}
	read := func(srv string) (map[string]string, string) {
		b, err := os.ReadFile(filepath.Join(r.profDir, fmt.Sprintf("cpu-%s-%d.cum", srv, n)))
		if err != nil {
			return nil, ""
		}
		cum := map[string]string{}
		total := ""
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Duration:") {
				total = strings.TrimSpace(l)
			}
			f := strings.Fields(l)
			if len(f) >= 6 && strings.HasSuffix(f[4], "%") {
				name := strings.Join(f[5:], " ")
				if _, ok := cum[name]; !ok {
					cum[name] = f[4]
				}
			}
		}
		return cum, total
	}
	nc, ntotal := read("nocache")
	c, ctotal := read("cache")
	if nc == nil && c == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Share of CPU samples in each part and what it calls (cumulative; parts nest, so they do not add up). Cache off: %s. Cache on: %s.\n\n", ntotal, ctotal)
	b.WriteString("| part | cache off | cache on |\n|---|---:|---:|\n")
	for _, p := range parts {
		a, x := nc[p.fn], c[p.fn]
		if a == "" && x == "" {
			continue
		}
		if a == "" {
			a = "–"
		}
		if x == "" {
			x = "–"
		}
		fmt.Fprintf(&b, "| %s (`%s`) | %s | %s |\n", p.label, shortFn(p.fn), a, x)
	}
	return b.String()
}

func shortFn(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		return fn[i+1:]
	}
	return fn
}
