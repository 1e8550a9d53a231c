#!/usr/bin/env bash
# bench/explorer.sh: how long the explorer takes to draw the EU at depth 2,
# this tree against a baseline commit, like with like.
#
#   bench/explorer.sh [BASE]     BASE: the commit to compare with (default HEAD)
#
# Builds BenchmarkExplorerDraw (server/browser_bench_test.go) twice: from
# this tree, and from BASE in a scratch worktree with this tree's benchmark
# files copied in (so both sides measure the same way; the explorer and its
# embedded assets are each side's own). Then runs them in turn,
# EXPLORER_ROUNDS (3) rounds of EXPLORER_DRAWS (6) new pages each, in the
# same chromium, on the same embedded data. Each draw is the page's own
# measure, from the answer in hand to the first paint with labels placed.
# The raw lines go to bench/explorer-results.txt (appended, with the date
# and both commits); the summary compares the slowest draws, then the
# medians. Needs chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD}
rounds=${EXPLORER_ROUNDS:-3}
draws=${EXPLORER_DRAWS:-6}
out=bench/explorer-results.txt
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add -q --detach "$work/base" "$base"
cp server/browser_test.go server/browser_bench_test.go "$work/base/server/"
go test -c -o "$work/this.test" ./server/
(cd "$work/base" && go test -c -o "$work/base.test" ./server/)

run() { # side round
  (cd server && DIGIDIP_TEST_BROWSER=1 "$work/$1.test" -test.run '^$' -test.bench ExplorerDraw -test.benchtime "${draws}x") |
    grep -E 'draw [0-9]+:' | sed "s/^ */$1 round $2 /"
}
{
  echo "# $(date -u +%FT%TZ) this=$(git rev-parse --short HEAD)+worktree base=$(git rev-parse --short "$base") rounds=$rounds draws=$draws"
  for r in $(seq 1 "$rounds"); do
    run base "$r"
    run this "$r"
  done
} | tee -a "$out" | awk '
  /^#/ { next }
  { side = $1; for (i = 1; i <= NF; i++) if ($i == "draw" && $(i+1) ~ /^[0-9]+$/ && $(i+2) == "ms") { ms = $(i+1); break }
    n[side]++; v[side, n[side]] = ms; if (ms > max[side]) max[side] = ms }
  END {
    for (s in n) { m = n[s]; for (i = 1; i <= m; i++) a[i] = v[s, i]
      for (i = 2; i <= m; i++) { x = a[i]; j = i - 1; while (j > 0 && a[j] > x) { a[j+1] = a[j]; j-- } a[j+1] = x }
      med[s] = (m % 2) ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
      printf "%s: %d draws, slowest %d ms, median %d ms\n", s, m, max[s], med[s] }
    if (max["base"] > 0) printf "this/base: slowest %.2f, median %.2f\n", max["this"] / max["base"], med["this"] / med["base"]
  }'
