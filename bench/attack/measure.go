//go:build linux

package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// budget is what an attack may cost; a zero member is not judged.
type budget struct {
	Wall       float64 `json:"wall_s,omitempty"`      // the longest request, sending to its answer's last byte
	CPU        float64 `json:"cpu_s,omitempty"`       // server CPU from the first request to the last answer
	After      float64 `json:"after_cpu_s,omitempty"` // server CPU in the settle window after the last answer
	Bytes      int64   `json:"bytes,omitempty"`       // the largest answer
	PeakGrowth int64   `json:"peak_growth,omitempty"` // RSS at its peak over RSS before
	KeptGrowth int64   `json:"kept_growth,omitempty"` // RSS after the settle window over RSS before
	Status     int     `json:"status,omitempty"`      // the status every answer must have
}

func (b budget) want(status int) budget { b.Status = status; return b }

func (b budget) String() string {
	var p []string
	if b.Wall > 0 {
		p = append(p, fmt.Sprintf("≤ %g s", b.Wall))
	}
	if b.CPU > 0 {
		p = append(p, fmt.Sprintf("≤ %g s CPU", b.CPU))
	}
	if b.After > 0 {
		p = append(p, fmt.Sprintf("≤ %g s CPU after", b.After))
	}
	if b.Bytes > 0 {
		p = append(p, "< "+size(b.Bytes))
	}
	if b.PeakGrowth > 0 {
		p = append(p, "peak RSS +< "+size(b.PeakGrowth))
	}
	if b.KeptGrowth > 0 {
		p = append(p, "RSS after +< "+size(b.KeptGrowth))
	}
	if b.Status > 0 {
		p = append(p, fmt.Sprintf("status %d", b.Status))
	}
	return strings.Join(p, ", ")
}

// Results of a row.
const (
	resultPass = "pass"
	resultFail = "FAIL"
	resultSkip = "skipped"
)

// record is one attack's measurements, as kept in records.jsonl.
type record struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Flags       []string       `json:"flags,omitempty"`
	Started     time.Time      `json:"started"`
	Load        string         `json:"loadavg"` // the machine's, at the start: other work shares its cores
	Requests    int            `json:"requests"`
	Answers     map[string]int `json:"answers"`     // by status and code
	Elapsed     float64        `json:"elapsed_s"`   // first request to last answer
	Longest     float64        `json:"longest_s"`   // the longest request
	CPU         float64        `json:"cpu_s"`       // server CPU over Elapsed
	CPUAfter    float64        `json:"after_cpu_s"` // server CPU over the settle window
	Settle      float64        `json:"settle_s"`
	BytesMax    int64          `json:"bytes_max"`
	BytesTotal  int64          `json:"bytes_total"`
	RSSBefore   int64          `json:"rss_before"`
	RSSAtAnswer int64          `json:"rss_at_answer"`
	RSSPeak     int64          `json:"rss_peak"` // VmHWM, reset before the attack
	RSSAfter    int64          `json:"rss_after"`
	Killed      bool           `json:"killed,omitempty"`
	Budget      budget         `json:"budget"`
	Failures    []string       `json:"failures,omitempty"`
	Note        string         `json:"note,omitempty"`
	Result      string         `json:"result"`
	ServerLog   string         `json:"server_log"`
	Results     []result       `json:"results"`
}

// warmQuery is answered before the baseline is read, so the server's lazy
// start-up work is not counted against the attack.
const warmQuery = `{ entity(id: "eu") { name } }`

