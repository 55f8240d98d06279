#!/usr/bin/env bash
# Spindle's AM against a real ResourceManager (MockRM, CapacityScheduler) with 110 simulated NodeManagers.
# Build first: mvn -B -q install -DskipTests
#   bench-am-scale/run.sh [containers ...]     default: 100 400 1100
#   OFFSWITCH=20 bench-am-scale/run.sh 1100    with the CapacityScheduler placing up to 20 ANY containers per node heartbeat
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
exec java -Xmx2g ${OFFSWITCH:+-Dspindle.bench.offswitch=$OFFSWITCH} -Dlog4j.configuration="file:$PWD/log4j.properties" \
  -cp "target/classes:$(cat target/classpath.txt)" org.spindle.bench.amscale.AmScaleBench "$@"
