package org.spindle.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptReport;
import org.apache.hadoop.yarn.api.records.ContainerReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.client.SubmitResult;
import org.spindle.client.Submitter;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/**
 * Spark inside the application: the spark-driver role runs preTrain with real Spark executors in
 * spark-executor containers of the same YARN application, and the result is fed over Arrow
 * Flight to two TensorFlow workers, two epochs, every row exactly once per epoch.
 */
class SparkFeedTest {
  private static final int ROWS = 200_000;
  private static MiniClusterSupport mini;
  private static Path data;

  @BeforeAll
  static void startCluster() throws Exception {
    mini = new MiniClusterSupport("SparkFeedTest");
    data = mini.work.resolve("lake");
    Files.createDirectories(data);
    StringBuilder ratings = new StringBuilder("id,userId,movieId,rating,timestamp\n");
    for (int i = 0; i < ROWS; i++) {
      ratings.append(i).append(',').append(i % 1000).append(',').append(i % 500).append(',')
          .append(1 + i % 5).append(".0,").append(1_000_000_000L + i).append('\n');
    }
    Files.writeString(data.resolve("ratings.csv"), ratings);
    StringBuilder movies = new StringBuilder("movieId,title,genres,year\n");
    for (int m = 0; m < 500; m++) {
      movies.append(m).append(",Movie ").append(m).append(",Drama|Comedy,").append(1950 + m % 70).append('\n');
    }
    Files.writeString(data.resolve("movies.csv"), movies);
  }

  @AfterAll
  static void stopCluster() {
    if (mini != null) {
      mini.close();
    }
  }

  private Map<String, String> job(Path reports) {
    Map<String, String> k = new HashMap<>(mini.baseKeys());
    String tfLib = Path.of(System.getProperty("spindle.tensorflow.lib")).toAbsolutePath() + "/*";
    String sparkLib = Path.of(System.getProperty("spindle.spark.lib")).toAbsolutePath() + "/*";
    k.put("spindle.container.extra-classpath", k.get("spindle.container.extra-classpath") + ":" + tfLib + ":" + sparkLib);
    k.put("spindle.job.class", "org.spindle.examples.RatingsFeedJob");
    k.put("spindle.role.spark-driver.instances", "1");
    k.put("spindle.role.spark-driver.memory", "1536");
    k.put("spindle.role.spark-driver.main-class", "org.spindle.spark.SparkDriverMain");
    k.put("spindle.role.spark-executor.instances", "2");
    k.put("spindle.role.spark-executor.memory", "1280");
    k.put("spindle.role.spark-executor.vcores", "1");
    k.put("spindle.role.spark-executor.main-class", "org.spindle.spark.SparkExecutorMain");
    k.put("spindle.role.worker.instances", "2");
    k.put("spindle.role.worker.memory", "1024");
    k.put("spindle.role.worker.main-class", "org.spindle.tensorflow.TfTaskMain");
    k.put("spindle.role.worker.env.TF_CPP_MIN_LOG_LEVEL", "2");
    k.put("spindle.task.registration-timeout", "3m");
    k.put("spindle.feed.epochs", "2");
    k.put("spindle.feed.batch-rows", "2048");
    k.put("spindle.feed.buffer-bytes", "256k");
    k.put("spindle.spark.conf.spark.sql.shuffle.partitions", "8");
    k.put("example.data-dir", data.toUri().toString());
    k.put("example.report-dir", reports.toString());
    k.put("example.consume-delay-ms", "3");
    k.put("example.linger-ms", "6000");
    return k;
  }

