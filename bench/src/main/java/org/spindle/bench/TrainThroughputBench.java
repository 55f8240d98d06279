package org.spindle.bench;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.spindle.api.SpindleJob;
import org.spindle.api.TrainContext;
import org.spindle.api.Trainer;
import org.spindle.examples.FmModel;
import org.spindle.tensorflow.TfCluster;
import org.spindle.tensorflow.TfTrainContext;
import org.tensorflow.Server;
import org.tensorflow.framework.optimizers.Adam;

/**
 * Examples/s of the FM model (batch 1024, 10k features, 16 factors) trained three ways in one run
 * on this machine: one process (a local session, the baseline), PS mode (1 ps + 2 workers through
 * TF's gRPC runtime) and allreduce mode (2 workers, CollectiveReduceV2). Every setup runs the
 * same number of steps per worker; the clock runs from the first to the last reported metric.
 * Usage: TrainThroughputBench [steps] [repetitions]
 */
public final class TrainThroughputBench {
  static final int VOCAB = 10_000;
  static final int FIELDS = 8;
  static final int FACTORS = 16;
  static final int BATCH = 1024;

  private TrainThroughputBench() {}

  /**
   * One worker's job: the FM trained until the global step reaches `steps`. It times its own
   * steps (input calls) from its 20th on: {first local step, its time, last local step, its time}.
   */
  static final class FmJob extends SpindleJob {
    final long steps;
    final long[] window;

    FmJob(long steps, long[] window) {
      this.steps = steps;
      this.window = window;
    }

    @Override
    public void train(TrainContext ctx) throws Exception {
      FmModel fm = new FmModel(VOCAB, FIELDS, FACTORS);
      Random rnd = new Random(ctx.index());
      long[] local = {0};
      Trainer.builder().model(fm::build).optimizer(g -> new Adam(g, 0.01f))
          .input(step -> {
            long n = ++local[0];
            long now = System.nanoTime();
            if (n == 20) {
              window[0] = n;
              window[1] = now;
            }
            window[2] = n;
            window[3] = now;
            return FmModel.syntheticBatch(rnd, BATCH, VOCAB, FIELDS);
          })
          .steps(steps).checkpointEverySteps(0).metricsEverySteps(0).build().run(ctx);
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Runs `workers` FM trainers on the cluster; returns examples/s over all workers. */
  static double run(TfCluster cluster, int workers, boolean allReduce, long steps, Path work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    Map<Integer, long[]> window = new ConcurrentHashMap<>();
    List<Future<?>> runs = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      int index = i;
      runs.add(pool.submit(() -> {
        long[] w = {0, 0, 0, 0}; // first step, first time, last step, last time
        window.put(index, w);
        String target = allReduce && workers == 1 ? null : "grpc://" + cluster.address("worker", index);
        TfTrainContext ctx = new TfTrainContext(
            new TfTrainContext.Identity("bench", "worker", index, 0, index == 0, allReduce), cluster, target,
            Map.of(), null, Files.createDirectories(work.resolve("w" + index + "-" + System.nanoTime())),
            (step, m) -> { }, Duration.ofSeconds(60));
        // PS mode shares one global step: both workers together take `steps`, so ask for twice as many.
        new FmJob(allReduce ? steps : steps * workers, w).train(ctx);
        ctx.close();
        return null;
      }));
    }
    for (Future<?> f : runs) {
      f.get(10, TimeUnit.MINUTES);
    }
    pool.shutdownNow();
    return examplesPerSecond(window.values());
  }

  /**
   * Examples/s over workers' timing windows {first counted step, its time, last step, its time}: every worker's
   * counted steps over the span from the first such step to the last.
   */
  static double examplesPerSecond(java.util.Collection<long[]> windows) {
    double examples = 0;
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (long[] w : windows) {
      if (w[0] > 0) {
        examples += (w[2] - w[0]) * (double) BATCH;
        from = Math.min(from, w[1]);
        to = Math.max(to, w[3]);
      }
    }
    return examples / ((to - from) / 1e9);
  }

  public static void main(String[] args) throws Exception {
    long steps = args.length > 0 ? Long.parseLong(args[0]) : 300;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path work = Files.createTempDirectory("spindle-bench");
    // TF servers cannot be stopped: one set per mode, reused by every repetition.
    TfCluster local = new TfCluster(Map.of("worker", List.of("localhost:" + freePort())));
    TfCluster ps = new TfCluster(Map.of("ps", List.of("localhost:" + freePort()),
        "worker", List.of("localhost:" + freePort(), "localhost:" + freePort())));
    TfCluster ar = new TfCluster(Map.of("worker", List.of("localhost:" + freePort(), "localhost:" + freePort())));
    new Server(ps.serverDef("ps", 0)).start();
    for (int i = 0; i < 2; i++) {
      new Server(ps.serverDef("worker", i)).start();
      new Server(ar.serverDef("worker", i, true)).start();
    }
    List<Double> one = new ArrayList<>();
    List<Double> psMode = new ArrayList<>();
    List<Double> allReduce = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      one.add(run(local, 1, true, steps, work));
      psMode.add(run(ps, 2, false, steps, work));
      allReduce.add(run(ar, 2, true, steps, work));
      System.out.printf("rep %d: one process %.0f ex/s, ps (1 ps + 2 workers) %.0f ex/s, allreduce (2 workers) %.0f ex/s%n",
          r + 1, one.get(r), psMode.get(r), allReduce.get(r));
    }
    double m1 = median(one);
    System.out.printf("median: one process %.0f, ps %.0f (%.2fx), allreduce %.0f (%.2fx) examples/s%n",
        m1, median(psMode), median(psMode) / m1, median(allReduce), median(allReduce) / m1);
    System.exit(0); // TF servers keep the JVM alive
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }
}
