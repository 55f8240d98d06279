package org.spindle.api;

/**
 * The one class a user writes. {@code train} runs in every worker/chief task with a {@link
 * TrainContext}; {@code shutdown} runs once at the end of each task. (The Spark {@code preTrain}
 * hook, DataFrame in and features out, arrives with the Spark feeder.)
 */
public abstract class SpindleJob {
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
