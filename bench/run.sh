#!/usr/bin/env bash
# bench/run.sh: the benchmark of issue 13, in one run; like with like.
#
#   bench/run.sh                  measure, append the records, render RESULTS.md
#   bench/run.sh --render [RUN]   render RESULTS.md again from the records
#                                 (the last run in them, or run RUN)
#
# Builds digidip, the load generator (bench/loadgen), the bare gqlgen ceiling
# (bench/ceiling), the in-process anchor (bench/pathapi) and Cayley's own CLI
# (from a scratch module, at the version in go.mod; kept in BENCH_CACHE), then
# at each size of `digidip gen`:
#
#   - picks, from the generated N-Quads, the entities with at least
#     BENCH_FIRST (10) outgoing relations: every 1-hop question
#     `entity(id){ relations(direction:OUT, first:10){ nodes{ object{ id name
#     kind } } } }` has a full answer, and every answer is counted (an answer
#     with fewer objects is "non-full", recorded, and must never happen);
#   - times `digidip load --nquads` (and `cayley load` of the same file);
#   - starts each engine's server (`serve --engine E`, response cache off)
#     BENCH_STARTS times, recording every start (the report judges the
#     slowest) and the memory at ready, and one more with the cache on;
#   - runs the anchors on a byte copy of the very generation digidip serves:
#     Cayley's Go path API in process (bench/pathapi: ops/s and latency per
#     answer) and `cayley http` answering the equivalent Gizmo query;
#   - at saturation (closed loop, BENCH_CONNS connections, BENCH_REPEAT
#     rounds interleaving the servers): each engine with the cache off,
#     Gizmo, the ceiling answering the very same request bodies with 10
#     constant objects of the same fields, and plain net/http sending the
#     ceiling's bytes (the load generator's headroom); each engine with the
#     cache on, reported apart and held only against cache-on rows;
#   - at fixed rates (open loop, BENCH_RATES × the ceiling's req/s, latency
#     from each request's due time so queueing counts): the engines, Gizmo
#     and the ceiling;
#   - search, full-text search, 2-hop subgraph and path at one connection
#     on each engine;
#   - CPU and heap profiles of each engine under the 1-hop load;
#   - steady RSS, then a generation switch while serving: a second `digidip
#     load` into the store the server watches while the load generator sends
#     at a fixed rate; the switch time, the latency meanwhile, the peak
#     (VmHWM, over the server's whole life) and a CPU profile of the switch;
#     the load itself under `perf record` when perf works;
#   - at BENCH_PG_SIZE, each engine on PostgreSQL: two replicas on one
#     scratch database, 1-hop at one connection on each.
#
# Servers are pinned to core 0 and the load generator to core 1 (taskset).
# Every measurement is one JSON line appended to BENCH_RECORDS as it is
# taken; RESULTS.md is rendered from those lines alone.
#
# Settings (environment), with their defaults:
#   BENCH_SIZES "10000 100000 1000000"   sizes (quads of `digidip gen`)
#   BENCH_ENGINES                          engines to measure (default: the
#                       ones `digidip serve --help` lists for --engine, without
#                       auto; "projection" when serve has no --engine flag)
#   BENCH_DURATION 10s  BENCH_WARMUP 2s    each saturation run
#   BENCH_OPEN_DURATION (BENCH_DURATION)   each open-loop run
#   BENCH_RATES "0.25 0.5 0.75"            open-loop rates, × the ceiling's req/s
#   BENCH_SWITCH_RATE 0.25                 rate during the switch, × the same
#   BENCH_REPEAT 2      BENCH_CONNS 16     saturation rounds; connections
#   BENCH_STARTS 3                         starts of each server
#   BENCH_FIRST 10      BENCH_WANT 1000    objects per answer; entities wanted
#   BENCH_LAT_DURATION 5s                  search, subgraph, path runs
#   BENCH_PROFILE 6                        seconds of each CPU profile
#   BENCH_CAYLEY_LOAD 1                    0: skip the `cayley load` anchor
#   BENCH_PG_SIZE 100000                   empty: skip PostgreSQL
#   BENCH_SOAK                             e.g. 5m: run bench/soak.sh at the end
#   BENCH_PORT 18700                       first of the ports used
#   BENCH_RECORDS bench/results.jsonl      BENCH_OUT bench/RESULTS.md
#   BENCH_WORK                             work directory (kept when given)
#   BENCH_CACHE ~/.cache/digidip-bench     where the built Cayley CLI is kept
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RECORDS=${BENCH_RECORDS:-$ROOT/bench/results.jsonl}
OUT=${BENCH_OUT:-$ROOT/bench/RESULTS.md}

