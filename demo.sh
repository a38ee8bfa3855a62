#!/usr/bin/env bash
# Runs the demo cluster on the module path: Node's cluster HTTP hello world, served by Netty in every
# worker on one shared port, kept up by jcluster's supervisor: a crashed worker is replaced, SIGHUP to
# the primary reloads every worker one at a time, Ctrl-C (or SIGTERM) stops it gracefully and each
# worker prints its request count.
#
#   ./demo.sh [options]          ./demo.sh --help lists them
#
# Builds first only when the demo's sources changed since its last build (a fresh clone: builds everything
# it needs). The options' one source is DemoOptions.java; this script checks them with it before it
# builds anything, so --help answers at once and a bad option fails at once, with exit code 2 and the fix.
#
# JAVA_HOME chooses the JDK (17 or later), else `java` on the PATH; Maven uses the same.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
javac=${JAVA_HOME:+$JAVA_HOME/bin/}javac

options_source=examples/src/main/java/org/jcluster/examples/DemoOptions.java
# The demo runs from a snapshot of its jars (the examples jar and its module path), copied after each
# build: a later `mvn install` or `mvn clean` in the tree then cannot change them under a running demo.
# built-from lists the module directories those jars were built from; its time is when that build started.
snapshot=examples/target/demo
lib=$snapshot/lib
stamp=$snapshot/built-from

# snapshot_is_current: there is a snapshot, and no pom, source or resource it was built from changed since
# (a new or deleted file changes its directory's time, which find sees too).
snapshot_is_current() {
  [ -s "$stamp" ] || return 1
  local dir watched=(pom.xml)
  while IFS= read -r dir; do
    [ -d "$dir" ] || return 1
    watched+=("$dir/pom.xml" "$dir/src/main")
  done <"$stamp"
  [ -z "$(find "${watched[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]
}

examples_jar() {
  find "$1" -maxdepth 1 -name 'examples-*.jar' ! -name '*-sources.jar' ! -name '*-javadoc.jar' ! -name '*-tests.jar' \
    -print -quit
}

# check_options ARGS...: DemoOptions' verdict on the command line, from DemoOptions.java alone, compiled on
# its own into the snapshot directory whenever it changed (a second, once), so that the check takes a
# fraction of a second and never waits for Maven. Exits here for --help (after the usage) and for a bad
# option (after the error).
check_options() {
  local classes=$snapshot/options-check status=0
  local class=$classes/org/jcluster/examples/DemoOptions.class
  if [ ! -f "$class" ] || [ "$options_source" -nt "$class" ]; then
    mkdir -p "$classes"
    "$javac" --release 17 -d "$classes" "$options_source" || {
      echo "demo.sh: could not compile $options_source with $javac: the demo needs JDK 17 or later" \
        "(set JAVA_HOME or put its javac on the PATH)" >&2
      exit 1
    }
  fi
  "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$classes" org.jcluster.examples.DemoOptions "$@" || status=$?
  # DemoOptions.CHECK_RUN, CHECK_BAD_OPTION, CHECK_HELP_SHOWN
  case $status in
    0) ;;
    2) exit 2 ;;
    3) exit 0 ;;
    *) echo "demo.sh: could not check the options with $java (exit $status): the demo needs JDK 17 or later" \
         "(set JAVA_HOME or put its java on the PATH)" >&2
       exit 1 ;;
  esac
}

build() {
  echo "demo.sh: building the demo and the modules it needs (tests skipped)..." >&2
  mkdir -p "$snapshot"
  local started=$snapshot/.build-started
  touch "$started"
  # -B and style.color=never: no colours; jansi.noreset: Debian's Maven 3.8 prints colour resets even so.
  if ! MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" \
      mvn -q -B -ntp -Dstyle.color=never -Dmaven.test.skip=true -pl examples -am package >&2; then
    echo "demo.sh: the build failed (its errors are above); fix them and run ./demo.sh again" >&2
    exit 1
  fi
  local jars module_path
  module_path=$(<examples/target/module-path.txt)
  IFS=: read -ra jars <<<"$module_path"
  jars+=("$(examples_jar examples/target)")
  rm -rf "$lib"
  mkdir -p "$lib"
  cp -p "${jars[@]}" "$lib/"
  if [ "$(find "$lib" -name '*.jar' | wc -l)" -ne "${#jars[@]}" ]; then
    echo "demo.sh: two jars of the module path share a file name; the snapshot in $lib cannot hold both" >&2
    exit 1
  fi
  # The module directories of this tree that the jars came from (reactor jars: <dir>/target/<name>.jar).
  local jar dir
  for jar in "${jars[@]}"; do
    case $jar in
      "$root"/*/target/*.jar | examples/target/*.jar) dir=${jar#"$root"/}; echo "${dir%%/target/*}" ;;
    esac
  done | sort -u >"$stamp.new"
  touch -r "$started" "$stamp.new"
  mv "$stamp.new" "$stamp"
  rm -f "$started"
}

check_options "$@"
snapshot_is_current || build
exec "$java" --enable-native-access=org.jnrproject.jffi --module-path "$lib" \
  -m jcluster.examples/org.jcluster.examples.Demo "$@"
