#!/usr/bin/env bash
# bench/run.sh: the benchmark of issue 7, in one run.
#
# Builds digidip, the load generator (bench/loadgen), the bare gqlgen
# ceiling (bench/ceiling) and Cayley's own CLI (from a scratch module in a
# temporary directory, at the version in go.mod), then at each size
# (10k, 100k, 1M quads of `digidip gen`) measures side by side:
#
#   - load: `digidip load --nquads` and `cayley load` of the same file;
#   - the 1-hop question over >= 1000 different entities (all of them when
#     the graph has fewer), 16 connections, each server pinned to one core
#     and the load generator to the other: digidip with its response cache,
#     digidip without, Cayley's `cayley http` Gizmo endpoint serving a
#     byte-for-byte copy of the generation digidip serves, the bare gqlgen
#     ceiling, and plain net/http sending the ceiling's answer (what the core
#     gives a trivial server: the load generator's headroom);
#   - search, 2-hop subgraph and path latencies on digidip (one connection);
#   - RSS of each server after its runs, store size on disk;
#   - at 100k, the same 1-hop question on PostgreSQL (a scratch database).
#
# Each measurement runs BENCH_REPEAT times (rounds interleave the servers)
# and the best run is kept. Results go to bench/RESULTS.md.
#
# Settings (environment): BENCH_SIZES ("10000 100000 1000000"),
# BENCH_DURATION (10s), BENCH_WARMUP (2s), BENCH_REPEAT (2),
# BENCH_PG_SIZE (100000; empty: skip PostgreSQL), BENCH_SOAK (5m; empty:
# skip the soak), BENCH_PORT (18700, first
# of the ports used), BENCH_WORK (a new temporary directory; kept at the end
# when given), BENCH_OUT (bench/RESULTS.md).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
DUR=${BENCH_DURATION:-10s}
WARM=${BENCH_WARMUP:-2s}
REPEAT=${BENCH_REPEAT:-2}
PG_SIZE=${BENCH_PG_SIZE-100000}
PORT=${BENCH_PORT:-18700}
OUT=${BENCH_OUT:-$ROOT/bench/RESULTS.md}
SEED=1
SERVER_CPU=0
CLIENT_CPU=1
KEEP_WORK=${BENCH_WORK:+1}
WORK=${BENCH_WORK:-$(mktemp -d /tmp/digidip-bench.XXXXXX)}
mkdir -p "$WORK"/{bin,logs,prof}
RECORDS=$WORK/records.jsonl
: >"$RECORDS"

P_CEIL=$PORT P_CAYLEY=$((PORT + 1)) P_CACHE=$((PORT + 2)) P_NOCACHE=$((PORT + 3)) P_PG=$((PORT + 4))
P_PPROF_CACHE=$((PORT + 5)) P_PPROF_NOCACHE=$((PORT + 6)) P_PPROF_PG=$((PORT + 7))

log() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
record() { printf '%s\n' "$1" >>"$RECORDS"; }

for tool in taskset curl awk; do command -v "$tool" >/dev/null || die "$tool is needed"; done
[ "$(nproc)" -ge 2 ] || die "two cores are needed: one for the server, one for the load generator"

# --- processes: started here, stopped here, by pid ---------------------------
declare -A PID=()
PG_DB=""
cleanup() {
  local name
  for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null || true; done
  for name in "${!PID[@]}"; do wait "${PID[$name]}" 2>/dev/null || true; done
  if [ -n "$PG_DB" ]; then pgsql -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true; fi
  if [ -z "$KEEP_WORK" ]; then rm -rf "$WORK"; else log "work directory kept: $WORK"; fi
}
trap cleanup EXIT

