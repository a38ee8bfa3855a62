# Shared by the HTTP scripts here (sourced, not run): builds the demo, snapshots its module path,
# prepares the start-up recipe, and starts and stops jcluster's and Node's HTTP hello world clusters.
#
# Environment knobs: DEMO_THREADS (event-loop threads per worker, default 1), JVM_FLAGS (replaces the
# throughput flags below), CONNECTIONS (wrk connections, default 32), LAYOUT (shared or split, below).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Node's side: jcluster's own peer scripts (node/README.md).
node_scripts=$root/benchmarks/compare/node
connections=${CONNECTIONS:-32}
demo_threads=${DEMO_THREADS:-1}
work=$root/benchmarks/target/http-compare

# LAYOUT=shared (the default, but http.sh defaults to split): wrk and the servers run wherever the
# kernel puts them. LAYOUT=split: wrk on cpu 0, every server process (primary and workers, jcluster's and
# Node's alike; children inherit the affinity) on the other cpus, so that the load generator takes no
# CPU from the servers.
layout=${LAYOUT:-shared}
case $layout in
  shared) client_cpus=(); server_cpus=() ;;
  split)
    [ "$(nproc)" -ge 2 ] || { echo "LAYOUT=split needs 2 cpus or more" >&2; exit 1; }
    client_cpus=(taskset -c 0); server_cpus=(taskset -c "1-$(( $(nproc) - 1 ))") ;;
  *) echo "LAYOUT must be shared or split, not '$layout'" >&2; exit 1 ;;
esac

# Whatever happens, leave no cluster behind (workers end with their primary, in jcluster and in Node).
demo_pid=""; node_pid=""; other_pids=""
cleanup() {
  local pid
  for pid in $demo_pid $node_pid $other_pids; do
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  return 0
}
trap cleanup EXIT

command -v node >/dev/null || { echo "node is needed for the side-by-side runs: install Node.js 20 or later" >&2; exit 1; }

# wrk, installed if missing (Debian/Ubuntu).
if ! command -v wrk >/dev/null; then
  echo "wrk is missing: installing it with apt-get" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get install -y wrk >&2 || { $sudo_ apt-get update >&2 && $sudo_ apt-get install -y wrk >&2; } \
    || { echo "could not install wrk; install it and run again" >&2; exit 1; }
fi

# Build, then copy the demo's module path to a directory of our own: a concurrent `mvn install`
# rewrites the jars in ~/.m2, and a JVM that loads a class from a rewritten jar fails.
# (jansi.noreset: Debian's Maven 3.8 prints colour resets even in batch mode.) A script that measures no
# JVM this time (reload.sh with SYSTEMS=pm2) sets build_demo=0 before sourcing this file.
lib=$work/lib
if [ "${build_demo:-1}" = 1 ]; then
  MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" \
    mvn -q -B -ntp -Dstyle.color=never -f "$root/pom.xml" -DskipTests -pl examples -am install >&2
  rm -rf "$lib"; mkdir -p "$lib"
  cp -p "$root"/examples/target/examples-*.jar $(tr ':' ' ' < "$root/examples/target/module-path.txt") "$lib/"
fi

# Workers inherit the primary's JVM flags (rule 40): these are every JVM's flags. SerialGC: two workers
# and wrk share two cores, so no GC threads beyond the one that runs; C2 stays on for throughput.
# -Xss256k and the heap bounds keep each JVM small; jnr.ffi.asm off as in ipc-echo.sh.
# throughput_flags: these alone, for a JVM run from a class path (unmodified.sh); jvm_flags adds what the
# demo's module path needs.
throughput_flags=(${JVM_FLAGS:--XX:+UseSerialGC -Xss256k -Xms32m -Xmx256m -Djnr.ffi.asm.enabled=false})
jvm_flags=(--enable-native-access=org.jnrproject.jffi "${throughput_flags[@]}")

# The start-up recipe (docs/worker-startup.md): jffi's stub unpacked once, and the classes of a trained
# worker: an AppCDS archive, or on JDK 25 and later an AOT cache (JEP 483 and 515: classes loaded and
# linked, and method profiles), which starts a worker about twice as fast again. A stale one is reported
# by the JVM and ignored. STARTUP=cds keeps the AppCDS archive on JDK 25 too; STARTUP=none uses neither.
# unpack_jffi DIR NATIVE_JAR: jffi's stub from its native jar into DIR, for -Djffi.boot.library.path=DIR.
unpack_jffi() {
  mkdir -p "$1"
  (cd "$1" && unzip -q -o "$2" 'jni/x86_64-Linux/libjffi-1.2.so' \
    && mv jni/x86_64-Linux/libjffi-1.2.so . && rm -r jni)
}
jffi_dir=$work/jffi-native
if [ "${build_demo:-1}" = 1 ] && [ ! -f "$jffi_dir/libjffi-1.2.so" ]; then
  unpack_jffi "$jffi_dir" "$lib"/jffi-*-native.jar
