package org.spindle.spark;

import java.io.IOException;

/** Where Spark's executors come from: the AM's elastic executor role. */
public interface ExecutorPool {
  /** The YARN application id, which Spark uses as its own application id. */
  String applicationId();

  /** Make {@code total} executors live (Spark's requestTotalExecutors). */
  void scaleTo(int total) throws IOException;

  /** Release one executor for good (Spark's killExecutors). */
  void release(String executorId) throws IOException;

  /** Executor ids encode the task: index + 1 + 10000 * generation, so restarts get fresh ids. */
  static String executorId(int index, int generation) {
    return Integer.toString(generation * 10_000 + index + 1);
  }

  static int taskIndex(String executorId) {
    return (Integer.parseInt(executorId) - 1) % 10_000;
  }
}
