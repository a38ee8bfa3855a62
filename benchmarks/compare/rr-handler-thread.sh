#!/usr/bin/env bash
# Under rr with `Connection: close`: which thread runs a worker's connection handler. The demo with
# `--handler-thread io` (ServerOptions.withNonBlockingHandler(true): the worker's IPC reader acknowledges
# and runs the handler, the demo's default) against `--handler-thread own` (a thread of the server's own,
# one more wake-up per connection), 2 workers each, alternating in one run.
#
#   benchmarks/compare/rr-handler-thread.sh [SECONDS] [ROUNDS]     (defaults: 4 s, 5 rounds)
#
# Prints one line per run, then the medians:
#   rr-handler-thread <io|own> conn_per_s=<n> workers_cpu_us_per_conn=<n>
# The workers' CPU is their utime+stime from /proc over the run, divided by the requests wrk completed.
# Both clusters start first and get a WARMUP-second (25) run each; the one not measured idles meanwhile.
set -euo pipefail
duration=${1:-4}
rounds=${2:-5}
warmup=${WARMUP:-25}
source "$(dirname "$0")/http-common.sh"

use_cds

declare -A pid port log
for mode in own io; do
  log[$mode]=$work/handler-$mode.log
  start_demo rr 2 "${log[$mode]}" --handler-thread "$mode"
  pid[$mode]=$demo_pid; port[$mode]=$demo_port
  other_pids="$other_pids $demo_pid"
done
workers_ticks() { cpu_ticks $(demo_worker_pids "$1"); }
for mode in own io; do
  run_wrk close "${port[$mode]}" "$warmup" >/dev/null
done
declare -A rates cpus
for _ in $(seq "$rounds"); do
  for mode in own io; do
    before=$(workers_ticks "${log[$mode]}")
    read -r rps requests _ < <(run_wrk close "${port[$mode]}" "$duration")
    after=$(workers_ticks "${log[$mode]}")
    cpu=$(us_per $((after - before)) "$requests")
    echo "rr-handler-thread $mode conn_per_s=$rps workers_cpu_us_per_conn=$cpu"
    rates[$mode]="${rates[$mode]:-} $rps"; cpus[$mode]="${cpus[$mode]:-} $cpu"
  done
done
for mode in own io; do
  demo_pid=${pid[$mode]}
  stop_demo "${log[$mode]}"
  echo "median $mode conn_per_s=$(echo "${rates[$mode]}" | median) workers_cpu_us_per_conn=$(echo "${cpus[$mode]}" | median)"
done
demo_pid=""
