package org.spindle.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.rand;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.spindle.am.security.AppSecret;
import org.spindle.feeder.AlignedAllocation;
import org.spindle.feeder.FeedBuffer;
import org.spindle.feeder.FeedReader;
import org.spindle.feeder.FeedServer;
import org.spindle.spark.DataFrameFeeder;
import org.spindle.spark.FeedColumns;
import org.spindle.spark.WorkerDirectory;
import org.spindle.tensorflow.feed.ArrowTensors;
import org.tensorflow.Tensor;
import org.tensorflow.TensorMemory;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Feeding throughput, measured against baselines in the same run:
 * (1) Spark (local[2]) to a worker's tensors: Spindle's feeder (ArrowWriter into Flight, Arrow
 *     batches to tensors) versus collecting rows on the driver and filling tensors row by row;
 * (2) one Arrow batch (4096 x 64 floats) to a TF tensor: wrapped without a copy, one memcpy, and
 *     element by element (the baseline).
 * Usage: FeedBench [rows] [repetitions]
 */
public final class FeedBench {
  private static final String SECRET = "bench-secret";
  private static final int COLS = 64;

  private FeedBench() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 500_000;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Credentials creds = new Credentials();
    AppSecret.of(SECRET).addTo(creds);
    UserGroupInformation.getCurrentUser().addCredentials(creds);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("feed-bench")
        .config("spark.ui.enabled", "false").getOrCreate();
    List<Column> cols = new ArrayList<>();
    cols.add(col("id"));
    for (int c = 0; c < COLS; c++) {
      cols.add(rand(c).cast("float").as("f" + c));
    }
    Dataset<Row> df = FeedColumns.prepare(spark.range(0, rows, 1, 4).select(cols.toArray(new Column[0]))
        .withColumn("label", col("f0")), "label").cache();
    df.count();
    List<Double> feeder = new ArrayList<>();
    List<Double> collect = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      feeder.add(feederRowsPerSecond(df, rows));
      collect.add(collectRowsPerSecond(df, rows));
      System.out.printf("rep %d: feeder %.0f rows/s, collect + per-row tensors %.0f rows/s%n", r + 1, feeder.get(r),
          collect.get(r));
    }
    System.out.printf("median: feeder %.0f rows/s, baseline %.0f rows/s, ratio %.1fx%n",
        TrainThroughputBench.median(feeder), TrainThroughputBench.median(collect),
        TrainThroughputBench.median(feeder) / TrainThroughputBench.median(collect));
    spark.stop();
    conversion(reps);
    System.exit(0);
  }

  /** Two in-process workers reading tensors; rows/s from the start of the feed to the last tensor. */
  static double feederRowsPerSecond(Dataset<Row> df, long rows) throws Exception {
    List<FeedServer> servers = new ArrayList<>();
    List<CompletableFuture<Long>> done = new ArrayList<>();
    List<WorkerDirectory.Endpoint> eps = new ArrayList<>();
    RootAllocator root = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
    for (int w = 0; w < 2; w++) {
      FeedServer s = FeedServer.start(root.newChildAllocator("s" + w, 0, Long.MAX_VALUE), 0, SECRET,
          new FeedBuffer(64L << 20));
      servers.add(s);
      eps.add(new WorkerDirectory.Endpoint("w" + w, "localhost", s.port()));
      FeedReader reader = new FeedReader(s, root.newChildAllocator("r" + w, 0, Long.MAX_VALUE));
      CompletableFuture<Long> f = new CompletableFuture<>();
      done.add(f);
      Thread t = new Thread(() -> {
        long n = 0;
        ArrowTensors conv = new ArrowTensors();
        try {
          while (true) {
            FeedReader.FeedRecord rec = reader.next(60, TimeUnit.SECONDS);
            try (rec) {
              if (rec.kind() == FeedReader.Kind.END) {
                f.complete(n);
                return;
              }
              if (rec.kind() == FeedReader.Kind.BATCH) {
                conv.convert(rec.root()).values().forEach(Tensor::close);
                n += rec.rows();
              }
            }
          }
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      });
      t.setDaemon(true);
      t.start();
    }
    long start = System.nanoTime();
    new DataFrameFeeder(WorkerDirectory.fixed(eps), SECRET, new DataFrameFeeder.Settings(1, 4096, false, 2, 60_000))
        .feed(df);
    long got = 0;
    for (CompletableFuture<Long> f : done) {
      got += f.get(10, TimeUnit.MINUTES);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    for (FeedServer s : servers) {
      s.close();
    }
    if (got != rows) {
      throw new IllegalStateException("fed " + got + " rows, expected " + rows);
    }
    return rows / secs;
  }

  /** Baseline: rows to the driver, then tensors of 4096 rows filled value by value. */
  static double collectRowsPerSecond(Dataset<Row> df, long rows) {
    long start = System.nanoTime();
    Iterator<Row> it = df.toLocalIterator();
    long n = 0;
    float[][] batch = new float[4096][COLS];
    int inBatch = 0;
    while (it.hasNext()) {
      Row r = it.next();
      for (int c = 0; c < COLS; c++) {
        batch[inBatch][c] = r.getFloat(c + 1);
      }
      n++;
      if (++inBatch == 4096 || !it.hasNext()) {
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(inBatch, COLS))) {
          for (int i = 0; i < inBatch; i++) {
            for (int c = 0; c < COLS; c++) {
              t.setFloat(batch[i][c], i, c);
            }
          }
        }
        inBatch = 0;
      }
    }
    if (n != rows) {
      throw new IllegalStateException("collected " + n);
    }
    return rows / ((System.nanoTime() - start) / 1e9);
  }

  /** One 4096 x 64 float column buffer (1 MB) to a tensor, three ways; microseconds per batch. */
  static void conversion(int reps) {
    int n = 4096 * COLS;
    try (RootAllocator a = AlignedAllocation.rootAllocator(Long.MAX_VALUE); Float4Vector v = new Float4Vector("x", a)) {
      v.allocateNew(n);
      for (int i = 0; i < n; i++) {
        v.set(i, i);
      }
      v.setValueCount(n);
      long addr = v.getDataBuffer().memoryAddress();
      int iters = 200;
      List<Double> wrap = new ArrayList<>();
      List<Double> copy = new ArrayList<>();
      List<Double> element = new ArrayList<>();
      for (int r = 0; r < reps + 1; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
          v.getDataBuffer().getReferenceManager().retain();
          TensorMemory.wrap(TFloat32.class, Shape.of(4096, COLS), addr, 4L * n,
              () -> v.getDataBuffer().getReferenceManager().release()).close();
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
          TensorMemory.copyOf(TFloat32.class, Shape.of(4096, COLS), addr, 4L * n).close();
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < iters / 10; i++) {
          try (TFloat32 t = TFloat32.tensorOf(Shape.of(4096, COLS))) {
            for (int k = 0; k < n; k++) {
              t.setFloat(v.get(k), k / COLS, k % COLS);
            }
          }
        }
        long t3 = System.nanoTime();
        if (r > 0) { // the first round warms up the JIT
          wrap.add((t1 - t0) / 1e3 / iters);
          copy.add((t2 - t1) / 1e3 / iters);
          element.add((t3 - t2) / 1e3 / (iters / 10.0));
        }
      }
      double e = TrainThroughputBench.median(element);
      System.out.printf("1 MB batch to a tensor: wrap %.1f us, memcpy %.1f us, element by element %.1f us "
              + "(element/memcpy %.0fx, element/wrap %.0fx)%n", TrainThroughputBench.median(wrap),
          TrainThroughputBench.median(copy), e, e / TrainThroughputBench.median(copy), e / TrainThroughputBench.median(wrap));
    }
  }
}
