#!/usr/bin/env bash
# How much cpu time each of the demo's two event loops gets during a keep-alive run under rr, and how long
# each waits for a cpu: the evidence behind http.sh's keep-alive request spread (README, "Why split").
#
#   benchmarks/compare/http-cpu-share.sh [SECONDS]     (default 10)
#
# Starts the demo (rr, 2 workers, one event loop each, in the LAYOUT chosen: shared by default), warms it
# up with four 5 s keep-alive runs, then runs wrk (keep-alive) for SECONDS. Prints one line per worker:
#   cpu-share worker=<pid> loop_ran_ms=<n> loop_waited_ms=<n>
# the event loop's time on a cpu and its time runnable but waiting for one over the run (the kernel's
# /proc/PID/task/TID/schedstat), then the ratio of the two run times. Under keep-alive a worker answers
# requests as fast as its loop runs, so that ratio is the request spread the dealing cannot remove.
set -euo pipefail
duration=${1:-10}
export DEMO_THREADS=1
source "$(dirname "$0")/http-common.sh"

use_cds
log=$work/cpu-share.log
start_demo rr 2 "$log"
for _ in 1 2 3 4; do run_wrk keepalive "$demo_port" 5 >/dev/null; done
pids=($(demo_worker_pids "$log"))

# event_loop_tid PID: the thread id of the worker's Netty event loop.
event_loop_tid() { ps -L -p "$1" -o tid=,comm= | awk '$2 ~ /^demo-http/ { print $1; exit }'; }
# schedstat PID TID: "<ns on a cpu> <ns runnable, waiting for a cpu>".
schedstat() { awk '{ print $1, $2 }' "/proc/$1/task/$2/schedstat"; }
tids=($(event_loop_tid "${pids[0]}") $(event_loop_tid "${pids[1]}"))

declare -a before after
for i in 0 1; do before[$i]=$(schedstat "${pids[$i]}" "${tids[$i]}"); done
run_wrk keepalive "$demo_port" "$duration" >/dev/null
for i in 0 1; do after[$i]=$(schedstat "${pids[$i]}" "${tids[$i]}"); done
stop_demo "$log"

ran=()
for i in 0 1; do
  read -r ran0 waited0 <<<"${before[$i]}"; read -r ran1 waited1 <<<"${after[$i]}"
  ran[$i]=$(( (ran1 - ran0) / 1000000 ))
  echo "cpu-share worker=${pids[$i]} loop_ran_ms=${ran[$i]} loop_waited_ms=$(( (waited1 - waited0) / 1000000 ))"
done
echo "event loops' run time ratio (max/min): $(printf '%s\n' "${ran[@]}" | spread) (layout $layout)"
