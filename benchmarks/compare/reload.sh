#!/usr/bin/env bash
# Rolling reload and crash under load, side by side (issue 12): jcluster's supervisor, with the demo
# (./demo.sh: Netty in each worker) reloaded by SIGHUP to its primary, against PM2 7 in cluster mode
# (node/pm2-hello.js, a Node HTTP hello world, reloaded by `pm2 reload`). 2 workers each, wrk loading
# them (keep-alive, and `Connection: close`) while they are reloaded every few seconds; then one worker
# SIGKILLed under load. jcluster and PM2 alternate within one invocation (this machine is noisy: only
# figures taken in the same run compare well).
#
#   benchmarks/compare/reload.sh            (defaults: ~4 minutes per round)
#   benchmarks/compare/reload.sh --help
#
# Prints one line per case (medians over the rounds; counts summed):
#   reload <jcluster|pm2> <keepalive|close> reloads=<n> errors=<socket errors + non-2xx> timeouts=<n>
#     rps=<during reloads> rps_steady=<without> reload_ms=<median per worker> start_cpu_ms=<median>
#   crash <jcluster|pm2> mode=<keepalive|close> errors=<n> replace_ms=<ms>
# errors: wrk's connect, read and write errors plus its non-2xx responses; timeouts: wrk's (no answer
# within its 2 s). rps: wrk's requests/s over a run of SECONDS_PER_RUN during which the cluster is
# reloaded every RELOAD_EVERY seconds (the next reload starts once the last is done; none starts in the
# run's last second); rps_steady: a run of the same length just before, without reloads.
# reload_ms, per worker: from the fork of a replacement to the exit of the worker it replaces (so it
# includes the replacement's start-up, its readiness, and the old worker's drain), median over every
# worker replaced in the case's reloads:
#   - jcluster: the supervisor's RELOAD_STEP events (their took()), which the demo prints as
#     "reload    worker 3 replaced worker 1 in 812 ms";
#   - PM2: from the workers' own clocks (node/pm2-hello.js writes its process start time and its exit
#     time to EVENTS_FILE): the replacement's start to its predecessor's exit. Not `pm2 reload`'s wall
#     time divided by the workers, which adds the CLI's own start and its round trips to PM2's daemon
#     (~0.2 s of 0.9 s measured idle); that figure is printed with VERBOSE=1.
# start_cpu_ms, per replacement: the CPU time (user + system) the new worker had used when it listened,
# what its start took from the cpu the serving workers share (jcluster: the demo's "on N ms of CPU", the
# JDK's ProcessHandle.Info of the worker at its LISTENING event; PM2: node's process.cpuUsage() in its
# `listening` callback, written to EVENTS_FILE). Median over the case's replacements. jcluster's includes
# the demo's 200-request warm-up, run before it listens; PM2's hello world warms nothing up.
# crash: a wrk run of CRASH_SECONDS in CRASH_MODE, during which one worker gets SIGKILL (2 s in);
# replace_ms: from the kill to the moment its replacement listens (jcluster: the demo's "listening
# worker N" line for the respawned worker; PM2: the replacement's `listening` event), the point from
# which it takes connections; errors: wrk's over that run (the killed worker's connections are cut, on
# both).
#
# Per round and system: the cluster starts fresh (jcluster: the demo on the supervisor; PM2: `pm2 start
# -i WORKERS` in a daemon of the script's own), then, per mode, WARMUP seconds of wrk (in four pieces, as
# in http.sh: the JIT also sees connections close), the steady run, the reload run; then the crash run;
# then it stops. Rounds alternate which system goes first. A reload brings in cold workers: the rps
# during reloads includes their JIT warm-up, on both sides (V8 warms up too, faster).
#
# Installs what it needs: wrk with apt-get when missing (see http-common.sh), PM2 7 from the npm
# registry into a temporary folder, with PM2_HOME and npm's cache there too. On exit, whatever happens,
# it runs `pm2 kill`, waits for PM2's daemon and every worker (PM2's and jcluster's) to be gone, killing
# those still there, and removes the temporary folder.
#
# Knobs (environment):
#   SECONDS_PER_RUN  length of each steady and reload run (20)
#   RELOAD_EVERY     seconds between the starts of two reloads in a reload run (5)
#   ROUNDS           rounds, each system once per round (1)
#   CONNECTIONS      wrk connections (32; wrk runs 1 thread)
#   WARMUP           seconds of wrk before each mode's steady run (10)
#   CRASH_SECONDS    length of the crash run (6); CRASH_MODE keepalive or close (keepalive)
#   SYSTEMS          which to measure ("jcluster pm2"); MODES ("keepalive close"); WORKERS (2)
#   LAYOUT           split (default: wrk on cpu 0, every server process on the others) or shared
#   JVM_FLAGS        the JVMs' flags (see http-common.sh); STARTUP cds, aot or none: the trained worker
#                    classes the demo runs with (default: an AOT cache on JDK 25+, else an AppCDS archive)
#   VERBOSE=1        every run's figures, each reload's duration and the logs' places, on stderr
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") ;;
  *) echo "reload.sh takes no arguments, only knobs in the environment (--help lists them), not '$1'" >&2; exit 2 ;;