// measure starts a server for the attack, sends it, and reads the server's
// CPU and RSS before, at the answer and a settle window later.
func measure(ctx context.Context, o options, store string, a attack) (*record, error) {
	rec := &record{ID: a.id, Name: a.name, Flags: a.flags, Budget: a.budget, Settle: o.settle.Seconds(),
		ServerLog: filepath.Join(o.out, "serve-"+a.id+".log")}
	s, err := startServer(ctx, o.bin, store, rec.ServerLog, a.flags)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	t := newTarget(s.pid, s.base, o.wait)
	defer t.close()
	if r := t.query(ctx, warmQuery); r.Status != 200 || r.Errors {
		return nil, fmt.Errorf("warm-up query: %s %s", r.label(), r.Err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := resetPeak(s.pid); err != nil {
		rec.Note = "VmHWM could not be reset, so the peak may be start-up's: " + err.Error()
	}
	before, err := readProc(s.pid)
	if err != nil {
		return nil, err
	}
	w := watch(s, o.rssCap)
	rec.Started = time.Now().UTC()
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		rec.Load = strings.Join(strings.Fields(string(l))[:3], " ")
	}
	start := time.Now()
	rs, note, problems := a.send(ctx, t)
	rec.Elapsed = time.Since(start).Seconds()
	atAnswer, errAnswer := readProc(s.pid)
	select {
	case <-time.After(o.settle):
	case <-s.done:
	case <-ctx.Done():
		w.stop()
		return nil, ctx.Err()
	}
	after, errAfter := readProc(s.pid)
	last, peak, killed := w.stop()
	if errAnswer != nil {
		atAnswer = last
	}
	if errAfter != nil {
		after = last
	}

	rec.Results = rs
	rec.Requests = len(rs)
	rec.Answers = map[string]int{}
	for _, r := range rs {
		rec.Answers[r.label()]++
		rec.Longest = max(rec.Longest, r.Secs)
		rec.BytesMax = max(rec.BytesMax, r.Bytes)
		rec.BytesTotal += r.Bytes
	}
	rec.CPU = (atAnswer.cpu - before.cpu).Seconds()
	rec.CPUAfter = (after.cpu - atAnswer.cpu).Seconds()
	rec.RSSBefore, rec.RSSAtAnswer, rec.RSSAfter = before.rss, atAnswer.rss, after.rss
	rec.RSSPeak = max(peak, atAnswer.hwm, after.hwm, atAnswer.rss, after.rss)
	rec.Killed = killed
	if note != "" {
		rec.Note = strings.TrimPrefix(rec.Note+"; "+note, "; ")
	}

	rec.Failures = judge(rec, a.budget, o)
	if errAfter != nil && !killed {
		rec.Failures = append(rec.Failures, "the server exited during the attack (see its log)")
	}
	rec.Failures = append(rec.Failures, problems...)
	switch {
	case len(rec.Failures) > 0:
		rec.Result = resultFail
	case a.partial:
		rec.Result = resultSkip
	default:
		rec.Result = resultPass
	}
	return rec, nil
}

// judge lists how a record exceeds its budget.
func judge(rec *record, b budget, o options) []string {
	var f []string
	if rec.Killed {
		f = append(f, fmt.Sprintf("killed: its RSS passed %s", size(o.rssCap)))
	}
	unanswered, wrong := 0, 0
	var why, got string
	for _, r := range rec.Results {
		if ok, w := r.outcome(); !ok {
			if unanswered == 0 {
				why = w
			}
			unanswered++
		} else if b.Status > 0 && r.Status != b.Status {
			if wrong == 0 {
				got = r.label()
			}
			wrong++
		}
	}
	if unanswered > 0 {
		f = append(f, fmt.Sprintf("%d of %d not answered with a code (%s)", unanswered, len(rec.Results), why))
	}
	if wrong > 0 {
		f = append(f, fmt.Sprintf("%d of %d answered %s, not %d", wrong, len(rec.Results), got, b.Status))
	}
	if b.Wall > 0 && rec.Longest > b.Wall {
		f = append(f, fmt.Sprintf("an answer took %.1f s", rec.Longest))
	}
	if b.CPU > 0 && rec.CPU > b.CPU {
		f = append(f, fmt.Sprintf("%.1f s of CPU", rec.CPU))
	}
	if b.After > 0 && rec.CPUAfter > b.After {
		f = append(f, fmt.Sprintf("%.1f s of CPU after the answer", rec.CPUAfter))
	}
	if b.Bytes > 0 && rec.BytesMax >= b.Bytes {
		f = append(f, "a "+size(rec.BytesMax)+" answer")
	}
	if g := rec.RSSPeak - rec.RSSBefore; b.PeakGrowth > 0 && g >= b.PeakGrowth {
		f = append(f, "RSS peaked "+size(g)+" higher")
	}
	if g := rec.RSSAfter - rec.RSSBefore; b.KeptGrowth > 0 && g >= b.KeptGrowth {
		f = append(f, "RSS stayed "+size(g)+" higher")
	}
	return f
}

// answers sums up the answers: "4× 200", "1× 413 REQUEST_TOO_LARGE, 2× no answer".
func (rec *record) answers() string {
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range rec.Answers {
		all = append(all, kv{k, n})
	}
	slices.SortFunc(all, func(a, b kv) int { return cmp.Or(b.n-a.n, strings.Compare(a.k, b.k)) })
	var p []string
	for _, x := range all {
		p = append(p, fmt.Sprintf("%d× %s", x.n, x.k))
	}
	return strings.Join(p, ", ")
}

func (rec *record) times() string {
	if rec.Requests == 1 {
		return fmt.Sprintf("%.2f s", rec.Longest)
	}
	return fmt.Sprintf("longest %.2f s, all %.2f s", rec.Longest, rec.Elapsed)
}

func (rec *record) cpu() string {
	return fmt.Sprintf("%.2f s, %.2f s in the %g s after", rec.CPU, rec.CPUAfter, rec.Settle)
}

func (rec *record) rss() string {
	return fmt.Sprintf("%s → peak %s → %s", mb(rec.RSSBefore), mb(rec.RSSPeak), mb(rec.RSSAfter))
}

func (rec *record) largest() string {
	if rec.Requests == 1 {
		return size(rec.BytesMax)
	}
	return size(rec.BytesMax) + " (all " + size(rec.BytesTotal) + ")"
}

// row is the record as a row of bench/robustness.sh's table: suite,
// result, status.
func (rec *record) row() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s; %s; CPU %s; answer %s; RSS %s", rec.answers(), rec.times(), rec.cpu(), rec.largest(), rec.rss())
	fmt.Fprintf(&b, "; budget: %s", rec.Budget)
	if rec.Note != "" {
		fmt.Fprintf(&b, "; %s", rec.Note)
	}
	if len(rec.Failures) > 0 {
		fmt.Fprintf(&b, "; over budget: %s", strings.Join(rec.Failures, ", "))
	}
	return fmt.Sprintf("| attack: %s | %s | %s |", cell(rec.Name), cell(b.String()), rec.Result)
}

