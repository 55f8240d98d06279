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

  /** The runtime archives Spindle's build ships (dist/target/runtimes, or runtimes/ in the distribution). */
  public static final String TENSORFLOW_RUNTIME = "tensorflow-lib";
  public static final String SPARK_RUNTIME = "spark-lib";

  /**
   * The runtimes a role's tasks need: none for a command role; TensorFlow for the TF task main; Spark
   * and TensorFlow for the Spark roles (the Spark runtime carries TF Java's classes for batch scoring,
   * whose native libraries come with the TensorFlow runtime); both for any other main class.
   */
  public static java.util.List<String> runtimes(RoleSpec role) {
    if (role.runsCommand()) {
      return java.util.List.of();
    }
    if (role.mainClass().equals(TF_TASK_MAIN)) {
      return java.util.List.of(TENSORFLOW_RUNTIME);
    }
    return java.util.List.of(TENSORFLOW_RUNTIME, SPARK_RUNTIME);
  }

  /** The main class a role of this name runs when the job sets neither main-class nor command. */
  public static Optional<String> mainClass(String role) {
    return Optional.ofNullable(MAIN_CLASSES.get(role));
  }
}