# start NAME CMD...: runs CMD pinned to the server's core, in the background.
start() {
  local name=$1
  shift
  taskset -c "$SERVER_CPU" "$@" >"$WORK/logs/$name.log" 2>&1 &
  PID[$name]=$!
}
stop() {
  local name=$1 pid=${PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PID[$name]"
}
alive() { kill -0 "${PID[$1]}" 2>/dev/null || die "$1 exited: $(tail -5 "$WORK/logs/$1.log")"; }
# mem_json NAME: the process's resident memory from /proc, in kB: all of it
# (VmRSS), its peak (VmHWM), and the part that is anonymous memory (RssAnon,
# the heap) rather than file pages mapped in (RssFile: bolt's mmap).
mem_json() {
  awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ {sub(":", "", $1); v[$1] = $2}
    END {printf "\"rss_kb\":%d,\"hwm_kb\":%d,\"anon_kb\":%d,\"file_kb\":%d", v["VmRSS"], v["VmHWM"], v["RssAnon"], v["RssFile"]}' "/proc/${PID[$1]}/status"
}

# wait_for NAME SECONDS CMD...: until CMD succeeds while NAME runs.
wait_for() {
  local name=$1 secs=$2 deadline=$(($(date +%s) + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    alive "$name"
    [ "$(date +%s)" -lt "$deadline" ] || die "$name: $* did not succeed within ${secs}s"
    sleep 0.01
  done
}
healthy() { curl -sf "http://127.0.0.1:$1/healthz"; }
serves_gen() { curl -sf "http://127.0.0.1:$1/healthz" | grep -q "\"generation\":\"$2\""; }
# generation_of LOG: the generation a `digidip load` made, from its output.
generation_of() { sed -n 's/^loaded .* (\([^()]*\)): .*/\1/p' "$1" | tail -1; }
gizmo_up() { curl -sf -X POST --data 'g.V().Limit(1).All()' "http://127.0.0.1:$1/query/gizmo" | grep -q result; }
ceiling_up() { curl -sf -H 'content-type: application/json' --data '{"query":"{ entity(id: \"x\") { id } }"}' "http://127.0.0.1:$1/graphql" | grep -q data; }

# loadrun TARGET_PORT REQUESTS CONNS DURATION: one loadgen run, its JSON.
loadrun() {
  taskset -c "$CLIENT_CPU" "$WORK/bin/loadgen" run --target "http://127.0.0.1:$1" --requests "$2" -c "$3" -d "$4" --warmup "$WARM"
}

pgsql() { psql -h 127.0.0.1 -U postgres -d postgres -X "$@"; }

# --- build ---------------------------------------------------------------------
log "building digidip, loadgen, ceiling"
(cd "$ROOT" && go build -o "$WORK/bin/digidip" . &&
  go build -o "$WORK/bin/loadgen" ./bench/loadgen &&
  go build -o "$WORK/bin/ceiling" ./bench/ceiling)

CAYLEY_VERSION=$(cd "$ROOT" && go list -m -f '{{.Version}}' github.com/cayleygraph/cayley)
log "building cayley $CAYLEY_VERSION from a scratch module"
CAYLEY_MOD=$(cd "$ROOT" && go mod download -json "github.com/cayleygraph/cayley@$CAYLEY_VERSION" | awk -F'"' '/"GoMod":/ {print $4}')
[ -f "$CAYLEY_MOD" ] || die "cannot find Cayley's go.mod"
mkdir -p "$WORK/cayley-src"
{
  printf 'module digidipbench/cayley\n\ngo %s\n\nrequire github.com/cayleygraph/cayley %s\n\n' "$(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')" "$CAYLEY_VERSION"
  # Cayley's own replace directives (logrus), without which it does not build
  grep '^replace ' "$CAYLEY_MOD"
} >"$WORK/cayley-src/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/cayleygraph/cayley/cmd/cayley"\n' >"$WORK/cayley-src/tools.go"
(cd "$WORK/cayley-src" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 && go build -o "$WORK/bin/cayley" github.com/cayleygraph/cayley/cmd/cayley) ||
  die "building cayley failed"

# --- machine ---------------------------------------------------------------------
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM_GB=$(awk '/^MemTotal:/ {printf "%.0f", $2/1048576}' /proc/meminfo)
record "$(printf '{"what":"machine","cpu":"%s","cores":%d,"mem_gb":%s,"go":"%s","kernel":"%s","date":"%s","cayley":"%s","load_before":"%s","duration":"%s","warmup":"%s","repeat":%d}' \
  "$CPU_MODEL" "$(nproc)" "$MEM_GB" "$(go env GOVERSION)" "$(uname -r)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$CAYLEY_VERSION" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$DUR" "$WARM" "$REPEAT")"

# The ceiling runs for the whole benchmark: its answer does not depend on data.
start ceiling "$WORK/bin/ceiling" --addr "127.0.0.1:$P_CEIL"
wait_for ceiling 30 ceiling_up "$P_CEIL"

# run_one WHAT SIZE TARGET PORT REQUESTS CONNS DURATION RUN: one run of a
# series, recorded (the report keeps the best of each series).
run_one() {
  local what=$1 size=$2 target=$3 port=$4 reqs=$5 conns=$6 dur=${7:-$DUR} run=$8 res
  res=$(loadrun "$port" "$reqs" "$conns" "$dur") || die "loadgen against $target"
  record "{\"what\":\"$what\",\"size\":$size,\"target\":\"$target\",\"run\":$run,\"result\":$res}"
  log "  $what $target run $run: $(echo "$res" | grep -o '"rps":[0-9.]*\|"p50_ms":[0-9.]*\|"p99_ms":[0-9.]*\|"errors":[0-9]*' | tr '\n' ' ')"
}

# --- one size ------------------------------------------------------------------
bench_size() {
  local n=$1 nq=$WORK/q$n.nq plan=$WORK/plan$n store=$WORK/store$n
  local t k gen
  log "== $n quads"
  "$WORK/bin/digidip" gen --quads "$n" --seed "$SEED" -o "$nq"
  local quads
  quads=$(grep -c . "$nq")
  "$WORK/bin/loadgen" plan --nquads "$nq" --out "$plan" >/dev/null
  record "{\"what\":\"plan\",\"size\":$n,\"quads\":$quads,\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"plan\":$(tr -d '\n ' <"$plan/plan.json")}"

  # Two servers on one store, started before the synthetic graph is loaded:
  # `serve` loads the embedded data into an empty store (the first is timed
  # doing that, the second starting on a store that holds it), then both
  # pick up the generation `digidip load` makes, as replicas do.
  t=$(now_ns)
  start cache "$WORK/bin/digidip" serve --store "$store" --addr "127.0.0.1:$P_CACHE" --poll 200ms \
    --cache-entries 4096 --pprof "127.0.0.1:$P_PPROF_CACHE" --log json
  wait_for cache 60 healthy "$P_CACHE"
  record "{\"what\":\"ready\",\"size\":$n,\"target\":\"embedded-empty-store\",\"ms\":$(ms_since "$t")}"
  t=$(now_ns)
  start nocache "$WORK/bin/digidip" serve --store "$store" --addr "127.0.0.1:$P_NOCACHE" --poll 200ms \
    --cache-entries 0 --pprof "127.0.0.1:$P_PPROF_NOCACHE" --log json
  wait_for nocache 60 healthy "$P_NOCACHE"
  record "{\"what\":\"ready\",\"size\":$n,\"target\":\"embedded-loaded-store\",\"ms\":$(ms_since "$t")}"

  # Loads, pinned to the server core like the servers. The first goes into
  # the served store (the servers only poll while it runs), then the servers
  # switch to it and build their read models from the store; the later runs
  # go into scratch stores, with the servers idle.
  for k in $(seq 1 "$REPEAT"); do
    local dst=$store
    [ "$k" -eq 1 ] || dst=$WORK/scratch$n-$k
    t=$(now_ns)
    taskset -c "$SERVER_CPU" "$WORK/bin/digidip" load --nquads "$nq" --store "$dst" >"$WORK/logs/load-$n-$k.log" 2>&1 ||
      die "digidip load: $(cat "$WORK/logs/load-$n-$k.log")"
    record "{\"what\":\"load\",\"size\":$n,\"target\":\"digidip\",\"run\":$k,\"quads\":$quads,\"ms\":$(ms_since "$t")}"
    log "  digidip load run $k: $(tail -1 "$WORK/logs/load-$n-$k.log")"
    if [ "$k" -eq 1 ]; then
      gen=$(generation_of "$WORK/logs/load-$n-$k.log")
      t=$(now_ns)
      wait_for cache 600 serves_gen "$P_CACHE" "$gen"
      wait_for nocache 600 serves_gen "$P_NOCACHE" "$gen"
      record "{\"what\":\"switch\",\"size\":$n,\"ms\":$(ms_since "$t")}"
    else
      rm -rf "$dst"
    fi
  done
  for k in $(seq 1 "$REPEAT"); do
    rm -rf "$WORK/cayley$n"
    t=$(now_ns)
    taskset -c "$SERVER_CPU" "$WORK/bin/cayley" load --init -d bolt -a "$WORK/cayley$n" -i "$nq" >"$WORK/logs/cayley-load-$n-$k.log" 2>&1 ||
      die "cayley load: $(tail -3 "$WORK/logs/cayley-load-$n-$k.log")"
    record "{\"what\":\"load\",\"size\":$n,\"target\":\"cayley\",\"run\":$k,\"quads\":$quads,\"ms\":$(ms_since "$t")}"
  done
  [ "$(tr -d '[:space:]' <"$store/CURRENT")" = "$gen" ] || die "the store's current generation is not the one loaded"
  record "{\"what\":\"store\",\"size\":$n,\"digidip_bytes\":$(du -sb "$store/$gen" | cut -f1),\"cayley_bytes\":$(du -sb "$WORK/cayley$n" | cut -f1),\"generation\":\"$gen\"}"
  rm -rf "$WORK/cayley$n"

  # Cayley's own HTTP server on the generation digidip serves. Cayley's bolt
  # backend locks its file exclusively, even with --read_only, and digidip's
  # running servers hold the generation open (shared, read-only), so Cayley
  # gets a byte-for-byte copy of it: the same store file, its own inode.
  mkdir -p "$WORK/cayley-serve$n"
  cp "$store/$gen/indexes.bolt" "$WORK/cayley-serve$n/indexes.bolt"
  cmp -s "$store/$gen/indexes.bolt" "$WORK/cayley-serve$n/indexes.bolt" || die "the copy of $gen differs"
  start cayley "$WORK/bin/cayley" http -d bolt -a "$WORK/cayley-serve$n" --read_only --host "127.0.0.1:$P_CAYLEY"
  wait_for cayley 300 gizmo_up "$P_CAYLEY"

  for k in $(seq 1 "$REPEAT"); do
    run_one onehop "$n" gizmo "$P_CAYLEY" "$plan/onehop-gizmo.jsonl" 16 "$DUR" "$k"
    run_one onehop "$n" digidip-cache "$P_CACHE" "$plan/onehop-digidip.jsonl" 16 "$DUR" "$k"
    run_one onehop "$n" digidip-nocache "$P_NOCACHE" "$plan/onehop-digidip.jsonl" 16 "$DUR" "$k"
    run_one onehop "$n" ceiling "$P_CEIL" "$plan/onehop-ceiling.jsonl" 16 "$DUR" "$k"
    run_one onehop "$n" plain "$P_CEIL" "$plan/onehop-plain.jsonl" 16 "$DUR" "$k"
  done
  for k in $(seq 1 "$REPEAT"); do
    for q in search subgraph path; do
      run_one latency "$n" "$q" "$P_NOCACHE" "$plan/$q.jsonl" 1 5s "$k"
    done
  done

  # Where digidip's time goes: CPU profiles of the 1-hop runs, not counted.
  local srv pp
  for srv in nocache cache; do
    pp=$P_PPROF_NOCACHE
    [ "$srv" = cache ] && pp=$P_PPROF_CACHE
    local port=$P_NOCACHE
    [ "$srv" = cache ] && port=$P_CACHE
    curl -sf -o "$WORK/prof/cpu-$srv-$n.pprof" "http://127.0.0.1:$pp/debug/pprof/profile?seconds=6" &
    local cpid=$!
    loadrun "$port" "$plan/onehop-digidip.jsonl" 16 7s >/dev/null
    wait "$cpid" || log "  profile of $srv at $n failed"
    (cd "$ROOT" && go tool pprof -top -nodecount=25 "$WORK/bin/digidip" "$WORK/prof/cpu-$srv-$n.pprof" >"$WORK/prof/cpu-$srv-$n.top" 2>/dev/null &&
      go tool pprof -top -cum -nodecount=500 "$WORK/bin/digidip" "$WORK/prof/cpu-$srv-$n.pprof" >"$WORK/prof/cpu-$srv-$n.cum" 2>/dev/null) || true
  done
  curl -sf -o "$WORK/prof/heap-nocache-$n.pprof" "http://127.0.0.1:$P_PPROF_NOCACHE/debug/pprof/heap" &&
    (cd "$ROOT" && go tool pprof -sample_index=inuse_space -top -nodecount=15 "$WORK/bin/digidip" "$WORK/prof/heap-nocache-$n.pprof" >"$WORK/prof/heap-nocache-$n.top" 2>/dev/null) || true
  record "{\"what\":\"profile\",\"size\":$n,\"dir\":\"$WORK/prof\"}"

  # PostgreSQL: one server on a scratch database, the same 1-hop question
  # without the response cache, held against bolt's (rounds interleaved).
  if [ "$n" = "$PG_SIZE" ]; then bench_postgres "$n" "$nq" "$plan" "$quads"; fi

  local s
  for s in cache nocache cayley; do
    record "{\"what\":\"rss\",\"size\":$n,\"target\":\"$s\",$(mem_json "$s")}"
  done
  stop cayley
  stop cache
  stop nocache
  rm -rf "$store" "$nq" "$WORK/cayley-serve$n"
}

bench_postgres() {
  local n=$1 nq=$2 plan=$3 quads=$4 t k
  if ! pgsql -qc 'select 1' >/dev/null 2>&1; then
    log "PostgreSQL does not answer on 127.0.0.1:5432 as postgres: skipped"
    record "{\"what\":\"pg\",\"size\":$n,\"skipped\":\"PostgreSQL did not answer on 127.0.0.1:5432\"}"
    return 0
  fi
  PG_DB="digidip_bench_$$"
  pgsql -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1
  pgsql -qc "CREATE DATABASE $PG_DB" >/dev/null
  local url="postgres://postgres@127.0.0.1:5432/$PG_DB?sslmode=disable"
  start pg "$WORK/bin/digidip" serve --backend postgres --store "$url" --addr "127.0.0.1:$P_PG" --poll 500ms \
    --cache-entries 0 --pprof "127.0.0.1:$P_PPROF_PG" --log json
  wait_for pg 300 healthy "$P_PG"
  for k in $(seq 1 "$REPEAT"); do
    t=$(now_ns)
    taskset -c "$SERVER_CPU" "$WORK/bin/digidip" load --nquads "$nq" --backend postgres --store "$url" >"$WORK/logs/pg-load-$k.log" 2>&1 ||
      die "digidip load (postgres): $(cat "$WORK/logs/pg-load-$k.log")"
    record "{\"what\":\"load\",\"size\":$n,\"target\":\"digidip-postgres\",\"run\":$k,\"quads\":$quads,\"ms\":$(ms_since "$t")}"
    t=$(now_ns)
    wait_for pg 600 serves_gen "$P_PG" "$(generation_of "$WORK/logs/pg-load-$k.log")"
    record "{\"what\":\"switch\",\"size\":$n,\"target\":\"postgres\",\"run\":$k,\"ms\":$(ms_since "$t")}"
  done
  for k in $(seq 1 "$REPEAT"); do
    run_one onehop-pg "$n" digidip-nocache-bolt "$P_NOCACHE" "$plan/onehop-digidip.jsonl" 16 "$DUR" "$k"
    run_one onehop-pg "$n" digidip-nocache-postgres "$P_PG" "$plan/onehop-digidip.jsonl" 16 "$DUR" "$k"
  done
  record "{\"what\":\"rss\",\"size\":$n,\"target\":\"postgres\",$(mem_json pg)}"
  record "{\"what\":\"store\",\"size\":$n,\"target\":\"postgres\",\"pg_bytes\":$(pgsql -tAc "select pg_database_size('$PG_DB')")}"
  stop pg
  pgsql -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
  PG_DB=""
}

T0=$(now_ns)
for n in $SIZES; do bench_size "$n"; done
stop ceiling
record "{\"what\":\"total\",\"ms\":$(ms_since "$T0"),\"load_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"

"$WORK/bin/loadgen" report --records "$RECORDS" --prof "$WORK/prof" --out "$OUT"

# The soak of issue 8: five minutes at saturation on the embedded data, with
# slow readers; its table goes at the end of the results.
if [ -n "${BENCH_SOAK-5m}" ]; then
  log "soak (${BENCH_SOAK:-5m})"
  soak_status=0
  SOAK_DURATION=${BENCH_SOAK:-5m} SOAK_PORT=$((PORT + 9)) SOAK_OUT="$WORK/soak.md" "$ROOT/bench/soak.sh" >"$WORK/logs/soak.log" 2>&1 || soak_status=$?
  { printf '\n## Soak (issue 8)\n\n`bench/soak.sh`: the analyst queries of `server/testdata/queries` (search, subgraph, path, relations, timeline…), a query of each entity and exports, at saturation from core 1 against digidip on core 0 with its response cache off, with clients reading slowly; every answer compared with a reference the load generator computes from the embedded data in a memory store of its own.\n\n'
    cat "$WORK/soak.md" 2>/dev/null || tail -5 "$WORK/logs/soak.log"
    [ "$soak_status" = 0 ] && printf '\n**passed**\n' || printf '\n**FAILED** (exit %s)\n' "$soak_status"
  } >>"$OUT"
fi
log "wrote $OUT"
