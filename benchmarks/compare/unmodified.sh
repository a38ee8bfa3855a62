#!/usr/bin/env bash
# An unmodified server (examples-unmodified: SERVER, Jetty 12 by default) alone in one JVM, against the
# same server on 2 worker JVMs under `bin/jcluster run` (docs/launcher.md) with --policy none and with
# --policy reuseport, against Node's cluster HTTP hello world (node/http-hello.js, policy none), under
# wrk: keep-alive and `Connection: close`. The four alternate within each round, in one invocation (this
# machine is noisy: only ratios taken in the same run mean much). Then a rolling reload under load:
# `bin/jcluster reload` of the --policy none cluster while wrk (`Connection: close`) loads it.
#
#   benchmarks/compare/unmodified.sh [SECONDS] [ROUNDS]   (defaults: 3 s per run, 3 rounds: ~7 minutes)
#   benchmarks/compare/unmodified.sh --help
#
# Prints, per case and mode, medians over the rounds:
#   unmodified <case> <keepalive|close> req/s=<n> p99=<ms>ms vs_one_jvm=<ratio> vs_node=<ratio>
# case: one-jvm (`java -cp ... SERVER PORT`), jcluster-none and jcluster-reuseport (`bin/jcluster run
# --workers WORKERS --policy none|reuseport --name bench-none|bench-reuseport -cp ... SERVER PORT`), node-none
# (Node's cluster, SCHED_NONE: each worker accepts on the shared socket, as under jcluster's none).
# p99: wrk's 99th percentile latency (--latency). vs_one_jvm, vs_node: the case's req/s over one-jvm's and
# node-none's (medians over medians). Then one line for the reload:
#   unmodified reload none requests=<n> errors=<n> reload_exit=<code>
# a wrk run of RELOAD_SECONDS (`Connection: close`) against bench-none, warm from the last mode's rounds,
# during which `bin/jcluster reload --name bench-none` runs (it starts 2 s in and replaces every worker,
# one at a time: the new ones are cold). requests: wrk's; errors: wrk's "Socket errors:" (connect, read,
# write, timeout) plus its "Non-2xx" responses; reload_exit: the reload command's exit code (0: done,
# 1: rolled back). Its answer, which says how long it took, goes to stderr, and a note if it outlasted the
# wrk run (it took 12.9 s in a smoke run, split layout, its two new workers starting on the one server cpu
# under load: hence RELOAD_SECONDS' default of 25).
#
# Where things run (LAYOUT, see http-common.sh): split by default, as in http.sh (wrk on cpu 0, every
# server process, primaries included, on the other cpus; `bin/jcluster reload` and `stop` there too);
# LAYOUT=shared lets the kernel place everything.
#
# Per mode, the four servers start fresh, each on a free port (the others idle meanwhile; the script
# waits for every "listening on" line, or Node's "ready", with a deadline), then each JVM case gets
# WARMUP seconds of wrk in four runs (so that connections also close and reopen, as in http.sh), Node
# 2 s in two runs. Then ROUNDS times every case once, the round's first case rotating. wrk: 1 thread,
# CONNECTIONS (32) connections, for all. The one JVM and the workers run with the same JVM flags
# (http-common.sh's throughput flags, given to the workers with --java-option; the launcher adds its
# agent and the --add-opens and --enable-native-access it needs), and so does the primary
# (JCLUSTER_JAVA_OPTS). No AppCDS archive or AOT cache: start-up is not measured here.
# WARMUP defaults to 40 s split, 20 s shared (see http.sh for why so long).
#
# On exit, whatever happens: the clusters are stopped with `bin/jcluster stop --name ...` (their
# processes killed if they are still there after it), the one JVM and Node get SIGTERM (then SIGKILL),
# and the temporary folder (logs, a copy of the server's class path, jffi's stub) is removed. The
# launcher's own jars are used in place (bin/jcluster): do not rebuild cluster-launcher during a run.
#
# Knobs (environment): SERVER (JettyHello; NettyHello, TomcatHello or JdkHttpHello), MODES ("keepalive
# close"), WORKERS (2), WARMUP, RELOAD_SECONDS (25; 0 skips the reload case), LAYOUT (split), and those of
# http-common.sh (JVM_FLAGS, CONNECTIONS); VERBOSE=1 prints every run's figures and the logs' tails.
# Needs the launcher and examples-unmodified built (mvn -DskipTests package), wrk (installed with apt-get
# when missing) and Node.js 20 or later.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
duration=${1:-3}
rounds=${2:-3}
for value in "$duration" "$rounds"; do
  [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS] [ROUNDS] (whole numbers, at least 1), not '$value'" >&2; exit 2; }
