#!/usr/bin/env bash
# The robustness suite in one command: hostile inputs, fuzzing, faults,
# the GraphQL-over-HTTP audit and the attacks of issue 12, with a table of
# what held. (The soak, five minutes at saturation, is bench/soak.sh, which
# bench/run.sh also runs.)
#
#   bench/robustness.sh            # FUZZTIME=20s per fuzz target
#   FUZZTIME=2m bench/robustness.sh
#   ATTACK_ONLY='aliases|export' bench/robustness.sh   # some attacks only
#
# The attacks (bench/attack) each start `digidip serve` with its default
# flags and measure wall time, server CPU (also in the 2 s after the
# answer), answer bytes and RSS against the attack's budget; a row over its
# budget fails the suite. Their raw records (JSON lines), their own table
# and the servers' logs stay in the logs directory, under attacks/.
#
# Suites that need a service run when it is there: the audit when Node and
# server/testdata/audit/node_modules are (npm ci), the PostgreSQL faults when
# DIGIDIP_TEST_POSTGRES names a database; .ci/run sets both up.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}
log=$(mktemp -d)
rows=()
failed=0

row() { rows+=("| $1 | $2 | $3 |"); }

# run NAME PKG PATTERN: run tests, keep their output, report pass/fail.
run() {
	local name=$1 pkg=$2 pattern=$3 out=$log/$1.log
	if go test "$pkg" -run "$pattern" -count=1 -v >"$out" 2>&1; then
		return 0
	fi
	failed=1
	echo "--- $name failed:"; grep -E -- '--- FAIL|_test.go:[0-9]+' "$out" | head -20
	return 1
}

# Hostile inputs: one table of requests, each with its exact answer.
if run hostile ./server 'TestHostile$|TestIntrospectionOff$|TestRateLimit$|TestSecurityHeaders$|TestInternalErrorsAreMasked$|TestDeadlineStopsWork$'; then
	tried=$(grep -oE 'hostile inputs: [0-9]+ tried' "$log/hostile.log" | grep -oE '[0-9]+')
	ok=$(grep -cE '^\s+\| .* \| ok \|$' "$log/hostile.log" || true)
	row "hostile inputs" "$ok of $tried answered right, then a normal query each time; also: introspection off, rate limit 429, security headers, masked internal errors, deadline" "pass"
else
	row "hostile inputs" "see $log/hostile.log" "FAIL"
fi

# Fuzzing: each target for FUZZTIME (minimising a new input is capped, or it
# would eat the time).
for target in "./loaders FuzzRead" "./server FuzzRequestBody" "./server FuzzQuery" "./graph FuzzCursor" "./export FuzzExportParams"; do
	set -- $target
	out=$log/fuzz-$2.log
	if go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 5s >"$out" 2>&1; then
		execs=$(grep -oE 'execs: [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+')
		row "fuzz $2 ($1)" "$FUZZTIME, ${execs:-?} executions, no failure" "pass"
	else
		failed=1
		row "fuzz $2 ($1)" "$(grep -m1 -E 'Failing input|FAIL' "$out")" "FAIL"
	fi
done

# Faults.
if run faults-store ./store 'TestBoltFaults$|TestSharedStore$|TestReplaceKeepsTheOldGraphOnError$'; then
	row "store faults" "locked, corrupt, missing generation: errors name the path; a failed load keeps the graph; two servers share a store" "pass"
else
	row "store faults" "see $log/faults-store.log" "FAIL"
fi
if run faults-ro . 'TestReadOnlyStore$' && ! grep -q -- '--- SKIP' "$log/faults-ro.log"; then
	row "read-only store" "a load is refused naming the store; nothing changes; reading still works" "pass"
elif grep -q -- '--- SKIP' "$log/faults-ro.log" 2>/dev/null; then
	row "read-only store" "$(grep -m1 -A1 -- '--- SKIP' "$log/faults-ro.log" | tail -1 | sed 's/^ *//')" "skipped"
else
	row "read-only store" "see $log/faults-ro.log" "FAIL"
fi
if run faults-kill . 'TestKillDuringLoad$'; then
	row "kill -9 during load" "$(grep -oE '24 loads: .*' "$log/faults-kill.log")" "pass"
else
	row "kill -9 during load" "see $log/faults-kill.log" "FAIL"
fi
if run faults-serve . 'TestLoadWhileServing$'; then
	row "load while serving" "$(grep -oE '[0-9]+ answers during 6 loads' "$log/faults-serve.log"), every one graph A or B whole" "pass"
else
	row "load while serving" "see $log/faults-serve.log" "FAIL"
fi
if [ -n "${DIGIDIP_TEST_POSTGRES:-}" ]; then
	if run faults-pg . 'TestPostgresDownAndRestarted$|TestTwoReplicasOnPostgres$'; then
		row "PostgreSQL down at start, then restarted; two replicas" "retries with backoff, /healthz 503, answers from the read model, recovers without a restart; two servers answer alike and both see a load" "pass"
	else
		row "PostgreSQL down at start, then restarted; two replicas" "see $log/faults-pg.log" "FAIL"
	fi
else
	row "PostgreSQL down at start, then restarted; two replicas" "DIGIDIP_TEST_POSTGRES not set" "skipped"
fi

# The graphql-http audit.
if command -v node >/dev/null && [ -d server/testdata/audit/node_modules/graphql-http ]; then
	if DIGIDIP_TEST_AUDIT=1 run audit ./server 'TestGraphQLHTTPAudit$'; then
		row "graphql-http audit" "$(grep -oE '[0-9]+ audits, all ok' "$log/audit.log")" "pass"
	else
		row "graphql-http audit" "see $log/audit.log" "FAIL"
	fi
else
	row "graphql-http audit" "node or its npm packages missing (cd server/testdata/audit && npm ci)" "skipped"
fi

# The attacks of issue 12: a row each, with its budget. The runner exits 1
# when a row is over its budget (the row says why), 2 when it could not run.
attack_args=(-out "$log/attacks")
[ -n "${ATTACK_ONLY:-}" ] && attack_args+=(-only "$ATTACK_ONLY")
status=0
if go build -o "$log/attack" ./bench/attack >"$log/attacks.log" 2>&1; then
	"$log/attack" "${attack_args[@]}" >"$log/attacks.rows" 2>>"$log/attacks.log" || status=$?
else
	status=2
fi
if [ -f "$log/attacks.rows" ]; then
	while IFS= read -r line; do rows+=("$line"); done < <(grep '^| attack: ' "$log/attacks.rows" || true)
fi
if [ "$status" -ne 0 ]; then
	failed=1
	if [ "$status" -ne 1 ]; then
		row "attacks (bench/attack)" "the runner stopped: $(grep -v '^time=' "$log/attacks.log" | tail -1); see $log/attacks.log" "FAIL"
	fi
fi

# Loopback has ::1/128 only, so the attack runner cannot rotate addresses of
# one IPv6 /64; the real handler's tests can, by the peer address they set.
if run ratelimit-keys ./server 'TestRateLimitKeys$|TestClientAddrAndKey$|TestParseTrustedProxies$'; then
	row "rate limit keys (IPv6 /64, trusted proxies)" "addresses rotating within one /64 share one budget, another /64 has its own; X-Forwarded-For is read only from a trusted proxy (server tests through the real handler)" "pass"
else
	row "rate limit keys (IPv6 /64, trusted proxies)" "see $log/ratelimit-keys.log" "FAIL"
fi

printf '\n| suite | result | |\n|---|---|---|\n'
printf '%s\n' "${rows[@]}"
printf '\nlogs: %s\n' "$log"
exit $failed
