package org.spindle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The path a cluster user takes, not the test classpath's: the binary distribution unpacked as the EMR
 * steps do, then the EMR step's `yarn jar` line from conf/examples/emr-add-steps.json, run as written
 * through Hadoop's RunJar in a child JVM whose classpath is what `hadoop classpath` gives on a tarball
 * install (the cluster's configuration directory with Hadoop's stock log4j.properties, then Hadoop's
 * unshaded jars), submitting the distribution's FM job XML, which names no runtime: submit uploads the
 * distribution's runtime archives to its cache, and a second submission uploads none. The containers run
 * on that same Hadoop classpath and configuration. The job must succeed, and the container logs an
 * operator reads must hold Spindle's own INFO lines: the AM's, a worker's, the driver's, an executor's.
 * (That the AM and launchers run without the runtimes on their classpath is ContainerSpecsTest's.)
 */
class YarnJarSubmitTest {
  private static MiniClusterSupport mini;

  @BeforeAll
  static void startCluster() throws Exception {
    mini = new MiniClusterSupport("YarnJarSubmitTest");
  }

  @AfterAll
  static void stopCluster() {
    if (mini != null) {
      // The unpacked distribution is 1.1 GB; the test's logs and outputs stay.
      MiniClusterSupport.deleteTree(mini.work.resolve("home-hadoop-spindle"));
      mini.close();
    }
  }

  @Test
  void theEmrStepsYarnJarLineSucceedsThroughRunJarAndEveryContainerLogsSpindlesOwnLines() throws Exception {
    // What the EMR steps before it leave on the master: the binary distribution the build wrote, unpacked
    // into /home/hadoop/spindle/ as the steps' tar command does. The job XML is the distribution's.
    Path home = mini.work.resolve("home-hadoop-spindle");
    MiniClusterSupport.deleteTree(home);
    Files.createDirectories(home);
    Path tarball;
    try (Stream<Path> built = Files.list(Path.of(System.getProperty("spindle.dist.jar")).toAbsolutePath().getParent())) {
      tarball = built.filter(p -> p.getFileName().toString().matches("spindle-.*-bin\\.tar\\.gz")).findFirst()
          .orElseThrow(() -> new AssertionError("mvn package wrote no dist/target/spindle-*-bin.tar.gz"));
    }
    Process untar = new ProcessBuilder("tar", "xzf", tarball.toString(), "--strip-components=1", "-C", home.toString())
        .inheritIO().start();
    assertTrue(untar.waitFor(5, TimeUnit.MINUTES) && untar.exitValue() == 0, "tar xzf " + tarball);
    for (String f : List.of("bin/spindle", "lib/spindle.jar", "lib/spindle-examples.jar", "conf/spindle-default.xml",
        "conf/examples/fm-movielens.xml", "runtimes/tensorflow-lib.zip", "runtimes/spark-lib.zip")) {
      assertTrue(Files.isRegularFile(home.resolve(f)), "the distribution has " + f);
    }
    List<String> line = yarnJarLine(Path.of("../conf/examples/emr-add-steps.json"), home);
    assertEquals(List.of("yarn", "jar"), line.subList(0, 2), line.toString());
    // The job XML names no runtime: submit uploads the distribution's, once, to a cache named by content hash.
    assertTrue(!Files.readString(home.resolve("conf/examples/fm-movielens.xml")).contains("spindle.container.archives"));
    Path cache = mini.work.resolve("archive-cache");
    MiniClusterSupport.deleteTree(cache);

    // This cluster in place of the EMR cluster: its file system, its sizes, the data the job reads.
    Path lake = Files.createDirectories(mini.work.resolve("lake-" + System.nanoTime()));
    org.spindle.examples.movielens.MovieLensGenerator.write(lake.resolve("movielens"), 20_000, 7L);
    List<String> args = new ArrayList<>(line.subList(2, line.size()));
    clusterOverrides(lake).forEach((k, v) -> args.addAll(List.of("--conf", k + "=" + v)));
    args.addAll(List.of("--conf", "spindle.archive.cache-dir=" + cache.toUri()));
    List<String> cmd = yarnJar(args);
    Path out = mini.work.resolve("yarn-jar.out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean exited = p.waitFor(12, TimeUnit.MINUTES);
    if (!exited) {
      p.destroyForcibly();
    }
    String printed = Files.readString(out);
    assertTrue(exited, "yarn jar did not finish:\n" + printed);
    assertEquals(0, p.exitValue(), "yarn jar ... submit exited " + p.exitValue() + ":\n" + printed);
    Matcher m = Pattern.compile("submitted (application_\\d+_\\d+)").matcher(printed);
    assertTrue(m.find(), printed);
    String appId = m.group(1);
    try (YarnClient y = mini.cluster.yarnClient()) {
      assertEquals(FinalApplicationStatus.SUCCEEDED,
          y.getApplicationReport(ApplicationId.fromString(appId)).getFinalApplicationStatus(), printed);
    }
    assertTrue(Files.exists(lake.resolve("models/fm/saved_model.pb")), "the FM was exported");
    for (String runtime : List.of("tensorflow-lib", "spark-lib")) {
      long size = Files.size(home.resolve("runtimes/" + runtime + ".zip"));
      assertTrue(printed.contains("runtime " + runtime + ": uploaded " + size + " bytes to "), printed);
    }

    // What an operator reads: each container's stderr in the NodeManager's log directory.
    Map<String, String> logs = MiniClusterSupport.containerLogs(mini.work.resolve("cluster"), appId);
    String am = logs.entrySet().stream().filter(e -> e.getKey().endsWith("_000001")).map(Map.Entry::getValue)
        .findFirst().orElse("");
    assertTrue(Pattern.compile("INFO .*ApplicationMaster: Spindle AM for " + appId).matcher(am).find(),
        "the AM's log has Spindle's INFO lines:\n" + am);
    assertTrue(am.contains("INFO") && am.contains("JobController: requested 2 worker containers"), am);
    // On a Hadoop install's classpath the tracking UI runs on the cluster's Jetty behind YARN's own AmIpFilter.
    assertTrue(Pattern.compile("tracking UI served by Jetty 9\\.4\\S* behind YARN's "
        + "org\\.apache\\.hadoop\\.yarn\\.server\\.webproxy\\.amfilter\\.AmIpFilter").matcher(am).find(), am);
    assertContainerWith(logs, "TaskLauncher: task worker:0 attempt", "TfTaskMain: TensorFlow native build");
    assertContainerWith(logs, "TaskLauncher: task spark-driver:0 attempt", "SparkDriverMain: feeding");
    assertContainerWith(logs, "TaskLauncher: task spark-executor:0 attempt",
        "DriverEndpointProbe: the Spark driver's scheduler endpoint");

    // Each role got the runtimes it needs, from the cache: TensorFlow for the ps, both for Spark roles.
    String psScript = launchScriptOf(appId, logs, "TaskLauncher: task ps:0 attempt");
    String executorScript = launchScriptOf(appId, logs, "TaskLauncher: task spark-executor:0 attempt");
    assertTrue(psScript.contains("/tensorflow-lib/*") && !psScript.contains("/spark-lib/*"), psScript);
    assertTrue(executorScript.contains("/tensorflow-lib/*") && executorScript.contains("/spark-lib/*"), executorScript);

    // The same submission again uploads no runtime byte (it is killed once submitted: only the upload matters).
    Path again = mini.work.resolve("yarn-jar-again.out");
    Process second = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(again.toFile()).start();
    try {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(2))
          .until(() -> Pattern.compile("submitted (application_\\d+_\\d+)").matcher(Files.readString(again)).find());
      String printedAgain = Files.readString(again);
      Matcher m2 = Pattern.compile("submitted (application_\\d+_\\d+)").matcher(printedAgain);
      assertTrue(m2.find());
      try (YarnClient y = mini.cluster.yarnClient()) {
        y.killApplication(ApplicationId.fromString(m2.group(1)));
      }
      for (String runtime : List.of("tensorflow-lib", "spark-lib")) {
        assertTrue(Pattern.compile("runtime " + runtime + ": reusing \\S+/archive-cache/" + runtime
            + "-[0-9a-f]{16}\\.zip \\(0 bytes uploaded\\)").matcher(printedAgain).find(), printedAgain);
      }
      assertTrue(!printedAgain.contains(": uploaded "), printedAgain);
    } finally {
      second.destroy();
      second.waitFor(1, TimeUnit.MINUTES);
    }
  }

  /** `yarn jar` is RunJar on `hadoop classpath`: the cluster's conf dir first, then Hadoop's jars. */
  private static List<String> yarnJar(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dhadoop.root.logger=INFO,console", "-cp", hadoopClasspath(), "org.apache.hadoop.util.RunJar"));
    cmd.addAll(args);
    return cmd;
  }

  /** The launch script the NodeManager wrote for the container whose log has {@code who}. */
  private static String launchScriptOf(String appId, Map<String, String> logs, String who) throws IOException {
    String container = logs.entrySet().stream().filter(e -> e.getValue().contains(who)).map(Map.Entry::getKey)
        .findFirst().orElseThrow(() -> new AssertionError("no container log has '" + who + "'"));
    try (Stream<Path> files = Files.walk(mini.work.resolve("cluster"))) {
      Path script = files.filter(p -> p.getFileName().toString().equals("launch_container.sh")
          && p.getParent().getFileName().toString().equals(container)
          && p.getParent().getParent().getFileName().toString().equals(appId)).findFirst()
          .orElseThrow(() -> new AssertionError("no launch_container.sh for " + container));
      return Files.readString(script);
    }
  }

  /** The EMR step whose command is `yarn jar`, with /home/hadoop/spindle/ mapped to home. */
  static List<String> yarnJarLine(Path stepsJson, Path home) throws IOException {
    String json = Files.readString(stepsJson);
    Matcher m = Pattern.compile("\"Args\":\\s*\\[(\\s*\"yarn\",\\s*\"jar\"[^\\]]*)\\]").matcher(json);
    assertTrue(m.find(), "no yarn jar step in " + stepsJson);
    List<String> args = new ArrayList<>();
    Matcher s = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
    while (s.find()) {
      args.add(s.group(1).replace("/home/hadoop/spindle/", home + "/"));
    }
    return args;
  }

  /** The job XML's cluster-specific keys, for this cluster: lake, sizes, runtimes, classpath. */
  private static Map<String, String> clusterOverrides(Path lake) throws IOException {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("spindle.container.extra-classpath", hadoopClasspath());
    k.put("spindle.container.java-home", System.getProperty("java.home"));
    k.putAll(MiniClusterSupport.fmSizes());
    k.put("spindle.feed.epochs", "2");
    k.put("spindle.spark.conf.spark.sql.shuffle.partitions", "4");
    k.put("spindle.checkpoint.dir", lake.resolve("checkpoints").toUri().toString());
    k.put("spindle.model.export-dir", lake.resolve("models").toUri().toString());
    k.put("example.data-dir", lake.resolve("movielens").toUri().toString());
    k.put("example.output-dir", lake.resolve("output").toUri().toString());
    return k;
  }

  /** `hadoop classpath` of a tarball install: the conf dir (yarn-site.xml, log4j.properties), Hadoop's jars. */
  private static String hadoopClasspath() {
    return mini.cluster.confDir() + File.pathSeparator
        + Path.of(System.getProperty("spindle.hadoop.share")).toAbsolutePath() + "/*";
  }


  private static void assertContainerWith(Map<String, String> logs, String who, String line) {
    String log = logs.values().stream().filter(l -> l.contains(who)).findFirst().orElse(null);
    assertTrue(log != null, "no container log has '" + who + "' among " + logs.keySet());
    assertTrue(log.contains(line) && log.contains(" INFO "), "the container of '" + who + "' lacks '" + line
        + "':\n" + log);
  }
}
