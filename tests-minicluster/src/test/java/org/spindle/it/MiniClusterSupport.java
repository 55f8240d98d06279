package org.spindle.it;


import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.spindle.task.ControlPlaneClient;
import org.spindle.client.SpindleClient;
import org.spindle.client.SubmitResult;
import org.spindle.client.Submitter;
import org.spindle.client.local.LocalCluster;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/** One embedded cluster per test class, and the helpers the end-to-end tests share. */
final class MiniClusterSupport implements AutoCloseable {
  final LocalCluster cluster;
  final Path work;
  final PrintStream log;

  MiniClusterSupport(String name) throws Exception {
    this(name, Map.of());
  }

  /** {@code yarnSite}: keys the cluster's daemons get on top of the embedded cluster's own. */
  MiniClusterSupport(String name, Map<String, String> yarnSite) throws Exception {
    this.work = Path.of(System.getProperty("spindle.test.work", "target/minicluster")).resolve(name).toAbsolutePath();
    this.cluster = LocalCluster.start(work.resolve("cluster"), name, yarnSite);
    this.log = new PrintStream(Files.newOutputStream(work.resolve("client.log")), true, StandardCharsets.UTF_8);
  }

  /** Keys every test job needs on the embedded cluster: the real dist jar, this JDK, Hadoop jars. */
  Map<String, String> baseKeys() {
    Map<String, String> k = new HashMap<>(cluster.containerKeys());
    k.put("spindle.dist.jar", Path.of(System.getProperty("spindle.dist.jar")).toAbsolutePath().toString());
    k.put("spindle.am.memory", "512");
    k.put("spindle.task.heartbeat-interval", "500ms");
    // A job that stops making progress fails the test in bounded time instead of hanging it.
    k.put("spindle.app.timeout", "10m");
    return k;
  }

  SpindleClient client() {
    return new SpindleClient(cluster.conf(), log);
  }

  Submitter.Submitted start(Map<String, String> keys) throws Exception {
    Map<String, String> all = baseKeys();
    all.putAll(keys);
    return client().start(List.of(), all, List.of());
  }

  SubmitResult run(Map<String, String> keys) throws Exception {
    return client().await(start(keys));
  }

  SubmitResult await(Submitter.Submitted s) throws Exception {
    return client().await(s);
  }

  ApplicationReport report(Submitter.Submitted s) throws Exception {
    try (YarnClient y = cluster.yarnClient()) {
      return y.getApplicationReport(s.appId());
    }
  }

  /** The AM's view of the job, through its gRPC control plane (with the app's secret). */
  JobStatusResponse jobStatus(Submitter.Submitted s) throws Exception {
    ApplicationReport r = report(s);
    try (ControlPlaneClient c = new ControlPlaneClient(r.getHost() + ":" + r.getRpcPort(), s.secret(), s.tls())) {
      return c.stub(10, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance());
    }
  }

  String amAddress(Submitter.Submitted s) throws Exception {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> report(s).getYarnApplicationState() == YarnApplicationState.RUNNING
        && report(s).getRpcPort() > 0);
    ApplicationReport r = report(s);
    return r.getHost() + ":" + r.getRpcPort();
  }

  TaskStatus task(JobStatusResponse st, String role, int index) {
    return st.getTasksList().stream().filter(t -> t.getRole().equals(role) && t.getIndex() == index)
        .findFirst().orElseThrow();
  }

  /** kill -9 on the container's process, found through the NodeManager's pid file. */
  void kill9(String containerId) throws IOException {
    containerProcess(containerId).destroyForcibly();
  }

  /**
   * kill -9 of the container's whole process tree (the JVM and anything it started): the NodeManager's
   * pid file may name the launch shell rather than the JVM, and a JVM that outlives its shell is not
   * the crash being simulated.
   */
  void kill9Tree(String containerId) throws IOException {
    ProcessHandle p = containerProcess(containerId);
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** The container's process, from the NodeManager's pid file. */
  ProcessHandle containerProcess(String containerId) throws IOException {
    Path pidFile;
    try (Stream<Path> s = Files.walk(work.resolve("cluster"))) {
      Optional<Path> f = s.filter(p -> p.getFileName().toString().equals(containerId + ".pid")).findFirst();
      pidFile = f.orElseThrow(() -> new IllegalStateException("no pid file for " + containerId));
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("process " + pid + " is gone"));
  }

  /** Zips a directory tree (a runtime with its natives/) into zip, as a user zips a runtime to upload it. */
  static void zipTree(Path dir, Path zip, int level) throws IOException {
    try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip));
         Stream<Path> files = Files.walk(dir)) {
      out.setLevel(level);
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new java.util.zip.ZipEntry(dir.relativize(f).toString()));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
  }

  /** A file the task commands append to, so tests can see every run of every task. */
  Path newRunsFile(String name) throws IOException {
    Path p = work.resolve(name);
    Files.deleteIfExists(p);
    return p;
  }

  /** A container's log file as the NodeManager keeps it (…/&lt;appId&gt;/&lt;containerId&gt;/&lt;file&gt;), or "". */
  String containerLog(String containerId, String file) throws IOException {
    try (Stream<Path> s = Files.walk(work.resolve("cluster"))) {
      Optional<Path> f = s.filter(p -> p.getFileName().toString().equals(file) && p.getParent() != null
          && p.getParent().getFileName().toString().equals(containerId)).findFirst();
      return f.isPresent() ? Files.readString(f.get()) : "";
    }
  }

  static List<String> lines(Path p) {
    try {
      return Files.exists(p) ? Files.readAllLines(p) : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void close() {
    log.close();
    // The cluster deletes what its NodeManagers localized; a runtime cache under the test's work dir goes
    // too. The suite otherwise leaves about 20 GB behind, and a NodeManager on a full disk turns UNHEALTHY.
    cluster.close();
    deleteTree(work.resolve("archive-cache"));
  }

  /** Deletes a directory tree (nothing if it is absent). */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> old = Files.walk(dir)) {
      for (Path f : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The FM example's role sizes for a mini cluster's 8 GB nodes, and its quieter TensorFlow logs. */
  static Map<String, String> fmSizes() {
    Map<String, String> k = new java.util.LinkedHashMap<>();
    k.put("spindle.am.memory", "512");
    k.put("spindle.role.spark-driver.memory", "1536");
    k.put("spindle.role.spark-executor.memory", "1280");
    k.put("spindle.role.spark-executor.vcores", "1");
    k.put("spindle.role.ps.memory", "1024");
    k.put("spindle.role.worker.memory", "1024");
    k.put("spindle.role.ps.env.TF_CPP_MIN_LOG_LEVEL", "2");
    k.put("spindle.role.worker.env.TF_CPP_MIN_LOG_LEVEL", "2");
    k.put("spindle.task.registration-timeout", "5m");
    return k;
  }

  /** Container id -> its stderr, for every container of the application under {@code logRoot}. */
  static Map<String, String> containerLogs(Path logRoot, String appId) throws IOException {
    Map<String, String> logs = new java.util.LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(logRoot)) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")
          && p.getParent().getParent().getFileName().toString().equals(appId)).toList()) {
        logs.put(f.getParent().getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    return logs;
  }
}