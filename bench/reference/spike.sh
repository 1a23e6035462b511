#!/usr/bin/env bash
# spike.sh: one reference run against a fresh embedded engine.
#
# Starts a slopipe daemon with its own data directory, used only as the
# engine behind ClickHouse's HTTP interface, points the reference collector
# at it (database "reference"), sends traces then logs with telemetrygen,
# waits until the rows have landed, and prints items/s landed and the
# reference's CPU seconds (from /proc).
#
# Not the harness of issue 8 (no medians, no slopipe side): its first
# building block. Environment:
#   TRACES, LOGS   traces (2 spans each) and log records to send
#   WORKERS        telemetrygen workers (default 4)
#   TRACE_RATE     spans/s per worker for traces: unthrottled, telemetrygen's
#                  SDK batch span processor drops what overflows its queue
#   REFERENCE_COMPRESS, REFERENCE_ASYNC_INSERT, REFERENCE_JSON  see config.yaml
#   SLOPIPE_BIN    the daemon serving the engine (default bin/slopipe)
#   KEEP=1         leave both processes and the work directory behind
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
slopipe=${SLOPIPE_BIN:-$root/bin/slopipe}
traces=${TRACES:-50000}
logs=${LOGS:-100000}
workers=${WORKERS:-4}
trace_rate=${TRACE_RATE:-2500}
telemetrygen=${TELEMETRYGEN:-/root/.cache/slopipe/bin/telemetrygen-v0.161.0}
work=$(mktemp -d /tmp/slopipe-bench.XXXXXX)

ch_port=${CH_PORT:-28123}
ref_grpc=${REF_GRPC:-127.0.0.1:34317}
ch="http://127.0.0.1:$ch_port/"

engine_pid= ref_pid=
cleanup() {
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "left running: engine $engine_pid, reference $ref_pid, work dir $work"
		return
	fi
	[[ -n $ref_pid ]] && kill "$ref_pid" 2>/dev/null || true
	[[ -n $engine_pid ]] && kill "$engine_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

[[ -x $here/reference ]] || (cd "$here" && go build -o reference .)
[[ -x $slopipe ]] || (cd "$root" && make build)

mkdir -p "$work/engine/slos"
(
	cd "$work/engine"
	export SLOPIPE_DATA_DIR=$work/engine SLOPIPE_SLO_DIR=$work/engine/slos
	export SLOPIPE_LIBCHDB=${SLOPIPE_LIBCHDB:-/root/.cache/slopipe/chdb-26.5.3/libchdb.so}
	export SLOPIPE_CLICKHOUSE_HTTP_ADDR=127.0.0.1:$ch_port
	# Everything else on ports no other slopipe uses.
	export SLOPIPE_OTLP_GRPC_ENDPOINT=127.0.0.1:24317 SLOPIPE_OTLP_HTTP_ENDPOINT=127.0.0.1:24318
	export SLOPIPE_SELF_TELEMETRY_ENDPOINT=127.0.0.1:24319 SLOPIPE_REMOTE_WRITE_ENDPOINT=127.0.0.1:29291
	export SLOPIPE_HEALTH_ENDPOINT=127.0.0.1:23133 SLOPIPE_TELEMETRY_PORT=28888 SLOPIPE_API_ADDR=127.0.0.1:28088
	exec "$slopipe" >"$work/engine.log" 2>&1 </dev/null
) &
engine_pid=$!
for _ in $(seq 60); do curl -sf "$ch?query=SELECT+1" >/dev/null 2>&1 && break; sleep 0.5; done

query() { curl -sS --max-time 30 "$ch" --data-binary "$1"; }

REFERENCE_CLICKHOUSE_HTTP_ADDR=127.0.0.1:$ch_port REFERENCE_OTLP_GRPC_ENDPOINT=$ref_grpc \
	"$here/reference" --config "$here/config.yaml" >"$work/reference.log" 2>&1 </dev/null &
ref_pid=$!
for _ in $(seq 60); do
	[[ $(query "SELECT count() FROM system.tables WHERE database = 'reference' AND name IN ('otel_traces', 'otel_logs')" 2>/dev/null) == 2 ]] && break
	sleep 0.5
done

# cpu prints the process's user+system CPU seconds.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# landed waits until table holds want rows (or stops growing) and prints the
# seconds from t0 to the last row.
landed() {
	local table=$1 want=$2 t0=$3 n last=-1 same=0
	while :; do
		n=$(query "SELECT count() FROM reference.$table")
		[[ $n -ge $want ]] && break
		if [[ $n == "$last" ]]; then ((++same >= 20)) && break; else same=0; fi
		last=$n
		sleep 0.25
	done
	echo "$n $(echo "$(date +%s.%N) - $t0" | bc)"
}

run() {
	local signal=$1 table=$2 want=$3; shift 3
	local c0 c1 e0 e1 t0 sent got secs
	c0=$(cpu "$ref_pid") e0=$(cpu "$engine_pid")
	t0=$(date +%s.%N)
	"$telemetrygen" "$signal" --otlp-insecure --otlp-endpoint "$ref_grpc" --workers "$workers" "$@" >"$work/telemetrygen-$signal.log" 2>&1
	sent=$(echo "$(date +%s.%N) - $t0" | bc)
	read -r got secs < <(landed "$table" "$want" "$t0")
	c1=$(cpu "$ref_pid") e1=$(cpu "$engine_pid")
	printf '%-6s sent %8d in %6.2fs, landed %8d in %6.2fs = %8.0f/s  reference CPU %6.2fs (%6.0f items/CPU-s)  engine CPU %6.2fs\n' \
		"$signal" "$want" "$sent" "$got" "$secs" "$(echo "$got / $secs" | bc -l)" "$(echo "$c1 - $c0" | bc)" \
		"$(echo "$got / ($c1 - $c0 + 0.001)" | bc -l)" "$(echo "$e1 - $e0" | bc)"
}

per_worker_traces=$((traces / workers)) per_worker_logs=$((logs / workers))
run traces otel_traces $((per_worker_traces * workers * 2)) --traces "$per_worker_traces" --rate "$trace_rate"
run logs otel_logs $((per_worker_logs * workers)) --logs "$per_worker_logs" --rate 0
echo "reference RSS peak: $(awk '/VmHWM/ { print $2, $3 }' "/proc/$ref_pid/status")  errors in reference log: $(grep -c -iE '\berror\b' "$work/reference.log" || true)"
