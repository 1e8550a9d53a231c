#!/usr/bin/env bash
# bench/soak.sh: the soak of issue 8, on its own (bench/run.sh runs it too,
# at its end). Starts `digidip serve` on the embedded data, pinned to one
# core, with its response cache off (--cache-entries 0), so every answer is
# worked out by the resolvers, and drives it from the other at saturation for
# SOAK_DURATION (5m): the analyst queries of server/testdata/queries, search,
# subgraph and path among them, a query of each entity's relations, and
# exports, with SOAK_SLOW (4) clients reading their answers at a crawl. The
# load generator computes every reference answer itself, from the embedded
# data in a memory store (the server keeps bolt), and checks the analyst ones
# against their golden files. It fails on any 5xx, any answer that differs
# from its reference, or goroutines or RSS that do not come back to their
# baseline. SOAK_OUT (optional) receives the table.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${SOAK_DURATION:-5m}
SLOW=${SOAK_SLOW:-4}
PORT=${SOAK_PORT:-18790}
WORK=$(mktemp -d /tmp/digidip-soak.XXXXXX)
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

(cd "$ROOT" && go build -o "$WORK/digidip" . && go build -o "$WORK/loadgen" ./bench/loadgen)
# The server on core 0, the load on core 1, where there are two.
SERVER_CPU=() CLIENT_CPU=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then SERVER_CPU=(taskset -c 0) CLIENT_CPU=(taskset -c 1); fi

# --cache-entries 0 is no response cache (if the cache's flag becomes a byte
# budget, its 0 must keep meaning none).
"${SERVER_CPU[@]}" "$WORK/digidip" serve --store "$WORK/db" --addr "127.0.0.1:$PORT" --log json --cache-entries 0 2>"$WORK/serve.log" >/dev/null &
PID=$!
for _ in $(seq 1 300); do
	curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$WORK/serve.log"; exit 1; }

cd "$ROOT"
status=0
"${CLIENT_CPU[@]}" "$WORK/loadgen" soak --target "http://127.0.0.1:$PORT" --queries server/testdata/queries \
	-d "$DUR" --slow "$SLOW" ${SOAK_OUT:+--out "$SOAK_OUT"} || status=$?
if grep -q '"level":"ERROR"' "$WORK/serve.log"; then
	echo "the server logged errors:"; grep '"level":"ERROR"' "$WORK/serve.log" | head -5
	status=1
fi
exit $status
