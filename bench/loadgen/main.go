// Command loadgen is the load generator of bench/run.sh.
//
//	loadgen plan --nquads FILE --out DIR [--spread 1000] [--seed 1]
//	loadgen run  --target http://HOST:PORT --requests FILE [-c 16] [-d 10s] [--warmup 2s]
//	loadgen report --records FILE --prof DIR --out RESULTS.md
//	loadgen soak --target http://HOST:PORT [-c 16] [--slow 4] [-d 5m] [--out FILE]
//
// plan reads a synthetic graph (digidip gen) and writes the request lists
// the benchmark cycles through: the 1-hop question ("what does entity X
// fund, 20 neighbours with names") for digidip's GraphQL, Cayley's Gizmo
// and the bare gqlgen ceiling, and search, 2-hop subgraph and path queries
// for digidip, each request with the answer it must contain.
//
// run keeps -c connections busy for -d (after a warm-up that is not
// counted), each sending the next request of the list as soon as the last
// answer is read, and prints one JSON line: requests per second, latency
// percentiles, errors (transport errors, non-200 statuses and answers that
// lack the expected text or carry GraphQL errors) and the X-Cache states seen.
//
// report turns the records bench/run.sh gathered into bench/RESULTS.md.
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
  loadgen plan --nquads FILE --out DIR [--spread 1000] [--seed 1]
  loadgen run  --target http://HOST:PORT --requests FILE [-c 16] [-d 10s] [--warmup 2s]
  loadgen report --records FILE [--prof DIR] --out RESULTS.md
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