esac

# whole NAME DEFAULT MIN: a knob's value, or exit 2 naming it.
whole() {
  local value=${!1:-$2}
  [[ $value =~ ^[0-9]+$ ]] && [ "$value" -ge "$3" ] \
    || { echo "$1 takes a whole number of at least $3, not '$value'" >&2; exit 2; }
  echo "$value"
}
duration=$(whole SECONDS_PER_RUN 20 2)
reload_every=$(whole RELOAD_EVERY 5 1)
rounds=$(whole ROUNDS 1 1)
warmup=$(whole WARMUP 10 0)
crash_seconds=$(whole CRASH_SECONDS 6 4)
workers=$(whole WORKERS 2 1)
crash_mode=${CRASH_MODE:-keepalive}
systems=${SYSTEMS:-jcluster pm2}
modes=${MODES:-keepalive close}
for m in $modes $crash_mode; do
  case $m in keepalive | close) ;; *) echo "MODES and CRASH_MODE take keepalive or close, not '$m'" >&2; exit 2 ;; esac
done
for s in $systems; do
  case $s in jcluster | pm2) ;; *) echo "SYSTEMS takes jcluster and/or pm2, not '$s'" >&2; exit 2 ;; esac
done
verbose=${VERBOSE:-}
LAYOUT=${LAYOUT:-split}
# http-common.sh builds the demo only when jcluster is measured.
case " $systems " in *" jcluster "*) build_demo=1 ;; *) build_demo=0 ;; esac
source "$(dirname "$0")/http-common.sh"

command -v npm >/dev/null || { echo "npm is needed to install PM2: install Node.js 20 or later with npm" >&2; exit 1; }

# ---- clean-up: nothing outlives the script ----

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jcluster-reload.XXXXXX")
export PM2_HOME=$tmp/pm2-home
pm2=$tmp/pm2/node_modules/.bin/pm2
pm2_app=reload-hello
demo_log=""    # the running demo's output: its workers' pids come from its fork lines
reloader_pid=""
pm2_events=$tmp/pm2-events
pm2_kill_timeout_ms=1600 # PM2's default kill_timeout: SIGINT, then SIGKILL this much later

# pids_alive PID...: those still running.
pids_alive() {
  local pid
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null && echo "$pid"; done
  return 0
}

# await_gone SECONDS PID...: waits until none runs; 1 if some still do at the deadline.
await_gone() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 20; i++)); do
    [ -z "$(pids_alive "$@")" ] && return 0
    sleep 0.05
  done
  return 1
}

# The PM2 workers ever started (from their own events), and its daemon.
pm2_worker_pids() { [ -f "$pm2_events" ] && sed -nE 's/^start id=[^ ]+ pid=([0-9]+) .*/\1/p' "$pm2_events" | sort -u; return 0; }
pm2_daemon_pid() { [ -f "$PM2_HOME/pm2.pid" ] && cat "$PM2_HOME/pm2.pid"; return 0; }

