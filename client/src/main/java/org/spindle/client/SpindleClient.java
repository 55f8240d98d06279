package org.spindle.client;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.conf.SpindleConfigException;

/** The programmatic client behind `spindle submit` and `spindle run --local`. */
public final class SpindleClient {
  private final Configuration clusterConf;
  private final PrintStream out;

  public SpindleClient(Configuration clusterConf, PrintStream out) {
    this.clusterConf = clusterConf;
    this.out = out;
  }

  /** Submits and, when wait is set, blocks until YARN reports a final state. */
  public SubmitResult submit(List<Path> jobXmls, Map<String, String> overrides, List<Path> jars, boolean wait)
      throws Exception {
    Submitter.Submitted s = start(jobXmls, overrides, jars);
    return wait ? await(s) : new SubmitResult(s.appId(), null, null, "", "");
  }

  /** Checks the job against the cluster and submits it; returns at once. */
  public Submitter.Submitted start(List<Path> jobXmls, Map<String, String> overrides, List<Path> jars)
      throws Exception {
    JobConfLoader loader = new JobConfLoader();
    Configuration layered = loader.layer(jobXmls, overrides);
    JobSpec spec = loader.parse(layered);
    if (addSparkRoles(spec, layered, jars, out)) {
      spec = loader.parse(layered);
    }
    Path distJar = distJar(spec);
    org.spindle.client.security.KerberosLogin.ensure(clusterConf, layered, out);
    try (YarnClient yarn = yarnClient()) {
      return new Submitter(clusterConf, yarn, out).submit(spec, layered, distJar, jars);
    }
  }

  /**
   * A job whose class (in the shipped jars) overrides preTrain needs Spark: unless the job defines the
   * roles, it gets a spark-driver and two spark-executors (Spark on YARN's default executor count).
   */
  static boolean addSparkRoles(JobSpec spec, Configuration layered, List<Path> jars, PrintStream out)
      throws java.io.IOException {
    String driver = layered.getTrimmed(ConfigKeys.SPARK_DRIVER_ROLE, "spark-driver");
    String executor = layered.getTrimmed(ConfigKeys.SPARK_EXECUTOR_ROLE, "spark-executor");
    String jobClass = layered.getTrimmed(ConfigKeys.JOB_CLASS, "");
    if (jobClass.isEmpty() || spec.roles().containsKey(driver)
        || !JobClassFile.overridesPreTrain(jobClass, jars).orElse(false)) {
      return false;
    }
    layered.set(ConfigKeys.roleKey(driver, ConfigKeys.ROLE_INSTANCES), "1");
    String executors = "";
    if (!spec.roles().containsKey(executor)) {
      layered.set(ConfigKeys.roleKey(executor, ConfigKeys.ROLE_INSTANCES), "2");
      executors = " and 2 " + executor + "s";
    }
    out.println(jobClass + " overrides preTrain: the job gets a " + driver + " role" + executors
        + " (set spindle.role." + driver + ".* to change them)");
    return true;
  }

  /** Waits for a submitted job, printing progress. */
  public SubmitResult await(Submitter.Submitted job) throws Exception {
    try (YarnClient yarn = yarnClient()) {
      return new JobMonitor(yarn, out, 1000).waitFor(job);
    }
  }

  private YarnClient yarnClient() {
    YarnClient yarn = YarnClient.createYarnClient();
    yarn.init(clusterConf);
    yarn.start();
    return yarn;
  }

  /**
   * spindle.dist.jar, else the jar this client runs from. Under `yarn jar` (Hadoop's RunJar) classes
   * load from the jar unpacked into a temporary directory, so the code source is that directory; the
   * jar itself is one of the class loader's URLs and RunJar's first argument.
   */
  static Path distJar(JobSpec spec) {
    if (!spec.distJar().isEmpty()) {
      Path p = Path.of(spec.distJar());
      if (!Files.isRegularFile(p)) {
        throw new SpindleConfigException(ConfigKeys.DIST_JAR + "=" + p + " does not exist; build it with mvn package");
      }
      return p;
    }
    return DistJarLocator.locate(SpindleClient.class, System.getProperty("sun.java.command", ""))
        .orElseThrow(() -> new SpindleConfigException("cannot tell where spindle.jar is: the client's classes "
            + "came from " + DistJarLocator.codeSource(SpindleClient.class) + ", which is not a jar holding them, "
            + "and no jar on its class loader holds them either; run it as `yarn jar spindle.jar ...` or "
            + "`bin/spindle`, or set " + ConfigKeys.DIST_JAR + "=/path/to/spindle.jar"));
  }
}