fi
jvm_flags+=(-Djffi.boot.library.path="$jffi_dir")
java_feature=17
if [ "${build_demo:-1}" = 1 ]; then
  java_feature=$(java -XshowSettings:properties -version 2>&1 | sed -nE 's/^ *java\.specification\.version = ([0-9]+).*/\1/p')
fi
startup=${STARTUP:-}
[ -n "$startup" ] || { [ "${java_feature:-17}" -ge 25 ] && startup=aot || startup=cds; }
case $startup in
  cds) cds=$work/demo-worker-$java_feature.jsa; cds_dump=-XX:ArchiveClassesAtExit=$cds; cds_use=-XX:SharedArchiveFile=$cds ;;
  aot) [ "${java_feature:-17}" -ge 25 ] || { echo "STARTUP=aot needs JDK 25 or later (java is $java_feature)" >&2; exit 1; }
       cds=$work/demo-worker-$java_feature.aot; cds_dump=-XX:AOTCacheOutput=$cds; cds_use=-XX:AOTCache=$cds ;;
  none) cds=""; cds_dump=""; cds_use="" ;;
  *) echo "STARTUP takes cds, aot or none, not '$startup'" >&2; exit 1 ;;
esac
# A training run: a cluster of one worker that answers a few requests. Every JVM of it writes the archive
# as it exits (workers inherit the primary's flags), and the worker's classes are the ones worth keeping
# (a worker's start-up is what respawns and reloads wait for; the primary loads fewer of them): so the
# worker must exit last. The primary is SIGKILLed, and its orphaned worker exits by itself (within half
# a second: jcluster's rule 17), writing the archive (with an AOT cache, it waits for the JVM that
# assembles it). The stale IPC directory of the killed primary is removed by the next one.
train_cds() {
  rm -f "$cds"
  local log=$work/train.log pid port worker i
  java "${jvm_flags[@]}" "$cds_dump" --module-path "$lib" \
    -m jcluster.examples/org.jcluster.examples.Demo --workers 1 --port 0 >"$log" 2>&1 &
  pid=$!; demo_pid=$pid
  port=$(await_demo "$log" "$pid" 1) || { kill -KILL "$pid" 2>/dev/null; rm -f "$cds"; return 0; }
  wrk -t1 -c4 -d1s "http://127.0.0.1:$port/" >/dev/null
  wrk -t1 -c4 -d1s -H 'Connection: close' "http://127.0.0.1:$port/" >/dev/null
  worker=$(demo_worker_pids "$log")
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; demo_pid=""
  for ((i = 0; i < 1200; i++)); do kill -0 "$worker" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$worker" 2>/dev/null; then
    kill -KILL "$worker"; rm -f "$cds"
    echo "the training worker did not exit within 60 s; running without $cds (its output: $log)" >&2
  fi
}

# use_cds: trains the archive when it is missing or older than the module path; sets cds_flag (empty
# when there is no archive, which the JVMs then run without, or when JVM_FLAGS names one).
use_cds() {
  cds_flag=""
  case " ${jvm_flags[*]} " in # JVM_FLAGS names an archive or AOT cache of its own: that one
    *" -XX:SharedArchiveFile="* | *" -XX:AOTCache="*) return 0 ;;
  esac
  [ -n "$cds" ] || return 0
  if [ ! -s "$cds" ] || [ -n "$(find "$lib" -newer "$cds" -print -quit)" ]; then
    train_cds
  fi
  [ -s "$cds" ] && cds_flag=$cds_use
  return 0
}