reload_cleanup() {
  local status=$? pids
  set +e
  trap - ERR
  [ -n "$reloader_pid" ] && kill -KILL "$reloader_pid" 2>/dev/null
  # jcluster: SIGKILL the primary (http-common.sh's cleanup) and every worker it forked; workers would
  # follow a dead primary within half a second anyway, but not necessarily before this script ends.
  pids=$([ -n "$demo_log" ] && [ -f "$demo_log" ] && demo_worker_pids "$demo_log")
  cleanup
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  if [ -x "$pm2" ]; then
    local daemon
    daemon=$(pm2_daemon_pid)
    "$pm2" kill >/dev/null 2>&1
    pids="$daemon $(pm2_worker_pids)"
    await_gone 5 $pids || kill -KILL $(pids_alive $pids) 2>/dev/null
  fi
  await_gone 5 $pids $demo_pid || echo "reload.sh: processes still running after the clean-up: $(pids_alive $pids $demo_pid)" >&2
  rm -rf "$tmp"
  exit "$status"
}
trap reload_cleanup EXIT
# set -e ends the script at a failing command: say which.
set -E
trap 'echo "reload.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- PM2 7, installed here ----

if [ " $systems " != " jcluster " ]; then
  echo "reload.sh: installing PM2 7 from the npm registry into $tmp/pm2" >&2
  npm install --prefix "$tmp/pm2" --cache "$tmp/npm-cache" --no-audit --no-fund --no-update-notifier \
    --loglevel=error pm2@7 >&2 || { echo "could not install pm2@7 with npm (is the registry reachable?)" >&2; exit 1; }
  # PM2's daemon is the cluster primary; its workers inherit its CPU affinity, so it starts pinned
  # (any pm2 command starts the daemon when none runs).
  "${server_cpus[@]}" "$pm2" ping >/dev/null
  pm2_version=$("$pm2" --version 2>/dev/null | tail -n1)
fi

# ---- measuring ----

now_ms() { date +%s%3N; }
# ms_of_day HH:MM:SS.mmm: the demo prints local times of day.
ms_of_day() { awk -F'[:.]' '{ printf "%d\n", (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }' <<<"$1"; }

# wrk_run MODE PORT SECONDS: prints "rps errors timeouts"; with VERBOSE, wrk's error kinds on stderr.
wrk_run() {
  local mode=$1 port=$2 secs=$3 header=()
  [ "$mode" = close ] && header=(-H 'Connection: close')
  "${client_cpus[@]}" wrk -t1 -c"$connections" -d"${secs}s" "${header[@]}" "http://127.0.0.1:$port/" | awk -v verbose="$verbose" '
    /Socket errors/ { kinds = $0; gsub(",", ""); e = $4 + $6 + $8; t = $10 }
    /Non-2xx/ { e += $NF; kinds = kinds ", non-2xx " $NF }
    /Requests\/sec/ { r = $2 }
    END {
      if (verbose != "" && kinds != "") print "  (wrk:" kinds ")" > "/dev/stderr"
      printf "%.0f %d %d\n", r, e, t
    }'
}

warm() { # MODE PORT
  local piece=$(( (warmup + 3) / 4 )) i
  [ "$warmup" -gt 0 ] || return 0
  for i in 1 2 3 4; do wrk_run "$1" "$2" "$piece" >/dev/null; done
}

# jcluster_reload: SIGHUP to the primary, then waits (up to 120 s) for its "reload done" or "reload
# rolled back" line; prints "done <ms from the SIGHUP to that line>" or "rolledback".
jcluster_reload() {
  local before i t0 last
  before=$(grep -cE 'reload +(done|rolled back)' "$demo_log" || true)
  t0=$(now_ms)
  kill -HUP "$demo_pid"
  for ((i = 0; i < 2400; i++)); do
    if [ "$(grep -cE 'reload +(done|rolled back)' "$demo_log" || true)" -gt "$before" ]; then
      last=$(grep -E 'reload +(done|rolled back)' "$demo_log" | tail -n1)
      case $last in *"rolled back"*) echo rolledback ;; *) echo "done $(($(now_ms) - t0))" ;; esac
      return 0
    fi
    kill -0 "$demo_pid" 2>/dev/null || { echo "the demo exited during a reload; see $demo_log" >&2; return 1; }
    sleep 0.05
  done
  echo "no reload line from the demo 120 s after its SIGHUP; see $demo_log" >&2
  return 1
}

# pm2_reload: `pm2 reload`; prints "done <ms of the command>" or "failed".
pm2_reload() {
  local t0 t1
  t0=$(now_ms)
  if "${server_cpus[@]}" "$pm2" reload "$pm2_app" >>"$tmp/pm2-cli.log" 2>&1; then
    t1=$(now_ms); echo "done $((t1 - t0))"
  else
    echo failed
  fi
}

