package org.spindle.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.hadoop.yarn.api.records.ContainerReport;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.task.ControlPlaneClient;
import org.spindle.am.registry.ZkRegistry;
import org.spindle.task.AppSecret;
import org.spindle.client.SpindleCli;
import org.spindle.client.SubmitResult;
import org.spindle.client.Submitter;
import org.spindle.conf.SpindleEnv;
import org.spindle.conf.SpindleConfigException;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.JobStatusResponse;

/**
 * The YARN runtime on a real MiniYARNCluster (2 CPU NodeManagers + 1 NodeManager declaring
 * yarn.io/gpu=2, CapacityScheduler with DominantResourceCalculator, queues default and research),
 * submitting the real dist/target/spindle.jar through the same client path as `spindle submit`.
 */
class YarnRuntimeTest {
  private static MiniClusterSupport mini;

  @BeforeAll
  static void startCluster() throws Exception {
    mini = new MiniClusterSupport("YarnRuntimeTest");
  }

  @AfterAll
  static void stopCluster() {
    if (mini != null) {
      mini.close();
    }
  }

  /** Appends one line per run, then waits (bounded) for the test's DONE file. */
  private static String recordAndWait(Path runs, Path done, String line) {
    return "echo \"" + line + "\" >> " + runs + "; for i in $(seq 1200); do [ -f " + done
        + " ] && exit 0; sleep 0.1; done; exit 1";
  }

  @Test
  void threeRolesRunWithTheirOwnProfilesAndGpuTasksLandOnTheGpuNode() throws Exception {
    Path runs = mini.newRunsFile("profiles.runs");
    Path done = mini.newRunsFile("profiles.done");
    Path zkFile = mini.newRunsFile("profiles.zk");
    Map<String, String> k = new HashMap<>();
    k.put("spindle.role.ps.memory", "512");
    k.put("spindle.role.ps.vcores", "1");
    k.put("spindle.role.ps.command", "echo $SPINDLE_ZK_CONNECT > " + zkFile + "; " + recordAndWait(runs, done, "ps"));
    k.put("spindle.role.worker.instances", "2");
    k.put("spindle.role.worker.memory", "1024");
    k.put("spindle.role.worker.vcores", "2");
    k.put("spindle.role.worker.gpus", "1");
    k.put("spindle.role.worker.command", recordAndWait(runs, done, "worker $SPINDLE_INDEX $SPINDLE_CLUSTER_SPEC"));
    k.put("spindle.role.spark-executor.instances", "2");
    k.put("spindle.role.spark-executor.memory", "768");
    k.put("spindle.role.spark-executor.vcores", "1");
    k.put("spindle.role.spark-executor.command", recordAndWait(runs, done, "executor $SPINDLE_INDEX"));
    Submitter.Submitted job = mini.start(k);
    mini.amAddress(job);
    await().atMost(Duration.ofSeconds(120)).until(() -> MiniClusterSupport.lines(runs).size() == 5);

    JobStatusResponse st = mini.jobStatus(job);
    Map<String, ContainerReport> containers;
    try (YarnClient y = mini.cluster.yarnClient()) {
      containers = y.getContainers(y.getApplicationReport(job.appId()).getCurrentApplicationAttemptId()).stream()
          .filter(c -> c.getContainerState() == ContainerState.RUNNING)
          .collect(Collectors.toMap(c -> c.getContainerId().toString(), c -> c));
    }
    String gpuNode = mini.cluster.gpuNodeId();
    for (int i = 0; i < 2; i++) {
      ContainerReport w = containers.get(mini.task(st, "worker", i).getContainerId());
      assertEquals(1024, w.getAllocatedResource().getMemorySize());
      assertEquals(2, w.getAllocatedResource().getVirtualCores());
      assertEquals(1, w.getAllocatedResource().getResourceValue("yarn.io/gpu"));
      assertEquals(gpuNode, w.getAssignedNode().toString(), "GPU containers land only on the GPU node");
      ContainerReport e = containers.get(mini.task(st, "spark-executor", i).getContainerId());
      assertEquals(768, e.getAllocatedResource().getMemorySize());
      assertEquals(1, e.getAllocatedResource().getVirtualCores());
      assertEquals(0, e.getAllocatedResource().getResourceValue("yarn.io/gpu"));
    }
    ContainerReport ps = containers.get(mini.task(st, "ps", 0).getContainerId());
    assertEquals(512, ps.getAllocatedResource().getMemorySize());
    assertEquals(0, ps.getAllocatedResource().getResourceValue("yarn.io/gpu"));

    // Workers (gang) saw the full cluster spec; the AM published it in ZooKeeper under the app's ACL.
    List<String> workerLines = MiniClusterSupport.lines(runs).stream().filter(l -> l.startsWith("worker")).toList();
    assertTrue(workerLines.get(0).contains("\"worker\":[\"") && workerLines.get(0).contains("\"ps\":["),
        workerLines.get(0));
    String zkConnect = Files.readString(zkFile).trim();
    try (CuratorFramework zk = ZkRegistry.connect(zkConnect, job.secret(), job.appId().toString(), 10_000)) {
      ZkRegistry reg = new ZkRegistry(zk, job.appId().toString());
      String spec = new String(reg.read(reg.appPath() + "/cluster-spec"), StandardCharsets.UTF_8);
      assertTrue(spec.contains("\"worker\":[") && spec.contains("\"ps\":["), spec);
      assertTrue(reg.zkExists(ZkRegistry.taskPath(job.appId().toString(), 0, "worker", 1)).getEphemeralOwner() != 0);
    }
    // The ZooKeeper the AM embeds takes writes from this application only: no one else may squat in it.
    try (CuratorFramework anonymous = org.apache.curator.framework.CuratorFrameworkFactory.newClient(zkConnect,
        new org.apache.curator.retry.RetryOneTime(100))) {
      anonymous.start();
      assertTrue(anonymous.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS));
      for (String squat : List.of("/squat", ZkRegistry.ROOT + "/application_0_0001",
          ZkRegistry.ROOT + "/" + job.appId() + "/squat")) {
        assertThrows(org.apache.zookeeper.KeeperException.NoAuthException.class,
            () -> anonymous.create().forPath(squat), squat);
      }
      // Without the app's digest, nothing under the app's subtree can be read either.
      for (String node : List.of(ZkRegistry.ROOT + "/" + job.appId(), ZkRegistry.ROOT + "/" + job.appId()
          + "/cluster-spec")) {
        assertThrows(org.apache.zookeeper.KeeperException.NoAuthException.class,
            () -> anonymous.getData().forPath(node), node);
      }
    }