render() {
  (cd "$ROOT" && go run ./bench/loadgen report --records "$RECORDS" --out "$OUT" ${1:+--run "$1"})
}
if [ "${1:-}" = "--render" ]; then
  render "${2:-}"
  exit 0
fi

SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
DUR=${BENCH_DURATION:-10s}
WARM=${BENCH_WARMUP:-2s}
OPEN_DUR=${BENCH_OPEN_DURATION:-$DUR}
RATES=${BENCH_RATES:-"0.25 0.5 0.75"}
SWITCH_RATE=${BENCH_SWITCH_RATE:-0.25}
REPEAT=${BENCH_REPEAT:-2}
CONNS=${BENCH_CONNS:-16}
STARTS=${BENCH_STARTS:-3}
FIRST=${BENCH_FIRST:-10}
WANT=${BENCH_WANT:-1000}
LAT_DUR=${BENCH_LAT_DURATION:-5s}
PROF_S=${BENCH_PROFILE:-6}
CAYLEY_LOAD=${BENCH_CAYLEY_LOAD:-1}
PG_SIZE=${BENCH_PG_SIZE-100000}
SOAK=${BENCH_SOAK:-}
PORT=${BENCH_PORT:-18700}
CACHE_DIR=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/digidip-bench}
SEED=1
SERVER_CPU=0
CLIENT_CPU=1
KEEP_WORK=${BENCH_WORK:+1}
WORK=${BENCH_WORK:-$(mktemp -d /tmp/digidip-bench.XXXXXX)}
mkdir -p "$WORK"/{bin,logs,prof} "$(dirname "$RECORDS")"
BIN=$WORK/bin

log() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }

for tool in taskset curl awk jq go; do command -v "$tool" >/dev/null || die "$tool is needed"; done
CORES=$(nproc)
[ "$CORES" -ge 2 ] || die "two cores are needed: one for the servers, one for the load generator"

RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then COMMIT="$COMMIT+dirty"; fi

