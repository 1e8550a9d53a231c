// Command pathapi is the benchmark's in-process anchor: the 1-hop question
// asked of Cayley through its Go path API, in this process, on a bolt store
// that `digidip load` wrote (a copy: Cayley's bolt backend locks its file).
// No HTTP, no GraphQL, no JSON: what Cayley itself costs per answer.
//
//	pathapi --db DIR --hop onehop.json [-c 1] [-d 10s] [--warmup 2s]
//
// Each operation starts at one entity of the plan (loadgen plan), follows
// the relation predicates out, keeps First objects and reads each one's id,
// name and kind: path.StartPath(qs, e).Out(preds...).Tag("id").
// Save(label, "name").Save(type, "kind").Limit(First). An answer with fewer
// objects is counted as non-full. It prints one JSON line with the fields of
// `loadgen run`: operations a second, latency percentiles, errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/cayleygraph/cayley/graph"
	_ "github.com/cayleygraph/cayley/graph/kv/bolt" // registers Cayley's bolt backend
	"github.com/cayleygraph/cayley/query/path"
	"github.com/cayleygraph/quad"
)

// oneHop is loadgen plan's onehop.json.
type oneHop struct {
	Entities   []string `json:"entities"`
	Predicates []string `json:"predicates"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	First      int      `json:"first"`
}

// result has the field names of loadgen's, so one report reads both.
type result struct {
	Target      string  `json:"target"`
	Mode        string  `json:"mode"`
	Requests    int     `json:"requests"`
	Distinct    int     `json:"distinct"`
	Connections int     `json:"connections"`
	Seconds     float64 `json:"duration_s"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	NonFull     int     `json:"nonfull"`
	FirstShort  string  `json:"first_nonfull,omitempty"`
	OpenMs      float64 `json:"open_ms"`
	// this process's CPU time over the window, and that as a share of it
	ServerCPU   float64 `json:"server_cpu_s"`
	ServerShare float64 `json:"server_cpu_share"`
}

// cpuSeconds is this process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// object is one object of an answer, as the servers' answers hold it.
type object struct{ id, name, kind string }

// text is a value as an answer shows it: an IRI or a string without the
// brackets or quotes of its N-Quads form.
func text(v quad.Value) string {
	switch v := v.(type) {
	case quad.IRI:
		return string(v)
	case quad.String:
		return string(v)
	case quad.TypedString:
		return string(v.Value)
	case quad.LangString:
		return string(v.Value)
	}
	return quad.StringOf(v)
}

// asker asks the 1-hop question of qs through the path API: the objects
// of the entity's outgoing relations, at most hop.First, each with its
// name and kind, appended to into.
func asker(qs graph.QuadStore, hop oneHop) func(ctx context.Context, entity string, into []object) ([]object, error) {
	preds := make([]any, len(hop.Predicates))
	for i, p := range hop.Predicates {
		preds[i] = quad.IRI(p)
	}
	return func(ctx context.Context, entity string, into []object) ([]object, error) {
		p := path.StartPath(qs, quad.IRI(entity)).Out(preds...).Tag("id").
			Save(quad.IRI(hop.Name), "name").Save(quad.IRI(hop.Kind), "kind").Limit(int64(hop.First))
		err := p.Iterate(ctx).On(qs).TagValues(qs, func(m map[string]quad.Value) error {
			into = append(into, object{id: text(m["id"]), name: text(m["name"]), kind: text(m["kind"])})
			return nil
		})
		return into, err
	}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pathapi: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	db := flag.String("db", "", "a Cayley bolt store: the directory holding indexes.bolt")
	hopFile := flag.String("hop", "", "the 1-hop plan (loadgen plan's onehop.json)")
	conns := flag.Int("c", 1, "goroutines asking at once")
	dur := flag.Duration("d", 10*time.Second, "how long to measure")
	warm := flag.Duration("warmup", 2*time.Second, "how long to ask before measuring")
	flag.Parse()
	if *db == "" || *hopFile == "" || *conns < 1 || *dur <= 0 {
		flag.Usage()
		return errors.New("--db and --hop are required; -c and -d positive")
	}
	b, err := os.ReadFile(*hopFile)
	if err != nil {
		return err
	}
	var hop oneHop
	if err := json.Unmarshal(b, &hop); err != nil {
		return fmt.Errorf("%s: %w", *hopFile, err)
	}
	if len(hop.Entities) == 0 || len(hop.Predicates) == 0 || hop.First < 1 {
		return fmt.Errorf("%s: no entities, predicates or first", *hopFile)
	}
	t0 := time.Now()
	qs, err := graph.NewQuadStore("bolt", *db, graph.Options{})
	if err != nil {
		return fmt.Errorf("open %s: %w", *db, err)
	}
	defer qs.Close()
	opened := time.Since(t0)

	ask := asker(qs, hop)

	start := time.Now()
	measure, end := start.Add(*warm), start.Add(*warm+*dur)
	type tally struct {
		lat                  []time.Duration
		errors, nonfull      int
		firstErr, firstShort string
	}
	tallies := make([]*tally, *conns)
	var wg sync.WaitGroup
	for g := range tallies {
		t := &tally{}
		tallies[g] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []object
			ctx := context.Background()
			for i := g * len(hop.Entities) / *conns; ; i = (i + 1) % len(hop.Entities) {
				t1 := time.Now()
				if !t1.Before(end) {
					return
				}
				e := hop.Entities[i]
				var err error
				buf, err = ask(ctx, e, buf[:0])
				t2 := time.Now()
				if t1.Before(measure) || t2.After(end) {
					continue
				}
				switch {
				case err != nil:
					t.errors++
					if t.firstErr == "" {
						t.firstErr = fmt.Sprintf("%s: %v", e, err)
					}
					continue
				case len(buf) != hop.First:
					t.nonfull++
					if t.firstShort == "" {
						t.firstShort = fmt.Sprintf("%s: %d of %d objects", e, len(buf), hop.First)
					}
				}
				t.lat = append(t.lat, t2.Sub(t1))
			}
		}()
	}
	time.Sleep(time.Until(measure))
	cpu0, w0 := cpuSeconds(), time.Now()
	wg.Wait()
	cpu1, w1 := cpuSeconds(), time.Now()

	res := result{Target: "cayley path API in process (" + *db + ")", Mode: "saturation", Connections: *conns,
		Distinct: len(hop.Entities), Seconds: dur.Seconds(), OpenMs: float64(opened) / 1e6,
		ServerCPU: cpu1 - cpu0, ServerShare: (cpu1 - cpu0) / w1.Sub(w0).Seconds()}
	var lat []time.Duration
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		res.Errors += t.errors
		res.NonFull += t.nonfull
		if res.FirstError == "" {
			res.FirstError = t.firstErr
		}
		if res.FirstShort == "" {
			res.FirstShort = t.firstShort
		}
	}
	slices.Sort(lat)
	res.Requests = len(lat)
	res.RPS = float64(len(lat)) / dur.Seconds()
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)]) / 1e6
	}
	res.P50ms, res.P90ms, res.P99ms, res.MaxMs = pct(0.50), pct(0.90), pct(0.99), pct(1)
	return json.NewEncoder(os.Stdout).Encode(res)
}
