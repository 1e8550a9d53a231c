#!/usr/bin/env bash
# bench/caches.sh: issue 12's memory attack on the caches, against `digidip
# serve` with its default flags: from one client, 1,200 distinct 216 KB
# answers and 300 distinct 500 KB persisted-query registrations. Prints the
# server's RSS before and after (from /proc) and fails if it grew by 150 MB
# or more. The attack is server.BenchmarkCacheMemory, aimed at this process.
#
#   bench/caches.sh                 # CACHES_PORT (18793), CACHES_FLAGS (extra serve flags)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${CACHES_PORT:-18793}
WORK=$(mktemp -d /tmp/digidip-caches.XXXXXX)
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cd "$ROOT"
go build -o "$WORK/digidip" .
# shellcheck disable=SC2086 # CACHES_FLAGS is a list of flags
"$WORK/digidip" serve --store "$WORK/db" --addr "127.0.0.1:$PORT" --log json ${CACHES_FLAGS:-} 2>"$WORK/serve.log" >/dev/null &
PID=$!
for _ in $(seq 1 300); do
	curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$WORK/serve.log"; exit 1; }

status=0
DIGIDIP_BENCH_URL="http://127.0.0.1:$PORT" DIGIDIP_BENCH_PID=$PID \
	go test ./server -run '^$' -bench '^BenchmarkCacheMemory$' -benchtime 1x >"$WORK/bench.log" 2>&1 || status=$?
grep -E 'RSS|rss-MB|goal|Error' "$WORK/bench.log" || cat "$WORK/bench.log"
if grep -q '"level":"ERROR"' "$WORK/serve.log"; then
	echo "the server logged errors:"; grep '"level":"ERROR"' "$WORK/serve.log" | head -5
	status=1
fi
[ $status -eq 0 ] && echo "caches: pass (goal: RSS growth under 150 MB)" || echo "caches: FAIL"
exit $status