# cpu_ticks PID...: utime + stime (fields 14 and 15 of /proc/PID/stat, counted after the command name).
cpu_ticks() {
  local total=0 pid stat rest
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat")
    rest=${stat##*) }
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
# us_per TICKS N: microseconds of CPU per item.
us_per() { awk -v t="$1" -v hz="$hz" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "n/a" }'; }

# await_demo LOG PID WORKERS: waits until every worker listens; prints the port.
await_demo() {
  local log=$1 pid=$2 n=$3
  for _ in $(seq 1200); do
    if grep -q "all $n workers listening" "$log"; then
      # "... all N workers listening: curl http://localhost:PORT/"
      sed -nE "s|.*all $n workers listening: curl http://localhost:([0-9]+)/.*|\\1|p" "$log" | head -n1
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "the demo did not come up; its output:" >&2; cat "$log" >&2
  return 1
}

# start_demo POLICY WORKERS LOG [DEMO_ARG...]: starts the Netty demo on a free port; sets demo_pid and demo_port.
start_demo() {
  local policy=$1 n=$2 log=$3
  shift 3
  "${server_cpus[@]}" java "${jvm_flags[@]}" ${cds_flag:+"$cds_flag"} --module-path "$lib" \
    -m jcluster.examples/org.jcluster.examples.Demo \
    --policy "$policy" --workers "$n" --port 0 --threads "$demo_threads" "$@" >"$log" 2>&1 &
  demo_pid=$!
  demo_port=$(await_demo "$log" "$demo_pid" "$n") || exit 1
}

# stop_demo LOG: SIGTERM, then waits for the exit; each worker prints its count as it leaves: sets demo_counts
# (one per line). Not in a $(...) subshell, which cannot wait for the demo.
stop_demo() {
  local log=$1 status=0
  kill -TERM "$demo_pid"
  wait "$demo_pid" || status=$?
  [ "$status" = 0 ] || echo "the demo exited with $status after SIGTERM (expected 0); its output is in $log" >&2
  demo_counts=$(sed -nE 's/.*worker [0-9]+ served ([0-9]+) requests.*/\1/p' "$log")
}

# demo_worker_pids LOG: the workers' pids from the fork lines.
demo_worker_pids() {
  sed -nE 's/.*fork +worker [0-9]+ \(pid ([0-9]+)\).*/\1/p' "$1"
}

# start_node POLICY WORKERS LOG: node/http-hello.js on a free port; sets node_pid, node_port.
# http-hello.js takes a fixed port: on a bind failure (a port taken meanwhile) it tries another.
start_node() {
  local policy=$1 n=$2 log=$3 attempt
  for attempt in 1 2 3; do
    node_port=$(free_port)
    POLICY=$policy WORKERS=$n PORT=$node_port "${server_cpus[@]}" node "$node_scripts/http-hello.js" >"$log" 2>&1 &
    node_pid=$!
    for _ in $(seq 600); do
      grep -q '^ready' "$log" && return 0
      grep -q EADDRINUSE "$log" && break
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null || true
  done
  echo "node did not come up; its output:" >&2; cat "$log" >&2
  exit 1
}

# stop_node LOG: SIGTERM; http-hello.js prints "dist n1 n2 ...": sets node_counts (one per line).
stop_node() {
  local log=$1
  kill -TERM "$node_pid"; wait "$node_pid" || true
  node_counts=$(grep '^dist' "$log" | tr ' ' '\n' | grep -E '^[0-9]+$' || true)
}

# free_port: a port nothing listens on, below the ephemeral range (where wrk's client sockets, thousands of
# them in TIME_WAIT after a Connection: close run, would make a bind fail).
free_port() {
  local port low
  low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# run_wrk MODE PORT SECONDS [p99]: prints "req/s requests errors" for keepalive or close (errors: wrk's
# socket errors, timeouts included, plus its non-2xx responses). With p99, wrk also runs with --latency
# and a fourth field follows: its 99th percentile latency, in milliseconds.
run_wrk() {
  local mode=$1 port=$2 secs=$3 header=() latency=()
  [ "$mode" = close ] && header=(-H 'Connection: close')
  [ "${4:-}" = p99 ] && latency=(--latency)
  "${client_cpus[@]}" wrk -t1 -c"$connections" -d"${secs}s" "${latency[@]}" "${header[@]}" "http://127.0.0.1:$port/" | awk '
    /requests in/ { n = $1 }
    /Socket errors/ { gsub(",", ""); e = $4 + $6 + $8 + $10 }
    /Non-2xx/ { e += $NF }
    /Requests\/sec/ { r = $2 }
    # "99%  1.23ms" in the latency distribution; wrk writes us, ms, s, m or h
    $1 == "99%" { v = $2; u = v; sub(/^[0-9.]+/, "", u); v += 0
                  p = u == "us" ? v / 1000 : u == "s" ? v * 1000 : u == "m" ? v * 60000 : u == "h" ? v * 3600000 : v }
    END { printf "%.0f %d %d", r, n, e; if (p != "") printf " %.3f", p; printf "\n" }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# spread: max/min of the numbers on stdin (one per line)
spread() { awk 'NR == 1 || $1 > max { max = $1 } NR == 1 || $1 < min { min = $1 } END { if (NR > 1 && min > 0) printf "%.3f", max / min; else print "n/a" }'; }
