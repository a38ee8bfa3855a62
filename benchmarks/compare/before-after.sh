#!/usr/bin/env bash
# Two builds of jcluster side by side, alternating in one run: the IPC echo (EchoBench, as ipc-echo.sh
# runs it) and SharedServerBenchmark (connections per second through shared servers), each case ROUNDS
# times per build. For a change's cost: build the old commit in a clone of its own, then
#
#   benchmarks/compare/before-after.sh BEFORE_JAR AFTER_JAR [DURATION_S] [ROUNDS]   (defaults 3 s, 3)
#
# where each jar is a build's benchmarks/target/benchmarks.jar (mvn -DskipTests -pl benchmarks -am install).
# Prints one line per case with every round's figure and the ratio of the medians (after / before):
#   echo <serialization> <payload> <inflight> before=<round trips/s ...> after=<...> ratio=<x>
#   shared-server <policy> before=<connections/s ...> after=<...> ratio=<x>
# Knobs: CASES (echo rows, "serialization:payload:inflight", default below), POLICIES (rr none).
set -euo pipefail
usage="usage: benchmarks/compare/before-after.sh BEFORE_JAR AFTER_JAR [DURATION_S] [ROUNDS]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
before=$1
after=$2
duration=${3:-3}
rounds=${4:-3}
for jar in "$before" "$after"; do
  [ -f "$jar" ] || { echo "$jar: no such file; give each build's benchmarks/target/benchmarks.jar. $usage" >&2; exit 2; }
done
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "DURATION_S must be a whole number of seconds from 1, not '$duration'; $usage" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a whole number from 1, not '$rounds'; $usage" >&2; exit 2; }
cases=${CASES:-json:string:1 json:string:100 json:object:1 advanced:string:1}
policies=${POLICIES:-rr none}

field() { awk -v k="$1" '$1 == k { print $2; exit }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

echo_once() { # jar serialization payload inflight
  local len=12
  [ "$3" = object ] && len=4
  SERIALIZATION=$2 PAYLOAD=$3 LEN=$len INFLIGHT=$4 DURATION=$duration \
    java --enable-native-access=ALL-UNNAMED -cp "$1" org.jcluster.benchmarks.compare.EchoBench | field roundtrips_per_s
}

server_once() { # jar policy: JMH's score line, "SharedServerBenchmark.<method> <policy> thrpt <n> <score> ..."
  java -jar "$1" SharedServerBenchmark -p policy="$2" -f 1 -wi 2 -i 3 -w "${duration}s" -r "${duration}s" 2>/dev/null \
    | awk '/^SharedServerBenchmark/ && / thrpt / { for (i = 1; i <= NF; i++) if ($i == "thrpt") { print $(i + 2); exit } }'
}

for c in $cases; do
  IFS=: read -r serialization payload inflight <<<"$c"
  b=""; a=""
  for _ in $(seq "$rounds"); do
    b="$b $(echo_once "$before" "$serialization" "$payload" "$inflight")"
    a="$a $(echo_once "$after" "$serialization" "$payload" "$inflight")"
  done
  echo "echo $serialization $payload $inflight before=${b# } after=${a# } ratio=$(ratio "$(echo "$a" | median)" "$(echo "$b" | median)")"
done
for policy in $policies; do
  b=""; a=""
  for _ in $(seq "$rounds"); do
    b="$b $(server_once "$before" "$policy")"
    a="$a $(server_once "$after" "$policy")"
  done
  echo "shared-server $policy before=${b# } after=${a# } ratio=$(ratio "$(echo "$a" | median)" "$(echo "$b" | median)")"
done
