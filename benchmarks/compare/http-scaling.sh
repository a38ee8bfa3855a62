#!/usr/bin/env bash
# How the cost of a round-robin cluster grows with its workers: the jcluster HTTP demo under rr with
# 1, 2, 4 and 8 workers, loaded by wrk with one connection per request (`Connection: close`), the case
# where the primary does the most: it accepts every connection and passes it to a worker.
#
#   benchmarks/compare/http-scaling.sh [SECONDS] [WORKER_COUNTS]     (defaults: 5 s, "1 2 4 8")
#
# Prints, per worker count:
#   http-scaling rr close workers=<n> conn_per_s=<x> primary_cpu_us_per_conn=<x> workers_cpu_us_per_conn=<x>
#     rss_total_kB=<primary + workers> rss_primary_kB=<x> rss_per_worker_kB=<x> idle_rss_total_kB=<x>
# CPU: utime+stime from /proc/<pid>/stat just before and just after one wrk run of SECONDS (after a
# WARMUP-second one, default 20, as in http.sh: the JIT's own CPU is not counted), divided by the
# connections wrk completed. Memory: VmRSS from /proc/<pid>/status, summed over
# the primary and its workers, right after the run (idle_: once every worker listens, before any load).
# VmRSS counts pages shared between JVMs (the CDS archive, the JDK's own) in each process.
# The workers' CPU includes their JIT at 4 and 8 workers: each gets 1/n of the warm-up's connections, so
# its hot path compiles later (WARMUP=60 brings 8 workers from ~1000 to ~280 us per connection); the
# primary's figure, the one this script is for, is warm at every count.
# Same build, JVM flags and start-up recipe as http.sh (see http-common.sh for the knobs).
set -euo pipefail
duration=${1:-5}
counts=${2:-1 2 4 8}
warmup=${WARMUP:-20}
source "$(dirname "$0")/http-common.sh"

use_cds

# rss_kB PID...: the sum of VmRSS.
rss_kB() {
  local pid
  for pid in "$@"; do awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; done | awk '{ s += $1 } END { print s + 0 }'
}

for n in $counts; do
  log=$work/scaling-$n.log
  start_demo rr "$n" "$log"
  workers=$(demo_worker_pids "$log" | tr '\n' ' ')
  idle_rss=$(rss_kB "$demo_pid" $workers)
  run_wrk close "$demo_port" "$warmup" >/dev/null
  p0=$(cpu_ticks "$demo_pid"); w0=$(cpu_ticks $workers)
  read -r rps requests errors < <(run_wrk close "$demo_port" "$duration")
  p1=$(cpu_ticks "$demo_pid"); w1=$(cpu_ticks $workers)
  rss_primary=$(rss_kB "$demo_pid"); rss_workers=$(rss_kB $workers)
  stop_demo "$log"
  echo "http-scaling rr close workers=$n conn_per_s=$rps" \
    "primary_cpu_us_per_conn=$(us_per $((p1 - p0)) "$requests")" \
    "workers_cpu_us_per_conn=$(us_per $((w1 - w0)) "$requests")" \
    "rss_total_kB=$((rss_primary + rss_workers)) rss_primary_kB=$rss_primary" \
    "rss_per_worker_kB=$((rss_workers / n)) idle_rss_total_kB=$idle_rss"
  [ "$errors" = 0 ] || echo "  (wrk reported $errors errors)" >&2
done
echo "(jcluster ran with: ${jvm_flags[*]} ${cds_flag} --threads $demo_threads; wrk -t1 -c$connections -H 'Connection: close')"