# obj K V [K V...]: a JSON object; numbers, booleans and JSON values stay
# what they are, the rest are strings.
obj() {
  local args=() k v
  while [ $# -gt 1 ]; do
    k=$1 v=$2
    shift 2
    if [[ $v =~ ^-?[0-9]+(\.[0-9]+)?$ || $v == true || $v == false || $v == null || $v == \{* || $v == \[* ]]; then
      args+=(--argjson "$k" "$v")
    else
      args+=(--arg "$k" "$v")
    fi
  done
  jq -nc '$ARGS.named' "${args[@]}"
}
# record JSON [K V...]: JSON with the pairs added, stamped with the run,
# the commit and the time, appended to the records.
record() {
  local json=$1
  shift
  jq -c --arg run "$RUN_ID" --arg commit "$COMMIT" --arg t "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --argjson more "$(obj "$@")" \
    '{run_id: $run, time: $t, commit: $commit} + . + $more' <<<"$json" >>"$RECORDS"
}

# --- processes: started here, stopped here, by pid -------------------------
declare -A PID=() SPORT=() PPORT=()
PG_DB=""
NEXT_PORT=$PORT
cleanup() {
  local name
  for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null || true; done
  for name in "${!PID[@]}"; do wait "${PID[$name]}" 2>/dev/null || true; done
  if [ -n "$PG_DB" ]; then pgsql -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true; fi
  if [ -z "$KEEP_WORK" ]; then rm -rf "$WORK"; else log "work directory kept: $WORK"; fi
}
trap cleanup EXIT

# ports NAME: a server port and a pprof port for NAME, the same every time.
ports() {
  if [ -z "${SPORT[$1]:-}" ]; then
    SPORT[$1]=$NEXT_PORT PPORT[$1]=$((NEXT_PORT + 1))
    NEXT_PORT=$((NEXT_PORT + 2))
  fi
}
# start NAME CMD...: CMD pinned to the servers' core, in the background.
start() {
  local name=$1
  shift
  taskset -c "$SERVER_CPU" "$@" >>"$WORK/logs/$name.log" 2>&1 &
  PID[$name]=$!
}
stop() {
  local pid=${PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PID[$1]"
}
alive() { kill -0 "${PID[$1]}" 2>/dev/null || die "$1 exited: $(tail -5 "$WORK/logs/$1.log")"; }
# mem NAME: the server's memory from /proc, kB: resident (VmRSS), its peak
# over the process's life (VmHWM), and the anonymous part (the heap) apart
# from file pages mapped in (bolt's mmap).
mem() {
  awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ {sub(":", "", $1); v[$1] = $2}
    END {printf "{\"rss_kb\":%d,\"hwm_kb\":%d,\"anon_kb\":%d,\"file_kb\":%d}", v["VmRSS"], v["VmHWM"], v["RssAnon"], v["RssFile"]}' "/proc/${PID[$1]}/status"
}

# ready NAME SINCE-NS LOADGEN-WAIT-ARGS...: the ms from SINCE until NAME
# answers as the arguments say (a Go poller: see loadgen wait).
ready() {
  local name=$1 since=$2
  shift 2
  "$BIN/loadgen" wait --since "$since" --pid "${PID[$name]}" "$@" || die "$name: $(tail -5 "$WORK/logs/$name.log")"
}
healthz() { echo --url "http://127.0.0.1:$1/healthz" --contains "\"generation\":\"$2\""; }
# generation_of LOG: the generation a `digidip load` made, from its output.
generation_of() { sed -n 's/^loaded .* (\([^()]*\)): .*/\1/p' "$1" | tail -1; }
pgsql() { psql -h 127.0.0.1 -U postgres -d postgres -X "$@"; }

# --- build --------------------------------------------------------------------
log "building digidip, loadgen, ceiling, pathapi"
(cd "$ROOT" && go build -o "$BIN/digidip" . && go build -o "$BIN/loadgen" ./bench/loadgen &&
  go build -o "$BIN/ceiling" ./bench/ceiling && go build -o "$BIN/pathapi" ./bench/pathapi) || die "build"

CAYLEY_VERSION=$(cd "$ROOT" && go list -m -f '{{.Version}}' github.com/cayleygraph/cayley)
CAYLEY_BIN=$CACHE_DIR/cayley-$CAYLEY_VERSION-$(cd "$ROOT" && go env GOVERSION)
if [ ! -x "$CAYLEY_BIN" ]; then
  log "building cayley $CAYLEY_VERSION from a scratch module (kept in $CACHE_DIR)"
  CAYLEY_MOD=$(cd "$ROOT" && go mod download -json "github.com/cayleygraph/cayley@$CAYLEY_VERSION" | awk -F'"' '/"GoMod":/ {print $4}')
  [ -f "$CAYLEY_MOD" ] || die "cannot find Cayley's go.mod"
  mkdir -p "$WORK/cayley-src" "$CACHE_DIR"
  {
    printf 'module digidipbench/cayley\n\ngo %s\n\nrequire github.com/cayleygraph/cayley %s\n\n' "$(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')" "$CAYLEY_VERSION"
    # Cayley's own replace directives (logrus), without which it does not build
    grep '^replace ' "$CAYLEY_MOD"
  } >"$WORK/cayley-src/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/cayleygraph/cayley/cmd/cayley"\n' >"$WORK/cayley-src/tools.go"
  (cd "$WORK/cayley-src" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 &&
    go build -o "$CAYLEY_BIN.tmp" github.com/cayleygraph/cayley/cmd/cayley && mv "$CAYLEY_BIN.tmp" "$CAYLEY_BIN") ||
    die "building cayley failed"
fi
cp "$CAYLEY_BIN" "$BIN/cayley"

# From here this script and all it runs (curl, jq, pprof, loads while
# serving) stay on the load generator's core; servers are put on theirs.
taskset -pc "$CLIENT_CPU" $$ >/dev/null

# --- engines --------------------------------------------------------------------
# serve's --engine flag, and the engines its help lists (auto is a choice
# among them, not one more to measure).
ENGINE_FLAG=false
SERVE_HELP=$("$BIN/digidip" serve --help 2>&1 || true)
if grep -q -- '^  -engine' <<<"$SERVE_HELP"; then ENGINE_FLAG=true; fi
if [ -n "${BENCH_ENGINES:-}" ]; then
  ENGINES=$BENCH_ENGINES
elif $ENGINE_FLAG; then
  # the flag's help names them "a|b|c" or "a, b or c"
  ENGINES=$(awk '/^  -engine/ {f = 1; next} f && /^  -/ {exit} f' <<<"$SERVE_HELP" |
    grep -oE '[a-z]+(\|[a-z]+)+|[a-z]+(, [a-z]+)*,? or [a-z]+' | head -1 | sed 's/,* or /|/; s/, /|/g' |
    tr '|' '\n' | grep -vx auto | tr '\n' ' ' || true)
  [ -n "$ENGINES" ] || die "serve --help lists no engines for --engine (a|b|c): set BENCH_ENGINES"
else
  ENGINES=projection
fi
for e in $ENGINES; do
  $ENGINE_FLAG || [ "$e" = projection ] || die "this digidip has no --engine flag, so it has no engine $e"
done
# A server drains for --drain before it stops; the bench stops servers
# between runs and has no balancer to drain from.
DRAIN_ARGS=""
if grep -q -- '^  -drain' <<<"$SERVE_HELP"; then DRAIN_ARGS="--drain 0s"; fi
engine_args() { if $ENGINE_FLAG; then echo "--engine $1 $DRAIN_ARGS"; else echo "$DRAIN_ARGS"; fi; }
log "engines: $ENGINES (serve --engine: $ENGINE_FLAG)"

CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
words() { jq -nc --arg s "$1" '$s | split(" ") | map(select(. != ""))'; }
numbers() { jq -nc --arg s "$1" '$s | split(" ") | map(select(. != "") | tonumber)'; }
record "$(obj tool machine cpu "$CPU_MODEL" cores "$CORES" mem_gb "$(awk '/^MemTotal:/ {printf "%.0f", $2/1048576}' /proc/meminfo)" \
  go "$(go env GOVERSION)" kernel "$(uname -r)" cayley "$CAYLEY_VERSION" load_before "$(cut -d' ' -f1-3 /proc/loadavg)" \
  engine_flag "$ENGINE_FLAG" engines "$(words "$ENGINES")" sizes "$(numbers "$SIZES")" duration "$DUR" warmup "$WARM" \
  open_duration "$OPEN_DUR" rates "$(numbers "$RATES")" switch_rate "$SWITCH_RATE" repeat "$REPEAT" connections "$CONNS" starts "$STARTS" first "$FIRST" \
  want "$WANT" pg_size "${PG_SIZE:-none}" server_cpu "$SERVER_CPU" client_cpu "$CLIENT_CPU")"

# The ceiling runs for the whole benchmark: its answer does not depend on data.
ports ceiling
start ceiling "$BIN/ceiling" --addr "127.0.0.1:${SPORT[ceiling]}"
ready ceiling "$(now_ns)" --url "http://127.0.0.1:${SPORT[ceiling]}/plain" --contains data >/dev/null

# --- measuring ------------------------------------------------------------------
# loadrun PORT REQUESTS CONNS DURATION [loadgen flags...]: one loadgen run.
loadrun() {
  local port=$1 reqs=$2 conns=$3 dur=$4
  shift 4
  taskset -c "$CLIENT_CPU" "$BIN/loadgen" run --target "http://127.0.0.1:$port" --requests "$reqs" -c "$conns" -d "$dur" --warmup "$WARM" "$@"
}
# measure NAME REQUESTS CONNS DURATION RECORD-PAIRS -- [loadgen flags...]
measure() {
  local name=$1 reqs=$2 conns=$3 dur=$4 res
  shift 4
  local pairs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    pairs+=("$1")
    shift
  done
  if [ $# -gt 0 ]; then shift; fi
  alive "$name"
  res=$(loadrun "${SPORT[$name]}" "$reqs" "$conns" "$dur" --server-pid "${PID[$name]}" "$@") || die "loadgen against $name"
  # shellcheck disable=SC2086 # META holds "key value" words without spaces
  record "$res" tool loadgen server "$name" ${META[$name]} "${pairs[@]}"
  log "  $name ${pairs[*]}: $(jq -r '"\(.rps|floor) req/s, p50 \(.p50_ms) p99 \(.p99_ms) ms, errors \(.errors), non-full \(.nonfull)"' <<<"$res")"
}
# META[NAME]: what a server is, as record pairs (see server_meta).
declare -A META=()
server_meta() {
  local name=$1 role=$2 engine=$3 cache=$4 backend=$5
  META[$name]="role $role engine $engine cache $cache backend $backend"
}
# record_server JSON NAME TOOL [K V...]: a record about server NAME.
record_server() {
  local json=$1 name=$2
  shift 2
  # shellcheck disable=SC2086 # META holds "key value" words without spaces
  record "$json" tool "$1" server "$name" ${META[$name]} "${@:2}"
}

# timed_start NAME ATTEMPT SIZE WAIT-ARGS...: start NAME with
# START_CMD[NAME], wait until it answers as WAIT-ARGS say, record the
# start's time and the memory at ready.
declare -A START_CMD=()
timed_start() {
  local name=$1 attempt=$2 size=$3 t ms
  shift 3
  t=$(now_ns)
  # shellcheck disable=SC2086 # the command is words
  start "$name" ${START_CMD[$name]}
  ms=$(ready "$name" "$t" "$@")
  record_server "$(mem "$name")" "$name" start size "$size" attempt "$attempt" ms "$ms"
  log "  $name start $attempt: $ms ms"
}

# profile_cpu NAME SIZE KIND SECONDS [loadgen run args...]: a CPU profile of
# NAME over SECONDS while the load generator runs (not recorded as a run).
profile_cpu() {
  local name=$1 size=$2 kind=$3 secs=$4 f=$WORK/prof/$1-$2-$3
  curl -sf -o "$f.pprof" "http://127.0.0.1:${PPORT[$name]}/debug/pprof/profile?seconds=$secs" &
  local cpid=$!
  loadrun "${SPORT[$name]}" "$PLAN/onehop-graphql.jsonl" "$CONNS" "$((secs + 1))s" >/dev/null || true
  wait "$cpid" || { log "  profile of $name failed"; return 0; }
  profile_record "$name" "$size" "$kind" "$f"
}
# profile_record NAME SIZE KIND FILE-STEM: pprof's tables of FILE.pprof, recorded.
profile_record() {
  local name=$1 size=$2 kind=$3 f=$4
  (cd "$ROOT" && go tool pprof -top -nodecount=25 "$BIN/digidip" "$f.pprof" >"$f.top" 2>/dev/null &&
    go tool pprof -top -cum -nodecount=100000 "$BIN/digidip" "$f.pprof" >"$f.cum" 2>/dev/null) || {
    log "  pprof of $f failed"
    return 0
  }
  record_server "$("$BIN/loadgen" profile --top "$f.top" --cum "$f.cum")" "$name" profile size "$size" kind "$kind"
}
profile_heap() {
  local name=$1 size=$2 f=$WORK/prof/$1-$2-heap
  curl -sf -o "$f.pprof" "http://127.0.0.1:${PPORT[$name]}/debug/pprof/heap" || return 0
  (cd "$ROOT" && go tool pprof -sample_index=inuse_space -top -nodecount=15 "$BIN/digidip" "$f.pprof" >"$f.top" 2>/dev/null) || return 0
  record_server "$("$BIN/loadgen" profile --top "$f.top")" "$name" profile size "$size" kind heap
}

PERF=false
if command -v perf >/dev/null && perf record -q -o "$WORK/perf.test" -- true >/dev/null 2>&1; then PERF=true; fi

# --- one size -------------------------------------------------------------------
bench_size() {
  local n=$1 nq=$WORK/q$1.nq store=$WORK/store$1 quads gen t e name k
  PLAN=$WORK/plan$n
  log "== $n quads"
  "$BIN/digidip" gen --quads "$n" --seed "$SEED" -o "$nq"
  quads=$(grep -c . "$nq")
  local plan
  plan=$("$BIN/loadgen" plan --nquads "$nq" --out "$PLAN" --first "$FIRST" --want "$WANT") || die "plan"
  record "$(obj tool plan size "$n" quads "$quads" load_avg "$(cut -d' ' -f1-3 /proc/loadavg)" plan "$plan")"
  log "  plan: $plan"

  # The load into the store the servers will serve, with nothing else running.
  t=$(now_ns)
  taskset -c "$SERVER_CPU" "$BIN/digidip" load --nquads "$nq" --store "$store" >"$WORK/logs/load-$n.log" 2>&1 ||
    die "digidip load: $(cat "$WORK/logs/load-$n.log")"
  local ms
  ms=$(ms_since "$t")
  record "$(obj tool load size "$n" engine digidip backend bolt phase alone quads "$quads" ms "$ms")"
  log "  digidip load: $ms ms"
  gen=$(generation_of "$WORK/logs/load-$n.log")
  [ -n "$gen" ] || die "no generation in the load's output"
  record "$(obj tool store size "$n" backend bolt bytes "$(du -sb "$store/$gen" | cut -f1)" generation "$gen")"
  if [ "$CAYLEY_LOAD" = 1 ]; then
    t=$(now_ns)
    taskset -c "$SERVER_CPU" "$BIN/cayley" load --init -d bolt -a "$WORK/cayley-load$n" -i "$nq" >"$WORK/logs/cayley-load-$n.log" 2>&1 ||
      die "cayley load: $(tail -3 "$WORK/logs/cayley-load-$n.log")"
    ms=$(ms_since "$t")
    record "$(obj tool load size "$n" engine cayley backend bolt phase alone quads "$quads" ms "$ms" bytes "$(du -sb "$WORK/cayley-load$n" | cut -f1)")"
    rm -rf "$WORK/cayley-load$n"
  fi

  # Each engine watches a store of its own (a copy), so that its switch
  # later is its own; its servers start BENCH_STARTS times, the last stays.
  local servers=()
  for e in $ENGINES; do
    cp -a "$store" "$store-$e"
    name=$e
    ports "$name"
    server_meta "$name" engine "$e" off bolt
    START_CMD[$name]="$BIN/digidip serve $(engine_args "$e") --store $store-$e --addr 127.0.0.1:${SPORT[$name]} --poll 100ms --cache-entries 0 --pprof 127.0.0.1:${PPORT[$name]} --log json"
    for k in $(seq 1 "$STARTS"); do
      # shellcheck disable=SC2046 # healthz prints flags
      timed_start "$name" "$k" "$n" $(healthz "${SPORT[$name]}" "$gen")
      [ "$k" -eq "$STARTS" ] || stop "$name"
    done
    name=$e+cache
    ports "$name"
    server_meta "$name" engine "$e" on bolt
    START_CMD[$name]="$BIN/digidip serve $(engine_args "$e") --store $store-$e --addr 127.0.0.1:${SPORT[$name]} --poll 100ms --pprof 127.0.0.1:${PPORT[$name]} --log json"
    # shellcheck disable=SC2046 # healthz prints flags
    timed_start "$name" 1 "$n" $(healthz "${SPORT[$name]}" "$gen")
  done

  # The anchors, on a byte copy of the generation digidip serves (Cayley's
  # bolt backend locks the file exclusively, even read-only): first Cayley's
  # Go path API in this copy, alone on the server core, then `cayley http`.
  local cay=$WORK/cayley$n
  mkdir -p "$cay"
  cp "$store/$gen/indexes.bolt" "$cay/indexes.bolt"
  cmp -s "$store/$gen/indexes.bolt" "$cay/indexes.bolt" || die "the copy of $gen differs"
  local res
  res=$(taskset -c "$SERVER_CPU" "$BIN/pathapi" --db "$cay" --hop "$PLAN/onehop.json" -d "$DUR" --warmup "$WARM") || die "pathapi"
  record "$res" tool pathapi server path-api role anchor engine cayley-path-api cache off backend bolt size "$n" query onehop
  log "  path API: $(jq -r '"\(.rps|floor) ops/s, p50 \(.p50_ms) p99 \(.p99_ms) ms, non-full \(.nonfull)"' <<<"$res")"

  name=gizmo
  ports gizmo
  server_meta gizmo anchor gizmo off bolt
  START_CMD[gizmo]="$BIN/cayley http -d bolt -a $cay --read_only --host 127.0.0.1:${SPORT[gizmo]}"
  for k in $(seq 1 "$STARTS"); do
    timed_start gizmo "$k" "$n" --url "http://127.0.0.1:${SPORT[gizmo]}/query/gizmo" --post 'g.V().Limit(1).All()' --contains result
    [ "$k" -eq "$STARTS" ] || stop gizmo
  done
  server_meta ceiling ceiling ceiling off none
  META[plain]="role headroom engine plain cache off backend none"
  SPORT[plain]=${SPORT[ceiling]} PID[plain]=${PID[ceiling]}

  # Saturation, rounds interleaving the servers.
  local cold=() hot=()
  for e in $ENGINES; do cold+=("$e") hot+=("$e+cache"); done
  for k in $(seq 1 "$REPEAT"); do
    measure gizmo "$PLAN/onehop-gizmo.jsonl" "$CONNS" "$DUR" size "$n" query onehop mode saturation run "$k"
    for name in "${cold[@]}" "${hot[@]}" ceiling; do
      measure "$name" "$PLAN/onehop-graphql.jsonl" "$CONNS" "$DUR" size "$n" query onehop mode saturation run "$k"
    done
    measure plain "$PLAN/onehop-plain.jsonl" "$CONNS" "$DUR" size "$n" query onehop mode saturation run "$k"
  done
  unset "PID[plain]"

  # Fixed rates: fractions of the ceiling's best saturation rate here.
  local ceil_rps frac rate
  ceil_rps=$(jq -s --arg run "$RUN_ID" --argjson n "$n" '[.[] | select(.run_id == $run and .size == $n and .server == "ceiling" and .mode == "saturation") | .rps] | max // 0' "$RECORDS")
  for frac in $RATES; do
    rate=$(awk -v c="$ceil_rps" -v f="$frac" 'BEGIN {printf "%.0f", c * f}')
    [ "$rate" -gt 0 ] || continue
    measure gizmo "$PLAN/onehop-gizmo.jsonl" "$CONNS" "$OPEN_DUR" size "$n" query onehop mode open rate_of "$frac" -- --rate "$rate"
    for name in "${cold[@]}" ceiling; do
      measure "$name" "$PLAN/onehop-graphql.jsonl" "$CONNS" "$OPEN_DUR" size "$n" query onehop mode open rate_of "$frac" -- --rate "$rate"
    done
  done

  # Other questions, one connection, each engine without the cache.
  local q
  for e in $ENGINES; do
    for q in search searchtext subgraph path; do
      measure "$e" "$PLAN/$q.jsonl" 1 "$LAT_DUR" size "$n" query "$q" mode saturation run 1
    done
  done

  # Where the time goes, and the memory after all that.
  for e in $ENGINES; do
    profile_cpu "$e" "$n" cpu-onehop "$PROF_S"
    profile_heap "$e" "$n"
  done
  for name in "${cold[@]}" "${hot[@]}" gizmo; do
    record_server "$(mem "$name")" "$name" mem size "$n" phase steady
  done
  stop gizmo
  for name in "${hot[@]}"; do stop "$name"; done
  rm -rf "$cay"

  # A generation switch while serving, engine by engine: a second load into
  # the store the server watches, from the load generator's core, while the
  # load generator sends at a fixed rate. The switch is the time from the
  # end of the load to the server answering from the new generation.
  rate=$(awk -v c="$ceil_rps" -v f="$SWITCH_RATE" 'BEGIN {printf "%.0f", c * f}')
  local slowest
  for e in $ENGINES; do
    slowest=$(jq -s --arg run "$RUN_ID" --argjson n "$n" --arg s "$e" '[.[] | select(.run_id == $run and .size == $n and .server == $s and .tool == "start") | .ms] | max // 1000' "$RECORDS")
    local lg=$WORK/logs/switch-$e-$n.json
    taskset -c "$CLIENT_CPU" "$BIN/loadgen" run --target "http://127.0.0.1:${SPORT[$e]}" --requests "$PLAN/onehop-graphql.jsonl" \
      -c "$CONNS" -d 3600s --warmup 1s --rate "$rate" --server-pid "${PID[$e]}" >"$lg" &
    local lgpid=$!
    sleep 2
    local perf=() pf=$WORK/prof/load-$e-$n.perf
    if $PERF; then perf=(perf record -q -F 499 -o "$pf" --); fi
    t=$(now_ns)
    "${perf[@]}" taskset -c "$CLIENT_CPU" "$BIN/digidip" load --nquads "$nq" --store "$store-$e" >"$WORK/logs/load2-$e-$n.log" 2>&1 ||
      die "digidip load while serving: $(cat "$WORK/logs/load2-$e-$n.log")"
    local load_ms t1
    load_ms=$(ms_since "$t")
    t1=$(now_ns)
    local gen2 psecs
    gen2=$(generation_of "$WORK/logs/load2-$e-$n.log")
    psecs=$(((slowest * 3 / 2 + 999) / 1000))
    psecs=$((psecs < 2 ? 2 : psecs > 30 ? 30 : psecs))
    curl -sf -o "$WORK/prof/$e-$n-cpu-switch.pprof" "http://127.0.0.1:${PPORT[$e]}/debug/pprof/profile?seconds=$psecs" &
    local cpid=$!
    # shellcheck disable=SC2046 # healthz prints flags
    ms=$(ready "$e" "$t1" $(healthz "${SPORT[$e]}" "$gen2"))
    sleep 2
    kill -TERM "$lgpid"
    wait "$lgpid" || die "loadgen during the switch: $(cat "$lg")"
    record "$(cat "$lg")" tool loadgen server "$e" role engine engine "$e" cache off backend bolt size "$n" query onehop mode open phase switch rate_of "$SWITCH_RATE"
    record_server "$(mem "$e")" "$e" switch size "$n" ms "$ms" load_ms "$load_ms" generation "$gen2"
    log "  $e switched in $ms ms (load $load_ms ms); during it: $(jq -r '"p99 \(.p99_ms) max \(.max_ms) ms, errors \(.errors), non-full \(.nonfull)"' <"$lg")"
    if wait "$cpid"; then profile_record "$e" "$n" cpu-switch "$WORK/prof/$e-$n-cpu-switch"; fi
    if $PERF && [ -f "$pf" ]; then
      perf report -i "$pf" --stdio --no-children -F overhead,sym -g none --percent-limit 0.5 2>/dev/null >"$pf.txt" &&
        record "$("$BIN/loadgen" profile --perf "$pf.txt")" tool profile server "digidip load" size "$n" kind perf-load engine "$e"
    fi
    sleep 1
    record_server "$(mem "$e")" "$e" mem size "$n" phase after-switch
  done
  for e in $ENGINES; do stop "$e"; done

  if [ "$n" = "$PG_SIZE" ]; then bench_postgres "$n" "$nq" "$quads"; fi
  for e in $ENGINES; do rm -rf "$store-$e"; done
  rm -rf "$store" "$nq"
}

# bench_postgres SIZE NQ QUADS: each engine on a scratch database, two
# replicas serving it, the 1-hop question at one connection on each.
bench_postgres() {
  local n=$1 nq=$2 quads=$3 e t ms r
  if ! pgsql -qc 'select 1' >/dev/null 2>&1; then
    log "PostgreSQL does not answer on 127.0.0.1:5432 as postgres: skipped"
    record "$(obj tool postgres size "$n" skipped "PostgreSQL did not answer on 127.0.0.1:5432")"
    return 0
  fi
  for e in $ENGINES; do
    PG_DB="digidip_bench_$$"
    pgsql -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1
    pgsql -qc "CREATE DATABASE $PG_DB" >/dev/null
    local url="postgres://postgres@127.0.0.1:5432/$PG_DB?sslmode=disable"
    t=$(now_ns)
    taskset -c "$SERVER_CPU" "$BIN/digidip" load --nquads "$nq" --backend postgres --store "$url" >"$WORK/logs/pg-load-$e.log" 2>&1 ||
      die "digidip load (postgres): $(cat "$WORK/logs/pg-load-$e.log")"
    ms=$(ms_since "$t")
    record "$(obj tool load size "$n" engine digidip backend postgres phase alone quads "$quads" ms "$ms" for_engine "$e")"
    local gen
    gen=$(generation_of "$WORK/logs/pg-load-$e.log")
    for r in a b; do
      local name=$e@postgres-$r
      ports "$name"
      META[$name]="role engine engine $e cache off backend postgres replica $r"
      START_CMD[$name]="$BIN/digidip serve $(engine_args "$e") --backend postgres --store $url --addr 127.0.0.1:${SPORT[$name]} --poll 500ms --cache-entries 0 --pprof 127.0.0.1:${PPORT[$name]} --log json"
      # shellcheck disable=SC2046 # healthz prints flags
      timed_start "$name" 1 "$n" $(healthz "${SPORT[$name]}" "$gen")
    done
    for r in a b; do
      measure "$e@postgres-$r" "$PLAN/onehop-graphql.jsonl" 1 "$DUR" size "$n" query onehop mode saturation run 1
    done
    measure "$e@postgres-a" "$PLAN/onehop-graphql.jsonl" "$CONNS" "$DUR" size "$n" query onehop mode saturation run 1
    for r in a b; do
      record_server "$(mem "$e@postgres-$r")" "$e@postgres-$r" mem size "$n" phase steady
      stop "$e@postgres-$r"
    done
    record "$(obj tool store size "$n" backend postgres bytes "$(pgsql -tAc "select pg_database_size('$PG_DB')")" for_engine "$e")"
    pgsql -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
    PG_DB=""
  done
}

T0=$(now_ns)
for n in $SIZES; do bench_size "$n"; done
stop ceiling

if [ -n "$SOAK" ]; then
  log "soak ($SOAK)"
  soak_status=0
  SOAK_DURATION=$SOAK SOAK_PORT=$NEXT_PORT SOAK_OUT="$WORK/soak.md" "$ROOT/bench/soak.sh" >"$WORK/logs/soak.log" 2>&1 || soak_status=$?
  record "$(obj tool soak duration "$SOAK" status "$soak_status")" markdown "$(cat "$WORK/soak.md" 2>/dev/null || tail -5 "$WORK/logs/soak.log")"
fi
record "$(obj tool total ms "$(ms_since "$T0")" load_after "$(cut -d' ' -f1-3 /proc/loadavg)")"
render "$RUN_ID"
log "records appended to $RECORDS (run $RUN_ID); wrote $OUT"
