package org.spindle.client;

import java.io.PrintStream;
import java.net.URISyntaxException;
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
    Path distJar = distJar(spec);
    try (YarnClient yarn = yarnClient()) {
      return new Submitter(clusterConf, yarn, out).submit(spec, layered, distJar, jars);
    }
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

  /** spindle.dist.jar, else the jar this client runs from. */
  static Path distJar(JobSpec spec) {
    if (!spec.distJar().isEmpty()) {
      Path p = Path.of(spec.distJar());
      if (!Files.isRegularFile(p)) {
        throw new SpindleConfigException(ConfigKeys.DIST_JAR + "=" + p + " does not exist; build it with mvn package");
      }
      return p;
    }
    try {
      Path self = Path.of(SpindleClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(self) && self.toString().endsWith(".jar")) {
        return self;
      }
    } catch (URISyntaxException | SecurityException e) {
      // fall through
    }
    throw new SpindleConfigException("cannot tell where spindle.jar is: run the client from dist/target/spindle.jar "
        + "or set " + ConfigKeys.DIST_JAR);
  }
}
