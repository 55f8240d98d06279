package org.spindle.api;

/**
 * The one class a user writes. {@code preTrain} runs on the application's Spark driver (the
 * {@code spark-driver} role) with executors in the application's own containers; the DataFrame it
 * returns is streamed to the workers as Arrow batches ({@link TrainContext#inputFeed()}). {@code
 * train} runs in every worker/chief task with a {@link TrainContext}; {@code shutdown} runs once at
 * the end of each task.
 */
public abstract class SpindleJob {
  /**
   * Feature engineering: read the data lake with Spark's data source API and return the training
   * DataFrame (one row per example; the label column is spindle.feed.label-column). The default
   * returns null: the job feeds nothing and {@code train} makes its own input.
   */
  public org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> preTrain(
      org.apache.spark.sql.SparkSession spark, JobContext ctx) throws Exception {
    return null;
  }

  /**
   * Runs on the Spark driver after the feed ended and training finished, with the executors still
   * up when spindle.spark.keep-executors is true: the place for batch prediction with {@code
   * Predictor.scoreDataFrame}. The default does nothing.
   */
  public void postTrain(org.apache.spark.sql.SparkSession spark, JobContext ctx) throws Exception {
  }

  /** Builds the model and optimizer in TensorFlow Java and trains it. */
  public abstract void train(TrainContext ctx) throws Exception;

  /**
   * Evaluator role: builds the evaluation graph once (variables with the training names, no
   * devices). The default builds nothing.
   */
  public void buildEvaluation(TrainContext ctx) throws Exception {
  }

  /**
   * Evaluator role: called for each newly committed checkpoint after it was restored into
   * {@code ctx.session()}; the returned metrics reach the AM. The default reports nothing.
   */
  public java.util.Map<String, Double> evaluate(TrainContext ctx, long checkpointStep) throws Exception {
    return java.util.Map.of();
  }

  /** Releases long-lived resources; the default does nothing. */
  public void shutdown(JobContext ctx) throws Exception {
  }
}
