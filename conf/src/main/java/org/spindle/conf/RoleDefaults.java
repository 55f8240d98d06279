package org.spindle.conf;

import java.util.Map;
import java.util.Optional;

/**
 * Well-known role names carry their main class, as TonY's task types do: a job names instances and
 * resources, not Spindle's own entry points. An explicit main-class or command always wins.
 */
public final class RoleDefaults {
  public static final String TF_TASK_MAIN = "org.spindle.tensorflow.TfTaskMain";
  public static final String SPARK_DRIVER_MAIN = "org.spindle.spark.SparkDriverMain";
  public static final String SPARK_EXECUTOR_MAIN = "org.spindle.spark.SparkExecutorMain";

  private static final Map<String, String> MAIN_CLASSES = Map.of(
      "ps", TF_TASK_MAIN, "worker", TF_TASK_MAIN, "chief", TF_TASK_MAIN, "evaluator", TF_TASK_MAIN,
      "spark-driver", SPARK_DRIVER_MAIN, "spark-executor", SPARK_EXECUTOR_MAIN);

  private RoleDefaults() {}

  /** The main class a role of this name runs when the job sets neither main-class nor command. */
  public static Optional<String> mainClass(String role) {
    return Optional.ofNullable(MAIN_CLASSES.get(role));
  }
}
