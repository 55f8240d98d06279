package org.spindle.spark;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.task.AppSecret;
import org.spindle.feeder.AlignedAllocation;
import org.spindle.feeder.FeedBuffer;
import org.spindle.feeder.FeedReader;
import org.spindle.feeder.FeedServer;

/**
 * Real Spark (local[2]) feeding real Flight endpoints through the same PartitionFeeder and
 * DataFrameFeeder the spark-driver role runs; the secret comes from the user's credentials as in a
 * container.
 */
class LocalFeedTest {
  private static final String SECRET = "local-feed-secret";
  private static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    Credentials creds = new Credentials();
    AppSecret.of(SECRET).addTo(creds);
    UserGroupInformation.getCurrentUser().addCredentials(creds);
    spark = SparkSession.builder().master("local[2]").appName("local-feed-test")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** A worker: a feed endpoint plus a reader thread summing ids per epoch. */
  private static final class Worker implements AutoCloseable {
    final RootAllocator allocator = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
    final FeedServer server;
    final Map<Integer, long[]> perEpoch = new ConcurrentHashMap<>();
    final Map<Integer, Long> batchLimit = new ConcurrentHashMap<>();
    /** Per epoch: the sum of column x (when there is one) and every batch's row count, sorted. */
    final Map<Integer, double[]> xSum = new ConcurrentHashMap<>();
    final Map<Integer, List<Long>> batchSizes = new ConcurrentHashMap<>();
    final CompletableFuture<Integer> done = new CompletableFuture<>();

    Worker(long bufferBytes, long delayMsPerBatch) throws Exception {
      server = FeedServer.start(allocator.newChildAllocator("srv", 0, Long.MAX_VALUE), 0, SECRET, new FeedBuffer(bufferBytes),
          uri -> java.nio.file.Files.newInputStream(java.nio.file.Path.of(java.net.URI.create(uri))));
      FeedReader reader = new FeedReader(server, allocator.newChildAllocator("rd", 0, Long.MAX_VALUE));
      Thread t = new Thread(() -> {
        try {
          while (true) {
            FeedReader.FeedRecord r = reader.next(60, TimeUnit.SECONDS);
            if (r == null) {
              throw new IllegalStateException("no data for 60 s");
            }
            try (r) {
              if (r.kind() == FeedReader.Kind.END) {
                done.complete(r.epoch());
                return;
              }
              if (r.kind() == FeedReader.Kind.EPOCH_BEGIN) {
                batchLimit.put(r.epoch(), r.rows());
              }
              if (r.kind() == FeedReader.Kind.BATCH) {
                BigIntVector id = (BigIntVector) r.root().getVector("id");
                long sum = 0;
                for (int i = 0; i < r.rows(); i++) {
                  sum += id.get(i);
                }
                if (r.root().getVector("x") instanceof org.apache.arrow.vector.Float4Vector x) {
                  double xs = 0;
                  for (int i = 0; i < r.rows(); i++) {
                    xs += x.get(i);
                  }
                  double[] xa = xSum.computeIfAbsent(r.epoch(), e -> new double[1]);
                  synchronized (xa) {
                    xa[0] += xs;
                  }
                }
                batchSizes.computeIfAbsent(r.epoch(), e -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(r.rows());
                long[] acc = perEpoch.computeIfAbsent(r.epoch(), e -> new long[2]);
                synchronized (acc) {
                  acc[0] += r.rows();
                  acc[1] += sum;
                }
                if (delayMsPerBatch > 0) {
                  Thread.sleep(delayMsPerBatch);
                }
              }
            }
          }
        } catch (Throwable e) {
          done.completeExceptionally(e);
        }
      });
      t.setDaemon(true);
      t.start();
    }

    WorkerDirectory.Endpoint endpoint(String name) {
      return new WorkerDirectory.Endpoint(name, "localhost", server.port());
    }

    @Override
    public void close() throws Exception {
      server.close();
    }
  }

