#!/usr/bin/env bash
# jcluster's HTTP demo (Netty in each worker, ./demo.sh) against Node's cluster HTTP hello world
# (node/http-hello.js), 2 workers each, under wrk: keep-alive and `Connection: close`,
# scheduling policies rr and none. Runs alternate jcluster/Node within each case, in one invocation
# (this machine is noisy: only ratios taken in the same run mean much).
#
#   benchmarks/compare/http.sh [SECONDS] [ROUNDS]     (defaults: 3 s per run, 3 rounds: ~4.5 minutes)
#
# Prints, per case, medians over the rounds:
#   http <policy> <keepalive|close> jcluster=<req/s> node=<req/s> ratio=<x> spread=<max/min> node_spread=<max/min> connections=<n/n>
# spread is max/min of the requests each worker answered (the demo's counts at shutdown, Node's "dist"
# line), over the whole case: its warm-up and every round. connections: how many connections each
# jcluster worker was given. Under keep-alive the two differ in kind: the policy deals connections,
# while the requests each worker answers on them follow the CPU the kernel gives it.
#
# Where things run (LAYOUT, see http-common.sh): split by default here, wrk on cpu 0 and both clusters
# (primary and workers, jcluster's and Node's alike) on the other cpus, as a load generator on a machine
# of its own would be. LAYOUT=shared lets the kernel place everything (how every run was made until
# 2026-11-22). On two cores that runs three busy threads (wrk and two event loops) on two cpus: the
# loops then wait unequally for a cpu, by 1.01-1.21x from run to run (http-cpu-share.sh), an exact deal
# of keep-alive connections still shows a request spread of that size, and wrk's own cost sits inside
# both ratios' budgets.
#
# Per case, both clusters start fresh on free ports (the other one idles meanwhile); jcluster gets
# WARMUP seconds of wrk runs first (four runs, so that connections also close and reopen), Node 2 s
# (two runs). Then ROUNDS times: a jcluster run, a Node run. wrk: 1 thread, CONNECTIONS (32)
# connections, for both.
# WARMUP defaults to 40 s split, 20 s shared: the JIT compiles on the servers' cpus while they serve,
# so a cold cluster takes a while to reach its steady state (shared, 3 s runs from a cold start, rr:
# keep-alive 7k 17k 15k 22k 78k 91k 74k 78k req/s; close 1.3k 4.5k 5.0k 6.0k 6.8k 12.3k 13.5k 14.2k
# 15.2k 16.5k; split with 20 s, close rounds were still rising: 7.7k, 12.1k, 17.7k).
# C1 alone (-XX:TieredStopAtLevel=1) is warm within 3 s but peaks lower (~62k and ~7k); C2 alone
# (-XX:-TieredCompilation) is no quicker.
# Knobs: POLICIES ("rr none"), MODES ("keepalive close"), WORKERS (2), WARMUP, LAYOUT (split), and
# those of http-common.sh (DEMO_THREADS, JVM_FLAGS, CONNECTIONS); VERBOSE=1 prints every run's figure.
set -euo pipefail
duration=${1:-3}
rounds=${2:-3}
policies=${POLICIES:-rr none}
modes=${MODES:-keepalive close}
workers=${WORKERS:-2}
LAYOUT=${LAYOUT:-split}
source "$(dirname "$0")/http-common.sh"
if [ "$layout" = split ]; then warmup=${WARMUP:-40}; else warmup=${WARMUP:-20}; fi

use_cds

for policy in $policies; do
  for mode in $modes; do
    jlog=$work/demo-$policy-$mode.log; nlog=$work/node-$policy-$mode.log
    start_demo "$policy" "$workers" "$jlog"
    start_node "$policy" "$workers" "$nlog"
    # In pieces, so that the JIT also sees connections close and open before the rounds: after a single
    # long keep-alive run, the first round deoptimised ~150 compiled methods of Netty's close path and ran
    # at ~60% of the next ones (-XX:+PrintCompilation). Node's warm-up is split the same way.
    for _ in 1 2 3 4; do run_wrk "$mode" "$demo_port" $(( (warmup + 3) / 4 )) >/dev/null; done
    for _ in 1 2; do run_wrk "$mode" "$node_port" 1 >/dev/null; done
    j=""; n=""; errors=""
    for _ in $(seq "$rounds"); do
      read -r rps _ err < <(run_wrk "$mode" "$demo_port" "$duration"); j="$j $rps"
      [ "$err" = 0 ] || errors="$errors jcluster:$err"
      read -r rps _ err < <(run_wrk "$mode" "$node_port" "$duration"); n="$n $rps"
      [ "$err" = 0 ] || errors="$errors node:$err"
    done
    stop_demo "$jlog"; jspread=$(echo "$demo_counts" | spread)
    jconnections=$(sed -nE 's/.*worker [0-9]+ served [0-9]+ requests on ([0-9]+) connections.*/\1/p' "$jlog" | paste -sd/)
    stop_node "$nlog"; nspread=$(echo "$node_counts" | spread)
    jm=$(echo "$j" | median); nm=$(echo "$n" | median)
    echo "http $policy $mode jcluster=$jm node=$nm ratio=$(ratio "$jm" "$nm") spread=$jspread node_spread=$nspread connections=$jconnections"
    [ -z "$errors" ] || echo "  (wrk reported errors:$errors)" >&2
    [ -z "${VERBOSE:-}" ] || echo "  (runs: jcluster$j; node$n)" >&2
  done
done
echo "(jcluster ran with: ${jvm_flags[*]} ${cds_flag} --threads $demo_threads; wrk -t1 -c$connections; layout $layout, warm-up ${warmup} s)"
