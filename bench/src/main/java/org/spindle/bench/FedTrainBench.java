package org.spindle.bench;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.randn;
import static org.apache.spark.sql.functions.sin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.spindle.api.InputFeed;
import org.spindle.api.SpindleJob;
import org.spindle.api.TrainContext;
import org.spindle.api.Trainer;
import org.spindle.examples.FmModel;
import org.spindle.feeder.AlignedAllocation;
import org.spindle.feeder.FeedBuffer;
import org.spindle.feeder.FeedServer;
import org.spindle.spark.DataFrameFeeder;
import org.spindle.spark.FeedColumns;
import org.spindle.spark.WorkerDirectory;
import org.spindle.tensorflow.TfCluster;
import org.spindle.tensorflow.TfTrainContext;
import org.spindle.tensorflow.feed.WorkerFeed;
import org.tensorflow.Server;
import org.tensorflow.framework.optimizers.Adam;

/**
 * Is training input-bound? The FM of TrainThroughputBench (batch 1024, 8 fields hashed into 10k ids, 16
 * factors, Adam), then an MLP on 64 dense features (one hidden layer of 128), each trained by 2 workers in PS mode (1 ps) and in allreduce mode, three ways in one run: from
 * in-memory tensors (the baseline: 32 synthetic batches built before training and fed round and round), from
 * the Spark feed in stream mode (local Spark with 2 cores' tasks, Arrow Flight to each worker's endpoint,
 * batches to tensors), and from the feed in files mode after the first epoch (the workers read the Arrow IPC
 * shards epoch 0 wrote). The DataFrame holds the same synthetic structure, made by Spark. Examples/s over
 * both workers, from each worker's 20th step (files mode: its first step of epoch 1) to its last.
 * Usage: FedTrainBench [rows] [repetitions] [FM,MLP]
 */
public final class FedTrainBench {
  private static final String SECRET = "bench-secret";

  private FedTrainBench() {}

  /** TrainThroughputBench.syntheticBatch's structure as Spark columns: ids array<bigint>[8], label float. */
  static Dataset<Row> fmFrame(SparkSession spark, long rows) {
    int v = TrainThroughputBench.VOCAB;
    Column user = floor(rand(1).multiply(1000));
    Column item = floor(rand(2).multiply(500));
    Dataset<Row> base = spark.range(0, rows, 1, 4).select(user.as("user"), item.as("item"));
    List<Column> ids = new ArrayList<>(List.of(pmod(col("user").multiply(31), lit(v)).cast("bigint"),
        pmod(col("item").multiply(17).plus(1_000_003L), lit(v)).cast("bigint")));
    for (int f = 2; f < TrainThroughputBench.FIELDS; f++) {
      ids.add(floor(rand(10 + f).multiply(v)).cast("bigint"));
    }
    Column affinity = sin(col("user").multiply(0.37)).multiply(cos(col("item").multiply(0.23)))
        .plus(sin(col("user").multiply(0.11).plus(col("item").multiply(0.05))).multiply(0.5));
    Column label = affinity.plus(3.0).plus(randn(3).multiply(0.1)).cast("float");
    return base.select(array(ids.toArray(new Column[0])).as("ids"), label.as("label"));
  }

  /**
   * What is trained: the model, its inputs (feed column = model input), resident batches for the in-memory
   * baseline, and the same structure made by Spark for the feed.
   */
  record Workload(String name, Trainer.ModelFn model, List<String> inputs,
                  java.util.function.Function<java.util.Random, Map<String, org.tensorflow.Tensor>> batch,
                  java.util.function.BiFunction<SparkSession, Long, Dataset<Row>> frame) {
    Map<String, String> columns() {
      Map<String, String> m = new java.util.LinkedHashMap<>();
      inputs.forEach(i -> m.put(i, i));
      return m;
    }
  }

  static Workload fm() {
    return new Workload("FM", (tf, ctx) -> new FmModel(TrainThroughputBench.VOCAB, TrainThroughputBench.FIELDS,
        TrainThroughputBench.FACTORS).build(tf, ctx), List.of("ids", "label"),
        rnd -> FmModel.syntheticBatch(rnd, TrainThroughputBench.BATCH, TrainThroughputBench.VOCAB,
            TrainThroughputBench.FIELDS),
        FedTrainBench::fmFrame);
  }

  static final int DENSE = 64;
  static final int HIDDEN = 128;

