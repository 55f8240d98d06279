package org.spindle.examples.movielens;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.xxhash64;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.spindle.api.JobContext;
import org.spindle.api.SpindleJob;
import org.spindle.api.TrainContext;
import org.spindle.api.Trainer;
import org.spindle.examples.FmModel;
import org.tensorflow.framework.optimizers.Adam;

/**
 * The showcase: a factorization-machine movie recommender, end to end in one application.
 *
 * <p>preTrain (Spark, on the executors): reads MovieLens-schema ratings and movies CSV, joins them,
 * multi-hot encodes the genres, buckets the release year by decade, hashes every id into one
 * feature space, and splits by time (the last 20% of ratings are the test set). The two baselines,
 * the global mean and user-plus-item biases, are fitted and scored here too. train (TF Java, PS mode
 * by default): the FM learns from the fed training rows, checkpoints, and the chief exports a
 * SavedModel. postTrain (Spark again): scores the test set with the exported model on the
 * executors, writes the predictions as Parquet, and reports test RMSE and AUC (rating >= 4 as the
 * positive class) of the FM and both baselines.
 *
 * <p>Keys: example.data-dir (ratings.csv, movies.csv), example.output-dir (predictions, report),
 * example.learning-rate (0.03 per batch; in allreduce mode multiplied by the number of replicas).
 */
public final class FmMovieLensJob extends SpindleJob {
  public static final int VOCABULARY = 1 << 15;
  public static final int FIELDS = 6; // user, movie, three genre slots, decade
  public static final int FACTORS = 8;

  private Dataset<Row> test;
  private final Map<String, Double> results = new LinkedHashMap<>();

  static Column hashed(String namespace, Column value) {
    return pmod(xxhash64(lit(namespace), value), lit(VOCABULARY));
  }

  @Override
  public Dataset<Row> preTrain(SparkSession spark, JobContext ctx) {
    String dir = ctx.conf().get("example.data-dir");
    Dataset<Row> ratings = spark.read().option("header", "true").option("inferSchema", "true").csv(dir + "/ratings.csv");
    Dataset<Row> movies = spark.read().option("header", "true").option("inferSchema", "true").csv(dir + "/movies.csv");
    Column genres = split(col("genres"), "\\|");
    Column ids = array(
        hashed("user", col("userId")),
        hashed("movie", col("movieId")),
        // multi-hot genres: up to three slots in one genre namespace, "none" for missing ones
        hashed("genre", coalesce(try_element_at(genres, lit(1)), lit("none"))),
        hashed("genre", coalesce(try_element_at(genres, lit(2)), lit("none"))),
        hashed("genre", coalesce(try_element_at(genres, lit(3)), lit("none"))),
        hashed("decade", floor(col("year").divide(10))));
    Dataset<Row> all = ratings.join(movies, "movieId")
        .select(col("userId"), col("movieId"), col("timestamp"), ids.as("ids"), col("rating").cast("float").as("label"));
    double cut = all.stat().approxQuantile("timestamp", new double[] {0.8}, 0.001)[0];
    Dataset<Row> train = all.where(col("timestamp").lt(cut)).cache();
    test = all.where(col("timestamp").geq(cut)).cache();
    baselines(train);
    return train.select("ids", "label").repartition(4);
  }

  /** Global mean and regularized user + item biases, fitted on train, scored on test. */
  private void baselines(Dataset<Row> train) {
    double mean = train.agg(avg("label")).first().getDouble(0);
    double lambda = 5;
    Dataset<Row> userBias = train.groupBy("userId")
        .agg(sum(col("label").minus(mean)).divide(count("*").plus(lambda)).as("bu"));
    Dataset<Row> itemBias = train.join(userBias, "userId").groupBy("movieId")
        .agg(sum(col("label").minus(mean).minus(col("bu"))).divide(count("*").plus(lambda)).as("bi"));
    Dataset<Row> scored = test.join(userBias, test.col("userId").equalTo(userBias.col("userId")), "left").drop(userBias.col("userId"))
        .join(itemBias, "movieId", "left")
        .select(col("label"), lit(mean).as("mean_pred"),
            lit(mean).plus(coalesce(col("bu"), lit(0.0))).plus(coalesce(col("bi"), lit(0.0))).as("bias_pred"));
    List<Row> rows = scored.collectAsList();
    results.put("baseline.mean.rmse", Metrics.rmse(rows, 1, 0));
    results.put("baseline.mean.auc", 0.5); // a constant ranks nothing
    results.put("baseline.bias.rmse", Metrics.rmse(rows, 2, 0));
    results.put("baseline.bias.auc", Metrics.auc(rows, 2, 0, 4.0));
  }

