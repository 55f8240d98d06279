#!/usr/bin/env bash
# Runs the recovery benchmark on an embedded cluster. Build first: mvn -B -q install -DskipTests
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
exec java -Dspindle.dist.jar="$PWD/../dist/target/spindle.jar" -Dlog4j.configuration="file:$PWD/log4j.properties" \
  -cp "target/classes:$(cat target/classpath.txt)" org.spindle.bench.RecoveryBench "$@"
