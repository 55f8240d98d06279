package org.spindle.bench;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.spindle.client.SpindleClient;
import org.spindle.client.Submitter;
import org.spindle.client.local.LocalCluster;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/**
 * Seconds to the first training step and back, on the embedded cluster, for a TensorFlow job without Spark
 * (the LogisticRegression example: 1 ps + 2 workers in PS mode; 2 workers in allreduce mode), each
 * submitted as a user submits it: the runtime from the cache, nothing preloaded in the containers.
 * Each mode runs twice per repetition, in the same run: first with the TF task JVM started after the gang
 * assembled (spindle.task.early-start=false, the baseline), then started at registration (early start).
 * Measured per mode and variant:
 *   submit -> every task REGISTERED (the gang assembled: the baseline of the start),
 *   submit -> first training step reported,
 *   kill -9 of worker:1 -> every task REGISTERED again (the baseline of the recovery),
 *   kill -9 of worker:1 -> the global step advancing again (two rising step reports in the new gang attempt).
 * Run: bench/run.sh firststep [reps] (after mvn -B -q install -DskipTests)
 */
public final class FirstStepBench {
  private FirstStepBench() {}

  /** spindle.task.early-start=false: the TF JVM starts once the gang assembled (the baseline). */
  static final String LATE = "JVM after gang";
  /** spindle.task.early-start=true: the TF JVM starts at registration and gets the spec on stdin. */
  static final String EARLY = "JVM early";
  /** Each mode with the baseline first, in every repetition. */
  static final List<String> VARIANTS = List.of("ps, " + LATE, "ps, " + EARLY, "allreduce, " + LATE,
      "allreduce, " + EARLY);

  public static void main(String[] args) throws Exception {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    Path work = Files.createTempDirectory("spindle-bench-firststep");
    Map<String, List<Long>> r = new LinkedHashMap<>();
    try (LocalCluster cluster = LocalCluster.start(work.resolve("cluster"), "firststep")) {
      for (int rep = 0; rep < reps; rep++) {
        for (String variant : VARIANTS) {
          String mode = variant.substring(0, variant.indexOf(','));
          Path lake = Files.createDirectories(work.resolve("lake-" + variant.replaceAll("\\W", "") + rep));
          Map<String, String> keys = keys(cluster, work, lake, mode);
          keys.put("spindle.task.early-start", Boolean.toString(variant.endsWith(EARLY)));
          long t0 = System.nanoTime();
          Submitter.Submitted job = client(cluster).start(List.of(), keys,
              List.of(Path.of(System.getProperty("spindle.examples.jar"))));
          long before = waitFor(cluster, job, 0, -1);
          add(r, variant + ": submit -> gang registered", RecoveryBench.ms(t0));
          waitFor(cluster, job, 0, before);
          add(r, variant + ": submit -> first step", RecoveryBench.ms(t0));
          String victim = RecoveryBench.task(RecoveryBench.status(cluster, job), "worker", 1).getContainerId();
          long t1 = System.nanoTime();
          RecoveryBench.kill9(work, victim);
          long atRestart = waitFor(cluster, job, 1, -1);
          add(r, variant + ": kill -9 worker -> gang registered", RecoveryBench.ms(t1));
          long restored = waitFor(cluster, job, 1, atRestart); // the new attempt's first report
          long rising = restored;
          while (rising <= restored) { // then a larger step: training goes on
            rising = waitFor(cluster, job, 1, rising);
          }
          add(r, variant + ": kill -9 worker -> step advancing", RecoveryBench.ms(t1));
          try (YarnClient y = cluster.yarnClient()) {
            y.killApplication(job.appId());
          }
        }
      }
    }
    System.out.printf("LogisticRegression (1 ps + 2 workers in ps mode, 2 workers in allreduce), %d rep(s), medians:%n",
        reps);
    r.forEach((k, v) -> System.out.printf("  %-58s %7d ms  (all: %s)%n", k, RecoveryBench.median(v), v));
    for (String mode : List.of("ps", "allreduce")) {
      String late = mode + ", " + LATE;
      String early = mode + ", " + EARLY;
      System.out.printf("  %s: early start / late start: submit -> first step %.2f; kill -9 -> step advancing %.2f%n",
          mode, ratio(r, early + ": submit -> first step", late + ": submit -> first step"),
          ratio(r, early + ": kill -9 worker -> step advancing", late + ": kill -9 worker -> step advancing"));
    }
    System.exit(0); // the mini cluster leaves non-daemon Hadoop threads behind
  }

  private static double ratio(Map<String, List<Long>> r, String a, String b) {
    return (double) RecoveryBench.median(r.get(a)) / RecoveryBench.median(r.get(b));
  }

  private static void add(Map<String, List<Long>> r, String key, long ms) {
    r.computeIfAbsent(key, k -> new ArrayList<>()).add(ms);
    System.out.printf("%s: %d ms%n", key, ms);
  }

  private static SpindleClient client(LocalCluster cluster) {
    return new SpindleClient(cluster.conf(), new PrintStream(OutputStream.nullOutputStream()));
  }

  private static Map<String, String> keys(LocalCluster cluster, Path work, Path lake, String mode) {
    Map<String, String> k = new HashMap<>(cluster.containerKeys());
    k.put("spindle.dist.jar", Path.of(System.getProperty("spindle.dist.jar")).toAbsolutePath().toString());
    k.put("spindle.archive.cache-dir", work.resolve("archive-cache").toUri().toString());
    k.put("spindle.task.heartbeat-interval", "500ms");
    k.put("spindle.job.class", "org.spindle.examples.LogisticRegressionJob");
    k.put("spindle.checkpoint.dir", lake.resolve("checkpoints").toUri().toString());
    k.put("spindle.tensorflow.mode", mode);
    if (mode.equals("ps")) {
      k.put("spindle.role.ps.instances", "1");
      k.put("spindle.role.ps.memory", "1024");
      k.put("spindle.role.ps.env.TF_CPP_MIN_LOG_LEVEL", "2");
    }
    k.put("spindle.role.worker.instances", "2");
    k.put("spindle.role.worker.memory", "1024");
    k.put("spindle.role.worker.max-restarts", "5");
    k.put("spindle.role.worker.env.TF_CPP_MIN_LOG_LEVEL", "2");
    k.put("example.steps", "10000000");
    k.put("example.report", lake.resolve("report.jsonl").toString());
    return k;
  }

  /**
   * Polls (bounded) until the job is in gang attempt {@code attempt} with every task REGISTERED and the
   * largest step the workers reported differs from {@code unlike} (-1: any step); returns that step.
   */
  private static long waitFor(LocalCluster cluster, Submitter.Submitted job, int attempt, long unlike)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (true) {
      try {
        if (RecoveryBench.report(cluster, job).getRpcPort() <= 0) { // no AM serving yet (host N/A)
          RecoveryBench.check(deadline);
          Thread.sleep(50);
          continue;
        }
        JobStatusResponse st = RecoveryBench.status(cluster, job);
        long max = st.getTasksList().stream().filter(t -> t.getRole().equals("worker"))
            .mapToLong(TaskStatus::getStep).max().orElse(0);
        boolean registered = st.getGangAttempt() == attempt && st.getTasksCount() > 0
            && st.getTasksList().stream().allMatch(t -> t.getState().equals("REGISTERED"));
        if (registered && (unlike < 0 || max != unlike)) {
          return max;
        }
      } catch (io.grpc.StatusRuntimeException e) {
        // the AM is still binding its server
      }
      RecoveryBench.check(deadline);
      Thread.sleep(20);
    }
  }
}