  @Test
  void everyRowReachesExactlyOneWorkerPerEpochWithBoundedBuffers() throws Exception {
    long n = 200_000;
    long limit = 512 * 1024;
    try (Worker w0 = new Worker(limit, 1); Worker w1 = new Worker(limit, 0)) {
      Dataset<Row> df = spark.range(0, n, 1, 6).toDF("id")
          .withColumn("x", col("id").cast("float").multiply(0.5))
          .withColumn("emb", array(lit(1.0f), col("id").cast("float")))
          .withColumn("label", col("id").mod(2).cast("int"));
      Dataset<Row> prepared = FeedColumns.prepare(df, "label").persist();
      FeedColumns.checkData(prepared);
      DataFrameFeeder feeder = new DataFrameFeeder(WorkerDirectory.fixed(List.of(w0.endpoint("w0"), w1.endpoint("w1"))),
          SECRET, new DataFrameFeeder.Settings(2, 1000, false, 3, 30_000));
      DataFrameFeeder.Report report = feeder.feed(prepared);
      assertEquals(2, w0.done.get(120, TimeUnit.SECONDS));
      assertEquals(2, w1.done.get(120, TimeUnit.SECONDS));
      long expectedSum = n * (n - 1) / 2;
      for (int e = 0; e < 2; e++) {
        long rows = w0.perEpoch.get(e)[0] + w1.perEpoch.get(e)[0];
        long sum = w0.perEpoch.get(e)[1] + w1.perEpoch.get(e)[1];
        assertEquals(n, rows, "epoch " + e + " rows");
        assertEquals(expectedSum, sum, "epoch " + e + " id checksum");
        assertTrue(w0.perEpoch.get(e)[0] > 0 && w1.perEpoch.get(e)[0] > 0, "both workers get data");
      }
      assertEquals(2 * n, report.rows());
      assertTrue(!report.columnar(), "an array column (emb) is fed row by row");
      assertTrue(w0.server.buffer().peakBytes() <= limit, "slow worker's buffer peaked at " + w0.server.buffer().peakBytes());
      assertTrue(report.peakExecutorHeap() > 0);
      prepared.unpersist();
    }
  }

  /** Feeds {@code prepared} for 2 epochs in batches of 768 to two workers; returns them with the report. */
  private static Object[] feedTwoEpochs(Dataset<Row> prepared) throws Exception {
    Worker w0 = new Worker(1 << 20, 0);
    Worker w1 = new Worker(1 << 20, 0);
    DataFrameFeeder.Report report = new DataFrameFeeder(WorkerDirectory.fixed(List.of(w0.endpoint("w0"),
        w1.endpoint("w1"))), SECRET, new DataFrameFeeder.Settings(2, 768, false, 3, 30_000)).feed(prepared);
    assertEquals(2, w0.done.get(120, TimeUnit.SECONDS));
    assertEquals(2, w1.done.get(120, TimeUnit.SECONDS));
    w0.close();
    w1.close();
    return new Object[] {report, w0, w1};
  }

  /**
   * A persisted DataFrame of numbers is fed from Spark's own ColumnarBatches (the columnar cache), copied
   * column by column; the same DataFrame not persisted takes the row path. Both deliver every row once per
   * epoch with the same values and the same batch boundaries (768 rows, which straddle the cache's batches).
   */
  @Test
  void aPersistedDataFrameOfNumbersIsFedFromSparksColumnarBatchesLikeTheRowPath() throws Exception {
    long n = 120_500;
    Dataset<Row> df = spark.range(0, n, 1, 6).toDF("id")
        .withColumn("x", col("id").cast("float").multiply(0.5f))
        .withColumn("w", col("id").cast("double").multiply(0.25))
        .withColumn("label", col("id").mod(2).cast("float"));
    Dataset<Row> persisted = FeedColumns.prepare(df, "label").persist();
    persisted.count();
    Object[] columnar = feedTwoEpochs(persisted);
    // Another plan (Spark would read the same plan from the cache): computed, so fed row by row.
    Object[] rows = feedTwoEpochs(FeedColumns.prepare(df.where(col("id").geq(0)), "label"));
    assertTrue(((DataFrameFeeder.Report) columnar[0]).columnar(), "the persisted DataFrame is fed from its columns");
    assertTrue(!((DataFrameFeeder.Report) rows[0]).columnar(), "a plan that computes rows takes the row path");
    double expectedX = 0.5 * (n * (n - 1) / 2.0);
    for (Object[] run : List.of(columnar, rows)) {
      Worker w0 = (Worker) run[1];
      Worker w1 = (Worker) run[2];
      for (int e = 0; e < 2; e++) {
        assertEquals(n, w0.perEpoch.get(e)[0] + w1.perEpoch.get(e)[0], "epoch " + e + " rows");
        assertEquals(n * (n - 1) / 2, w0.perEpoch.get(e)[1] + w1.perEpoch.get(e)[1], "epoch " + e + " ids");
        assertEquals(expectedX, w0.xSum.get(e)[0] + w1.xSum.get(e)[0], expectedX * 1e-9, "epoch " + e + " x");
      }
    }
    for (int e = 0; e < 2; e++) {
      List<Long> c = new ArrayList<>(((Worker) columnar[1]).batchSizes.get(e));
      c.addAll(((Worker) columnar[2]).batchSizes.get(e));
      List<Long> r = new ArrayList<>(((Worker) rows[1]).batchSizes.get(e));
      r.addAll(((Worker) rows[2]).batchSizes.get(e));
      c.sort(null);
      r.sort(null);
      assertEquals(r, c, "epoch " + e + ": the same batches, row path and columnar path");
    }
    assertEquals(((DataFrameFeeder.Report) rows[0]).batches(), ((DataFrameFeeder.Report) columnar[0]).batches());
    // On a cluster Spark's adaptive execution wraps the plan (AdaptiveSparkPlan): still the cache's columns.
    spark.conf().set("spark.sql.adaptive.forceApply", "true");
    try {
      Dataset<Row> adaptive = persisted.select(java.util.Arrays.stream(persisted.columns())
          .map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new));
      assertTrue(adaptive.queryExecution().executedPlan()
          instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec, "adaptive execution applies");
      Object[] viaAqe = feedTwoEpochs(adaptive);
      assertTrue(((DataFrameFeeder.Report) viaAqe[0]).columnar(), "fed from the columns under adaptive execution");
      for (int e = 0; e < 2; e++) {
        assertEquals(n * (n - 1) / 2, ((Worker) viaAqe[1]).perEpoch.get(e)[1] + ((Worker) viaAqe[2]).perEpoch.get(e)[1]);
      }
    } finally {
      spark.conf().unset("spark.sql.adaptive.forceApply");
    }
    persisted.unpersist();
  }

