// Command loadgen is the load generator of bench/run.sh.
//
//	loadgen plan --nquads FILE --out DIR [--first 10] [--want 1000] [--max 0] [--seed 1]
//	loadgen run  --target http://HOST:PORT --requests FILE [-c 16] [-d 10s] [--warmup 2s] [--rate R]
//	loadgen profile --top FILE [--cum FILE] | --perf FILE
//	loadgen wait --url URL [--post BODY] [--contains TEXT] [--since NS] [--pid PID]
//	loadgen report --records FILE --out RESULTS.md [--run ID]
//	loadgen soak --target http://HOST:PORT [-c 16] [--slow 4] [-d 5m] [--out FILE]
//
// plan reads a synthetic graph (digidip gen), picks the entities with at
// least --first outgoing relations, so that every 1-hop answer is full, and
// writes the request lists the benchmark cycles through: the 1-hop question
// (--first objects with id, name and kind) for GraphQL (digidip and the bare
// gqlgen ceiling get the very same bodies), Cayley's Gizmo and the in-process
// path API, and search, 2-hop subgraph and path queries for digidip, each
// request with what its answer must contain and how many objects it must hold.
//
// run measures for -d after a warm-up that is not counted. Closed loop (the
// default): -c connections each send the next request as soon as the last
// answer is read (saturation). Open loop (--rate): requests are due at a
// fixed rate whatever the answers do, -c connections send them, and latency
// runs from each request's due time, so time spent queued behind a slow
// answer is counted (no coordinated omission). It prints one JSON line:
// requests per second, latency percentiles, errors (transport errors,
// non-200 statuses and answers that lack the expected text or carry errors),
// non-full answers (fewer objects than asked for) and the X-Cache states seen.
//
// profile boils a pprof or perf text report down to a JSON line for the records.
//
// wait polls a server until it answers with the given text, and prints the
// milliseconds since --since: how bench/run.sh times starts and switches.
//
// report renders bench/RESULTS.md from the records bench/run.sh appended
// (JSON lines), one run of them.
//
// soak runs the analyst queries (with known answers), search, subgraph,
// path and exports at saturation, with some clients reading slowly, checks
// every answer against its reference, and checks that the server's
// goroutines and RSS come back to their baseline afterwards.
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  loadgen plan --nquads FILE --out DIR [--first 10] [--want 1000] [--max 0] [--seed 1]
  loadgen run  --target http://HOST:PORT --requests FILE [-c 16] [-d 10s] [--warmup 2s] [--rate R]
  loadgen profile --top FILE [--cum FILE] | --perf FILE
  loadgen wait --url URL [--post BODY] [--contains TEXT] [--since NS] [--pid PID]
  loadgen report --records FILE --out RESULTS.md [--run ID]
  loadgen soak   --target http://HOST:PORT [-c 16] [--slow 4] [-d 5m] [--out FILE]
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "plan":
		err = planMain(os.Args[2:])
	case "run":
		err = runMain(os.Args[2:])
	case "profile":
		err = profileMain(os.Args[2:])
	case "wait":
		err = waitMain(os.Args[2:])
	case "report":
		err = reportMain(os.Args[2:])
	case "soak":
		err = soakMain(os.Args[2:])
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
