package org.spindle.api;

/**
 * The one class a user writes. {@code train} runs in every worker/chief task with a {@link
 * TrainContext}; {@code shutdown} runs once at the end of each task. (The Spark {@code preTrain}
 * hook, DataFrame in and features out, arrives with the Spark feeder.)
 */
public abstract class SpindleJob {
  /** Builds the model and optimizer in TensorFlow Java and trains it. */
  public abstract void train(TrainContext ctx) throws Exception;

  /** Releases long-lived resources; the default does nothing. */
  public void shutdown(JobContext ctx) throws Exception {
  }
}