  /**
   * An MLP on 64 dense float features, fed as 64 float columns f0..f63 (so a persisted DataFrame of them takes
   * the feed's columnar path) and stacked into [batch, 64] in the graph: one hidden layer of 128 ReLUs, squared
   * loss; variables on the ps.
   */
  static Trainer.Model mlp(org.tensorflow.op.Ops tf, TrainContext ctx) {
    org.tensorflow.op.Ops vars = ctx.numPs() > 0 ? tf.withDevice(ctx.variableDevice(0)) : tf;
    var w1 = vars.withName("mlp_w1").variable(vars.math.mul(vars.random.statelessRandomNormal(
        vars.constant(new long[] {DENSE, HIDDEN}), vars.constant(new long[] {3, 5})), vars.constant(0.1f)));
    var b1 = vars.withName("mlp_b1").variable(vars.zeros(vars.constant(new long[] {HIDDEN}),
        org.tensorflow.types.TFloat32.class));
    var w2 = vars.withName("mlp_w2").variable(vars.math.mul(vars.random.statelessRandomNormal(
        vars.constant(new long[] {HIDDEN, 1}), vars.constant(new long[] {7, 9})), vars.constant(0.1f)));
    var b2 = vars.withName("mlp_b2").variable(vars.constant(0f));
    Map<String, org.tensorflow.op.core.Placeholder<?>> inputs = new java.util.LinkedHashMap<>();
    List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> features = new ArrayList<>();
    for (int j = 0; j < DENSE; j++) {
      var f = tf.withName("f" + j).placeholder(org.tensorflow.types.TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1)));
      inputs.put("f" + j, f);
      features.add(f);
    }
    var x = tf.stack(features, org.tensorflow.op.core.Stack.axis(1L));
    var label = tf.withName("label").placeholder(org.tensorflow.types.TFloat32.class,
        org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1)));
    inputs.put("label", label);
    var hidden = tf.nn.relu(tf.math.add(tf.linalg.matMul(x, w1), b1));
    var prediction = tf.reshape(tf.math.add(tf.linalg.matMul(hidden, w2), b2), tf.constant(new long[] {-1}));
    var loss = tf.math.mean(tf.math.square(tf.math.sub(prediction, label)), tf.constant(0));
    return new Trainer.Model(inputs, loss);
  }

  /** label = a weighted sum of the first 8 features + noise. */
  static Map<String, org.tensorflow.Tensor> mlpBatch(java.util.Random rnd) {
    int n = TrainThroughputBench.BATCH;
    float[][] x = new float[DENSE][n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < DENSE; j++) {
        x[j][i] = rnd.nextFloat();
        if (j < 8) {
          y[i] += x[j][i] * (j + 1) / 8f;
        }
      }
      y[i] += (float) (0.1 * rnd.nextGaussian());
    }
    Map<String, org.tensorflow.Tensor> out = new java.util.LinkedHashMap<>();
    for (int j = 0; j < DENSE; j++) {
      out.put("f" + j, org.tensorflow.types.TFloat32.vectorOf(x[j]));
    }
    out.put("label", org.tensorflow.types.TFloat32.vectorOf(y));
    return out;
  }

  static Dataset<Row> mlpFrame(SparkSession spark, long rows) {
    List<Column> cols = new ArrayList<>();
    Column y = randn(99).multiply(0.1);
    for (int j = 0; j < DENSE; j++) {
      Column c = rand(100 + j);
      cols.add(c.cast("float").as("f" + j));
      if (j < 8) {
        y = y.plus(c.multiply((j + 1) / 8.0));
      }
    }
    cols.add(y.cast("float").as("label"));
    return spark.range(0, rows, 1, 4).select(cols.toArray(new Column[0]));
  }

  static Workload mlp() {
    List<String> inputs = new ArrayList<>();
    for (int j = 0; j < DENSE; j++) {
      inputs.add("f" + j);
    }
    inputs.add("label");
    return new Workload("MLP", FedTrainBench::mlp, inputs, FedTrainBench::mlpBatch, FedTrainBench::mlpFrame);
  }

  /** One worker's fed model: trains until the feed ends, timing its input calls into {@code window}. */
  static final class FedJob extends SpindleJob {
    final Workload workload;
    final long[] window;
    final boolean fromEpochOne;

    FedJob(Workload workload, long[] window, boolean fromEpochOne) {
      this.workload = workload;
      this.window = window;
      this.fromEpochOne = fromEpochOne;
    }

    @Override
    public void train(TrainContext ctx) throws Exception {
      InputFeed feed = ctx.inputFeed();
      Trainer.InputFn fed = Trainer.fromFeed(feed, workload.columns());
      long[] local = {0};
      Trainer.builder().model(workload.model()).optimizer(g -> new Adam(g, 0.01f))
          .input(step -> {
            long n = ++local[0];
            long now = System.nanoTime();
            boolean counted = fromEpochOne ? feed.epochsCompleted() >= 1 : n >= 20;
            if (counted) {
              if (window[0] == 0) {
                window[0] = n;
                window[1] = now;
              }
              window[2] = n;
              window[3] = now;
            }
            return fed.batch(step);
          })
          .steps(Long.MAX_VALUE / 4).checkpointEverySteps(0).metricsEverySteps(0).build().run(ctx);
    }
  }

  /**
   * One worker's model from in-memory tensors: 32 batches built before training and fed round and round (the
   * trainer is told they stay open), for {@code steps} global steps, timed from its 20th step.
   */
  static final class InMemoryJob extends SpindleJob {
    final Workload workload;
    final long steps;
    final long[] window;

    InMemoryJob(Workload workload, long steps, long[] window) {
      this.workload = workload;
      this.steps = steps;
      this.window = window;
    }

    @Override
    public void train(TrainContext ctx) throws Exception {
      java.util.Random rnd = new java.util.Random(ctx.index());
      List<Map<String, org.tensorflow.Tensor>> resident = new ArrayList<>();
      for (int b = 0; b < 32; b++) {
        resident.add(workload.batch().apply(rnd));
      }
      long[] local = {0};
      try {
        Trainer.builder().model(workload.model()).optimizer(g -> new Adam(g, 0.01f))
            .input(step -> {
              long n = ++local[0];
              long now = System.nanoTime();
              if (n >= 20) {
                if (window[0] == 0) {
                  window[0] = n;
                  window[1] = now;
                }
                window[2] = n;
                window[3] = now;
              }
              return new Resident(resident.get((int) (n % resident.size())));
            })
            .steps(steps).checkpointEverySteps(0).metricsEverySteps(0).build().run(ctx);
      } finally {
        resident.forEach(m -> m.values().forEach(org.tensorflow.Tensor::close));
      }
    }
  }

  /** A batch that outlives its step: closing it (what the trainer does after each step) leaves the tensors open. */
  private static final class Resident extends java.util.AbstractMap<String, org.tensorflow.Tensor>
      implements AutoCloseable {
    private final Map<String, org.tensorflow.Tensor> tensors;

    Resident(Map<String, org.tensorflow.Tensor> tensors) {
      this.tensors = tensors;
    }

    @Override
    public java.util.Set<Entry<String, org.tensorflow.Tensor>> entrySet() {
      return tensors.entrySet();
    }

    @Override
    public void close() {
    }
  }

  /** Runs one job per worker (2) on {@code cluster}; returns examples/s over both, from their timing windows. */
  static double trainTwo(TfCluster cluster, boolean allReduce, Path work, List<WorkerFeed> feeds,
                         java.util.function.Function<long[], SpindleJob> job) throws Exception {
    int workers = 2;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    List<long[]> windows = new ArrayList<>();
    List<Future<?>> runs = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      int index = i;
      long[] w = {0, 0, 0, 0}; // first counted step, its time, last step, its time
      windows.add(w);
      runs.add(pool.submit(() -> {
        TfTrainContext ctx = new TfTrainContext(
            new TfTrainContext.Identity("bench", "worker", index, 0, index == 0, allReduce), cluster,
            "grpc://" + cluster.address("worker", index), Map.of(), null,
            Files.createDirectories(work.resolve("w" + index + "-" + System.nanoTime())), (step, m) -> { },
            Duration.ofSeconds(60));
        if (feeds != null) {
          ctx.attachFeed(feeds.get(index));
        }
        job.apply(w).train(ctx);
        ctx.close();
        return null;
      }));
    }
    for (Future<?> f : runs) {
      f.get(10, TimeUnit.MINUTES);
    }
    pool.shutdownNow();
    return TrainThroughputBench.examplesPerSecond(windows);
  }

  /**
   * 2 workers on {@code cluster} trained from the Spark feed of {@code df}: stream mode ({@code filesDir} null, 1
   * epoch) or files mode (2 epochs, timed in epoch 1). Returns {examples/s over both workers, 1 if the feed took
   * the columnar path else 0}.
   */
  static double[] fed(Workload workload, TfCluster cluster, boolean allReduce, Dataset<Row> df, String filesDir,
                    Path work) throws Exception {
    int workers = 2;
    RootAllocator root = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
    List<FeedServer> servers = new ArrayList<>();
    List<WorkerDirectory.Endpoint> eps = new ArrayList<>();
    List<WorkerFeed> feeds = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      FeedServer s = FeedServer.start(root.newChildAllocator("s" + w, 0, Long.MAX_VALUE), 0, SECRET,
          new FeedBuffer(64L << 20), uri -> Files.newInputStream(Path.of(java.net.URI.create(uri))));
      servers.add(s);
      eps.add(new WorkerDirectory.Endpoint("w" + w, "localhost", s.port()));
      feeds.add(new WorkerFeed(s, root.newChildAllocator("r" + w, 0, Long.MAX_VALUE), "label"));
    }
    boolean files = filesDir != null;
    CompletableFuture<DataFrameFeeder.Report> feeding = CompletableFuture.supplyAsync(() -> {
      try {
        return new DataFrameFeeder(WorkerDirectory.fixed(eps), SECRET, new DataFrameFeeder.Settings(files ? 2 : 1,
            TrainThroughputBench.BATCH, allReduce, 2, 60_000, filesDir)).feed(df);
      } catch (Exception e) {
        throw new IllegalStateException("feeding failed", e);
      }
    });
    double examplesPerSec = trainTwo(cluster, allReduce, work, feeds, w -> new FedJob(workload, w, files));
    boolean columnar = feeding.get(1, TimeUnit.MINUTES).columnar();
    for (FeedServer s : servers) {
      s.close();
    }
    return new double[] {examplesPerSec, columnar ? 1 : 0};
  }

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 400_000;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path work = Files.createTempDirectory("spindle-fedbench");
    SparkSession spark = FeedBench.localSpark("fed-train-bench", SECRET);
    // TF servers cannot be stopped: one set per mode, reused by every run.
    int p = TrainThroughputBench.freePort();
    TfCluster ps = new TfCluster(Map.of("ps", List.of("localhost:" + p),
        "worker", List.of("localhost:" + TrainThroughputBench.freePort(), "localhost:" + TrainThroughputBench.freePort())));
    new Server(ps.serverDef("ps", 0)).start();
    for (int i = 0; i < 2; i++) {
      new Server(ps.serverDef("worker", i)).start();
    }
    // In memory: as many steps per worker as the feed gives each worker in one epoch.
    long steps = rows / TrainThroughputBench.BATCH / 2;
    String[] modes = {"ps", "allreduce"};
    List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of("FM", "MLP");
    for (Workload workload : List.of(fm(), mlp())) {
      if (!only.contains(workload.name())) {
        continue;
      }
      // Collective instances live in the servers, keyed by the graph: each model gets allreduce servers of its own.
      TfCluster ar = new TfCluster(Map.of("worker",
          List.of("localhost:" + TrainThroughputBench.freePort(), "localhost:" + TrainThroughputBench.freePort())));
      for (int i = 0; i < 2; i++) {
        new Server(ar.serverDef("worker", i, true)).start();
      }
      Dataset<Row> df = FeedColumns.inStableOrder(FeedColumns.prepare(workload.frame().apply(spark, rows), "label"))
          .cache();
      df.count();
      Map<String, List<Double>> results = new java.util.LinkedHashMap<>();
      for (int r = 0; r < reps; r++) {
        for (String mode : modes) {
          boolean allReduce = mode.equals("allreduce");
          TfCluster cluster = allReduce ? ar : ps;
          // PS mode shares one global step: the two workers together take twice a worker's share.
          long global = allReduce ? steps : 2 * steps;
          double mem = trainTwo(cluster, allReduce, work, null, w -> new InMemoryJob(workload, global, w));
          double[] streamed = fed(workload, cluster, allReduce, df, null, work);
          double stream = streamed[0];
          boolean columnar = streamed[1] == 1;
          Path shards = Files.createTempDirectory(work, "shards");
          double files = fed(workload, cluster, allReduce, df, shards.toUri().toString(), work)[0];
          results.computeIfAbsent(mode + " in-memory", k -> new ArrayList<>()).add(mem);
          results.computeIfAbsent(mode + " stream", k -> new ArrayList<>()).add(stream);
          results.computeIfAbsent(mode + " files epoch 1", k -> new ArrayList<>()).add(files);
          System.out.printf("rep %d %s %s: in-memory %.0f ex/s, fed stream (%s path) %.0f ex/s, fed files (epoch 1)"
              + " %.0f ex/s%n", r + 1, workload.name(), mode, mem, columnar ? "columnar" : "row", stream, files);
        }
      }
      for (String mode : modes) {
        double mem = TrainThroughputBench.median(results.get(mode + " in-memory"));
        double stream = TrainThroughputBench.median(results.get(mode + " stream"));
        double files = TrainThroughputBench.median(results.get(mode + " files epoch 1"));
        System.out.printf(java.util.Locale.ROOT, "median %s %s: in-memory %.0f, stream %.0f (fed / in-memory %.2f), files"
            + " epoch 1 %.0f (%.2f) examples/s%n", workload.name(), mode, mem, stream, stream / mem, files, files / mem);
      }
      df.unpersist();
    }
    spark.stop();
    System.exit(0); // TF servers keep the JVM alive
  }
}
