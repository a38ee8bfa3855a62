#!/usr/bin/env bash
# Builds what the demo needs (skipping tests), then runs the demo cluster on the module path: Node's
# cluster HTTP hello world, served by Netty in every worker on one shared port.
# Arguments go to the demo: --policy rr|none, --workers N, --port P, --threads T, --seconds S,
# --handler-thread io|own (under rr: jcluster's I/O thread runs the connection handler, or the server's own)
# (defaults: rr or $JCLUSTER_SCHED_POLICY, one worker per core, 8000, 1, until Ctrl-C, io).
# Ctrl-C (or SIGTERM) stops it gracefully and prints each worker's request count.
set -euo pipefail
cd "$(dirname "$0")"
mvn -q -B -ntp -DskipTests -pl examples -am install
module_path="examples/target/classes:$(cat examples/target/module-path.txt)"
exec java --enable-native-access=org.jnrproject.jffi --module-path "$module_path" \
  -m jcluster.examples/org.jcluster.examples.Demo "$@"