    // Task containers run spindle-task.jar, localized once per node for the application, not once per
    // container; it holds the launcher and the task-side clients but none of the AM's or the client's classes.
    // spindle.jar (client and AM) is localized for the AM's container alone.
    List<Path> taskJars = localized(job, SpindleEnv.TASK_JAR_NAME);
    long taskNodes = containers.values().stream().filter(c -> !c.getContainerId().toString().endsWith("_000001"))
        .map(c -> c.getAssignedNode().toString()).distinct().count();
    assertEquals(taskNodes, taskJars.size(), "one localized spindle-task.jar per node running the app's 6 task "
        + "containers: " + taskJars);
    assertEquals(1, localized(job, SpindleEnv.DIST_JAR_NAME).size(), "spindle.jar goes to the AM's container only");
    try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(taskJars.get(0).toFile())) {
      List<String> names = jar.stream().map(java.util.zip.ZipEntry::getName).toList();
      assertTrue(names.contains("org/spindle/launcher/TaskLauncher.class"), "the launcher is in spindle-task.jar");
      assertTrue(names.contains("org/spindle/task/ControlPlaneClient.class"), "the task-side clients are too");
      assertEquals(List.of(), names.stream().filter(n -> n.startsWith("org/spindle/am/")
          || n.startsWith("org/spindle/client/")).toList(), "no AM or client class in the task containers' jar");
    }

    assertPrometheusMetricsMatchTheJob(job);
    // While it runs: the credentials files carry the secret (so the scan can see it), nothing else does.
    assertTrue(filesHolding(job.secret().reveal()).stream().anyMatch(TOKEN_FILE), "a container's credentials "
        + "hold the secret: " + filesHolding(job.secret().reveal()));
    assertEquals(List.of(), filesHolding(job.secret().reveal()).stream().filter(TOKEN_FILE.negate()).toList(),
        "files other than YARN's credentials that hold the app secret");

    Files.createFile(done);
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    // Nothing of the job is left in its staging directory (spindle.jar, job XML) once the AM has ended it.
    Path staging = Path.of(System.getProperty("user.home"), ".spindle", "staging", job.appId().toString());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(staging));
    // Once it has ended: no log, launch script (command lines, environment), history file or client output
    // holds the secret.
    Path history = Path.of(System.getProperty("user.home"), ".spindle", "history", job.appId() + ".json");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(history));
    assertTrue(!Files.readString(history).contains(job.secret().reveal()), "the history file holds the secret");
    assertEquals(List.of(), filesHolding(job.secret().reveal()).stream().filter(TOKEN_FILE.negate()).toList(),
        "files other than YARN's credentials that hold the app secret");
    String clientLog = Files.readString(mini.work.resolve("client.log"));
    assertTrue(clientLog.contains("tasks: ps 1 REGISTERED | spark-executor 2 REGISTERED | worker 2 REGISTERED"),
        "the client prints a progress line per change");
  }

  /**
   * Scrapes the AM's /metrics as Prometheus does (bearer token), checks every line against the text
   * exposition format, and the values against the job's state; without the secret the scrape is refused.
   */
  private void assertPrometheusMetricsMatchTheJob(Submitter.Submitted job) throws Exception {
    String url = mini.report(job).getOriginalTrackingUrl().replaceAll("/$", "") + "/metrics";
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    // From loopback this test is where YARN's proxy is (the RM runs here): ask through this machine's own
    // network address instead, as a neighbour on the cluster would.
    java.net.InetAddress own = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress()).findFirst()
        .orElseThrow(() -> new AssertionError("this machine has no non-loopback IPv4 address to test from"));
    java.net.URI asNeighbour = java.net.URI.create(url.replaceFirst("//[^:/]+", "//" + own.getHostAddress()));
    java.net.http.HttpResponse<String> refused = http.send(java.net.http.HttpRequest.newBuilder(asNeighbour).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    // YARN's AmIpFilter answers a neighbour with a redirect to the ResourceManager's proxy (its "/redirect" mark
    // in the path), which applies the cluster's ACLs; the AM itself serves it nothing.
    assertEquals(302, refused.statusCode(), "no secret, no metrics: " + asNeighbour + " -> " + refused.body());
    String location = refused.headers().firstValue("Location").orElse("");
    assertTrue(location.contains("/proxy/redirect/" + job.appId() + "/metrics"), location);
    assertFalse(refused.body().contains("spindle_"), refused.body());
    java.net.http.HttpResponse<String> scraped = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
        .header("Authorization", "Bearer " + job.secret().reveal()).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, scraped.statusCode(), scraped.body());
    assertTrue(scraped.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
        scraped.headers().toString());
    Map<String, Double> samples = PrometheusText.parse(scraped.body());
    JobStatusResponse st = mini.jobStatus(job);
    Map<String, Double> byRoleAndState = new HashMap<>();
    for (org.spindle.proto.TaskStatus t : st.getTasksList()) {
      byRoleAndState.merge("spindle_tasks{role=\"" + t.getRole() + "\",state=\"" + t.getState() + "\"}", 1.0,
          Double::sum);
      assertEquals((double) t.getRestarts(), samples.get("spindle_task_restarts_total{index=\"" + t.getIndex()
          + "\",role=\"" + t.getRole() + "\"}"), t.getRole() + ":" + t.getIndex() + " in\n" + scraped.body());
    }
    Map<String, Double> tasks = new HashMap<>();
    samples.forEach((k, v) -> {
      if (k.startsWith("spindle_tasks{")) {
        tasks.put(k, v);
      }
    });
    assertEquals(byRoleAndState, tasks, scraped.body());
    assertEquals(5.0, tasks.values().stream().mapToDouble(Double::doubleValue).sum(), "ps, 2 workers, 2 executors");
    assertEquals((double) st.getGangAttempt(), samples.get("spindle_gang_attempt"));
    assertEquals(1.0, samples.get("spindle_job_running"));
  }

  /** YARN's credentials files (the NodeManager's copy and the container's), where the secret belongs. */
  private static final java.util.function.Predicate<Path> TOKEN_FILE = p -> p.getFileName().toString()
      .equals("container_tokens") || p.getFileName().toString().endsWith(".tokens");

  /**
   * Every file under the mini cluster's directories (logs, launch scripts, local dirs) and the user's
   * .spindle directory (staged files, job history) whose bytes hold s.
   */
  private List<Path> filesHolding(String s) throws java.io.IOException {
    List<Path> found = new java.util.ArrayList<>(filesHolding(s, mini.work));
    Path spindleHome = Path.of(System.getProperty("user.home"), ".spindle");
    for (String dir : List.of("staging", "history")) {
      if (Files.isDirectory(spindleHome.resolve(dir))) {
        found.addAll(filesHolding(s, spindleHome.resolve(dir)));
      }
    }
    return found;
  }

  private static List<Path> filesHolding(String s, Path root) throws java.io.IOException {
    byte[] needle = s.getBytes(StandardCharsets.US_ASCII);
    List<Path> found = new java.util.ArrayList<>();
    // The NodeManagers delete directories while the walk runs: a file or directory that went away is skipped.
    Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<Path>() {
      @Override
      public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes a) {
        String name = p.getFileName().toString();
        if (!a.isRegularFile() || name.endsWith(".jar") || name.endsWith(".zip") || name.endsWith(".crc")
            || a.size() > (64 << 20)) {
          return java.nio.file.FileVisitResult.CONTINUE; // build artifacts cannot hold a secret made at submit
        }
        byte[] bytes;
        try {
          bytes = Files.readAllBytes(p);
        } catch (java.io.IOException e) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }
        for (int i = 0; i + needle.length <= bytes.length; i++) {
          if (bytes[i] == needle[0] && java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
            found.add(p);
            break;
          }
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path p, java.io.IOException e) {
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
    return found;
  }

  /** Copies of a file the NodeManagers localized for this application (their filecache). */
  private List<Path> localized(Submitter.Submitted job, String name) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(mini.work.resolve("cluster"))) {
      return files.filter(p -> p.getFileName().toString().equals(name) && p.toString().contains(job.appId().toString())
          && p.toString().contains("filecache") && Files.isRegularFile(p)).toList();
    }
  }

  @Test
  void independentModeRestartsFailedAndKilledTasksWithTheSameIndex() throws Exception {
    Path runs = mini.newRunsFile("independent.runs");
    Path done = mini.newRunsFile("independent.done");
    String cmd = "echo \"$SPINDLE_INDEX $SPINDLE_GENERATION\" >> " + runs
        + "; if [ \"$SPINDLE_INDEX\" = 0 ] && [ \"$SPINDLE_GENERATION\" = 0 ]; then exit 3; fi; "
        + "for i in $(seq 1200); do [ -f " + done + " ] && exit 0; sleep 0.1; done; exit 1";
    Submitter.Submitted job = mini.start(Map.of(
        "spindle.role.worker.instances", "2", "spindle.role.worker.memory", "512",
        "spindle.role.worker.max-restarts", "2", "spindle.role.worker.command", cmd));
    String am = mini.amAddress(job);
    // worker 0 exits 3 once and comes back as generation 1
    await().atMost(Duration.ofSeconds(120)).until(() -> MiniClusterSupport.lines(runs).containsAll(
        List.of("0 0", "0 1", "1 0")));
    await().atMost(Duration.ofSeconds(60)).until(() -> "REGISTERED".equals(
        mini.task(mini.jobStatus(job), "worker", 1).getState()));

    // a wrong secret is refused by the live AM
    try (ControlPlaneClient wrong = new ControlPlaneClient(am, AppSecret.generate())) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> wrong.stub(10, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    }

    // kill -9 worker 1's container process from outside
    mini.kill9(mini.task(mini.jobStatus(job), "worker", 1).getContainerId());
    await().atMost(Duration.ofSeconds(120)).until(() -> MiniClusterSupport.lines(runs).contains("1 1"));
    JobStatusResponse st = mini.jobStatus(job);
    assertEquals(1, mini.task(st, "worker", 0).getRestarts());
    assertEquals(1, mini.task(st, "worker", 1).getRestarts());

    Files.createFile(done);
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
  }

  /**
   * With an external ZooKeeper, the server expires every session of the job (the AM's and each
   * launcher's) while it runs: the task nodes come back under new sessions. Then the AM is killed:
   * attempt 2 publishes its address in ZooKeeper and the tasks carry on with it. The job succeeds,
   * and the AM, on its new session, still deletes the app's subtree at the end.
   */
  @Test
  void zooKeeperSessionExpiryAndAnAmKillWithAnExternalEnsembleDoNotFailTheJob() throws Exception {
    Path done = mini.newRunsFile("zk-expiry.done");
    try (ExpiringZooKeeper zk = new ExpiringZooKeeper(Files.createTempDirectory(mini.work, "zk-expiry"))) {
      Submitter.Submitted job = mini.start(Map.of(
          "spindle.zookeeper.connect", zk.connectString(),
          "spindle.role.worker.instances", "2", "spindle.role.worker.memory", "512",
          "spindle.role.worker.command", recordAndWait(mini.newRunsFile("zk-expiry.runs"), done, "w")));
      String app = job.appId().toString();
      try (CuratorFramework reader = ZkRegistry.connect(zk.connectString(), job.secret(), app, 10_000)) {
        List<String> nodes = List.of(ZkRegistry.taskPath(app, 0, "worker", 0), ZkRegistry.taskPath(app, 0, "worker", 1));
        await().atMost(Duration.ofSeconds(120)).until(() -> nodes.stream().allMatch(p -> exists(reader, p))
            && exists(reader, "/spindle/" + app + "/job-state"));
        Map<String, Long> owners = new HashMap<>();
        nodes.forEach(p -> owners.put(p, owner(reader, p)));
        java.util.Set<Long> sessions = zk.sessions();
        sessions.remove(reader.getZookeeperClient().getZooKeeper().getSessionId());
        assertTrue(sessions.size() >= 3, "the AM and both launchers are connected: " + sessions);
        sessions.forEach(zk::expire);
        await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().allMatch(p -> {
          long now = owner(reader, p);
          return now != 0 && now != owners.get(p) && !sessions.contains(now);
        }));
        // Then kill -9 the AM: attempt 2 publishes its address in the ensemble, which outlived the AM,
        // and the tasks, which find it there, go on in their containers.
        org.apache.hadoop.yarn.api.records.ApplicationAttemptId first = mini.report(job).getCurrentApplicationAttemptId();
        mini.kill9Tree(org.apache.hadoop.yarn.api.records.ContainerId.newContainerId(first, 1).toString());
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
          org.spindle.task.AmRecord am = org.spindle.task.AmRecord.parse(
              reader.getData().forPath(org.spindle.task.TaskZooKeeper.amPath(app))).orElseThrow();
          return am.attempt() == 2 && mini.jobStatus(job).getTasksList().stream().allMatch(t ->
              t.getState().equals("REGISTERED") && t.getRestarts() == 0 && t.getGeneration() == 0);
        });
        Files.createFile(done);
        SubmitResult r = mini.await(job);
        assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
        assertEquals(2, mini.report(job).getCurrentApplicationAttemptId().getAttemptId());
        await().atMost(Duration.ofSeconds(30)).until(() -> !exists(reader, "/spindle/" + app));
      }
    }
  }

  private static boolean exists(CuratorFramework zk, String path) {
    try {
      return zk.checkExists().forPath(path) != null;
    } catch (Exception e) {
      return false;
    }
  }

  /** The session that owns an ephemeral node, or 0 when the node is absent. */
  private static long owner(CuratorFramework zk, String path) {
    try {
      org.apache.zookeeper.data.Stat st = zk.checkExists().forPath(path);
      return st == null ? 0 : st.getEphemeralOwner();
    } catch (Exception e) {
      return 0;
    }
  }

  @Test
  void gangModeRestartsEveryTaskWithTheNextAttempt() throws Exception {
    Path runs = mini.newRunsFile("gang.runs");
    Path done = mini.newRunsFile("gang.done");
    String cmd = recordAndWait(runs, done, "$SPINDLE_ROLE $SPINDLE_INDEX $SPINDLE_ATTEMPT");
    Submitter.Submitted job = mini.start(Map.of(
        "spindle.app.restart-mode", "gang",
        "spindle.role.ps.memory", "512", "spindle.role.ps.command", cmd,
        "spindle.role.worker.instances", "2", "spindle.role.worker.memory", "512",
        "spindle.role.worker.max-restarts", "1", "spindle.role.worker.command", cmd));
    mini.amAddress(job);
    await().atMost(Duration.ofSeconds(120)).until(() -> MiniClusterSupport.lines(runs).containsAll(
        List.of("ps 0 0", "worker 0 0", "worker 1 0")));
    mini.kill9(mini.task(mini.jobStatus(job), "worker", 1).getContainerId());
    await().atMost(Duration.ofSeconds(120)).until(() -> MiniClusterSupport.lines(runs).containsAll(
        List.of("ps 0 1", "worker 0 1", "worker 1 1")));
    assertEquals(1, mini.jobStatus(job).getGangAttempt());
    Files.createFile(done);
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    assertEquals(6, MiniClusterSupport.lines(runs).size(), "each gang task ran exactly twice");
  }

  @Test
  void exhaustedRestartsFailTheJobNamingTheTaskInTheResearchQueue() throws Exception {
    SubmitResult r = mini.run(Map.of(
        "spindle.app.queue", "research",
        "spindle.role.worker.memory", "256", "spindle.role.worker.max-restarts", "1",
        "spindle.role.worker.command", "echo failing; exit 7"));
    assertEquals(FinalApplicationStatus.FAILED, r.finalStatus());
    assertTrue(r.diagnostics().contains("task worker:0 (chief) failed 2 time(s)"), r.diagnostics());
    assertTrue(r.diagnostics().contains("spindle.role.worker.max-restarts=1"), r.diagnostics());
    assertTrue(r.diagnostics().contains("exited with code 7"), r.diagnostics());
    assertTrue(r.queue().equals("research") || r.queue().equals("root.research"), r.queue());
  }

  @Test
  void cliStatusLogsAndKillWorkOnALiveJob() throws Exception {
    Path runs = mini.newRunsFile("cli.runs");
    Path never = mini.newRunsFile("cli.never");
    Submitter.Submitted job = mini.start(Map.of("spindle.app.name", "cli-job",
        "spindle.role.worker.memory", "256", "spindle.role.worker.command", recordAndWait(runs, never, "up")));
    mini.amAddress(job);
    await().atMost(Duration.ofSeconds(90)).until(() -> MiniClusterSupport.lines(runs).contains("up"));
    String conf = mini.cluster.confDir().toString();
    String app = job.appId().toString();

    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream ps = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
    assertEquals(0, SpindleCli.run(new String[] {"status", app, "--hadoop-conf", conf}, ps, ps));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("state:        RUNNING"), out.toString());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("cli-job"), out.toString());

    out.reset();
    assertEquals(0, SpindleCli.run(new String[] {"logs", app, "--role", "worker", "--index", "0",
        "--hadoop-conf", conf}, ps, ps), out.toString());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("task worker:0 attempt 0"), out.toString());

    out.reset();
    assertEquals(0, SpindleCli.run(new String[] {"kill", app, "--hadoop-conf", conf}, ps, ps));
    await().atMost(Duration.ofSeconds(60)).until(() ->
        mini.report(job).getYarnApplicationState() == org.apache.hadoop.yarn.api.records.YarnApplicationState.KILLED);
  }

  @Test
  void mainClassRolesRunUserCodeShippedWithJars() throws Exception {
    Path runs = mini.newRunsFile("main-class.runs");
    Path jar = mini.work.resolve("user-job.jar");
    String entry = EchoMain.class.getName().replace('.', '/') + ".class";
    try (java.util.jar.JarOutputStream j = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
      j.putNextEntry(new java.util.jar.JarEntry(entry));
      j.write(EchoMain.class.getClassLoader().getResourceAsStream(entry).readAllBytes());
      j.closeEntry();
    }
    Map<String, String> k = mini.baseKeys();
    k.putAll(Map.of("spindle.role.trainer.instances", "2", "spindle.role.trainer.memory", "512",
        "spindle.role.trainer.main-class", EchoMain.class.getName(),
        "spindle.role.trainer.args", runs + " hello", "spindle.role.trainer.env.GREETING", "hi"));
    SubmitResult r = mini.client().await(mini.client().start(List.of(), k, List.of(jar)));
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    assertEquals(java.util.Set.of("trainer 0 hello hi", "trainer 1 hello hi"),
        new java.util.HashSet<>(MiniClusterSupport.lines(runs)));
  }

  /** What each Python task saw: its role and index, the spec, its TF_CONFIG parsed by json, the PyTorch variables. */
  private static final String FRAMEWORKS_PY = String.join("\n",
      "import json, os, sys",
      "out = {'role': os.environ['SPINDLE_ROLE'], 'index': int(os.environ['SPINDLE_INDEX']),",
      "       'spec': json.loads(os.environ['SPINDLE_CLUSTER_SPEC'])}",
      "if 'TF_CONFIG' in os.environ:",
      "    out['tf_config'] = json.loads(os.environ['TF_CONFIG'])",
      "for k in ('MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE'):",
      "    if k in os.environ:",
      "        out[k] = os.environ[k]",
      "with open(sys.argv[1], 'a') as f:",
      "    f.write(json.dumps(out) + '\\n')",
      "");

  /**
   * Unchanged Python scripts find their peers: a tensorflow role's TF_CONFIG is what Python's json reads
   * as the gang's cluster (the same as SPINDLE_CLUSTER_SPEC) with the task's type and index; the pytorch
   * roles get torchrun's variables, with rank 0 at the chief's task port and the TF ps outside their world.
   */
  @Test
  void pythonCommandRolesGetTfConfigOrPyTorchVariablesFromTheClusterSpec() throws Exception {
    Path runs = mini.newRunsFile("frameworks.runs");
    Path script = mini.work.resolve("frameworks.py");
    Files.writeString(script, FRAMEWORKS_PY);
    String cmd = "python3 " + script + " " + runs;
    Map<String, String> k = new HashMap<>();
    k.put("spindle.role.ps.command", cmd);
    k.put("spindle.role.ps.memory", "512");
    for (String r : List.of("chief", "worker")) {
      k.put("spindle.role." + r + ".command", cmd);
      k.put("spindle.role." + r + ".memory", "512");
      k.put("spindle.role." + r + ".framework", "pytorch");
    }
    k.put("spindle.role.chief.instances", "1");
    k.put("spindle.role.worker.instances", "2");
    SubmitResult r = mini.run(k);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    Map<String, Map<String, Object>> seen = new HashMap<>();
    com.google.gson.Gson gson = new com.google.gson.Gson();
    for (String line : MiniClusterSupport.lines(runs)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = gson.fromJson(line, Map.class);
      seen.put(m.get("role") + ":" + ((Number) m.get("index")).intValue(), m);
    }
    assertEquals(java.util.Set.of("ps:0", "chief:0", "worker:0", "worker:1"), seen.keySet());
    Map<String, Object> ps = seen.get("ps:0");
    @SuppressWarnings("unchecked")
    Map<String, Object> tf = (Map<String, Object>) ps.get("tf_config");
    assertEquals(ps.get("spec"), tf.get("cluster"), "TF_CONFIG's cluster is the gang's cluster spec");
    assertEquals(Map.of("type", "ps", "index", 0.0), tf.get("task"));
    assertTrue(!ps.containsKey("RANK"), "a tensorflow role gets no PyTorch variables");
    @SuppressWarnings("unchecked")
    String chiefAddress = ((List<String>) ((Map<String, Object>) ps.get("spec")).get("chief")).get(0);
    Map<String, String> ranks = new HashMap<>();
    for (String task : List.of("chief:0", "worker:0", "worker:1")) {
      Map<String, Object> m = seen.get(task);
      assertTrue(!m.containsKey("tf_config"), task + " is a pytorch role: no TF_CONFIG");
      assertEquals(chiefAddress, m.get("MASTER_ADDR") + ":" + m.get("MASTER_PORT"), task);
      assertEquals("3", m.get("WORLD_SIZE"), task + ": the chief and 2 workers, not the ps");
      assertEquals("0", m.get("LOCAL_RANK"), task);
      assertEquals("1", m.get("LOCAL_WORLD_SIZE"), task);
      ranks.put(task, (String) m.get("RANK"));
    }
    assertEquals(Map.of("chief:0", "0", "worker:0", "1", "worker:1", "2"), ranks);
  }

  /**
   * Docker keys become YARN's Docker runtime variables in the role's launch script, as the NodeManager
   * wrote it (launch_container.sh, kept in the container's log directory). A cluster whose configuration
   * does not allow the Docker runtime refuses the job at submit time, naming what to change.
   */
  @Test
  void dockerKeysReachTheLaunchScriptAndAClusterWithoutTheRuntimeRefusesTheJob() throws Exception {
    Map<String, String> k = mini.baseKeys();
    k.put("spindle.docker.image", "registry.example.com/spindle/tf:2.16");
    k.put("spindle.role.worker.instances", "1");
    k.put("spindle.role.worker.memory", "512");
    k.put("spindle.role.worker.command", "true");
    k.put("spindle.role.worker.docker.mounts", "/etc/passwd:/etc/passwd:ro");
    k.put("spindle.role.worker.docker.network", "host");
    SpindleConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        assertThrows(SpindleConfigException.class, () -> mini.client().start(List.of(), k, List.of())));
    assertTrue(e.getMessage().contains("worker (registry.example.com/spindle/tf:2.16) ask for YARN's Docker runtime")
        && e.getMessage().contains("yarn.nodemanager.runtime.linux.allowed-runtimes=default does not include docker"),
        e.getMessage());

    // A client whose yarn-site.xml says the NodeManagers run Docker. (These NodeManagers really run the
    // DefaultContainerExecutor, which ignores the runtime and runs the command natively: what is checked
    // is the launch context Spindle gave them.)
    org.apache.hadoop.conf.Configuration dockerSite = new org.apache.hadoop.conf.Configuration(mini.cluster.conf());
    dockerSite.set("yarn.nodemanager.runtime.linux.allowed-runtimes", "default,docker");
    dockerSite.set("yarn.nodemanager.container-executor.class",
        "org.apache.hadoop.yarn.server.nodemanager.LinuxContainerExecutor");
    org.spindle.client.SpindleClient client = new org.spindle.client.SpindleClient(dockerSite, mini.log);
    Submitter.Submitted job = client.start(List.of(), k, List.of());
    SubmitResult r = client.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    Map<String, String> scripts = new HashMap<>();
    try (java.util.stream.Stream<Path> files = Files.walk(mini.work.resolve("cluster"))) {
      for (Path p : files.filter(p -> p.getFileName().toString().equals("launch_container.sh")
          && p.toString().contains(job.appId().toString())).toList()) {
        scripts.put(p.getParent().getFileName().toString(), Files.readString(p));
      }
    }
    String am = scripts.keySet().stream().filter(c -> c.endsWith("_000001")).findFirst().orElseThrow();
    assertTrue(!scripts.get(am).contains("YARN_CONTAINER_RUNTIME_TYPE"), "the AM runs on the default runtime");
    scripts.remove(am);
    assertEquals(1, scripts.size(), scripts.keySet().toString());
    String worker = scripts.values().iterator().next();
    for (String line : List.of("export YARN_CONTAINER_RUNTIME_TYPE=\"docker\"",
        "export YARN_CONTAINER_RUNTIME_DOCKER_IMAGE=\"registry.example.com/spindle/tf:2.16\"",
        "export YARN_CONTAINER_RUNTIME_DOCKER_MOUNTS=\"/etc/passwd:/etc/passwd:ro\"",
        "export YARN_CONTAINER_RUNTIME_DOCKER_CONTAINER_NETWORK=\"host\"")) {
      assertTrue(worker.contains(line), line + " in\n" + worker);
    }
    assertTrue(!worker.contains("RUN_PRIVILEGED"), "not privileged unless asked");
  }

  @Test
  void askingForMoreGpusThanAnyNodeFailsWithinSeconds() {
    SpindleConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        assertThrows(SpindleConfigException.class, () -> mini.start(Map.of(
            "spindle.role.worker.gpus", "3", "spindle.role.worker.command", "true"))));
    assertTrue(e.getMessage().contains("role 'worker' asks for <1024 MB, 1 vcores, 3 gpu>"), e.getMessage());
    assertTrue(e.getMessage().contains("yarn.io/gpu:2"), e.getMessage());
    assertTrue(e.getMessage().contains("spindle.role.worker.gpus"), e.getMessage());
  }

  @Test
  void unknownQueueAndUnknownNodeLabelFailWithinSeconds() {
    SpindleConfigException q = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        assertThrows(SpindleConfigException.class, () -> mini.start(Map.of(
            "spindle.app.queue", "nope", "spindle.role.worker.command", "true"))));
    assertTrue(q.getMessage().contains("unknown queue 'nope'"), q.getMessage());
    assertTrue(q.getMessage().contains("research"), q.getMessage());
    SpindleConfigException l = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        assertThrows(SpindleConfigException.class, () -> mini.start(Map.of(
            "spindle.role.worker.node-label", "fpga", "spindle.role.worker.command", "true"))));
    assertTrue(l.getMessage().contains("node label 'fpga'"), l.getMessage());
  }
}
