package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

// record is one line of bench/run.sh's records: every field any record
// has; which are set depends on Tool.
type record struct {
	RunID  string `json:"run_id"`
	Time   string `json:"time"`
	Commit string `json:"commit"`
	Tool   string `json:"tool"` // machine, plan, load, store, start, loadgen, pathapi, mem, switch, profile, postgres, soak, total
	Size   int    `json:"size"`

	// what was measured
	Server  string  `json:"server"`
	Role    string  `json:"role"` // engine, anchor, ceiling, headroom
	Engine  string  `json:"engine"`
	Cache   string  `json:"cache"` // on, off
	Backend string  `json:"backend"`
	Replica string  `json:"replica"`
	Query   string  `json:"query"`
	Mode    string  `json:"mode"`  // saturation, open
	Phase   string  `json:"phase"` // loadgen: switch; mem: steady, after-switch; load: alone
	RateOf  float64 `json:"rate_of"`
	Kind    string  `json:"kind"`

	// loadgen and pathapi results
	Rate        float64        `json:"rate"`
	Requests    int            `json:"requests"`
	Connections int            `json:"connections"`
	Seconds     float64        `json:"duration_s"`
	RPS         float64        `json:"rps"`
	P50ms       float64        `json:"p50_ms"`
	P90ms       float64        `json:"p90_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	SvcP50ms    float64        `json:"svc_p50_ms"`
	SvcP99ms    float64        `json:"svc_p99_ms"`
	Unsent      int            `json:"unsent"`
	Errors      int            `json:"errors"`
	FirstError  string         `json:"first_error"`
	NonFull     int            `json:"nonfull"`
	FirstShort  string         `json:"first_nonfull"`
	XCache      map[string]int `json:"x_cache"`
	ServerCPU   float64        `json:"server_cpu_s"`
	ServerShare float64        `json:"server_cpu_share"`

	// memory, kB
	RSSKB  int64 `json:"rss_kb"`
	HWMKB  int64 `json:"hwm_kb"`
	AnonKB int64 `json:"anon_kb"`
	FileKB int64 `json:"file_kb"`

	// start, load, switch, store
	Ms        float64 `json:"ms"`
	LoadMs    float64 `json:"load_ms"`
	Quads     int     `json:"quads"`
	Bytes     int64   `json:"bytes"`
	ForEngine string  `json:"for_engine"`
	Skipped   string  `json:"skipped"`

	Plan *Plan `json:"plan"`
	Profile

	// machine
	CPU          string    `json:"cpu"`
	Cores        int       `json:"cores"`
	MemGB        int       `json:"mem_gb"`
	Go           string    `json:"go"`
	Kernel       string    `json:"kernel"`
	Cayley       string    `json:"cayley"`
	LoadBefore   string    `json:"load_before"`
	LoadAfter    string    `json:"load_after"`
	LoadAvg      string    `json:"load_avg"`
	EngineFlag   bool      `json:"engine_flag"`
	Engines      []string  `json:"engines"`
	Sizes        []int     `json:"sizes"`
	Duration     string    `json:"duration"`
	Warmup       string    `json:"warmup"`
	OpenDuration string    `json:"open_duration"`
	Rates        []float64 `json:"rates"`
	Repeat       int       `json:"repeat"`
	Starts       int       `json:"starts"`
	First        int       `json:"first"`
	Want         int       `json:"want"`
	PinServer    int       `json:"server_cpu"`
	PinClient    int       `json:"client_cpu"`

	// soak
	Markdown string `json:"markdown"`
	Status   int    `json:"status"`
}

// results is one run's records.
type results struct {
	run     string
	machine record
	total   *record
	sizes   []int
	engines []string
	recs    []record
}

func reportMain(args []string) error {
	fs := flag.NewFlagSet("loadgen report", flag.ContinueOnError)
	in := fs.String("records", "", "the records (JSON lines) bench/run.sh appends")
	out := fs.String("out", "", "the Markdown file to write")
	run := fs.String("run", "", "the run to render (default: the last in the records)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		fs.Usage()
		return errors.New("--records and --out are required")
	}
	r, err := readRecords(*in, *run)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	r.write(&b)
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func readRecords(name, run string) (*results, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var all []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var x record
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		all = append(all, x)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if run == "" { // the last run is the last to have begun
		for _, x := range all {
			if x.Tool == "machine" {
				run = x.RunID
			}
		}
	}
	if run == "" {
		return nil, fmt.Errorf("%s: no run in the records", name)
	}
	r := &results{run: run}
	for _, x := range all {
		if x.RunID != run {
			continue
		}
		switch x.Tool {
		case "machine":
			r.machine = x
			r.engines = x.Engines
		case "total":
			t := x
			r.total = &t
		case "plan":
			r.sizes = append(r.sizes, x.Size)
		}
		r.recs = append(r.recs, x)
	}
	if r.machine.RunID == "" {
		return nil, fmt.Errorf("%s: no run %q", name, run)
	}
	return r, nil
}

// --- looking records up ---------------------------------------------------------

func (r *results) find(keep func(*record) bool) []*record {
	var out []*record
	for i := range r.recs {
		if keep(&r.recs[i]) {
			out = append(out, &r.recs[i])
		}
	}
	return out
}

func (r *results) first(keep func(*record) bool) *record {
	if xs := r.find(keep); len(xs) > 0 {
		return xs[len(xs)-1]
	}
	return nil
}

// sat is the best saturation run (most req/s) of a server at a size for a
// query, with every run of the series: the machine is shared, so the best
// run is the least disturbed, and every run is listed for judging the noise.
func (r *results) sat(size int, server, query string) (*record, []*record) {
	runs := r.find(func(x *record) bool {
		return (x.Tool == "loadgen" || x.Tool == "pathapi") && x.Size == size && x.Server == server &&
			x.Query == query && x.Mode == "saturation" && x.Phase == ""
	})
	var best *record
	for _, x := range runs {
		if best == nil || x.RPS > best.RPS {
			best = x
		}
	}
	return best, runs
}

// satAt is the best saturation run at a number of connections.
func (r *results) satAt(size int, server string, conns int) *record {
	var best *record
	for _, x := range r.find(func(x *record) bool {
		return x.Tool == "loadgen" && x.Size == size && x.Server == server && x.Query == "onehop" &&
			x.Mode == "saturation" && x.Connections == conns
	}) {
		if best == nil || x.RPS > best.RPS {
			best = x
		}
	}
	return best
}

func (r *results) open(size int, server string, rateOf float64) *record {
	return r.first(func(x *record) bool {
		return x.Tool == "loadgen" && x.Size == size && x.Server == server && x.Mode == "open" && x.Phase == "" && x.RateOf == rateOf
	})
}

func (r *results) rates(size int) []float64 {
	var out []float64
	for _, x := range r.find(func(x *record) bool { return x.Size == size && x.Mode == "open" && x.Phase == "" }) {
		if !slices.Contains(out, x.RateOf) {
			out = append(out, x.RateOf)
		}
	}
	slices.Sort(out)
	return out
}

func (r *results) starts(size int, server string) []*record {
	return r.find(func(x *record) bool { return x.Tool == "start" && x.Size == size && x.Server == server })
}

func slowest(xs []*record) *record {
	var s *record
	for _, x := range xs {
		if s == nil || x.Ms > s.Ms {
			s = x
		}
	}
	return s
}

func (r *results) mem(size int, server, phase string) *record {
	return r.first(func(x *record) bool {
		return x.Tool == "mem" && x.Size == size && x.Server == server && x.Phase == phase
	})
}

func (r *results) tool(size int, tool, server string) *record {
	return r.first(func(x *record) bool { return x.Tool == tool && x.Size == size && x.Server == server })
}

func (r *results) load(size int, engine, backend string) *record {
	return r.first(func(x *record) bool {
		return x.Tool == "load" && x.Size == size && x.Engine == engine && x.Backend == backend
	})
}

func (r *results) plan(size int) *record {
	return r.first(func(x *record) bool { return x.Tool == "plan" && x.Size == size })
}

// --- formatting -------------------------------------------------------------------

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
	if b == 0 || a == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func mb(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)/1024) }

func pctOf(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

func ms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// serverName is how a server is called in the tables.
func serverName(x *record) string {
	switch x.Role {
	case "anchor":
		if x.Engine == "gizmo" {
			return "Cayley `cayley http`, Gizmo (anchor)"
		}
		return "Cayley's Go path API in process, 1 goroutine (anchor; ops/s)"
	case "ceiling":
		return "bare gqlgen, 10 constant objects (ceiling)"
	case "headroom":
		return "plain net/http, the ceiling's bytes (headroom)"
	}
	name := "digidip `--engine " + x.Engine + "`"
	if x.Backend == "postgres" {
		name += " on PostgreSQL, replica " + x.Replica
	}
	if x.Cache == "on" {
		return name + ", response cache on"
	}
	return name + ", response cache off"
}

// --- targets --------------------------------------------------------------------

// verdict is one target line.
type verdict struct {
	target, measured string
	met              *bool // nil: not measured
	by               string
}

// bound is a limit a measure must keep: at least (floor) or at most.
type bound struct {
	limit   float64
	atMost  bool
	unit    string // "×", " ms", " MB", "k quads/s", "", …
	decimal int
}

func (b bound) fmt(v float64) string {
	return fmt.Sprintf("%.*f%s", b.decimal, v, b.unit)
}

// judge turns the measures of one target into its verdict: the worst one
// decides, and the verdict says by how much it is met or missed.
func judge(target string, b bound, labels []string, values []float64, note string) verdict {
	v := verdict{target: target}
	if len(values) == 0 {
		v.measured = note
		return v
	}
	var parts []string
	worst := values[0]
	for i, x := range values {
		parts = append(parts, strings.TrimSpace(labels[i]+" "+b.fmt(x)))
		if (b.atMost && x > worst) || (!b.atMost && x < worst) {
			worst = x
		}
	}
	v.measured = strings.Join(parts, ", ")
	if note != "" {
		v.measured += " (" + note + ")"
	}
	ok := worst >= b.limit
	if b.atMost {
		ok = worst <= b.limit
	}
	v.met = &ok
	switch {
	case ok && len(values) > 1:
		v.by = fmt.Sprintf("worst %s against %s", b.fmt(worst), b.fmt(b.limit))
	case ok:
		v.by = fmt.Sprintf("%s against %s", b.fmt(worst), b.fmt(b.limit))
	case b.atMost:
		v.by = fmt.Sprintf("worst %s, %.0f%% over %s", b.fmt(worst), (worst/b.limit-1)*100, b.fmt(b.limit))
	default:
		v.by = fmt.Sprintf("worst %s, %.0f%% short of %s", b.fmt(worst), (1-worst/b.limit)*100, b.fmt(b.limit))
	}
	return v
}

func (r *results) largest() int {
	if len(r.sizes) == 0 {
		return 0
	}
	return slices.Max(r.sizes)
}

func (r *results) smallest() int {
	if len(r.sizes) == 0 {
		return 0
	}
	return slices.Min(r.sizes)
}

// at1M names the size a "at 1M" target is judged at in this run.
func (r *results) at1M() (int, string) {
	n := r.largest()
	if n == 1000000 {
		return n, "at 1M"
	}
	return n, fmt.Sprintf("at %s (this run's largest size; the target is at 1M)", label(n))
}

func (r *results) targets() []verdict {
	var vs []verdict
	sizes := r.sizes
	slices.Sort(sizes)
	const proj = "projection"
	hasEngine := func(e string) bool { return slices.Contains(r.engines, e) }
	notRun := func(e string) string {
		if r.machine.EngineFlag {
			return fmt.Sprintf("not measured: engine %s not in this run (BENCH_ENGINES)", e)
		}
		return fmt.Sprintf("not measured: this digidip has no `serve --engine`, so no %s engine", e)
	}

	// every answer full, and enough entities to ask about
	{
		total, short := 0, 0
		var first string
		for _, x := range r.find(func(x *record) bool { return x.Tool == "loadgen" || x.Tool == "pathapi" }) {
			if x.Query != "onehop" {
				continue
			}
			total += x.Requests
			short += x.NonFull
			if first == "" && x.FirstShort != "" {
				first = x.Server + ": " + x.FirstShort
			}
		}
		ok := short == 0
		v := verdict{target: "every 1-hop answer full (non-full answers, every server and run)",
			measured: fmt.Sprintf("%d non-full of %d answers", short, total), met: &ok, by: fmt.Sprintf("%d non-full", short)}
		if first != "" {
			v.measured += "; first: " + first
		}
		vs = append(vs, v)
	}
	{
		var labels []string
		var values []float64
		for _, n := range sizes {
			if p := r.plan(n); p != nil && p.Plan != nil {
				labels = append(labels, label(n))
				values = append(values, float64(p.Plan.Chosen))
			}
		}
		want := float64(max(r.machine.Want, 1))
		n, at := r.at1M()
		var lv []float64
		var ll []string
		if p := r.plan(n); p != nil && p.Plan != nil {
			ll, lv = []string{""}, []float64{float64(p.Plan.Chosen)}
		}
		var all []string
		for i := range labels {
			all = append(all, fmt.Sprintf("%s %.0f", labels[i], values[i]))
		}
		v := judge(fmt.Sprintf("≥ %.0f entities with ≥ %d outgoing relations asked about, %s", want, r.machine.First, at),
			bound{limit: want}, ll, lv, "")
		if len(all) > 0 {
			v.measured = strings.Join(all, ", ") + " (every entity of the graph with that many; the list cycles through them)"
		}
		vs = append(vs, v)
	}

	perSize := func(target string, b bound, get func(n int) (float64, bool), missing string) {
		var labels []string
		var values []float64
		for _, n := range sizes {
			if x, ok := get(n); ok {
				labels = append(labels, label(n))
				values = append(values, x)
			}
		}
		vs = append(vs, judge(target, b, labels, values, missing))
	}
	// perCPUNote adds, to a req/s ratio, the same ratio per second of the
	// servers' CPU: what a busy shared machine does not move.
	perCPUNote := func(a, b string) {
		var parts []string
		for _, n := range sizes {
			x, _ := r.sat(n, a, "onehop")
			y, _ := r.sat(n, b, "onehop")
			if x != nil && y != nil && x.ServerCPU > 0 && y.ServerCPU > 0 {
				parts = append(parts, fmt.Sprintf("%s %.2f×", label(n), (x.RPS*x.Seconds/x.ServerCPU)/(y.RPS*y.Seconds/y.ServerCPU)))
			}
		}
		if len(parts) > 0 {
			vs[len(vs)-1].measured += "; per CPU-second of each server: " + strings.Join(parts, ", ")
		}
	}
	satRatio := func(a, b string, f func(x, y *record) float64) func(int) (float64, bool) {
		return func(n int) (float64, bool) {
			x, _ := r.sat(n, a, "onehop")
			y, _ := r.sat(n, b, "onehop")
			if x == nil || y == nil {
				return 0, false
			}
			v := f(x, y)
			return v, v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v)
		}
	}
	rps := func(x, y *record) float64 { return x.RPS / y.RPS }
	p99 := func(x, y *record) float64 { return x.P99ms / y.P99ms }
	x2 := bound{limit: 0.9, unit: "×", decimal: 2}

	if hasEngine(proj) {
		perSize("projection, cache off: 1-hop req/s ≥ 0.9× the bare gqlgen ceiling (saturation)", x2, satRatio(proj, "ceiling", rps), "")
		perCPUNote(proj, "ceiling")
		perSize("projection, cache off: 1-hop p99 ≤ 0.5× Gizmo's (saturation)", bound{limit: 0.5, atMost: true, unit: "×", decimal: 2}, satRatio(proj, "gizmo", p99), "")
		// the same at fixed rates
		var labels []string
		var values []float64
		for _, n := range sizes {
			for _, f := range r.rates(n) {
				x, g := r.open(n, proj, f), r.open(n, "gizmo", f)
				if x != nil && g != nil && g.P99ms > 0 {
					labels = append(labels, fmt.Sprintf("%s@%s", label(n), pctOf(f)))
					values = append(values, x.P99ms/g.P99ms)
				}
			}
		}
		vs = append(vs, judge("projection, cache off: 1-hop p99 ≤ 0.5× Gizmo's at the same fixed rates (open loop; size@rate as a share of the ceiling's req/s)",
			bound{limit: 0.5, atMost: true, unit: "×", decimal: 2}, labels, values, ""))
		// p50 growth
		lo, hi := r.smallest(), r.largest()
		v := verdict{target: fmt.Sprintf("projection, cache off: 1-hop p50 at 1M ≤ 1.3× p50 at 10k (saturation; this run: %s against %s)", label(hi), label(lo))}
		a, _ := r.sat(hi, proj, "onehop")
		b, _ := r.sat(lo, proj, "onehop")
		if lo != hi && a != nil && b != nil && b.P50ms > 0 {
			v = judge(v.target, bound{limit: 1.3, atMost: true, unit: "×", decimal: 2}, []string{fmt.Sprintf("%s ms / %s ms =", ms(a.P50ms), ms(b.P50ms))}, []float64{a.P50ms / b.P50ms}, "")
		} else {
			v.measured = "not measured: needs two sizes"
		}
		vs = append(vs, v)
	} else {
		vs = append(vs, verdict{target: "projection engine targets", measured: notRun(proj)})
	}

	if hasEngine("cayley") {
		perSize("cayley engine on bolt, cache off: 1-hop req/s ≥ 1.5× Gizmo's (saturation)", bound{limit: 1.5, unit: "×", decimal: 2}, satRatio("cayley", "gizmo", rps), "")
		perCPUNote("cayley", "gizmo")
		perSize("cayley engine on bolt, cache off: 1-hop p99 below Gizmo's (saturation)", bound{limit: 1, atMost: true, unit: "×", decimal: 2}, satRatio("cayley", "gizmo", p99), "")
		var labels []string
		var values []float64
		for _, n := range sizes {
			for _, rep := range []string{"a", "b"} {
				if x := r.satAt(n, "cayley@postgres-"+rep, 1); x != nil {
					labels = append(labels, fmt.Sprintf("%s replica %s", label(n), rep))
					values = append(values, x.P50ms)
				}
			}
		}
		note := ""
		if len(values) == 0 {
			note = "not measured: no PostgreSQL run (BENCH_PG_SIZE, or PostgreSQL absent)"
		}
		vs = append(vs, judge("cayley engine on PostgreSQL at 100k, two replicas holding no graph: 1-hop p50 < 20 ms at one connection",
			bound{limit: 20, atMost: true, unit: " ms", decimal: 2}, labels, values, note))
	} else {
		vs = append(vs, verdict{target: "cayley engine on bolt: 1-hop req/s ≥ 1.5× Gizmo's, p99 below Gizmo's", measured: notRun("cayley")})
		vs = append(vs, verdict{target: "cayley engine on PostgreSQL at 100k, two replicas holding no graph: 1-hop p50 < 20 ms at one connection", measured: notRun("cayley")})
	}

	n, at := r.at1M()
	if hasEngine(proj) {
		one := func(target string, b bound, get func() (string, float64, bool)) {
			if l, x, ok := get(); ok {
				vs = append(vs, judge(target, b, []string{l}, []float64{x}, ""))
			} else {
				vs = append(vs, verdict{target: target, measured: "not measured"})
			}
		}
		one("projection: steady RSS ≤ 150 MB "+at, bound{limit: 150, atMost: true, unit: " MB"}, func() (string, float64, bool) {
			m := r.mem(n, proj, "steady")
			return "", float64(m.kb(func(m *record) int64 { return m.RSSKB })) / 1024, m != nil
		})
		one("projection: peak RSS (VmHWM over the server's life: starts, load, a generation switch while serving) ≤ 200 MB "+at, bound{limit: 200, atMost: true, unit: " MB"}, func() (string, float64, bool) {
			m := r.mem(n, proj, "after-switch")
			return "", float64(m.kb(func(m *record) int64 { return m.HWMKB })) / 1024, m != nil
		})
		one(fmt.Sprintf("projection: ready < 2 s, the slowest of %d starts, %s", r.machine.Starts, at), bound{limit: 2, atMost: true, unit: " s", decimal: 2}, func() (string, float64, bool) {
			s := slowest(r.starts(n, proj))
			if s == nil {
				return "", 0, false
			}
			return "", s.Ms / 1000, true
		})
		one("projection: switched to a new generation < 2 s, while serving, "+at, bound{limit: 2, atMost: true, unit: " s", decimal: 2}, func() (string, float64, bool) {
			s := r.tool(n, "switch", proj)
			if s == nil {
				return "", 0, false
			}
			return "", s.Ms / 1000, true
		})
	}
	{
		target := "`digidip load --nquads` on bolt ≥ 40k quads/s (snapshot included) " + at
		if l := r.load(n, "digidip", "bolt"); l != nil && l.Ms > 0 {
			vs = append(vs, judge(target, bound{limit: 40, unit: "k quads/s", decimal: 1}, []string{""}, []float64{float64(l.Quads) / l.Ms}, ""))
		} else {
			vs = append(vs, verdict{target: target, measured: "not measured"})
		}
	}
	{
		// issue 14: full-text search, each engine, one connection
		n, at := r.at1M()
		target := "searchText p99 < 20 ms at one connection (issue 14) " + at
		var labels []string
		var values []float64
		for _, e := range r.engines {
			if x, _ := r.sat(n, e, "searchtext"); x != nil {
				labels, values = append(labels, e), append(values, x.P99ms)
			}
		}
		if len(values) == 0 {
			vs = append(vs, verdict{target: target, measured: "not measured"})
		} else {
			vs = append(vs, judge(target, bound{limit: 20, atMost: true, unit: " ms", decimal: 1}, labels, values, ""))
		}
	}
	return vs
}

func (m *record) kb(f func(*record) int64) int64 {
	if m == nil {
		return 0
	}
	return f(m)
}

// --- the document -------------------------------------------------------------------

func (r *results) write(w *bytes.Buffer) {
	m := r.machine
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Benchmark results\n\n")
	p("Rendered by `bench/run.sh` from its records, `bench/results.jsonl` (run `%s`); do not edit by hand. `bench/run.sh --render [RUN]` renders it again from the records.\n\n", r.run)
	dur := "incomplete: the run did not finish"
	if r.total != nil {
		dur = fmt.Sprintf("%.1f min", r.total.Ms/60000)
	}
	var sizes []string
	for _, n := range m.Sizes {
		sizes = append(sizes, label(n))
	}
	p("- **Run**: %s, commit `%s`; whole run %s; sizes %s; engines %s", m.Time, m.Commit, dur, strings.Join(sizes, ", "), strings.Join(r.engines, ", "))
	if !m.EngineFlag {
		p(" (this digidip has no `serve --engine`: its one read model is measured as the projection engine)")
	}
	p(".\n")
	p("- **Machine**: %s, %d cores, %d GB RAM, Linux %s; %s; Cayley %s built from a scratch module.\n", m.CPU, m.Cores, m.MemGB, m.Kernel, m.Go, m.Cayley)
	after := "–"
	if r.total != nil {
		after = r.total.LoadAfter
	}
	p("- **Noise**: the machine is shared; load average %s before the run, %s after. \"Core share\" is the CPU time the server got over a run as a share of its one core (from /proc): under 100%%, other processes took the rest; \"req per CPU-s\" divides that out. Saturation figures are the best of %d rounds (rounds interleave the servers; every run is listed at the end); each run measures %s after a %s warm-up; open-loop runs %s.\n", m.LoadBefore, after, m.Repeat, m.Duration, m.Warmup, m.OpenDuration)
	p("- **Setup**: every server pinned to core %d (`taskset`), the load generator (`bench/loadgen`, raw HTTP/1.1 keep-alive) to core %d. The 1-hop question is `entity(id){ relations(direction:OUT, first:%d){ nodes{ object{ id name kind } } } }`, asked only about entities with at least %d outgoing relations, so every answer is full: each answer's objects are counted, and one with fewer is recorded as non-full. The ceiling (`bench/ceiling`) answers the very same request bodies with %d constant objects with the same fields. Gizmo gets `g.V(e).Out([the 10 relation predicates]).Save(label, \"name\").Save(type, \"kind\").Limit(%d).All()` and the in-process anchor (`bench/pathapi`) the same path through Cayley's Go API, both on a byte copy of the bolt generation digidip serves. Engines with the response cache on are held only against each other.\n", m.PinServer, m.PinClient, m.First, m.First, m.First, m.First)
	var rates []string
	for _, f := range m.Rates {
		rates = append(rates, pctOf(f))
	}
	p("- **Open loop**: requests are due at fixed rates (%s of the ceiling's saturation req/s at that size) whatever the answers do, sent over %d connections; latency runs from each request's due time, so time queued behind a slow answer counts (no coordinated omission); a request the server fell too far behind to be sent counts as \"unsent\", with the time it had waited.\n\n", strings.Join(rates, ", "), m.Connections)

	vs := r.targets()
	p("## Targets of issue 13\n\n| target | measured | verdict |\n|---|---|---|\n")
	for _, v := range vs {
		verdict := "not measured"
		if v.met != nil {
			verdict = "**met**"
			if !*v.met {
				verdict = "**missed**"
			}
			verdict += " (" + v.by + ")"
		}
		p("| %s | %s | %s |\n", v.target, v.measured, verdict)
	}
	p("\nWhere the time goes for the misses: the profiles at %s quads, below.\n\n", label(r.largest()))

	for _, n := range r.sizes {
		r.writeSize(w, n)
	}
	r.writeProfiles(w, r.largest())
	r.writeRuns(w)
	if s := r.first(func(x *record) bool { return x.Tool == "soak" }); s != nil {
		p("## Soak (issue 8)\n\n`bench/soak.sh` for %s: the analyst queries, a query of each entity and exports at saturation with clients reading slowly, every answer compared with a reference the load generator computes itself.\n\n%s\n", s.Duration, s.Markdown)
		if s.Status == 0 {
			p("\n**passed**\n")
		} else {
			p("\n**FAILED** (exit %d)\n", s.Status)
		}
	}
}