# reloader SYSTEM OUT: in the background during a reload run: a reload every RELOAD_EVERY seconds from
# the run's start, each after the last is done, none in the run's last second; one line per reload in OUT.
reloader() {
  local system=$1 out=$2 start k=1 at
  start=$(now_ms)
  echo "start $start" >"$out.log"
  while :; do
    at=$((start + k * reload_every * 1000))
    [ "$at" -le $((start + (duration - 1) * 1000)) ] || break
    while [ "$(now_ms)" -lt "$at" ]; do sleep 0.05; done
    echo "reload at $(($(now_ms) - start))" >>"$out.log"
    if [ "$system" = jcluster ]; then jcluster_reload >>"$out" || break; else pm2_reload >>"$out"; fi
    echo "reloaded at $(($(now_ms) - start))" >>"$out.log"
    k=$((k + 1))
    while [ "$(now_ms)" -ge $((start + k * reload_every * 1000)) ]; do k=$((k + 1)); done
  done
}

# reload_run SYSTEM MODE PORT: a wrk run with reloads; sets run_rps, run_errors, run_timeouts, run_reloads.
# (In this shell, not in a $(...): the reloader must be this shell's child, for the clean-up to find it.)
reload_run() {
  local system=$1 mode=$2 port=$3 out=$tmp/reloads
  : >"$out"
  reloader "$system" "$out" &
  reloader_pid=$!
  read -r run_rps run_errors run_timeouts < <(wrk_run "$mode" "$port" "$duration")
  wait "$reloader_pid" || echo "  ($system $mode: the reloader failed; see ${demo_log:-$tmp/pm2-cli.log})" >&2
  reloader_pid=""
  if grep -qE 'failed|rolledback' "$out"; then
    echo "  ($system $mode: $(grep -cE 'failed|rolledback' "$out") reload(s) failed or rolled back; see ${demo_log:-$tmp/pm2-cli.log})" >&2
  fi
  [ -z "$verbose" ] || echo "  ($system $mode reloads: $(tr '\n' ' ' <"$out"); reloader: $(tr '\n' ' ' <"$out.log"))" >&2
  run_reloads=$(grep -c '^done' "$out" || true)
}

# jcluster_steps FROM_LINE: the per-worker reload times (ms) in the demo's output from that line on.
jcluster_steps() {
  tail -n +"$1" "$demo_log" | sed -nE 's/.*reload +worker [0-9]+ replaced worker [0-9]+ in ([0-9]+) ms.*/\1/p'
}

# jcluster_start_cpu FROM_LINE: the CPU (ms) each replacement had used when it listened.
jcluster_start_cpu() {
  tail -n +"$1" "$demo_log" | sed -nE 's/.*reload +worker [0-9]+ replaced worker [0-9]+ in [0-9]+ ms .*, on ([0-9]+) ms of CPU\).*/\1/p'
}

# pm2_start_cpu FROM_LINE: the same for PM2's workers: every `listening` from that line on is a replacement's.
pm2_start_cpu() {
  tail -n +"$1" "$pm2_events" | sed -nE 's/^listening .* cpu=([0-9]+).*/\1/p'
}

# pm2_steps FROM_LINE: per replaced worker, from its replacement's start to its exit, in the events from
# that line on. A replacement starts before its predecessor is stopped, and keeps its PM2 id. A worker
# still there kill_timeout after its SIGINT is SIGKILLed by PM2 and writes no exit: its exit is taken as
# that moment (and counted on stderr).
pm2_steps() {
  tail -n +"$1" "$pm2_events" | sort -t= -k4 -n | awk -v kill_ms="$pm2_kill_timeout_ms" '
    { split($2, a, "="); split($3, b, "="); split($4, c, "="); id = a[2]; pid = b[2]; t = c[2] }
    $1 == "start" { startPid[id] = pid; startT[id] = t }
    $1 == "stopping" && (id in startPid) && startPid[id] != pid { from[pid] = startT[id]; stopped[pid] = t }
    $1 == "exit" && (pid in from) { print t - from[pid]; delete from[pid] }
    END {
      for (pid in from) { print stopped[pid] + kill_ms - from[pid]; killed++ }
      if (killed) print "  (" killed " PM2 worker(s) did not exit within kill_timeout and got SIGKILL)" > "/dev/stderr"
    }'
}

