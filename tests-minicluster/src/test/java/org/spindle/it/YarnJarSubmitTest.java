package org.spindle.it;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
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
 * The path a cluster user takes, not the test classpath's: the EMR step's `yarn jar` line from
 * conf/examples/emr-add-steps.json, run as written through Hadoop's RunJar in a child JVM whose
 * classpath is what `hadoop classpath` gives on a tarball install (the cluster's configuration
 * directory with Hadoop's stock log4j.properties, then Hadoop's unshaded jars), submitting the FM job
 * XML shipped in conf/examples with the TensorFlow and Spark runtimes as archives. The containers run
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
      mini.close();
    }
  }

  @Test
  void theEmrStepsYarnJarLineSucceedsThroughRunJarAndEveryContainerLogsSpindlesOwnLines() throws Exception {
    // What the EMR steps before it leave on the master: /home/hadoop/spindle/ with the jars and the job XML.
    Path home = Files.createDirectories(mini.work.resolve("home-hadoop-spindle"));
    Files.copy(Path.of(System.getProperty("spindle.dist.jar")), home.resolve("spindle.jar"), REPLACE_EXISTING);
    Files.copy(Path.of(System.getProperty("spindle.examples.jar")), home.resolve("spindle-examples.jar"),
        REPLACE_EXISTING);
    Files.copy(Path.of("../conf/examples/fm-movielens.xml"), home.resolve("fm-movielens.xml"), REPLACE_EXISTING);
    List<String> line = yarnJarLine(Path.of("../conf/examples/emr-add-steps.json"), home);
    assertEquals(List.of("yarn", "jar"), line.subList(0, 2), line.toString());

    // This cluster in place of the EMR cluster: its file system, its sizes, the data the job reads.
    Path lake = Files.createDirectories(mini.work.resolve("lake-" + System.nanoTime()));
    org.spindle.examples.movielens.MovieLensGenerator.write(lake.resolve("movielens"), 20_000, 7L);
    List<String> args = new ArrayList<>(line.subList(2, line.size()));
    clusterOverrides(lake).forEach((k, v) -> args.addAll(List.of("--conf", k + "=" + v)));

    // `yarn jar` is RunJar on `hadoop classpath`: the cluster's conf dir first, then Hadoop's jars.
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dhadoop.root.logger=INFO,console", "-cp", hadoopClasspath(), "org.apache.hadoop.util.RunJar"));
    cmd.addAll(args);
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

    // What an operator reads: each container's stderr in the NodeManager's log directory.
    Map<String, String> logs = containerLogs(appId);
    String am = logs.entrySet().stream().filter(e -> e.getKey().endsWith("_000001")).map(Map.Entry::getValue)
        .findFirst().orElse("");
    assertTrue(Pattern.compile("INFO .*ApplicationMaster: Spindle AM for " + appId).matcher(am).find(),
        "the AM's log has Spindle's INFO lines:\n" + am);
    assertTrue(am.contains("INFO") && am.contains("JobController: requested 2 worker containers"), am);
    assertContainerWith(logs, "TaskLauncher: task worker:0 attempt", "TfTaskMain: TensorFlow native build");
    assertContainerWith(logs, "TaskLauncher: task spark-driver:0 attempt", "SparkDriverMain: feeding");
    assertContainerWith(logs, "TaskLauncher: task spark-executor:0 attempt",
        "DriverEndpointProbe: the Spark driver's scheduler endpoint");
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
    k.put("spindle.container.archives", runtimeArchive("tensorflow", "spindle.tensorflow.lib") + "#tensorflow,"
        + runtimeArchive("spark", "spindle.spark.lib") + "#spark");
    k.put("spindle.container.extra-classpath", hadoopClasspath());
    k.put("spindle.container.java-home", System.getProperty("java.home"));
    k.put("spindle.am.memory", "512");
    k.put("spindle.role.spark-driver.memory", "1536");
    k.put("spindle.role.spark-executor.memory", "1280");
    k.put("spindle.role.spark-executor.vcores", "1");
    k.put("spindle.role.ps.memory", "1024");
    k.put("spindle.role.worker.memory", "1024");
    k.put("spindle.role.ps.env.TF_CPP_MIN_LOG_LEVEL", "2");
    k.put("spindle.role.worker.env.TF_CPP_MIN_LOG_LEVEL", "2");
    k.put("spindle.task.registration-timeout", "5m");
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

  /** The build's runtime directory zipped, as a user uploads it (natives/ included). */
  private static String runtimeArchive(String name, String property) throws IOException {
    Path dir = Path.of(System.getProperty(property)).toAbsolutePath();
    Path zip = mini.work.resolve(name + "-lib.zip");
    MiniClusterSupport.zipTree(dir, zip, 0);
    return zip.toUri().toString();
  }

  /** Container id -> its stderr, for every container of the application on every NodeManager. */
  private static Map<String, String> containerLogs(String appId) throws IOException {
    Map<String, String> logs = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(mini.work.resolve("cluster"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")
          && p.getParent().getParent().getFileName().toString().equals(appId)).toList()) {
        logs.put(f.getParent().getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    return logs;
  }

  private static void assertContainerWith(Map<String, String> logs, String who, String line) {
    String log = logs.values().stream().filter(l -> l.contains(who)).findFirst().orElse(null);
    assertTrue(log != null, "no container log has '" + who + "' among " + logs.keySet());
    assertTrue(log.contains(line) && log.contains(" INFO "), "the container of '" + who + "' lacks '" + line
        + "':\n" + log);
  }
}