func (r *results) writeSize(w *bytes.Buffer, n int) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## %s quads\n\n", label(n))
	if pl := r.plan(n); pl != nil && pl.Plan != nil {
		x := pl.Plan
		p("%d quads, %d entities, %d relations. The 1-hop list asks about %d different entities, every one with at least %d outgoing relations (%d to %d, median %d)", pl.Quads, x.Entities, x.Relations, x.Chosen, x.First, x.MinOut, x.MaxOut, x.MedianOut)
		if x.Candidates < x.Wanted {
			p("; the graph has no more than these %d, %d fewer than the %d wanted", x.Candidates, x.Wanted-x.Candidates, x.Wanted)
		}
		p(". Latency lists: %d searches, %d full-text searches (quoted names, a name's words reversed, prefixes, the commonest phrases within one document), %d subgraph roots (depth 2), %d path pairs 2–4 relations apart.", x.Search, x.SearchText, x.Subgraph, x.PathPairs)
		if pl.LoadAvg != "" {
			p(" Load average when this size started: %s.", pl.LoadAvg)
		}
		p("\n\n")
	}

	g, _ := r.sat(n, "gizmo", "onehop")
	pa, _ := r.sat(n, "path-api", "onehop")
	c, _ := r.sat(n, "ceiling", "onehop")
	p("### 1-hop, response cache off, saturation (closed loop, %d connections; best of the rounds)\n\n", r.machine.Connections)
	p("| server | req/s | × Gizmo | × path API | × ceiling | p50 ms | p90 ms | p99 ms | max ms | p99 × Gizmo | p99 × ceiling | errors | non-full | core share | req per CPU-s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var rows []string
	rows = append(rows, r.engines...)
	rows = append(rows, "gizmo", "path-api", "ceiling", "plain")
	for _, s := range rows {
		x, _ := r.sat(n, s, "onehop")
		if x == nil {
			continue
		}
		rg, rp, rc, pg, pc := "–", "–", "–", "–", "–"
		if g != nil {
			rg, pg = ratio(x.RPS, g.RPS), ratio(x.P99ms, g.P99ms)
		}
		if pa != nil {
			rp = ratio(x.RPS, pa.RPS)
		}
		if c != nil {
			rc, pc = ratio(x.RPS, c.RPS), ratio(x.P99ms, c.P99ms)
		}
		p("| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d | %s | %s |\n", serverName(x), x.RPS, rg, rp, rc, ms(x.P50ms), ms(x.P90ms), ms(x.P99ms), ms(x.MaxMs), pg, pc, x.Errors, x.NonFull, share(x), perCPU(x))
	}
	p("\n")
	// the first failure of any run at this size, so an error count is never a mystery
	for _, x := range r.find(func(x *record) bool { return x.Size == n && (x.FirstError != "" || x.FirstShort != "") }) {
		if x.FirstError != "" {
			p("- %s, %s %s: %d errors; the first: `%.300s`\n", x.Server, x.Query, x.Mode, x.Errors, x.FirstError)
		}
		if x.FirstShort != "" {
			p("- %s, %s %s: %d non-full answers; the first: `%.300s`\n", x.Server, x.Query, x.Mode, x.NonFull, x.FirstShort)
		}
	}

	if rates := r.rates(n); len(rates) > 0 {
		p("### 1-hop, response cache off, fixed rates (open loop; latency from each request's due time)\n\n")
		p("| rate | server | answered req/s | p50 ms | p90 ms | p99 ms | max ms | p99 × Gizmo | p99 × ceiling | service p50 / p99 ms | unsent | errors | non-full | core share |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, f := range rates {
			og, oc := r.open(n, "gizmo", f), r.open(n, "ceiling", f)
			for _, s := range append(slices.Clone(r.engines), "gizmo", "ceiling") {
				x := r.open(n, s, f)
				if x == nil {
					continue
				}
				pg, pc := "–", "–"
				if og != nil {
					pg = ratio(x.P99ms, og.P99ms)
				}
				if oc != nil {
					pc = ratio(x.P99ms, oc.P99ms)
				}
				p("| %s = %.0f/s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s / %s | %d | %d | %d | %s |\n", pctOf(f), x.Rate, serverName(x), x.RPS, ms(x.P50ms), ms(x.P90ms), ms(x.P99ms), ms(x.MaxMs), pg, pc, ms(x.SvcP50ms), ms(x.SvcP99ms), x.Unsent, x.Errors, x.NonFull, share(x))
			}
		}
		p("\n")
	}

	var hot []*record
	for _, e := range r.engines {
		if x, _ := r.sat(n, e+"+cache", "onehop"); x != nil {
			hot = append(hot, x)
		}
	}
	if len(hot) > 0 {
		p("### 1-hop, response cache on (saturation; held only against cache-on rows)\n\n")
		p("| server | req/s | × %s | p50 ms | p90 ms | p99 ms | max ms | X-Cache | errors | non-full |\n|---|---:|---:|---:|---:|---:|---:|---|---:|---:|\n", hot[0].Engine)
		for _, x := range hot {
			p("| %s | %.0f | %s | %s | %s | %s | %s | %s | %d | %d |\n", serverName(x), x.RPS, ratio(x.RPS, hot[0].RPS), ms(x.P50ms), ms(x.P90ms), ms(x.P99ms), ms(x.MaxMs), cacheStates(x.XCache), x.Errors, x.NonFull)
		}
		p("\n")
	}

	p("### Search, full-text search, 2-hop subgraph, path (1 connection, response cache off)\n\n| engine | query | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, e := range r.engines {
		for _, q := range []string{"search", "searchtext", "subgraph", "path"} {
			if x, _ := r.sat(n, e, q); x != nil {
				p("| %s | %s | %.0f | %s | %s | %s | %s | %d |\n", e, q, x.RPS, ms(x.P50ms), ms(x.P90ms), ms(x.P99ms), ms(x.MaxMs), x.Errors)
			}
		}
	}
	p("\n")

	p("### Starts, memory, generation switch\n\n")
	p("| server | starts, ms | slowest start | peak at ready (VmHWM, largest) | steady RSS = anon + file | switch while serving (load) | latency during the switch | peak over its life (VmHWM) | RSS after the switch |\n|---|---|---:|---:|---:|---:|---|---:|---:|\n")
	var servers []string
	for _, e := range r.engines {
		servers = append(servers, e, e+"+cache")
	}
	servers = append(servers, "gizmo")
	for _, s := range servers {
		st := r.starts(n, s)
		steady := r.mem(n, s, "steady")
		if len(st) == 0 && steady == nil {
			continue
		}
		var each []string
		var hwm int64
		for _, x := range st {
			each = append(each, fmt.Sprintf("%.0f", x.Ms))
			hwm = max(hwm, x.HWMKB)
		}
		slow, sw, during, peak, afterRSS := "–", "–", "–", "–", "–"
		if x := slowest(st); x != nil {
			slow = fmt.Sprintf("%.0f ms", x.Ms)
		}
		name := s
		if x := r.first(func(x *record) bool { return x.Server == s && x.Role != "" }); x != nil {
			name = serverName(x)
		}
		if x := r.tool(n, "switch", s); x != nil {
			sw = fmt.Sprintf("%.0f ms (%.1f s)", x.Ms, x.LoadMs/1000)
		}
		if x := r.first(func(x *record) bool {
			return x.Tool == "loadgen" && x.Size == n && x.Server == s && x.Phase == "switch"
		}); x != nil {
			during = fmt.Sprintf("%.0f/s due: p50 %s, p99 %s, max %s ms; %d errors, %d non-full, %d unsent", x.Rate, ms(x.P50ms), ms(x.P99ms), ms(x.MaxMs), x.Errors, x.NonFull, x.Unsent)
		}
		if x := r.mem(n, s, "after-switch"); x != nil {
			peak, afterRSS = mb(x.HWMKB), mb(x.RSSKB)
		} else if steady != nil {
			peak = mb(steady.HWMKB)
		}
		stead := "–"
		if steady != nil {
			stead = fmt.Sprintf("%s = %s + %s", mb(steady.RSSKB), mb(steady.AnonKB), mb(steady.FileKB))
		}
		hw := "–"
		if hwm > 0 {
			hw = mb(hwm)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, strings.Join(each, ", "), slow, hw, stead, sw, during, peak, afterRSS)
	}
	p("\n")

	p("### Load\n\n| loader | time | quads/s | × `cayley load` | on disk |\n|---|---:|---:|---:|---:|\n")
	cl := r.load(n, "cayley", "bolt")
	for _, x := range r.find(func(x *record) bool { return x.Tool == "load" && x.Size == n }) {
		q := float64(x.Quads) / (x.Ms / 1000)
		rel := "–"
		if cl != nil {
			rel = ratio(q, float64(cl.Quads)/(cl.Ms/1000))
		}
		name := "`digidip load --nquads` (" + x.Backend + ")"
		disk := "–"
		if x.Engine == "cayley" {
			name = "`cayley load` (bolt, anchor)"
			disk = fmt.Sprintf("%.1f MB", float64(x.Bytes)/1e6)
		} else if s := r.first(func(y *record) bool {
			return y.Tool == "store" && y.Size == n && y.Backend == x.Backend && y.ForEngine == x.ForEngine
		}); s != nil {
			disk = fmt.Sprintf("%.1f MB", float64(s.Bytes)/1e6)
		}
		p("| %s | %.1f s | %.0f | %s | %s |\n", name, x.Ms/1000, q, rel, disk)
	}
	p("\n")

	pg := r.find(func(x *record) bool { return x.Size == n && x.Backend == "postgres" && x.Tool == "loadgen" })
	if len(pg) > 0 {
		p("### PostgreSQL (two replicas on one database, response cache off)\n\n| server | connections | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | non-full | start | RSS (peak) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range pg {
			start, rss := "–", "–"
			if s := slowest(r.starts(n, x.Server)); s != nil {
				start = fmt.Sprintf("%.0f ms", s.Ms)
			}
			if m := r.mem(n, x.Server, "steady"); m != nil {
				rss = fmt.Sprintf("%s (%s)", mb(m.RSSKB), mb(m.HWMKB))
			}
			p("| %s | %d | %.0f | %s | %s | %s | %s | %d | %d | %s | %s |\n", serverName(x), x.Connections, x.RPS, ms(x.P50ms), ms(x.P90ms), ms(x.P99ms), ms(x.MaxMs), x.Errors, x.NonFull, start, rss)
		}
		p("\n")
	} else if s := r.tool(n, "postgres", ""); s != nil && s.Skipped != "" {
		p("PostgreSQL: skipped (%s).\n\n", s.Skipped)
	}
}

