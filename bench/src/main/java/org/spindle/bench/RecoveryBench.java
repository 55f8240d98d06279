package org.spindle.bench;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.spindle.task.ControlPlaneClient;
import org.spindle.client.SpindleClient;
import org.spindle.client.Submitter;
import org.spindle.client.local.LocalCluster;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/**
 * Recovery latency on the embedded cluster, both modes in the same run: time from kill -9 of one
 * worker's container until the job is whole again (every gang task REGISTERED), for independent
 * restarts (baseline: one task comes back) and gang restarts (every task comes back).
 * Run: bench/run.sh (after mvn -B -q install -DskipTests)
 */
public final class RecoveryBench {
  private static final int WORKERS = 4;
  private static final int REPS = 3;

  private RecoveryBench() {}

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("spindle-bench");
    try (LocalCluster cluster = LocalCluster.start(work.resolve("cluster"), "bench")) {
      Map<String, List<Long>> results = new HashMap<>();
      List<Long> assemble = new ArrayList<>();
      for (int rep = 0; rep < REPS; rep++) {
        for (String mode : List.of("independent", "gang", "am")) {
          Path done = work.resolve("done-" + mode + rep);
          Submitter.Submitted job = start(cluster, work, "am".equals(mode) ? "independent" : mode, done);
          long t0 = System.nanoTime();
          waitWhole(cluster, job, 0);
          assemble.add(ms(t0));
          long t1;
          if ("am".equals(mode)) {
            ApplicationReport r = report(cluster, job);
            String am = org.apache.hadoop.yarn.api.records.ContainerId.newContainerId(
                r.getCurrentApplicationAttemptId(), 1).toString();
            t1 = System.nanoTime();
            kill9(work, am);
            waitForAttempt(cluster, work, job, 2);
            waitWhole(cluster, job, 0);
          } else {
            String victim = task(status(cluster, job), "worker", 1).getContainerId();
            t1 = System.nanoTime();
            kill9(work, victim);
            waitWhole(cluster, job, "gang".equals(mode) ? 1 : 0, victim);
          }
          results.computeIfAbsent(mode, k -> new ArrayList<>()).add(ms(t1));
          Files.createFile(done);
          new SpindleClient(cluster.conf(), new PrintStream(OutputStream.nullOutputStream())).await(job);
        }
      }
      long ind = median(results.get("independent"));
      long gang = median(results.get("gang"));
      System.out.printf("1 ps + %d workers, %d reps, medians on this machine:%n", WORKERS, REPS);
      System.out.printf("  running -> gang assembled:           %6d ms  (all: %s)%n", median(assemble), assemble);
      System.out.printf("  kill -9 -> whole again, independent: %6d ms  (all: %s)%n", ind,
          results.get("independent"));
      System.out.printf("  kill -9 -> whole again, gang:        %6d ms  (all: %s)%n", gang, results.get("gang"));
      System.out.printf("  gang / independent recovery ratio:   %6.2f%n", (double) gang / ind);
      long am = median(results.get("am"));
      System.out.printf("  kill -9 AM -> attempt 2 serves, every task re-registered: %6d ms  (all: %s)%n", am,
          results.get("am"));
      System.out.printf("  AM restart / independent worker restart ratio: %6.2f%n", (double) am / ind);
    }
    System.exit(0); // the mini cluster leaves non-daemon Hadoop threads behind
  }

  private static Submitter.Submitted start(LocalCluster cluster, Path work, String mode, Path done) throws Exception {
    String cmd = "for i in $(seq 3000); do [ -f " + done + " ] && exit 0; sleep 0.1; done; exit 1";
    Map<String, String> k = new HashMap<>(cluster.containerKeys());
    k.put("spindle.dist.jar", Path.of(System.getProperty("spindle.dist.jar")).toAbsolutePath().toString());
    k.put("spindle.app.restart-mode", mode);
    k.put("spindle.task.heartbeat-interval", "500ms");
    k.put("spindle.role.ps.memory", "256");
    k.put("spindle.role.ps.command", cmd);
    k.put("spindle.role.worker.instances", Integer.toString(WORKERS));
    k.put("spindle.role.worker.memory", "256");
    k.put("spindle.role.worker.max-restarts", "5");
    k.put("spindle.role.worker.command", cmd);
    Submitter.Submitted job = new SpindleClient(cluster.conf(), new PrintStream(OutputStream.nullOutputStream()))
        .start(List.of(), k, List.of());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (report(cluster, job).getRpcPort() <= 0) {
      check(deadline);
      Thread.sleep(50);
    }
    return job;
  }

  /** Polls (bounded) until every task of the attempt is REGISTERED and none runs in the old container. */
  private static void waitWhole(LocalCluster cluster, Submitter.Submitted job, int attempt, String... gone)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      JobStatusResponse st = status(cluster, job);
      boolean whole = st.getGangAttempt() == attempt && st.getTasksList().stream().allMatch(t ->
          t.getState().equals("REGISTERED") && !List.of(gone).contains(t.getContainerId()));
      if (whole) {
        return;
      }
      check(deadline);
      Thread.sleep(20);
    }
  }

  /**
   * Polls (bounded) until the given AM attempt serves the job and every task's launcher has
   * registered with it again (its heartbeats reach the new AM: the job status lists every task).
   */
  private static void waitForAttempt(LocalCluster cluster, Path work, Submitter.Submitted job, int attempt)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      ApplicationReport r = report(cluster, job);
      if (r.getCurrentApplicationAttemptId().getAttemptId() == attempt && r.getRpcPort() > 0) {
        try {
          JobStatusResponse st = status(cluster, job);
          if (st.getTasksCount() == WORKERS + 1 && reRegistered(work, job, WORKERS + 1)) {
            return;
          }
        } catch (io.grpc.StatusRuntimeException e) {
          // the new AM is binding its server
        }
      }
      check(deadline);
      Thread.sleep(100); // each poll reads the containers' logs
    }
  }

  /** Every task container's launcher logged that it registered with the new attempt. */
  private static boolean reRegistered(Path work, Submitter.Submitted job, int tasks) throws Exception {
    try (Stream<Path> s = Files.walk(work)) {
      long n = s.filter(p -> p.getFileName().toString().equals("stderr") && p.toString().contains(job.appId().toString()))
          .filter(p -> {
            try {
              return Files.readString(p).contains("registered with ApplicationMaster attempt");
            } catch (java.io.IOException e) {
              return false;
            }
          }).count();
      return n >= tasks;
    }
  }

  static void check(long deadline) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("benchmark step timed out");
    }
  }

  static ApplicationReport report(LocalCluster cluster, Submitter.Submitted job) throws Exception {
    try (YarnClient y = cluster.yarnClient()) {
      return y.getApplicationReport(job.appId());
    }
  }

  static JobStatusResponse status(LocalCluster cluster, Submitter.Submitted job) throws Exception {
    ApplicationReport r = report(cluster, job);
    try (ControlPlaneClient c = new ControlPlaneClient(r.getHost() + ":" + r.getRpcPort(), job.secret(), job.tls())) {
      return c.stub(10, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance());
    }
  }

  static TaskStatus task(JobStatusResponse st, String role, int index) {
    return st.getTasksList().stream().filter(t -> t.getRole().equals(role) && t.getIndex() == index)
        .findFirst().orElseThrow();
  }

  static void kill9(Path work, String containerId) throws Exception {
    try (Stream<Path> s = Files.walk(work)) {
      Path pidFile = s.filter(p -> p.getFileName().toString().equals(containerId + ".pid")).findFirst().orElseThrow();
      ProcessHandle p = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
      p.descendants().forEach(ProcessHandle::destroyForcibly); // the JVM, if the pid is its launch shell
      p.destroyForcibly();
    }
  }

  static long ms(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(Long::compare);
    return s.get(s.size() / 2);
  }
}
