//go:build linux

// Command attack runs the attacks of issue 12 against `digidip serve` with
// its default flags and measures each against its budget: the longest
// answer's wall time, the server's CPU until the answer and in the seconds
// after it, the largest answer, and the server's RSS before, at its peak and
// after. It prints one Markdown row per attack for bench/robustness.sh's
// table and keeps the raw records as JSON lines.
//
//	attack [-bin FILE] [-out DIR] [-only REGEXP] [-wait 6s] [-settle 2s] [-rss-cap 2048]
//
// Every attack gets a server of its own on a fresh temporary bolt store
// (loopback, a free port), started, measured and stopped, so one attack's
// leftover work or memory does not show in the next. It reads the server's
// /proc files, so it runs on Linux only. The exit code is 0 when every row
// is within its budget, 1 when a row fails it, 2 when the runner itself
// could not run.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "attack: %v\n", err)
		os.Exit(2)
	case failed:
		os.Exit(1)
	}
}

// options are the runner's flags.
type options struct {
	bin    string
	out    string
	only   *regexp.Regexp
	wait   time.Duration
	settle time.Duration
	rssCap int64
}

// childEnv marks the processes the runner starts: a runner that finds it
// was started by a runner (a -bin naming the runner, say) stops at once
// rather than start runners without end.
const childEnv = "DIGIDIP_ATTACK_CHILD"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (failed bool, err error) {
	if os.Getenv(childEnv) != "" {
		return false, errors.New("started by the attack runner itself: -bin must name digidip, not the runner")
	}
	os.Setenv(childEnv, "1")
	fs := flag.NewFlagSet("attack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "", "the digidip binary to attack (default: go build github.com/digidip/digidip, from within the module)")
	out := fs.String("out", "", "directory for records.jsonl, attacks.md and the servers' logs (default: a new temporary directory, kept)")
	only := fs.String("only", "", "run only the attacks whose id matches this regular expression")
	wait := fs.Duration("wait", 6*time.Second, "how long a client waits for an answer; past it the request counts as unanswered")
	settle := fs.Duration("settle", 2*time.Second, "how long after the answer the server's CPU is watched (it must stay near 0)")
	rssCap := fs.Int64("rss-cap", 2000, "MB: a server whose RSS passes this is killed (the machine is shared) and its row fails")
	list := fs.Bool("list", false, "list the attacks and exit")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if *list {
		for _, a := range attacks() {
			fmt.Fprintf(stdout, "%-16s %s\n", a.id, a.name)
		}
		return false, nil
	}
	o := options{bin: *bin, out: *out, wait: *wait, settle: *settle, rssCap: *rssCap * mB}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return false, fmt.Errorf("-only: %w", err)
		}
		o.only = re
	}
	var chosen []attack
	for _, a := range attacks() {
		if o.only == nil || o.only.MatchString(a.id) {
			chosen = append(chosen, a)
		}
	}
	if len(chosen) == 0 {
		return false, fmt.Errorf("no attack's id matches -only %s (see -list)", *only)
	}
	if o.out == "" {
		if o.out, err = os.MkdirTemp("", "digidip-attack-"); err != nil {
			return false, err
		}
	} else if err := os.MkdirAll(o.out, 0o755); err != nil {
		return false, err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	// The binary and the store live in a scratch directory, removed at the
	// end; what is kept goes to o.out.
	work, err := os.MkdirTemp("", "digidip-attack-work-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	if o.bin == "" {
		o.bin = filepath.Join(work, "digidip")
		log.Info("building digidip", "bin", o.bin)
		// by import path: "." would be the runner itself when run from here
		cmd := exec.CommandContext(ctx, "go", "build", "-o", o.bin, "github.com/digidip/digidip")
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			return false, fmt.Errorf("go build: %w", err)
		}
	}
	store := filepath.Join(work, "db")
	// Load the data once, so every server starts alike: opening a store
	// that holds the data, not loading it.
	if out, err := exec.CommandContext(ctx, o.bin, "load", "--store", store).CombinedOutput(); err != nil {
		return false, fmt.Errorf("digidip load: %w: %s", err, out)
	}

	recf, err := os.Create(filepath.Join(o.out, "records.jsonl"))
	if err != nil {
		return false, err
	}
	defer recf.Close()
	enc := json.NewEncoder(recf)
	var recs []*record
	for _, a := range chosen {
		if ctx.Err() != nil {
			return failed, ctx.Err()
		}
		log.Info("attack", "id", a.id, "name", a.name)
		rec, err := measure(ctx, o, store, a)
		if err != nil {
			return failed, fmt.Errorf("%s: %w", a.id, err)
		}
		log.Info("done", "id", a.id, "result", rec.Result, "failures", rec.Failures)
		if err := enc.Encode(rec); err != nil {
			return failed, fmt.Errorf("records: %w", err)
		}
		recs = append(recs, rec)
		fmt.Fprintln(stdout, rec.row())
		if rec.Result == resultFail {
			failed = true
		}
	}
	if err := recf.Close(); err != nil {
		return failed, err
	}
	if err := writeTable(filepath.Join(o.out, "attacks.md"), recs); err != nil {
		return failed, err
	}
	log.Info("results", "dir", o.out)
	return failed, nil
}