  @Test
  void filesModeWritesShardsOnceAndWorkersReadEveryEpochFromThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path lake)
      throws Exception {
    long n = 50_000;
    try (Worker w0 = new Worker(256 * 1024, 0); Worker w1 = new Worker(256 * 1024, 0)) {
      Dataset<Row> df = spark.range(0, n, 1, 5).toDF("id").withColumn("label", col("id").mod(3).cast("float"));
      Dataset<Row> prepared = FeedColumns.prepare(df, "label").persist();
      String dir = lake.resolve("shards").toUri().toString();
      DataFrameFeeder feeder = new DataFrameFeeder(WorkerDirectory.fixed(List.of(w0.endpoint("w0"), w1.endpoint("w1"))),
          SECRET, new DataFrameFeeder.Settings(3, 1024, false, 3, 30_000, dir));
      feeder.feed(prepared);
      assertEquals(3, w0.done.get(120, TimeUnit.SECONDS));
      assertEquals(3, w1.done.get(120, TimeUnit.SECONDS));
      for (int e = 0; e < 3; e++) {
        assertEquals(n, w0.perEpoch.get(e)[0] + w1.perEpoch.get(e)[0], "epoch " + e);
        assertEquals(n * (n - 1) / 2, w0.perEpoch.get(e)[1] + w1.perEpoch.get(e)[1], "epoch " + e);
      }
      try (java.util.stream.Stream<java.nio.file.Path> shards = java.nio.file.Files.list(lake.resolve("shards"))) {
        assertEquals(5, shards.filter(p -> p.getFileName().toString().matches("part-\\d{5}\\.arrows")).count(),
            "one complete shard per partition, no temporary files left");
      }
      prepared.unpersist();
    }
  }

  /** A SavedModel computing prediction = 2 * x + b (b a variable set to 1) from inputs x and id. */
  private static String exportModel(java.nio.file.Path dir) throws java.io.IOException {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph(); org.tensorflow.Session s = new org.tensorflow.Session(g)) {
      org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
      var x = tf.withName("x").placeholder(org.tensorflow.types.TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1)));
      var id = tf.withName("id").placeholder(org.tensorflow.types.TInt64.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1)));
      var b = tf.withName("b").variable(tf.constant(1f));
      var idAsZero = tf.math.mul(tf.dtypes.cast(id, org.tensorflow.types.TFloat32.class), tf.constant(0f));
      var y = tf.math.add(tf.math.add(tf.math.mul(x, tf.constant(2f)), b), idAsZero);
      s.initialize();
      org.tensorflow.Signature sig = org.tensorflow.Signature.builder().key(org.tensorflow.Signature.DEFAULT_KEY)
          .input("x", x).input("id", id).output("prediction", y).build();
      org.tensorflow.SavedModelBundle.exporter(dir.toString()).withSession(s).withSignature(sig).export();
    }
    return dir.toUri().toString();
  }

  @Test
  void scoreDataFrameAddsOnePredictionPerRowComputedOnTheExecutors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    String model = exportModel(tmp.resolve("model"));
    Dataset<Row> df = spark.range(0, 20_000, 1, 4).toDF("id").withColumn("x", col("id").cast("float").divide(1000))
        .withColumn("title", lit("kept as is"));
    Dataset<Row> scored = Predictor.scoreDataFrame(df, model, "prediction", 3000);
    assertEquals(List.of("id", "x", "title", "prediction"), List.of(scored.schema().fieldNames()));
    Row r = scored.agg(org.apache.spark.sql.functions.count("*"),
        org.apache.spark.sql.functions.max(org.apache.spark.sql.functions.abs(
            col("prediction").minus(col("x").multiply(2).plus(1))))).first();
    assertEquals(20_000L, r.getLong(0));
    assertTrue(r.getDouble(1) < 1e-3, "largest error " + r.getDouble(1));
    FeedSchemaException e = assertThrows(FeedSchemaException.class,
        () -> Predictor.scoreDataFrame(df.drop("x"), model));
    assertTrue(e.getMessage().contains("needs inputs [x]"), e.getMessage());
  }

  @Test
  void allreduceGivesEveryWorkerTheSmallestShareOfBatches() throws Exception {
    try (Worker w0 = new Worker(1 << 20, 0); Worker w1 = new Worker(1 << 20, 0)) {
      // 3 partitions of 10,000 rows: worker 0 owns two (20 batches of 1,000), worker 1 one (10).
      Dataset<Row> df = FeedColumns.prepare(spark.range(0, 30_000, 1, 3).toDF("id")
          .withColumn("label", lit(1.0f)), "label").persist();
      DataFrameFeeder.Report report = new DataFrameFeeder(
          WorkerDirectory.fixed(List.of(w0.endpoint("w0"), w1.endpoint("w1"))), SECRET,
          new DataFrameFeeder.Settings(1, 1000, true, 3, 30_000)).feed(df);
      assertEquals(1, w0.done.get(60, TimeUnit.SECONDS));
      assertEquals(1, w1.done.get(60, TimeUnit.SECONDS));
      assertEquals(10L, report.maxBatchesPerWorker());
      assertEquals(10L, w0.batchLimit.get(0), "the larger share is cut to the smallest");
      assertEquals(10L, w1.batchLimit.get(0));
      assertEquals(20_000, w0.perEpoch.get(0)[0], "every row is still sent; the worker skips the excess, counted");
      df.unpersist();
    }
  }

  @Test
  void unfeedableColumnsFailBeforeAnyDataMovesNamingEveryColumn() {
    Dataset<Row> df = spark.range(0, 10).toDF("id")
        .withColumn("title", lit("Heat (1995)"))
        .withColumn("tags", org.apache.spark.sql.functions.map(lit("a"), lit(1)))
        .withColumn("label", col("id").cast("double"));
    FeedSchemaException e = assertThrows(FeedSchemaException.class, () -> FeedColumns.prepare(df, "rating"));
    String m = e.getMessage();
    assertTrue(m.contains("label column 'rating'"), m);
    assertTrue(m.contains("column 'title' (string)"), m);
    assertTrue(m.contains("column 'tags' (map<string,int>)"), m);
  }

  @Test
  void nullsAndRaggedArraysAreFoundBeforeFeeding() {
    Dataset<Row> df = spark.range(0, 100).toDF("id")
        .withColumn("price", when(col("id").equalTo(7), lit(null)).otherwise(col("id").cast("double")))
        .withColumn("emb", when(col("id").equalTo(3), array(lit(1.0f))).otherwise(array(lit(1.0f), lit(2.0f))))
        .withColumn("label", lit(1.0));
    Dataset<Row> prepared = FeedColumns.prepare(df, "label");
    FeedSchemaException e = assertThrows(FeedSchemaException.class, () -> FeedColumns.checkData(prepared));
    assertTrue(e.getMessage().contains("column 'price' has 1 null"), e.getMessage());
    assertTrue(e.getMessage().contains("column 'emb' is ragged: its arrays have 1 to 2"), e.getMessage());
  }

  @Test
  void mlVectorColumnsBecomeFloatArraysAndMismatchedSizesAreRagged() {
    Dataset<Row> df = spark.range(0, 50).toDF("id").withColumn("a", col("id").cast("double"))
        .withColumn("b", col("id").multiply(2).cast("double")).withColumn("label", lit(1.0f));
    Dataset<Row> assembled = new org.apache.spark.ml.feature.VectorAssembler().setInputCols(new String[] {"a", "b"})
        .setOutputCol("features").transform(df).drop("a", "b");
    Dataset<Row> prepared = FeedColumns.prepare(assembled, "label");
    assertEquals("array<float>", prepared.schema().apply("features").dataType().simpleString());
    FeedColumns.checkData(prepared);
    Row r = prepared.where(col("id").equalTo(7)).first();
    assertEquals(List.of(7.0f, 14.0f), r.getList(prepared.schema().fieldIndex("features")));
  }

  @Test
  void intIdsAreWidenedToLong() {
    Dataset<Row> df = spark.range(0, 3).toDF("id").withColumn("user", col("id").cast("int"))
        .withColumn("label", lit(true));
    Dataset<Row> prepared = FeedColumns.prepare(df, "label");
    assertEquals("bigint", prepared.schema().apply("user").dataType().simpleString());
    assertEquals("float", prepared.schema().apply("label").dataType().simpleString());
    assertNotNull(new ArrayList<>(List.of(prepared.schema().fieldNames())));
  }
}