  @Override
  public void train(TrainContext ctx) throws Exception {
    FmModel fm = new FmModel(VOCABULARY, FIELDS, FACTORS).withL2(0.005f).withInitStd(0.1f);
    // Allreduce averages the gradients of every replica's batch: one step sees groupSize batches, and
    // an epoch has groupSize times fewer steps. Scale the rate with it (the linear scaling rule).
    float lr = Float.parseFloat(ctx.conf().getOrDefault("example.learning-rate", "0.03"))
        * Math.max(1, ctx.allReduceGroupSize());
    Trainer.builder().model(fm::build).optimizer(g -> new Adam(g, lr))
        .input(Trainer.fromFeed(ctx.inputFeed(), Map.of("ids", "ids", "label", "label")))
        .steps(Long.MAX_VALUE).checkpointEverySteps(200).metricsEverySteps(20)
        .build().run(ctx);
    if (ctx.isChief()) {
      ctx.exportSavedModel("fm", fm::serving);
    }
  }

  @Override
  public void postTrain(SparkSession spark, JobContext ctx) throws Exception {
    String model = ctx.conf().get("spindle.model.export-dir") + "/fm";
    String out = ctx.conf().get("example.output-dir");
    Dataset<Row> scored = org.spindle.api.Predictions.scoreDataFrame(test, model);
    scored.select("userId", "movieId", "label", "prediction").write().mode(SaveMode.Overwrite)
        .parquet(out + "/predictions");
    List<Row> rows = scored.select(col("label").cast("double"), col("prediction").cast("double")).collectAsList();
    results.put("fm.rmse", Metrics.rmse(rows, 1, 0));
    results.put("fm.auc", Metrics.auc(rows, 1, 0, 4.0));
    results.put("test.rows", (double) rows.size());
    ctx.reportMetrics(0, results);
    java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>(results);
    doc.put("model", model);
    doc.put("predictions", out + "/predictions");
    // Gson from the Spark runtime (the driver's classpath), unrelocated, as a user job would use it.
    String json = new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(doc);
    org.apache.hadoop.fs.Path report = new org.apache.hadoop.fs.Path(out, "report.json");
    try (var s = report.getFileSystem(new org.apache.hadoop.conf.Configuration()).create(report, true)) {
      s.write(json.getBytes(StandardCharsets.UTF_8));
    }
    System.out.println("FM movie recommender, test set of " + rows.size() + " ratings: " + results);
  }

  /** RMSE and AUC over collected rows. */
  static final class Metrics {
    private Metrics() {}

    static double rmse(List<Row> rows, int predIndex, int labelIndex) {
      double se = 0;
      for (Row r : rows) {
        double d = ((Number) r.get(predIndex)).doubleValue() - ((Number) r.get(labelIndex)).doubleValue();
        se += d * d;
      }
      return Math.sqrt(se / rows.size());
    }

    /** Probability a positive (label >= threshold) outranks a negative; ties count half. */
    static double auc(List<Row> rows, int predIndex, int labelIndex, double threshold) {
      List<double[]> xs = new ArrayList<>();
      for (Row r : rows) {
        xs.add(new double[] {((Number) r.get(predIndex)).doubleValue(),
            ((Number) r.get(labelIndex)).doubleValue() >= threshold ? 1 : 0});
      }
      xs.sort((a, b) -> Double.compare(a[0], b[0]));
      double rankSum = 0;
      long pos = 0;
      int i = 0;
      while (i < xs.size()) {
        int j = i;
        while (j < xs.size() && xs.get(j)[0] == xs.get(i)[0]) {
          j++;
        }
        double avgRank = (i + 1 + j) / 2.0;
        for (int k = i; k < j; k++) {
          if (xs.get(k)[1] == 1) {
            rankSum += avgRank;
            pos++;
          }
        }
        i = j;
      }
      long neg = xs.size() - pos;
      return pos == 0 || neg == 0 ? 0.5 : (rankSum - pos * (pos + 1) / 2.0) / (pos * (double) neg);
    }
  }
}
