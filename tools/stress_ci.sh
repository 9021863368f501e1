#!/usr/bin/env bash
# Green on a busy machine: run `make test` N times while two CPU-burning processes compete for the same cores,
# as on a shared CI box, and report how many runs passed.
#
#   tools/stress_ci.sh [N]          # default 5; exits 0 only when all N runs pass
#   BURNERS=3 tools/stress_ci.sh 2  # more (or fewer) burners
#   MAKE_ARGS="TARGETS=inprocess" tools/stress_ci.sh 1
#   WARMUP=0 tools/stress_ci.sh 1   # start the first run at once (default: 60 s after the burners start, so the
#                                   # machine is as busy as a shared CI box already is when a job lands on it)
#
# Each run's output goes to reports/stress/run-<i>.log (reports/ is git-ignored); the summary lists every run's
# exit code, duration, and for a failed run the stages `make test` listed as failed. The burners are started
# here and stopped here (by their process ids), also when the script is interrupted.
set -uo pipefail

N="${1:-5}"
BURNERS="${BURNERS:-2}"
MAKE_ARGS="${MAKE_ARGS:-}"
WARMUP="${WARMUP:-60}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOGS="$ROOT/reports/stress"
mkdir -p "$LOGS"

burner_pids=()
stop_burners() {
  for pid in "${burner_pids[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  burner_pids=()
}
trap stop_burners EXIT
trap 'stop_burners; exit 130' INT TERM

for _ in $(seq 1 "$BURNERS"); do
  # a busy loop at normal priority: it takes a whole core for as long as it runs
  python3 -c 'while True: pass' &
  burner_pids+=("$!")
done
echo "stress: $N x make test ${MAKE_ARGS} beside $BURNERS CPU burners (pids ${burner_pids[*]}) on $(nproc) cores"
sleep "$WARMUP"
echo "load average as the first run starts: $(cut -d' ' -f1-3 /proc/loadavg)"

passed=0
summary=()
for i in $(seq 1 "$N"); do
  log="$LOGS/run-$i.log"
  start=$(date +%s)
  ( cd "$ROOT" && make test $MAKE_ARGS ) > "$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    summary+=("run $i: passed in ${took} s (load average at its end: $(cut -d' ' -f1 /proc/loadavg))")
  else
    failed_stages=$(grep '^FAILED: ' "$log" | sed 's/^FAILED: //' | paste -sd ';' -)
    summary+=("run $i: FAILED (exit $rc) in ${took} s: ${failed_stages:-see $log}")
  fi
  echo "${summary[-1]}"
done

stop_burners
echo
echo "stress summary ($BURNERS burners, $(nproc) cores):"
printf '  %s\n' "${summary[@]}"
echo "make test passed $passed of $N runs (logs: $LOGS)"
[ "$passed" -eq "$N" ]