// share is the share of its core the server had over the window.
func share(x *record) string {
	if x.ServerShare == 0 {
		return "–"
	}
	return pctOf(x.ServerShare)
}

// perCPU is answers per second of the server's CPU time: on a shared
// machine, a figure other processes on its core do not lower.
func perCPU(x *record) string {
	if x.ServerCPU == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", x.RPS*x.Seconds/x.ServerCPU)
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

func (r *results) writeProfiles(w *bytes.Buffer, n int) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	profs := r.find(func(x *record) bool { return x.Tool == "profile" && x.Size == n })
	if len(profs) == 0 {
		return
	}
	p("## Where the time goes at %s quads\n\n", label(n))
	p("CPU profiles (`serve --pprof`) of each engine answering the 1-hop question at saturation, and of the generation switch (from the end of the load, while the load generator sends at a fixed rate); the heap after the runs; `digidip load` itself under `perf record`. Each with its samples by package (own time, flat) and its top functions.\n\n")
	titles := map[string]string{
		"cpu-onehop": "CPU, 1-hop at saturation",
		"cpu-switch": "CPU, generation switch while serving",
		"heap":       "heap in use after the runs",
		"perf-load":  "`digidip load --nquads`, perf",
	}
	for _, x := range profs {
		who := x.Server
		if x.Engine != "" && x.Kind == "perf-load" {
			who = "digidip load (into " + x.Engine + "'s store, during its switch)"
		}
		p("### %s: %s\n\n", who, titles[x.Kind])
		if len(x.Parts) > 0 {
			p("| part (cumulative: parts nest) | share |\n|---|---:|\n")
			for _, pt := range x.Parts {
				p("| %s (`%s`) | %.1f%% |\n", pt.Part, shortFn(pt.Fn), pt.Pct)
			}
			p("\n")
		}
		if len(x.Packages) > 0 {
			p("| package (own time) | share |\n|---|---:|\n")
			for _, pk := range x.Packages {
				p("| `%s` | %.1f%% |\n", pk.Package, pk.Pct)
			}
			p("\n")
		}
		if x.Top != "" {
			p("```\n%s\n```\n\n", strings.TrimRight(x.Top, "\n"))
		}
	}
}

func (r *results) writeRuns(w *bytes.Buffer) {
	fmt.Fprintf(w, "## Every saturation run (req/s / p99 ms), for judging the noise\n\n| size | server | query | runs |\n|---|---|---|---|\n")
	for _, n := range r.sizes {
		type key struct{ server, query string }
		var seen []key
		for _, x := range r.find(func(x *record) bool {
			return (x.Tool == "loadgen" || x.Tool == "pathapi") && x.Size == n && x.Mode == "saturation"
		}) {
			k := key{x.Server, x.Query}
			if slices.Contains(seen, k) {
				continue
			}
			seen = append(seen, k)
			var parts []string
			for _, y := range r.find(func(y *record) bool {
				return (y.Tool == "loadgen" || y.Tool == "pathapi") && y.Size == n && y.Mode == "saturation" && y.Server == k.server && y.Query == k.query
			}) {
				parts = append(parts, fmt.Sprintf("%.0f / %s", y.RPS, ms(y.P99ms)))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", label(n), k.server, k.query, strings.Join(parts, "; "))
		}
	}
	fmt.Fprintln(w)
}

func shortFn(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		return fn[i+1:]
	}
	return fn
}
