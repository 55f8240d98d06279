package org.spindle.conf;

import java.util.List;

/**
 * The logging configuration every Spindle JVM in a container runs with (AM, launcher, TF tasks,
 * Spark driver and executors), whatever the cluster's log4j.properties on HADOOP_CONF_DIR says and
 * whichever binding wins on the classpath: the cluster's reload4j reads the log4j 1 file, and log4j 2
 * (Spark's runtime, or log4j-1.2-api bridging the cluster's binding to it) reads the log4j 2 file.
 * Both are resources of spindle.jar, which is first on every Spindle classpath, and write to stderr,
 * which the container's command redirects to {@code <LOG_DIR>/stderr}.
 */
public final class ContainerLogging {
  public static final String LOG4J1_CONFIG = "spindle-container-log4j.properties";
  public static final String LOG4J2_CONFIG = "spindle-container-log4j2.properties";

  private ContainerLogging() {}

  /** JVM options naming both configurations and the container's log directory. */
  public static List<String> jvmOptions(String logDir) {
    return List.of(
        "-Dyarn.app.container.log.dir=" + logDir,
        "-Dlog4j.configuration=" + LOG4J1_CONFIG,
        "-Dlog4j2.configurationFile=" + LOG4J2_CONFIG);
  }
}