// writeTable writes the records as a table of their own, a column a
// measurement.
func writeTable(path string, recs []*record) error {
	var b strings.Builder
	if len(recs) > 0 {
		fmt.Fprintf(&b, "Run at %s; the machine's load average then: %s.\n\n", recs[0].Started.Format(time.RFC3339), recs[0].Load)
	}
	b.WriteString("| attack | answers | time | server CPU (then after) | largest answer | RSS before → peak → after | budget | result |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range recs {
		res := r.Result
		if len(r.Failures) > 0 {
			res += ": " + strings.Join(r.Failures, ", ")
		}
		if r.Note != "" {
			res += " (" + r.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			cell(r.Name), r.answers(), r.times(), r.cpu(), r.largest(), r.rss(), r.Budget, cell(res))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// cell keeps a table cell on one row.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// Sizes are decimal, as the are: 1 MB is a million bytes.
const (
	kB = 1000
	mB = 1000 * kB
)

func mb(n int64) string { return fmt.Sprintf("%d MB", n/mB) }

// size writes a byte count in the unit that reads best.
func size(n int64) string {
	switch {
	case n >= mB:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/mB), ".0") + " MB"
	case n >= kB:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/kB), ".0") + " KB"
	}
	return fmt.Sprintf("%d B", n)
}
