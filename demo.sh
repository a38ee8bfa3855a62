#!/usr/bin/env bash
# Builds what the demo needs (skipping tests), then runs the demo cluster on the module path.
# Arguments go to the demo: --workers N, --seconds S. Ctrl-C stops it gracefully.
set -euo pipefail
cd "$(dirname "$0")"
mvn -q -B -ntp -DskipTests -pl examples -am install
module_path="examples/target/classes:$(cat examples/target/module-path.txt)"
exec java --enable-native-access=org.jnrproject.jffi --module-path "$module_path" \
  -m jcluster.examples/org.jcluster.examples.Demo "$@"
