package org.spindle.examples;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.spindle.api.FeedBatch;
import org.spindle.api.InputFeed;
import org.spindle.api.JobContext;
import org.spindle.api.SpindleJob;
import org.spindle.api.TrainContext;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.LongNdArray;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Spark feature engineering in the application's own containers, fed to the workers: preTrain
 * reads ratings and movies CSV from the data lake, joins them and adds per-user aggregates; train
 * reads every fed batch as TF tensors and reports, per epoch, how many rows arrived and the sum of
 * their ids (a checksum the feeding can be verified with).
 *
 * <p>Keys: example.data-dir (holds ratings.csv and movies.csv), example.consume-delay-ms (sleep
 * per batch, to play a slow trainer), example.partition-delay-ms (sleep per partition in preTrain, to
 * play a slow feature step).
 */
public final class RatingsFeedJob extends SpindleJob {
  @Override
  public Dataset<Row> preTrain(SparkSession spark, JobContext ctx) {
    String dir = ctx.conf().get("example.data-dir");
    Dataset<Row> ratings = spark.read().option("header", "true").option("inferSchema", "true")
        .csv(dir + "/ratings.csv");
    Dataset<Row> movies = spark.read().option("header", "true").option("inferSchema", "true")
        .csv(dir + "/movies.csv");
    Dataset<Row> perUser = ratings.groupBy("userId")
        .agg(avg("rating").cast("float").as("user_mean"), count("*").cast("float").as("user_count"));
    Dataset<Row> features = ratings.join(movies, "movieId").join(perUser, "userId")
        .select(col("id"), col("userId"), col("movieId"), col("year").cast("float").as("year"),
            col("user_mean"), col("user_count"), col("rating").cast("float").as("label"));
    if (Boolean.parseBoolean(ctx.conf().getOrDefault("example.keep-title", "false"))) {
      features = features.join(movies.select("movieId", "title"), "movieId"); // a string column: cannot be fed
    }
    long partitionDelayMs = Long.parseLong(ctx.conf().getOrDefault("example.partition-delay-ms", "0"));
    if (partitionDelayMs > 0) {
      // a slow feature step (think of a per-partition model call): a backlog of tasks
      return features.repartition(8).mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
        Thread.sleep(partitionDelayMs);
        return rows;
      }, Encoders.row(features.schema()));
    }
    return features.repartition(8);
  }

  @Override
  public void train(TrainContext ctx) throws Exception {
    long delay = Long.parseLong(ctx.conf().getOrDefault("example.consume-delay-ms", "0"));
    InputFeed feed = ctx.inputFeed();
    Map<Integer, long[]> perEpoch = new TreeMap<>();
    int reportedEpochs = 0;
    long batches = 0;
    while (true) {
      FeedBatch next = feed.next();
      if (next == null) {
        break;
      }
      try (FeedBatch b = next) {
        TInt64 id = (TInt64) b.column("id");
        LongNdArray ids = NdArrays.ofLongs(Shape.of(b.rows()));
        id.copyTo(ids);
        long sum = 0;
        for (long i = 0; i < b.rows(); i++) {
          sum += ids.getLong(i);
        }
        long[] acc = perEpoch.computeIfAbsent(b.epoch(), e -> new long[2]);
        acc[0] += b.rows();
        acc[1] += sum;
        if (!(b.label() instanceof TFloat32)) {
          throw new IllegalStateException("the label should arrive as float");
        }
      }
      if (delay > 0) {
        Thread.sleep(delay);
      }
      if (++batches % 10 == 0 || feed.epochsCompleted() != reportedEpochs) {
        reportedEpochs = feed.epochsCompleted();
        report(ctx, perEpoch, feed);
      }
    }
    report(ctx, perEpoch, feed);
    String dir = ctx.conf().getOrDefault("example.report-dir", "");
    if (!dir.isBlank()) {
      StringBuilder json = new StringBuilder("{");
      perEpoch.forEach((e, acc) -> json.append("\"epoch").append(e).append(".rows\":").append(acc[0]).append(",\"epoch")
          .append(e).append(".idsum\":").append(acc[1]).append(','));
      json.append("\"peak_buffered_bytes\":").append(feed.peakBufferedBytes()).append(",\"epochs_completed\":")
          .append(feed.epochsCompleted()).append('}');
      java.nio.file.Files.writeString(java.nio.file.Path.of(dir, "feed-" + ctx.role() + "-" + ctx.index() + ".json"),
          json.toString());
    }
    Thread.sleep(Long.parseLong(ctx.conf().getOrDefault("example.linger-ms", "0")));
  }

  private static void report(TrainContext ctx, Map<Integer, long[]> perEpoch, InputFeed feed) {
    Map<String, Double> m = new HashMap<>();
    perEpoch.forEach((e, acc) -> {
      m.put("epoch" + e + ".rows", (double) acc[0]);
      m.put("epoch" + e + ".idsum", (double) acc[1]);
    });
    m.put("feed.epochs-completed", (double) feed.epochsCompleted());
    m.put("feed.rows-read", (double) feed.rowsRead());
    m.put("feed.peak-buffered-bytes", (double) feed.peakBufferedBytes());
    ctx.reportMetrics(feed.rowsRead(), m);
  }
}