lines() { wc -l <"$1"; }

# ---- the systems ----

# jcluster_start: the demo under its supervisor, with the AppCDS archive; sets demo_pid, port.
jcluster_start() {
  demo_log=$work/reload-demo-$round.log
  start_demo rr "$workers" "$demo_log"
  port=$demo_port
}

jcluster_stop() {
  local status=0 pids
  pids=$(demo_worker_pids "$demo_log")
  kill -TERM "$demo_pid"
  wait "$demo_pid" || status=$?
  [ "$status" = 0 ] || echo "the demo exited with $status after SIGTERM (expected 0); its output is in $demo_log" >&2
  await_gone 10 $pids || echo "jcluster workers still running after the primary exited: $(pids_alive $pids)" >&2
  demo_pid=""
}

pm2_start() {
  local i
  port=$(free_port)
  : >"$pm2_events"
  PORT=$port EVENTS_FILE=$pm2_events "${server_cpus[@]}" "$pm2" start "$node_scripts/pm2-hello.js" \
    -i "$workers" --name "$pm2_app" >>"$tmp/pm2-cli.log" 2>&1 \
    || { echo "pm2 start failed; its output:" >&2; cat "$tmp/pm2-cli.log" >&2; exit 1; }
  for ((i = 0; i < 600; i++)); do
    [ "$(grep -c '^listening' "$pm2_events" || true)" -ge "$workers" ] && return 0
    sleep 0.05
  done
  echo "PM2's workers did not listen within 30 s; PM2's logs:" >&2
  cat "$PM2_HOME"/logs/*.log >&2 || true
  exit 1
}

pm2_stop() {
  local pids
  pids=$(pm2_worker_pids)
  "${server_cpus[@]}" "$pm2" delete "$pm2_app" >>"$tmp/pm2-cli.log" 2>&1 || true
  await_gone 10 $pids || echo "PM2 workers still running after pm2 delete: $(pids_alive $pids)" >&2
}

# crash_run SYSTEM: wrk in CRASH_MODE; 2 s in, SIGKILL to one worker; sets crash_errors, crash_replace_ms.
crash_run() {
  local system=$1 wrk_out=$tmp/crash-wrk victim killed_at replaced_at="" i rps errors timeouts
  wrk_run "$crash_mode" "$port" "$crash_seconds" >"$wrk_out" &
  local wrk_job=$!
  other_pids="$other_pids $wrk_job"
  sleep 2
  if [ "$system" = jcluster ]; then
    # The live worker with the lowest id; its replacement has a higher id than any worker so far.
    local max_id
    max_id=$(sed -nE 's/.*fork +worker ([0-9]+) .*/\1/p' "$demo_log" | sort -n | tail -n1)
    victim=$(current_demo_workers)
    victim=${victim%%$'\n'*} # (not `| head -n1`: under pipefail its early exit fails the pipeline)
    kill -KILL "$victim"
    killed_at=$(ms_of_day "$(date +%H:%M:%S.%3N)")
    for ((i = 0; i < 400; i++)); do
      replaced_at=$(awk -v max="$max_id" '$2 == "listening" && $4 > max && !seen { print $1; seen = 1 }' "$demo_log")
      [ -n "$replaced_at" ] && break
      sleep 0.05
    done
    [ -z "$replaced_at" ] || replaced_at=$(ms_of_day "$replaced_at")
  else
    victim=$(pids_alive $(sed -nE 's/^listening id=[^ ]+ pid=([0-9]+) .*/\1/p' "$pm2_events"))
    victim=${victim%%$'\n'*}
    local from
    from=$(( $(lines "$pm2_events") + 1 ))
    kill -KILL "$victim"
    killed_at=$(now_ms)
    for ((i = 0; i < 400; i++)); do
      replaced_at=$(awk -v from="$from" 'NR >= from && $1 == "listening" && !seen { sub("t=", "", $4); print $4; seen = 1 }' "$pm2_events")
      [ -n "$replaced_at" ] && break
      sleep 0.05
    done
  fi
  wait "$wrk_job"
  read -r rps errors timeouts <"$wrk_out"
  crash_errors=$((errors + timeouts))
  if [ -z "$replaced_at" ]; then
    echo "  ($system: no replacement listened within 20 s of the SIGKILL)" >&2
    crash_replace_ms=n/a
  else
    crash_replace_ms=$((replaced_at - killed_at))
    [ "$crash_replace_ms" -ge 0 ] || crash_replace_ms=$((crash_replace_ms + 86400000)) # the demo's clock passed midnight
  fi
}

