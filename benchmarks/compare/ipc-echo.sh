#!/usr/bin/env bash
# jcluster against Node's cluster module (node/ipc-echo.js, node/fork-online.js, node/rss.js), side by
# side, alternating in one run (this machine is noisy: only ratios taken in the same run mean much).
# Each case runs ROUNDS times per side; the line shows the medians.
#
#   benchmarks/compare/ipc-echo.sh [DURATION_S] [ROUNDS]     (defaults: 3 s, 3 rounds)
#
# Prints, per case:
#   ipc-echo <json|advanced> <string|object> <inflight> jcluster=<round trips/s> node=<round trips/s> ratio=<x>
# then fork-to-online time and idle worker memory beside Node's.
# SERIALIZATIONS="json advanced" chooses the echo rows' serializations.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# Node's side: jcluster's own peer scripts (node/README.md).
node_scripts=$root/benchmarks/compare/node
duration=${1:-3}
rounds=${2:-3}
serializations=${SERIALIZATIONS:-json advanced}
usage="usage: benchmarks/compare/ipc-echo.sh [DURATION_S] [ROUNDS], whole numbers from 1 (defaults 3 and 3)"
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "DURATION_S must be a whole number of seconds from 1, not '$duration'; $usage" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a whole number from 1, not '$rounds'; $usage" >&2; exit 2; }
for serialization in $serializations; do
  case $serialization in
    json|advanced) ;;
    *) echo "SERIALIZATIONS takes json and/or advanced, not '$serialization'" >&2; exit 2 ;;
  esac
done

command -v node >/dev/null || { echo "node is needed for the side-by-side runs: install Node.js 20 or later" >&2; exit 1; }

# (jansi.noreset: Debian's Maven 3.8 prints colour resets even in batch mode.)
MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" \
  mvn -q -B -ntp -Dstyle.color=never -f "$root/pom.xml" -DskipTests -pl benchmarks -am install >&2
jar=$root/benchmarks/target/benchmarks.jar
# Workers inherit the primary's JVM flags (rule 40), so these are the workers' flags too.
echo_flags=(--enable-native-access=ALL-UNNAMED)
# -Djnr.ffi.asm.enabled=false: jnr-ffi binds lazily through reflection instead of generating bytecode (and
# x86 stubs) for every method of jnr-posix's libc interface at load: less start-up CPU, and no 13 MB C1 arena
# from compiling jnr.x86asm.Assembler._emitX86 (idle worker RSS ~64 MB -> ~50 MB). IPC I/O goes through jffi
# directly, so it is unaffected.
lean_flags=(--enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:CICompilerCount=1
  -Xss256k -XX:ReservedCodeCacheSize=16m -XX:MaxMetaspaceSize=64m -Xmx64m -Xms8m -Djnr.ffi.asm.enabled=false)

field() { awk -v k="$1" '$1 == k { print $2; exit }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

for serialization in $serializations; do
  for payload in string object; do
    # a 12-character string, as the issue asks; a small object of 4 items
    len=12; [ "$payload" = object ] && len=4
    for inflight in 1 100; do
      j=""; n=""
      for _ in $(seq "$rounds"); do
        j="$j $(SERIALIZATION=$serialization PAYLOAD=$payload LEN=$len INFLIGHT=$inflight DURATION=$duration \
          java "${echo_flags[@]}" -cp "$jar" org.jcluster.benchmarks.compare.EchoBench | field roundtrips_per_s)"
        n="$n $(SERIALIZATION=$serialization PAYLOAD=$payload LEN=$len INFLIGHT=$inflight DURATION=$duration \
          node "$node_scripts/ipc-echo.js" | field roundtrips_per_s)"
      done
      jm=$(echo "$j" | median); nm=$(echo "$n" | median)
      echo "ipc-echo $serialization $payload $inflight jcluster=$jm node=$nm ratio=$(ratio "$jm" "$nm")"
    done
  done
done

# Start-up recipe for the fork and rss rows (README, "Worker start-up"): an AppCDS archive of a
# training run, and jffi's native stub unpacked once instead of by every JVM. Workers inherit both
# flags. The primary and its one training worker both write the archive at exit; the primary, which
# waits for its worker, writes last, so its fuller archive is the one kept.
cds=$root/benchmarks/target/workers-appcds.jsa
if [ ! -s "$cds" ] || [ "$jar" -nt "$cds" ]; then
  rm -f "$cds"
  WORKERS=1 java "${lean_flags[@]}" -XX:ArchiveClassesAtExit="$cds" -cp "$jar" \
    org.jcluster.benchmarks.compare.ForkOnline >/dev/null 2>&1 || rm -f "$cds"
fi
jffi_dir=$root/benchmarks/target/jffi-native
if [ ! -f "$jffi_dir/libjffi-1.2.so" ]; then
  mkdir -p "$jffi_dir"
  (cd "$jffi_dir" && jar xf "$jar" jni/x86_64-Linux/libjffi-1.2.so && mv jni/x86_64-Linux/libjffi-1.2.so . && rm -r jni)
fi
start_flags=("${lean_flags[@]}" -Djffi.boot.library.path="$jffi_dir")
[ -s "$cds" ] && start_flags+=(-XX:SharedArchiveFile="$cds")

j=""; n=""; je=""; ne=""
for _ in $(seq "$rounds"); do
  out=$(WORKERS=4 java "${start_flags[@]}" -cp "$jar" org.jcluster.benchmarks.compare.ForkOnline)
  j="$j $(echo "$out" | field all_online_ms)"; je="$je $(echo "$out" | field all_exited_ms)"
  out=$(WORKERS=4 node "$node_scripts/fork-online.js")
  n="$n $(echo "$out" | field all_online_ms)"; ne="$ne $(echo "$out" | field all_exited_ms)"
done
jm=$(echo "$j" | median); nm=$(echo "$n" | median)
echo "fork-online workers=4 jcluster_all_online_ms=$jm node_all_online_ms=$nm ratio=$(ratio "$jm" "$nm")" \
  "jcluster_all_exited_ms=$(echo "$je" | median) node_all_exited_ms=$(echo "$ne" | median)"

j=""; n=""
for _ in $(seq "$rounds"); do
  j="$j $(java "${start_flags[@]}" -cp "$jar" org.jcluster.benchmarks.compare.WorkerRss | field worker_VmRSS:)"
  n="$n $(node "$node_scripts/rss.js" | field worker_VmRSS:)"
done
jm=$(echo "$j" | median); nm=$(echo "$n" | median)
echo "idle-worker-rss jcluster_kB=$jm node_kB=$nm ratio=$(ratio "$jm" "$nm")"
echo "(fork-online and rss: jcluster primary and workers ran with: ${start_flags[*]})"
