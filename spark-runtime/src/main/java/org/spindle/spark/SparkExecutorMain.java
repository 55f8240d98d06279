package org.spindle.spark;

import java.util.List;
import java.util.Map;
import org.apache.spark.executor.CoarseGrainedExecutorBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.AmView;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.SpindleEnv;

/**
 * Main class of the executor role: finds the application's Spark driver through the AM, waits
 * (bounded) until its scheduler endpoint answers, then runs Spark's own CoarseGrainedExecutorBackend
 * against it.
 */
public final class SparkExecutorMain {
  private static final Logger LOG = LoggerFactory.getLogger(SparkExecutorMain.class);

  private SparkExecutorMain() {}

  public static void main(String[] args) throws Exception {
    org.spindle.task.TaskCredentials.watch(); // tokens the AM re-obtains from a keytab
    Map<String, String> env = System.getenv();
    JobConf conf = JobConf.inContainer();
    SparkAuth.applyToSystemProperties(org.spindle.task.AppSecret.fromCurrentUser(),
        org.spindle.task.TlsIdentity.fromCurrentUser().isPresent());
    String driverRole = conf.get(ConfigKeys.SPARK_DRIVER_ROLE, "spark-driver");
    long waitMs = conf.millis(ConfigKeys.FEED_WORKER_WAIT, "10m");
    AmView.TaskInfo driver;
    try (AmView am = AmView.fromEnvironment(env)) {
      driver = Waits.until(waitMs, 500, "the Spark driver (task " + driverRole + ":0) to register", () ->
          am.job().tasks().stream().filter(t -> t.role().equals(driverRole) && t.index() == 0
              && t.state().equals("REGISTERED") && t.ports().containsKey("task")).findFirst());
    }
    int port = driver.ports().get("task");
    String driverUrl = "spark://CoarseGrainedScheduler@" + driver.host() + ":" + port;
    int index = Integer.parseInt(env.get(SpindleEnv.INDEX));
    int generation = Integer.parseInt(env.getOrDefault(SpindleEnv.GENERATION, "0"));
    String role = env.get(SpindleEnv.ROLE);
    int cores = conf.integer(ConfigKeys.SPARK_EXECUTOR_CORES, 0);
    if (cores <= 0) {
      cores = conf.integer(ConfigKeys.roleKey(role, ConfigKeys.ROLE_VCORES), 1);
    }
    String host = env.getOrDefault("NM_HOST", driver.host());
    // The driver registers (through its launcher) before its SparkContext exists, and the port may still be
    // the launcher's placeholder socket; Spark's own lookup tries 3 times at once and then fails the executor.
    DriverEndpointProbe.await(driverUrl, host, waitMs);
    List<String> backendArgs = List.of(
        "--driver-url", driverUrl,
        "--executor-id", ExecutorPool.executorId(index, generation),
        "--hostname", host,
        "--cores", Integer.toString(cores),
        "--app-id", env.get(SpindleEnv.APP_ID),
        "--resourceProfileId", "0");
    LOG.info("starting Spark executor {} ({} cores) for the driver at {}:{}", backendArgs.get(3), cores,
        driver.host(), port);
    CoarseGrainedExecutorBackend.main(backendArgs.toArray(new String[0]));
  }
}