  @Test
  void preTrainRunsOnExecutorsOfThisApplicationAndEveryRowReachesOneWorkerPerEpoch() throws Exception {
    Path reports = newReportsDir("reports");
    Path historyDir = mini.work.resolve("history-" + System.nanoTime());
    Map<String, String> keys = job(reports);
    keys.put("spindle.history.dir", historyDir.toUri().toString());
    Submitter.Submitted s = startWithExamples(keys);
    mini.amAddress(s);
    // The executors are containers of this very application, with the spark-executor profile.
    List<String> executorContainers = new ArrayList<>();
    await().atMost(Duration.ofMinutes(4)).until(() -> {
      JobStatusResponse st = mini.jobStatus(s);
      executorContainers.clear();
      st.getTasksList().stream().filter(t -> t.getRole().equals("spark-executor") && t.getState().equals("REGISTERED"))
          .forEach(t -> executorContainers.add(t.getContainerId()));
      return executorContainers.size() == 2;
    });
    try (YarnClient y = mini.cluster.yarnClient()) {
      ApplicationAttemptReport attempt = y.getApplicationAttempts(s.appId()).get(0);
      Map<String, ContainerReport> byId = new HashMap<>();
      for (ContainerReport c : y.getContainers(attempt.getApplicationAttemptId())) {
        byId.put(c.getContainerId().toString(), c);
      }
      for (String id : executorContainers) {
        ContainerReport c = byId.get(id);
        assertTrue(c != null, "executor container " + id + " is not in the RM's list for " + s.appId() + ": " + byId.keySet());
        assertEquals(1280, c.getAllocatedResource().getMemorySize());
        assertEquals(1, c.getAllocatedResource().getVirtualCores());
      }
    }
    // The tracking UI is the application's tracking URL: the RM links to it through its proxy, and
    // the AM serves it (here fetched directly, with the application's secret).
    org.apache.hadoop.yarn.api.records.ApplicationReport app = mini.report(s);
    assertTrue(app.getTrackingUrl().contains("/proxy/" + s.appId()), app.getTrackingUrl());
    String direct = app.getOriginalTrackingUrl();
    java.net.http.HttpResponse<String> ui = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create((direct.startsWith("http") ? direct : "http://" + direct)
            + "?secret=" + java.net.URLEncoder.encode(s.secret().reveal(), java.nio.charset.StandardCharsets.UTF_8)))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ui.statusCode(), ui.body());
    assertTrue(ui.body().contains("spark-executor") && ui.body().contains("loss per worker"), ui.body());
    // Through the RM's web proxy (the link on the RM's application page), without the secret.
    String proxied = "http://" + mini.cluster.conf().get("yarn.resourcemanager.webapp.address") + "/proxy/" + s.appId()
        + "/?proxyapproved=true";
    java.net.http.HttpResponse<String> viaProxy = java.net.http.HttpClient.newBuilder()
        .cookieHandler(new java.net.CookieManager()).followRedirects(java.net.http.HttpClient.Redirect.ALWAYS).build()
        .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(proxied)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, viaProxy.statusCode(), proxied + " -> " + viaProxy.body());
    assertTrue(viaProxy.body().contains("spark-executor"), viaProxy.body());
    // Feeding over, the executors are released while the workers still train.
    await().atMost(Duration.ofMinutes(4)).until(() -> {
      JobStatusResponse st = mini.jobStatus(s);
      boolean released = st.getTasksList().stream().filter(t -> t.getRole().equals("spark-executor"))
          .allMatch(t -> t.getState().equals("KILLED"));
      boolean training = st.getTasksList().stream().filter(t -> t.getRole().equals("worker"))
          .anyMatch(t -> t.getState().equals("REGISTERED"));
      return released && training;
    });
    // The JSON endpoint has the workers' feeding metrics over time (the charts' data).
    java.net.http.HttpResponse<String> api = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create((direct.startsWith("http") ? direct : "http://" + direct)
            + "api/job")).header("x-spindle-secret", s.secret().reveal()).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, api.statusCode());
    assertTrue(api.body().contains("\"worker:0\"") && api.body().contains("feed.rows-read"), api.body());
    TaskStatus driver = mini.task(mini.jobStatus(s), "spark-driver", 0);
    double peakHeapMb = driver.getMetricsOrDefault("feed.peak-executor-heap-mb", -1);
    SubmitResult r = mini.await(s);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    // The AM leaves its history as it exits; `spindle history` prints it after the application ended.
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(historyDir.resolve(s.appId() + ".json")));
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    try (java.io.PrintStream out = new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8)) {
      assertEquals(0, org.spindle.client.SpindleCli.run(new String[] {"history", s.appId().toString(),
          "--history-dir", historyDir.toUri().toString()}, out, out));
    }
    String history = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(history.contains("\"state\": \"SUCCEEDED\"") && history.contains("feed.rows-read"), history);

    long expectedSum = (long) ROWS * (ROWS - 1) / 2;
    Map<String, Long> total = new HashMap<>();
    Set<String> seen = new TreeSet<>();
    for (int w = 0; w < 2; w++) {
      String json = Files.readString(reports.resolve("feed-worker-" + w + ".json"));
      seen.add(json);
      for (String key : List.of("epoch0.rows", "epoch0.idsum", "epoch1.rows", "epoch1.idsum")) {
        long v = Long.parseLong(json.replaceAll("(?s).*\"" + key.replace(".", "\\.") + "\":([0-9]+).*", "$1"));
        total.merge(key, v, Long::sum);
        if (key.endsWith("rows")) {
          assertTrue(v > 0, "worker " + w + " got no rows in " + key + ": " + json);
        }
      }
      long peak = Long.parseLong(json.replaceAll("(?s).*\"peak_buffered_bytes\":([0-9]+).*", "$1"));
      assertTrue(peak <= 256 * 1024, "worker " + w + " buffered " + peak + " bytes, more than spindle.feed.buffer-bytes");
      assertTrue(json.contains("\"epochs_completed\":2"), json);
    }
    assertEquals(ROWS, total.get("epoch0.rows"));
    assertEquals(ROWS, total.get("epoch1.rows"));
    assertEquals(expectedSum, total.get("epoch0.idsum"), "epoch 0 id checksum");
    assertEquals(expectedSum, total.get("epoch1.idsum"), "epoch 1 id checksum");
    assertTrue(peakHeapMb > 0 && peakHeapMb < (1280 - 256) * 3 / 4.0,
        "executor heap while feeding: " + peakHeapMb + " MB");
    assertFalse(seen.isEmpty());
  }

  /** Sums each epoch's rows and id checksum over the workers' report files. */
  private static Map<String, Long> totals(Path reports) throws Exception {
    Map<String, Long> total = new HashMap<>();
    for (int w = 0; w < 2; w++) {
      String json = Files.readString(reports.resolve("feed-worker-" + w + ".json"));
      for (String key : List.of("epoch0.rows", "epoch0.idsum", "epoch1.rows", "epoch1.idsum")) {
        total.merge(key, Long.parseLong(json.replaceAll("(?s).*\"" + key.replace(".", "\\.") + "\":([0-9]+).*", "$1")),
            Long::sum);
      }
    }
    return total;
  }

  /** Both epochs: the workers together got every row once (row count and id checksum). */
  private static void assertEveryRowOncePerEpoch(Path reports) throws Exception {
    Map<String, Long> total = totals(reports);
    long expectedSum = (long) ROWS * (ROWS - 1) / 2;
    for (int e = 0; e < 2; e++) {
      assertEquals(ROWS, total.get("epoch" + e + ".rows"), "epoch " + e + " rows");
      assertEquals(expectedSum, total.get("epoch" + e + ".idsum"), "epoch " + e + " id checksum");
    }
  }

  /**
   * Runs the job with a slow trainer, kill -9s {@code role:index} while worker 1 is part way
   * through epoch 0, waits for the killed task's restart and for the job, which must succeed.
   */
  private static Submitter.Submitted runKillingMidEpoch(Map<String, String> keys, String role, int index)
      throws Exception {
    keys.put("example.consume-delay-ms", "100");
    keys.put("example.linger-ms", "0");
    keys.put("spindle.role." + role + ".max-restarts", "1");
    Submitter.Submitted s = startWithExamples(keys);
    mini.amAddress(s);
    String[] victim = new String[1];
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).until(() -> {
      JobStatusResponse st = mini.jobStatus(s);
      TaskStatus w1 = mini.task(st, "worker", 1);
      victim[0] = mini.task(st, role, index).getContainerId();
      return w1.getMetricsOrDefault("epoch0.rows", 0) > 0 && w1.getMetricsOrDefault("feed.epochs-completed", 0) == 0;
    });
    mini.kill9(victim[0]);
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      TaskStatus t = mini.task(mini.jobStatus(s), role, index);
      return t.getRestarts() == 1 && t.getState().equals("REGISTERED");
    });
    SubmitResult r = mini.await(s);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    return s;
  }

  /** The spark-driver container's log (the container stderr that SparkDriverMain wrote to). */
  private static String driverLog(Submitter.Submitted s) throws java.io.IOException {
    return containerLogs(s).stream().filter(t -> t.contains("SparkDriverMain")).findFirst().orElse("");
  }

  /** The stderr of every container of the application, the AM's included. */
  private static List<String> containerLogs(Submitter.Submitted s) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(mini.work.resolve("cluster"))) {
      return files.filter(p -> p.toString().contains(s.appId().toString()) && p.getFileName().toString().equals("stderr"))
          .map(p -> {
            try {
              return Files.readString(p);
            } catch (java.io.IOException e) {
              return "";
            }
          }).toList();
    }
  }

  private static Path newReportsDir(String name) throws java.io.IOException {
    return Files.createDirectories(mini.work.resolve(name + "-" + System.nanoTime()));
  }

  private static Submitter.Submitted startWithExamples(Map<String, String> keys) throws Exception {
    return mini.client().start(List.of(), keys, List.of(Path.of(System.getProperty("spindle.examples.jar"))));
  }

  @Test
  void aWorkerKilledInTheMiddleOfAnEpochGetsItsWholeShareAgain() throws Exception {
    Path reports = newReportsDir("reports-kill");
    Map<String, String> keys = job(reports);
    Submitter.Submitted s = runKillingMidEpoch(keys, "worker", 1);
    // The restarted worker read epoch 0 from its start: together the two still saw every row once.
    assertEveryRowOncePerEpoch(reports);
    // The driver said what failed and fed the missing partitions again.
    String driverLog = driverLog(s);
    assertTrue(driverLog.contains("to worker worker:1 at"), "the feeding error names the worker");
    assertTrue(driverLog.contains("feeding them again"), "missing partitions are fed again");
    // The feeders read the workers' endpoints from ZooKeeper; the AM removed the killed worker's node as soon
    // as YARN reported the exit, instead of leaving it to send feeders to a dead port until its session expired.
    String amLog = mini.containerLog(org.apache.hadoop.yarn.api.records.ContainerId.newContainerId(
        mini.report(s).getCurrentApplicationAttemptId(), 1).toString(), "stderr");
    assertTrue(java.util.regex.Pattern.compile("removed /spindle/" + s.appId()
        + "/attempt-\\d+/worker/1: its container container_\\S+ ended").matcher(amLog).find(), amLog);
  }

  /**
   * kill -9 of the Spark driver mid-epoch: it restarts alone (workers keep training), runs preTrain
   * again and feeds the epoch again; the workers keep the batches they already have, so every row
   * still reaches them once per epoch.
   */
  @Test
  void aKilledSparkDriverRestartsAndFeedsOnWithoutFeedingARowTwice() throws Exception {
    Path reports = newReportsDir("reports-kill-driver");
    runKillingMidEpoch(job(reports), "spark-driver", 0);
    assertEveryRowOncePerEpoch(reports);
  }

  /**
   * kill -9 of a Spark executor mid-epoch: Spark runs its tasks again on the other executor, the
   * AM starts a new executor container, and every row still reaches the workers once per epoch.
   */
  @Test
  void aKilledSparkExecutorIsReplacedAndItsPartitionsAreFedOnce() throws Exception {
    Path reports = newReportsDir("reports-kill-executor");
    runKillingMidEpoch(job(reports), "spark-executor", 0);
    assertEveryRowOncePerEpoch(reports);
  }

  /**
   * kill -9 of the ApplicationMaster in the middle of epoch 0. YARN starts attempt 2, which adopts
   * the running containers with the state attempt 1 saved; the tasks follow it. No task restarts,
   * the workers' step (rows read) never goes back, every row still reaches the workers once per
   * epoch, and the client says that attempt 2 took over.
   */
  @Test
  void aKilledApplicationMasterIsReplacedWhileTrainingAndFeedingGoOn() throws Exception {
    Path reports = newReportsDir("reports-am-kill");
    Map<String, String> keys = job(reports);
    keys.put("example.consume-delay-ms", "60");
    keys.put("example.linger-ms", "0");
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    java.io.PrintStream clientOut = new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8);
    org.spindle.client.SpindleClient client = new org.spindle.client.SpindleClient(mini.cluster.conf(), clientOut);
    Submitter.Submitted s = client.start(List.of(), keys, List.of(Path.of(System.getProperty("spindle.examples.jar"))));
    mini.amAddress(s);
    Map<String, String> containers = new HashMap<>();
    long[] stepBefore = new long[2];
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).until(() -> {
      JobStatusResponse st = mini.jobStatus(s);
      TaskStatus w1 = mini.task(st, "worker", 1);
      return w1.getMetricsOrDefault("epoch0.rows", 0) > 0 && w1.getMetricsOrDefault("feed.epochs-completed", 0) == 0;
    });
    JobStatusResponse before = mini.jobStatus(s);
    for (TaskStatus t : before.getTasksList()) {
      if (!t.getRole().equals("spark-executor")) {
        containers.put(t.getRole() + ":" + t.getIndex(), t.getContainerId());
      }
    }
    stepBefore[0] = mini.task(before, "worker", 0).getStep();
    stepBefore[1] = mini.task(before, "worker", 1).getStep();
    org.apache.hadoop.yarn.api.records.ApplicationAttemptId first = mini.report(s).getCurrentApplicationAttemptId();
    mini.kill9Tree(org.apache.hadoop.yarn.api.records.ContainerId.newContainerId(first, 1).toString());

    // Attempt 2 runs and serves the same tasks, in the same containers, never restarted.
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
      org.apache.hadoop.yarn.api.records.ApplicationReport r = mini.report(s);
      if (r.getCurrentApplicationAttemptId().getAttemptId() != 2 || r.getRpcPort() <= 0) {
        return false;
      }
      JobStatusResponse st = mini.jobStatus(s);
      return mini.task(st, "worker", 0).getStep() > stepBefore[0] && mini.task(st, "worker", 1).getStep() > stepBefore[1];
    });
    JobStatusResponse after = mini.jobStatus(s);
    for (Map.Entry<String, String> e : containers.entrySet()) {
      String[] ref = e.getKey().split(":");
      TaskStatus t = mini.task(after, ref[0], Integer.parseInt(ref[1]));
      assertEquals(e.getValue(), t.getContainerId(), e.getKey() + " kept its container");
      assertEquals(0, t.getRestarts(), e.getKey() + " was not restarted");
      assertEquals(0, t.getGeneration(), e.getKey());
      assertEquals("REGISTERED", t.getState(), e.getKey());
    }
    SubmitResult r = client.await(s);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    assertEquals(2, mini.report(s).getCurrentApplicationAttemptId().getAttemptId());
    assertEveryRowOncePerEpoch(reports);
    String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(out.contains(s.appId() + " ApplicationMaster attempt 2 took over"), out);
    // The second AM's log says what it recovered; the first one's ended mid-job.
    String amLog = mini.containerLog(org.apache.hadoop.yarn.api.records.ContainerId.newContainerId(
        org.apache.hadoop.yarn.api.records.ApplicationAttemptId.newInstance(s.appId(), 2), 1).toString(), "stderr");
    assertTrue(amLog.contains("recovering the job from") && amLog.contains("running container(s) adopted"), amLog);
    // Feeders read the workers' endpoints from ZooKeeper: the one the first AM embedded went with it, and
    // they went on reading the second attempt's, where the workers had registered again.
    assertTrue(containerLogs(s).stream().anyMatch(l -> l.contains("task nodes are read from ZooKeeper ")
        && l.contains("(the current ApplicationMaster attempt's)")), "a feeder followed the ZooKeeper to attempt 2");
  }

  /**
   * spark.dynamicAllocation on the executor role: one executor to start with, a backlog of slow
   * preTrain tasks makes Spark ask for more (new spark-executor containers of this application), and
   * once feeding is over idle executors, which hold the cached feed, are given back to YARN while the
   * workers still train. Every row still reaches the workers once per epoch.
   */
  @Test
  void dynamicAllocationGrowsTheExecutorRoleWithTheBacklogAndReleasesIdleExecutors() throws Exception {
    Path reports = newReportsDir("reports-dynamic");
    Map<String, String> keys = job(reports);
    keys.put("spindle.role.spark-executor.instances", "1");
    keys.put("spindle.spark.conf.spark.dynamicAllocation.enabled", "true");
    keys.put("spindle.spark.conf.spark.dynamicAllocation.minExecutors", "0");
    keys.put("spindle.spark.conf.spark.dynamicAllocation.maxExecutors", "3");
    keys.put("spindle.spark.conf.spark.dynamicAllocation.schedulerBacklogTimeout", "1s");
    keys.put("spindle.spark.conf.spark.dynamicAllocation.sustainedSchedulerBacklogTimeout", "1s");
    keys.put("spindle.spark.conf.spark.dynamicAllocation.executorIdleTimeout", "3s");
    keys.put("example.partition-delay-ms", "4000");
    keys.put("example.linger-ms", "30000");
    Submitter.Submitted s = startWithExamples(keys);
    mini.amAddress(s);
    Set<String> executorContainers = new TreeSet<>();
    long[] peakLive = {0};
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
      JobStatusResponse st = mini.jobStatus(s);
      seeExecutors(st, executorContainers, peakLive);
      return executorContainers.size() >= 2;
    });
    // Feeding over, Spark releases idle executors (holding the cached feed) while the workers train.
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
      JobStatusResponse st = mini.jobStatus(s);
      seeExecutors(st, executorContainers, peakLive);
      boolean fed = st.getTasksList().stream().filter(t -> t.getRole().equals("worker"))
          .allMatch(t -> t.getMetricsOrDefault("feed.epochs-completed", 0) == 2);
      // Spark gave idle executors back (an executor that came up after Spark lowered its target may
      // stay until the job ends: the AM only cancels executors that are still requested)
      boolean released = st.getTasksList().stream().filter(t -> t.getRole().equals("spark-executor"))
          .anyMatch(t -> t.getState().equals("KILLED") && !t.getContainerId().isEmpty());
      boolean training = st.getTasksList().stream().filter(t -> t.getRole().equals("worker"))
          .allMatch(t -> t.getState().equals("REGISTERED"));
      return fed && released && training;
    });
    SubmitResult r = mini.await(s);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    assertTrue(executorContainers.size() >= 2, "executors grew beyond the 1 configured: " + executorContainers);
    assertTrue(peakLive[0] <= 3, "at most spark.dynamicAllocation.maxExecutors live at once, saw " + peakLive[0]);
    assertEveryRowOncePerEpoch(reports);
  }

  /**
   * Files mode in containers: the executors write one Arrow IPC shard per partition to the data lake
   * once, the workers read their shards every epoch themselves, and a worker killed with kill -9 in
   * the middle of epoch 0 is told to read its shards of that epoch again when it comes back.
   */
  @Test
  void filesModeWorkersReadShardsFromTheLakeAndARestartedWorkerReadsItsEpochAgain() throws Exception {
    Path reports = newReportsDir("reports-files");
    Path shards = mini.work.resolve("shards-" + System.nanoTime());
    Map<String, String> keys = job(reports);
    keys.put("spindle.feed.mode", "files");
    keys.put("spindle.feed.files-dir", shards.toUri().toString());
    Submitter.Submitted s = runKillingMidEpoch(keys, "worker", 1);
    assertEveryRowOncePerEpoch(reports);
    assertTrue(driverLog(s).contains("feed worker 1 restarted during epoch 0: telling it to read shards"),
        "the driver told the restarted worker to read its shards of epoch 0 again");
    try (java.util.stream.Stream<Path> files = Files.list(shards.resolve(s.appId().toString()))) {
      List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
      assertEquals(8, names.stream().filter(n -> n.matches("part-\\d{5}\\.arrows")).count(),
          "one complete shard per partition (preTrain repartitions to 8): " + names);
      assertTrue(names.stream().noneMatch(n -> n.contains("_tmp.")), "no temporary shard left: " + names);
    }
  }

  /** Records every executor container seen and the most executor tasks live at once. */
  private static void seeExecutors(JobStatusResponse st, Set<String> containers, long[] peakLive) {
    List<TaskStatus> executors = st.getTasksList().stream().filter(t -> t.getRole().equals("spark-executor")).toList();
    executors.stream().filter(t -> !t.getContainerId().isEmpty()).forEach(t -> containers.add(t.getContainerId()));
    long live = executors.stream().filter(t -> !Set.of("KILLED", "FAILED", "SUCCEEDED").contains(t.getState())).count();
    peakLive[0] = Math.max(peakLive[0], live);
  }

  @Test
  void aColumnThatCannotBeFedFailsTheJobBeforeTrainingNamingIt() throws Exception {
    Map<String, String> k = job(mini.work.resolve("unused"));
    k.put("example.keep-title", "true");
    Submitter.Submitted s = mini.client().start(List.of(), k, List.of(Path.of(System.getProperty("spindle.examples.jar"))));
    SubmitResult r = mini.await(s);
    assertEquals(FinalApplicationStatus.FAILED, r.finalStatus());
    assertTrue(r.diagnostics().contains("column 'title' (string)"), r.diagnostics());
    assertTrue(r.diagnostics().contains("cannot be fed to TensorFlow"), r.diagnostics());
  }

  /**
   * Executors that start long before the driver's scheduler endpoint exists: the driver's process is
   * held back 25 s after its launcher registered (a slow node or image pull, injected from outside by
   * running the driver as a command that sleeps, then starts SparkDriverMain). Executor 0 waits it out
   * and registers with the same generation; executor 1 is killed with SIGKILL while waiting and is
   * replaced (the executor role's default max-restarts). Every row still reaches the workers once.
   */
  @Test
  void executorsStartedBeforeTheDriversSchedulerRegisterAndOneKilledAtStartIsReplaced() throws Exception {
    Path reports = newReportsDir("reports-slow-driver");
    Map<String, String> keys = job(reports);
    keys.remove("spindle.role.spark-driver.main-class");
    keys.put("spindle.role.spark-driver.command", "sleep 25 && exec \"$JAVA_HOME/bin/java\" -Xmx900m "
        + String.join(" ", SPARK_JAVA_OPTIONS) + " -Dlog4j.configuration=spindle-container-log4j.properties "
        + "-Dlog4j2.configurationFile=spindle-container-log4j2.properties org.spindle.spark.SparkDriverMain");
    Submitter.Submitted s = startWithExamples(keys);
    mini.amAddress(s);
    String[] victim = new String[1];
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      TaskStatus e1 = mini.task(mini.jobStatus(s), "spark-executor", 1);
      victim[0] = e1.getContainerId();
      return e1.getState().equals("REGISTERED");
    });
    mini.kill9(victim[0]);
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      TaskStatus e1 = mini.task(mini.jobStatus(s), "spark-executor", 1);
      return e1.getRestarts() == 1 && e1.getState().equals("REGISTERED");
    });
    TaskStatus e0 = mini.task(mini.jobStatus(s), "spark-executor", 0);
    SubmitResult r = mini.await(s);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    assertEquals(0, e0.getRestarts(), "executor 0 waited for the driver instead of failing");
    assertEveryRowOncePerEpoch(reports);
    // Both executors registered with Spark after waiting for the scheduler endpoint (seconds, not at once).
    List<Long> waits = new ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.walk(mini.work.resolve("cluster"))) {
      for (Path f : files.filter(p -> p.toString().contains(s.appId().toString())
          && p.getFileName().toString().equals("stderr")).toList()) {
        java.util.regex.Matcher m = java.util.regex.Pattern
            .compile("scheduler endpoint \\S+ answered after (\\d+) ms").matcher(Files.readString(f));
        if (m.find()) {
          waits.add(Long.parseLong(m.group(1)));
        }
      }
    }
    assertEquals(2, waits.size(), "executor 0 and executor 1's replacement found the driver: " + waits);
    assertTrue(waits.stream().anyMatch(w -> w >= 5_000), "an executor waited for the slow driver: " + waits);
  }

  /** What a Spark JVM needs opened on Java 17 (the launcher gives main-class roles the same). */
  private static final List<String> SPARK_JAVA_OPTIONS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true");
}