# current_demo_workers: pids of the demo's workers that still run, lowest worker id first.
current_demo_workers() {
  sed -nE 's/.*fork +worker ([0-9]+) \(pid ([0-9]+)\).*/\1 \2/p' "$demo_log" | sort -n | while read -r _ pid; do
    kill -0 "$pid" 2>/dev/null && echo "$pid"
  done
  return 0
}

# ---- the run ----

if [ "$build_demo" = 1 ]; then use_cds; fi
declare -A rps_r rps_s errs touts nreloads steps start_cpu crash_e crash_ms
order=($systems)
for ((round = 1; round <= rounds; round++)); do
  # Alternate which system goes first.
  if ((round % 2 == 0)); then mapfile -t order < <(printf '%s\n' $systems | tac); else order=($systems); fi
  for system in "${order[@]}"; do
    "${system}_start"
    for mode in $modes; do
      key="$system $mode"
      warm "$mode" "$port"
      read -r rps e t < <(wrk_run "$mode" "$port" "$duration")
      rps_s[$key]="${rps_s[$key]:-} $rps"
      [ "$e$t" = 00 ] || echo "  ($system $mode steady run: errors=$e timeouts=$t)" >&2
      if [ "$system" = jcluster ]; then from=$(( $(lines "$demo_log") + 1 )); else from=$(( $(lines "$pm2_events") + 1 )); fi
      reload_run "$system" "$mode" "$port"
      rps=$run_rps; e=$run_errors; t=$run_timeouts; n=$run_reloads
      rps_r[$key]="${rps_r[$key]:-} $rps"
      errs[$key]=$(( ${errs[$key]:-0} + e )); touts[$key]=$(( ${touts[$key]:-0} + t ))
      nreloads[$key]=$(( ${nreloads[$key]:-0} + n ))
      these=$("${system}_steps" "$from" | tr '\n' ' ')
      steps[$key]="${steps[$key]:-} $these"
      cpus=$("${system}_start_cpu" "$from" | tr '\n' ' ')
      start_cpu[$key]="${start_cpu[$key]:-} $cpus"
      [ -z "$verbose" ] || echo "  (round $round $key: steady $(echo "${rps_s[$key]}" | awk '{ print $NF }')" \
        "reloading $rps errors=$e timeouts=$t reloads=$n per-worker ms: $these; CPU ms until listening: $cpus)" >&2
    done
    crash_run "$system"
    e=$crash_errors; ms=$crash_replace_ms
    crash_e[$system]=$(( ${crash_e[$system]:-0} + e ))
    crash_ms[$system]="${crash_ms[$system]:-} $ms"
    [ -z "$verbose" ] || echo "  (round $round crash $system: errors=$e replace_ms=$ms)" >&2
    "${system}_stop"
  done
done

for system in $systems; do
  for mode in $modes; do
    key="$system $mode"
    echo "reload $system $mode reloads=${nreloads[$key]} errors=${errs[$key]} timeouts=${touts[$key]}" \
      "rps=$(echo "${rps_r[$key]}" | median) rps_steady=$(echo "${rps_s[$key]}" | median)" \
      "reload_ms=$(echo "${steps[$key]}" | median | grep . || echo n/a)" \
      "start_cpu_ms=$(echo "${start_cpu[$key]}" | median | grep . || echo n/a)"
  done
done
for system in $systems; do
  echo "crash $system mode=$crash_mode errors=${crash_e[$system]} replace_ms=$(echo "${crash_ms[$system]}" | grep -v n/a | median)"
done
jcluster_ran="not run"
[ "$build_demo" = 0 ] || jcluster_ran="${jvm_flags[*]} ${cds_flag:-}"
echo "(wrk -t1 -c$connections, ${duration} s runs, a reload every ${reload_every} s, warm-up ${warmup} s per mode," \
  "layout $layout, $rounds round(s); jcluster: $jcluster_ran; PM2 ${pm2_version:-not run}, node $(node --version))"
