package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Profile is a profile boiled down for the records: small enough to keep
// in a JSON line, enough for RESULTS.md to say where the time goes.
type Profile struct {
	Total    string       `json:"total,omitempty"` // pprof's "Duration: …, Total samples = …"
	Top      string       `json:"top"`             // the top of the profile as the tool prints it
	Parts    []ProfPart   `json:"parts,omitempty"`
	Packages []ProfPkgPct `json:"packages,omitempty"`
}

// ProfPart is the cumulative share of one known part of a request.
type ProfPart struct {
	Part string  `json:"part"`
	Fn   string  `json:"fn"`
	Pct  float64 `json:"cum_pct"`
}

// ProfPkgPct is the share of samples whose own code (flat) is in a package.
type ProfPkgPct struct {
	Package string  `json:"package"`
	Pct     float64 `json:"flat_pct"`
}

// knownParts are the parts of a digidip request worth naming; those the
// profile lacks (another engine, another version) are left out.
var knownParts = []struct{ label, fn string }{
	{"whole request (net/http conn loop)", "net/http.(*conn).serve"},
	{"socket writes (response)", "net.(*conn).Write"},
	{"socket reads (request)", "net.(*conn).Read"},
	{"access log line (slog)", "log/slog.(*Logger).LogAttrs"},
	{"GraphQL transport: read, parse, validate, execute, encode", "github.com/digidip/digidip/server.transport.Do"},
	{"parse and validate (gqlgen, query cache)", "github.com/99designs/gqlgen/graphql/executor.(*Executor).CreateOperationContext"},
	{"cost, depth and alias limits", "github.com/digidip/digidip/graph.(*Limits).MutateOperationContext"},
	{"execution (resolvers and marshalling)", "github.com/digidip/digidip/graph.(*executableSchema).Exec.func2"},
	{"response JSON encoding", "github.com/digidip/digidip/server.writeResponse"},
	{"metrics of the operation", "github.com/digidip/digidip/server.(*metrics).observeOperation"},
	{"read model build (store)", "github.com/digidip/digidip/store.newGraph"},
	{"Cayley iterators", "github.com/cayleygraph/cayley/graph/iterator.(*Chain).Each"},
	{"memory allocation", "runtime.mallocgc"},
	{"garbage collector (background marking)", "runtime.gcBgMarkWorker"},
}

// profileMain reads the text a profiler printed and prints a Profile.
//
//	loadgen profile --top TOP [--cum CUM]   pprof -top, and pprof -top -cum of every node
//	loadgen profile --perf REPORT           perf report --stdio --no-children -F overhead,sym
func profileMain(args []string) error {
	fs := flag.NewFlagSet("loadgen profile", flag.ContinueOnError)
	top := fs.String("top", "", "pprof -top output")
	cum := fs.String("cum", "", "pprof -top -cum output with every node (parts and packages)")
	perf := fs.String("perf", "", "perf report output (flat, by symbol)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var p Profile
	switch {
	case *perf != "":
		lines, err := readLines(*perf)
		if err != nil {
			return err
		}
		flat := map[string]float64{}
		var keep []string
		for _, l := range lines {
			if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
				continue
			}
			f := strings.Fields(l)
			if len(f) < 3 || !strings.HasSuffix(f[0], "%") {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64)
			if err != nil {
				continue
			}
			sym := strings.Join(f[2:], " ")
			if f[1] == "[k]" {
				sym = "kernel " + sym
			}
			flat[pkgOf(sym)] += v
			if len(keep) < 30 {
				keep = append(keep, strings.TrimRight(l, " "))
			}
		}
		p.Top = strings.Join(keep, "\n")
		p.Packages = topPackages(flat)
	case *top != "":
		lines, err := readLines(*top)
		if err != nil {
			return err
		}
		var keep []string
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, "File:"), strings.HasPrefix(l, "Build ID:"), strings.HasPrefix(l, "Time:"):
			case strings.HasPrefix(l, "Duration:"):
				p.Total = strings.TrimSpace(l)
				keep = append(keep, l)
			default:
				keep = append(keep, l)
			}
		}
		p.Top = strings.Join(keep, "\n")
		if *cum != "" {
			if err := p.readCum(*cum); err != nil {
				return err
			}
		}
	default:
		fs.Usage()
		return errors.New("--top or --perf is required")
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

// readCum reads pprof's table of every node (flat flat% sum% cum cum%
// name): the known parts' cumulative shares, and flat shares by package.
func (p *Profile) readCum(name string) error {
	lines, err := readLines(name)
	if err != nil {
		return err
	}
	cum := map[string]float64{}
	flat := map[string]float64{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") || !strings.HasSuffix(f[4], "%") {
			continue
		}
		fp, err1 := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		cp, err2 := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err1 != nil || err2 != nil {
			continue
		}
		fn := strings.Join(f[5:], " ")
		fn = strings.TrimSuffix(fn, " (inline)")
		if _, seen := cum[fn]; !seen {
			cum[fn] = cp
		}
		flat[pkgOf(fn)] += fp
	}
	for _, k := range knownParts {
		if v, ok := cum[k.fn]; ok {
			p.Parts = append(p.Parts, ProfPart{Part: k.label, Fn: k.fn, Pct: v})
		}
	}
	p.Packages = topPackages(flat)
	return nil
}

// pkgOf is the package of a Go symbol: "github.com/a/b.(*T).M" is
// "github.com/a/b"; "runtime.mallocgc" is "runtime". Receivers and type
// arguments are cut first, since they may name other packages.
func pkgOf(sym string) string {
	switch {
	case strings.HasPrefix(sym, "kernel "):
		return "kernel"
	case strings.HasPrefix(sym, "0x"):
		return "unknown"
	}
	if i := strings.IndexAny(sym, "(["); i >= 0 {
		sym = sym[:i]
	}
	slash := strings.LastIndex(sym, "/")
	dot := strings.Index(sym[slash+1:], ".")
	if dot < 0 {
		// aeshashbody, memeqbody, cmpbody: the runtime's assembly
		return "runtime (assembly)"
	}
	return sym[:slash+1+dot]
}

// topPackages is the twelve packages with the most flat samples.
func topPackages(flat map[string]float64) []ProfPkgPct {
	var out []ProfPkgPct
	for k, v := range flat {
		if v > 0 {
			out = append(out, ProfPkgPct{Package: k, Pct: v})
		}
	}
	slices.SortFunc(out, func(a, b ProfPkgPct) int {
		switch {
		case a.Pct > b.Pct:
			return -1
		case a.Pct < b.Pct:
			return 1
		}
		return strings.Compare(a.Package, b.Package)
	})
	return out[:min(12, len(out))]
}

func readLines(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return lines, nil
}