done
server=${SERVER:-JettyHello}
case $server in
  JettyHello | NettyHello | TomcatHello | JdkHttpHello) ;;
  *) echo "SERVER takes JettyHello, NettyHello, TomcatHello or JdkHttpHello, not '$server'" >&2; exit 2 ;;
esac
main=org.jcluster.examples.unmodified.$server
modes=${MODES:-keepalive close}
for mode in $modes; do
  case $mode in keepalive | close) ;; *) echo "MODES takes keepalive and close, not '$mode'" >&2; exit 2 ;; esac
done
workers=${WORKERS:-2}
reload_seconds=${RELOAD_SECONDS:-25}
[[ $workers =~ ^[1-9][0-9]*$ ]] || { echo "WORKERS takes a whole number of at least 1, not '$workers'" >&2; exit 2; }
if ! [[ $reload_seconds =~ ^[0-9]+$ ]] || { [ "$reload_seconds" != 0 ] && [ "$reload_seconds" -lt 4 ]; }; then
  echo "RELOAD_SECONDS takes 0 (no reload case) or a whole number of at least 4, not '$reload_seconds'" >&2; exit 2
fi
LAYOUT=${LAYOUT:-split}
build_demo=0 # no demo here: http-common.sh builds nothing
source "$(dirname "$0")/http-common.sh"
if [ "$layout" = split ]; then warmup=${WARMUP:-40}; else warmup=${WARMUP:-20}; fi
[[ $warmup =~ ^[0-9]+$ ]] || { echo "WARMUP takes a whole number of seconds, not '$warmup'" >&2; exit 2; }

jcluster=$root/bin/jcluster
examples_jar=$root/examples-unmodified/target/examples-unmodified-0.1.0-SNAPSHOT.jar
app_lib=$root/examples-unmodified/target/app-lib
launcher_lib=$root/cluster-launcher/target/lib
if [ ! -f "$examples_jar" ] || [ ! -d "$app_lib" ] || [ ! -d "$launcher_lib" ]; then
  echo "build the launcher and the unmodified examples first: (cd $root && mvn -DskipTests package)" >&2
  exit 1
fi

cases=(one-jvm jcluster-none jcluster-reuseport node-none)
declare -A pid=() port=() log=() rps=() p99=() # per case; rps and p99: every round's figures

# running PID: the process exists and has not ended (a zombie, ended but not yet waited for, has).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# end_process PID SECONDS: SIGTERM, up to SECONDS for it to end, then SIGKILL; reaps it.
end_process() {
  local p=$1 i
  if running "$p"; then
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < $2 * 10; i++)); do running "$p" || break; sleep 0.1; done
    running "$p" && kill -KILL "$p" 2>/dev/null
  fi
  wait "$p" 2>/dev/null || true
}

# stop_cluster NAME PRIMARY_PID LOG: `bin/jcluster stop`, which returns once the primary has ended; if it
# is still there (stop failed, e.g. before the primary's control socket was up), SIGTERM then SIGKILL, and
# SIGKILL for any worker left (workers are the primary's children).
stop_cluster() {
  local name=$1 primary=$2 out=$3 children child
  running "$primary" || { wait "$primary" 2>/dev/null || true; return 0; }
  children=$(pgrep -P "$primary" || true)
  "${server_cpus[@]}" "$jcluster" stop --name "$name" >>"$out" 2>&1 \
    || echo "bin/jcluster stop --name $name failed (its output is at the end of $out)" >&2
  end_process "$primary" 10
  for child in $children; do running "$child" && kill -KILL "$child" 2>/dev/null; done
  return 0
}

