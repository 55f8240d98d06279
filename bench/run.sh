#!/usr/bin/env bash
# Runs a benchmark. Build first: mvn -B -q install -DskipTests
#   bench/run.sh                          recovery after kill -9 (embedded YARN cluster)
#   bench/run.sh train [steps] [reps]     FM examples/s: one process vs PS vs allreduce
#   bench/run.sh feed [rows] [reps]       Spark -> TF feeding rows/s, and Arrow batch -> tensor
#   bench/run.sh feed [rows] [reps] tls   the Flight feed without and with encryption (TLS)
#   bench/run.sh fedtrain [rows] [reps] [FM,MLP]  FM and MLP trained from the Spark feed (stream, files) vs from memory
#   bench/run.sh firststep [reps]        submit -> first TF step, kill -9 -> step advancing (embedded YARN cluster)
#   bench/run.sh natives [jvms] [reps]    TF task start-up: shared JavaCPP home cache vs natives in the archive
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
OPENS="--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
case "${1:-recovery}" in
  train|feed|fedtrain)
    case "$1" in
      train) main=org.spindle.bench.TrainThroughputBench ;;
      feed) main=org.spindle.bench.FeedBench ;;
      *) main=org.spindle.bench.FedTrainBench ;;
    esac
    shift
    # Spark, Flight and TF without the Hadoop mini cluster (which only the recovery benchmark needs).
    cp=$(tr ':' '\n' < target/classpath.txt | grep -v hadoop-client-minicluster | paste -sd: -)
    exec env TF_CPP_MIN_LOG_LEVEL=2 java $OPENS -Dlog4j.configuration="file:$PWD/log4j.properties" \
      -cp "target/classes:$cp" "$main" "$@" ;;
  natives) shift
    cp=$(tr ':' '\n' < target/classpath.txt | grep -v hadoop-client-minicluster | paste -sd: -)
    exec java -Dspindle.tensorflow.lib="$PWD/../tensorflow/target/tensorflow-lib" \
      -cp "target/classes:$cp" org.spindle.bench.NativeStartBench "$@" ;;
  firststep) shift
    exec java -Dspindle.dist.jar="$PWD/../dist/target/spindle.jar" -Dlog4j.configuration="file:$PWD/log4j.properties" \
      -Dspindle.examples.jar="$(ls "$PWD"/../examples/target/spindle-examples-*.jar | grep -v sources | head -1)" \
      -cp "target/classes:$(cat target/classpath.txt)" org.spindle.bench.FirstStepBench "$@" ;;
  recovery) [ $# -gt 0 ] && shift
    exec java -Dspindle.dist.jar="$PWD/../dist/target/spindle.jar" -Dlog4j.configuration="file:$PWD/log4j.properties" \
      -cp "target/classes:$(cat target/classpath.txt)" org.spindle.bench.RecoveryBench "$@" ;;
  *) exec java -Dspindle.dist.jar="$PWD/../dist/target/spindle.jar" -Dlog4j.configuration="file:$PWD/log4j.properties" \
      -cp "target/classes:$(cat target/classpath.txt)" org.spindle.bench.RecoveryBench "$@" ;;
esac