stop_case() {
  local c=$1
  [ -n "${pid[$c]:-}" ] || return 0
  case $c in
    one-jvm) end_process "${pid[$c]}" 10 ;;
    jcluster-*) stop_cluster "bench-${c#jcluster-}" "${pid[$c]}" "${log[$c]}" ;;
    node-none) stop_node "${log[$c]}"; node_pid="" ;;
  esac
  pid[$c]=""
}

reload_pid=""
on_exit() {
  local status=$? c
  trap - EXIT INT TERM
  if [ -n "$reload_pid" ]; then # still in its 2 s sleep, or the reload command itself
    for c in $(pgrep -P "$reload_pid" || true); do kill -TERM "$c" 2>/dev/null || true; done
    end_process "$reload_pid" 5
  fi
  for c in "${cases[@]}"; do
    if [ "$c" = node-none ]; then
      [ -z "$node_pid" ] || end_process "$node_pid" 5
    else
      stop_case "$c" 2>/dev/null || true
    fi
  done
  cleanup # http-common.sh's
  [ -z "${tmp:-}" ] || rm -rf "$tmp"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jcluster-unmodified.XXXXXX")
# The server's class path, copied: a concurrent `mvn package` rewrites the jars, and a JVM that loads a
# class from a rewritten jar fails. jffi's stub unpacked once (for the primaries and the workers' agent).
mkdir -p "$tmp/app-lib"
cp -p "$examples_jar" "$tmp/"
cp -p "$app_lib"/*.jar "$tmp/app-lib/"
app_cp="$tmp/${examples_jar##*/}:$tmp/app-lib/*"
unpack_jffi "$tmp/jffi" "$launcher_lib"/jffi*-native.jar
app_flags=("${throughput_flags[@]}" -Djffi.boot.library.path="$tmp/jffi")
worker_options=()
for flag in "${app_flags[@]}"; do worker_options+=("--java-option=$flag"); done
export JCLUSTER_JAVA_OPTS="${JCLUSTER_JAVA_OPTS:-${app_flags[*]}}"

# await_listening LOG PID COUNT PORT: waits (60 s at most) until LOG has COUNT "listening on PORT" lines
# (a worker's carry the launcher's "[wN] " prefix); fails at once if PID ends or a bind fails.
await_listening() {
  local out=$1 p=$2 count=$3 listen_port=$4 i
  for ((i = 0; i < 600; i++)); do
    [ "$(grep -cE "^(\[w[0-9]+\] )?listening on $listen_port\$" "$out")" -ge "$count" ] && return 0
    grep -q -e 'Address already in use' -e BindException "$out" && return 1
    running "$p" || return 1
    sleep 0.1
  done
  echo "no $count \"listening on $listen_port\" lines within 60 s" >>"$out"
  return 1
}

# start_case CASE LOG: starts CASE on a free port (another one if that port was taken meanwhile); sets
# pid[CASE] and port[CASE].
start_case() {
  local c=$1 p
  log[$c]=$2
  if [ "$c" = node-none ]; then
    start_node none "$workers" "${log[$c]}" # it waits for "ready", with its own deadline and retries
    pid[$c]=$node_pid; port[$c]=$node_port
    return 0
  fi
  for _ in 1 2 3; do
    p=$(free_port)
    case $c in
      one-jvm)
        "${server_cpus[@]}" java "${app_flags[@]}" -cp "$app_cp" "$main" "$p" >"${log[$c]}" 2>&1 &
        pid[$c]=$!
        await_listening "${log[$c]}" "${pid[$c]}" 1 "$p" && { port[$c]=$p; return 0; } ;;
      jcluster-*)
        "${server_cpus[@]}" "$jcluster" run --workers "$workers" --policy "${c#jcluster-}" --name "bench-${c#jcluster-}" \
          "${worker_options[@]}" -cp "$app_cp" "$main" "$p" >"${log[$c]}" 2>&1 &
        pid[$c]=$!
        await_listening "${log[$c]}" "${pid[$c]}" "$workers" "$p" && { port[$c]=$p; return 0; } ;;
    esac
    if ! grep -q -e 'Address already in use' -e BindException "${log[$c]}"; then break; fi
    echo "($c: port $p was taken meanwhile; another one)" >&2
    stop_case "$c"
  done
  echo "$c did not come up; its output:" >&2
  cat "${log[$c]}" >&2
  exit 1
}

# The case with which round R (1-based) starts: the order rotates, so that no case always follows the same one.
round_order() {
  local r=$1 i n=${#cases[@]}
  for ((i = 0; i < n; i++)); do echo "${cases[(r - 1 + i) % n]}"; done
}

last_mode=${modes##* }
for mode in $modes; do
  for c in "${cases[@]}"; do start_case "$c" "$tmp/$c-$mode.log"; done
  # Warm-up as in http.sh: four runs per JVM case, so that the JIT also sees connections close and open.
  for c in one-jvm jcluster-none jcluster-reuseport; do
    for _ in 1 2 3 4; do run_wrk "$mode" "${port[$c]}" $(((warmup + 3) / 4)) >/dev/null; done
  done
  for _ in 1 2; do run_wrk "$mode" "${port[node-none]}" 1 >/dev/null; done

  rps=(); p99=()
  errors=""
  for r in $(seq "$rounds"); do
    for c in $(round_order "$r"); do
      read -r run_rps _ run_errors run_p99 < <(run_wrk "$mode" "${port[$c]}" "$duration" p99)
      rps[$c]="${rps[$c]:-} $run_rps"; p99[$c]="${p99[$c]:-} $run_p99"
      [ "$run_errors" = 0 ] || errors="$errors $c:$run_errors"
    done
  done
  one=$(echo "${rps[one-jvm]}" | median); node=$(echo "${rps[node-none]}" | median)
  for c in "${cases[@]}"; do
    m=$(echo "${rps[$c]}" | median)
    echo "unmodified $c $mode req/s=$m p99=$(echo "${p99[$c]}" | median)ms vs_one_jvm=$(ratio "$m" "$one") vs_node=$(ratio "$m" "$node")"
    [ -z "${VERBOSE:-}" ] || echo "  (runs: req/s${rps[$c]}; p99 ms${p99[$c]})" >&2
  done
  [ -z "$errors" ] || echo "  (wrk reported errors:$errors)" >&2

  if [ "$mode" = "$last_mode" ] && [ "$reload_seconds" -gt 0 ]; then
    # The reload starts 2 s into the wrk run (a schedule, not a wait for anything), pinned with the
    # servers; its answer says how long it took ("Reload 1 done in 6.1s: 2 workers replaced.").
    reload_log=$tmp/reload.log
    (sleep 2; exec "${server_cpus[@]}" "$jcluster" reload --name bench-none >"$reload_log" 2>&1) &
    reload_pid=$!
    read -r _ requests reload_errors _ < <(run_wrk close "${port[jcluster-none]}" "$reload_seconds")
    running "$reload_pid" && echo "  (the reload outlasted the ${reload_seconds} s wrk run: the figures miss its end)" >&2
    reload_exit=0
    wait "$reload_pid" || reload_exit=$?
    reload_pid=""
    echo "unmodified reload none requests=$requests errors=$reload_errors reload_exit=$reload_exit"
    echo "  (reload: $(paste -sd' ' "$reload_log"))" >&2
  fi

  for c in "${cases[@]}"; do stop_case "$c"; done
  if [ -n "${VERBOSE:-}" ]; then
    for c in "${cases[@]}"; do echo "  ($c $mode, last lines of its output:)" >&2; tail -n 5 "${log[$c]}" | sed 's/^/    /' >&2; done
  fi
done
echo "(ran $server with: ${app_flags[*]}; bin/jcluster run --workers $workers with these as --java-option, its primary with JCLUSTER_JAVA_OPTS=$JCLUSTER_JAVA_OPTS; node cluster policy none, $workers workers; wrk -t1 -c$connections; layout $layout, warm-up ${warmup} s per JVM case)"
