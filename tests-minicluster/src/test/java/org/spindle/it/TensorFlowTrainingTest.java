package org.spindle.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.client.SubmitResult;
import org.spindle.client.Submitter;
import org.spindle.examples.LogisticRegressionJob;
import org.spindle.proto.TaskStatus;
import org.spindle.training.checkpoint.CheckpointStore;

/**
 * Distributed TensorFlow (real TF Java) in containers of one YARN application: PS mode (1 ps +
 * 2 workers) and allreduce mode (2 workers) train the logistic-regression example with
 * checkpoints in a file:// data lake.
 */
class TensorFlowTrainingTest {
  private static MiniClusterSupport mini;

  @BeforeAll
  static void startCluster() throws Exception {
    // YARN gives each AM a keystore signed by the RM's CA, and its proxy fetches AM pages over HTTPS only. The
    // RM reads the policy from its configuration; YARN's proxy servlet from a fresh YarnConfiguration, which is
    // yarn-site.xml on the RM's classpath: here a default resource, on the classpath while this class runs.
    strictProxySite = Path.of(TensorFlowTrainingTest.class.getResource("/").toURI()).resolve(STRICT_PROXY_SITE);
    Files.writeString(strictProxySite, "<configuration><property><name>" + HTTPS_POLICY
        + "</name><value>STRICT</value></property></configuration>");
    // after yarn-default.xml, which YarnConfiguration's class initialisation adds and which would win otherwise
    new org.apache.hadoop.yarn.conf.YarnConfiguration();
    Configuration.addDefaultResource(STRICT_PROXY_SITE);
    mini = new MiniClusterSupport("TensorFlowTrainingTest", Map.of(HTTPS_POLICY, "STRICT"));
  }

  @AfterAll
  static void stopCluster() throws java.io.IOException {
    if (mini != null) {
      mini.close();
    }
    if (strictProxySite != null) {
      Files.deleteIfExists(strictProxySite); // later classes' clusters read no policy from it (missing: skipped)
    }
  }

  private static final String HTTPS_POLICY = "yarn.resourcemanager.application-https.policy";
  private static final String STRICT_PROXY_SITE = "spindle-it-strict-proxy-site.xml";
  private static Path strictProxySite;

  /** The TensorFlow runtime as one archive, the way it ships to a real cluster. */
  /** Zipped once per test run: a zip left in the work directory by an earlier build would be stale. */
  private static Path zipped;

  private static synchronized Path tensorflowArchive() throws Exception {
    if (zipped != null) {
      return zipped;
    }
    Path zip = mini.work.resolve("tensorflow-lib.zip");
    Files.deleteIfExists(zip);
    // level 1: the jars are compressed already; natives/ holds TF's unpacked shared libraries
    MiniClusterSupport.zipTree(Path.of(System.getProperty("spindle.tensorflow.lib")), zip, 1);
    zipped = zip;
    return zip;
  }

  private Map<String, String> job(Path lake, Path report, int steps, int stepDelayMs, boolean asArchive)
      throws Exception {
    Map<String, String> k = new HashMap<>(mini.baseKeys());
    if (asArchive) {
      k.put("spindle.container.archives", tensorflowArchive() + "#tensorflow");
    } else {
      String tfLib = Path.of(System.getProperty("spindle.tensorflow.lib")).toAbsolutePath() + "/*";
      k.put("spindle.container.extra-classpath", k.get("spindle.container.extra-classpath") + ":" + tfLib);
    }
    k.put("spindle.job.class", "org.spindle.examples.LogisticRegressionJob");
    k.put("spindle.checkpoint.dir", lake.toUri().toString());
    k.put("spindle.task.registration-timeout", "3m");
    // PS mode keeps a static TF cluster: a failed task restarts the gang, and the chief restores.
    k.put("spindle.app.restart-mode", "gang");
    for (String role : List.of("ps", "worker")) {
      k.put("spindle.role." + role + ".main-class", "org.spindle.tensorflow.TfTaskMain");
      k.put("spindle.role." + role + ".memory", "1024");
      k.put("spindle.role." + role + ".env.TF_CPP_MIN_LOG_LEVEL", "2");
    }
    k.put("spindle.role.worker.instances", "2");
    k.put("spindle.role.worker.max-restarts", "2");
    k.put("example.steps", Integer.toString(steps));
    k.put("example.step-delay-ms", Integer.toString(stepDelayMs));
    k.put("example.report", report.toString());
    return k;
  }

  private Map<String, String> allReduceJob(Path lake, Path report, int steps, int stepDelayMs) throws Exception {
    Map<String, String> k = job(lake, report, steps, stepDelayMs, false);
    k.keySet().removeIf(key -> key.startsWith("spindle.role.ps."));
    k.put("spindle.tensorflow.mode", "allreduce");
    return k;
  }

  /** The job's checkpoints in the lake, read as the trainer's CheckpointStore reads them. */
  private static CheckpointStore checkpoints(Path lake) throws java.io.IOException {
    return new CheckpointStore(new Configuration(), new org.apache.hadoop.fs.Path(lake.toUri()), 3, Clock.systemUTC());
  }

  private Submitter.Submitted start(Map<String, String> keys) throws Exception {
    return mini.client().start(List.of(), keys, List.of(Path.of(System.getProperty("spindle.examples.jar"))));
  }

  @Test
  void psModeTrainsFromTheLocalizedTensorFlowArchiveToALowLossWithCheckpointsInTheDataLake() throws Exception {
    Path lake = mini.work.resolve("lake-train-" + System.nanoTime()).resolve("checkpoints");
    Path report = mini.newRunsFile("train.report");
    Path models = mini.work.resolve("models-" + System.nanoTime());
    // 150 ms a step: time to look at the tracking UI while the workers train
    Map<String, String> keys = job(lake, report, 300, 150, true);
    keys.put("spindle.model.export-dir", models.toUri().toString());
    // An upload a crashed chief never committed, left in the lake by an earlier run.
    Path stale = Files.createDirectories(lake.resolve("_tmp").resolve("ckpt-000000000100-stale"));
    Files.writeString(stale.resolve("model.index"), "partial");
    Submitter.Submitted s = start(keys);
    assertTheRenderedPageShowsTheTasksAndTheLossChart(s);
    assertTheTensorFlowServersListenOnTheContainersAddressOnly(s);
    SubmitResult r = mini.await(s);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    // The AM removed uncommitted uploads when the job ended; committed checkpoints stay (checked below).
    await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(lake.resolve("_tmp")));
    String json = Files.readString(report);
    float loss = Float.parseFloat(json.replaceAll("(?s).*\"heldout_loss\":([0-9.eE-]+).*", "$1"));
    assertTrue(loss < 0.35f, "held-out loss " + loss + " should fall well below log(2)=0.69: " + json);
    CheckpointStore store = checkpoints(lake);
    assertTrue(store.latest().orElseThrow().step() >= 300, "final checkpoint committed");
    // The chief's SavedModel scores fresh data in this (separate) JVM.
    try (org.spindle.tensorflow.Predictor p = org.spindle.tensorflow.Predictor.load(
        models.resolve("logistic").toUri().toString())) {
      Map<String, org.tensorflow.Tensor> test =
          org.spindle.examples.LogisticRegressionJob.batch(new java.util.Random(3), 1000);
      double accuracy;
      try (org.tensorflow.Result res = p.predict(Map.of("x", test.get("x")))) {
        accuracy = org.spindle.examples.LogisticRegressionJob.accuracy(
            (org.tensorflow.types.TFloat32) res.get("probability").orElseThrow(),
            (org.tensorflow.types.TFloat32) test.get("y"));
      } finally {
        test.values().forEach(org.tensorflow.Tensor::close);
      }
      assertTrue(accuracy > 0.9, "accuracy of the exported model " + accuracy);
    }
    assertTensorBoardEventsHoldTheLoss(lake.getParent().resolve("tensorboard"), 300);
  }

  /**
   * The tracking UI in a real browser, opened as an operator opens it from the RM's application page
   * (through YARN's proxy) while the workers train: headless Chromium renders it, the task table and the
   * loss chart (a line per worker) are read from the rendered DOM, and a screenshot is kept under target/.
   */
  private static void assertTheRenderedPageShowsTheTasksAndTheLossChart(Submitter.Submitted s) throws Exception {
    // The cluster's policy is STRICT: the AM serves its UI over HTTPS with the keystore YARN gave it, and the
    // page below comes through YARN's proxy, which reaches the AM over TLS with the RM CA's client certificate.
    await().atMost(Duration.ofMinutes(2)).until(() -> !mini.report(s).getOriginalTrackingUrl().isBlank()
        && !"N/A".equals(mini.report(s).getOriginalTrackingUrl()));
    String direct = mini.report(s).getOriginalTrackingUrl();
    assertTrue(direct.startsWith("https://"), "the AM registered an HTTPS tracking URL: " + direct);
    assertEquals(401, anyCertificate(direct + "api/job").getResponseCode(),
        "straight to the AM, without the proxy's certificate or the app's secret: refused");
    String proxied = "http://" + mini.cluster.conf().get("yarn.resourcemanager.webapp.address") + "/proxy/"
        + s.appId() + "/?proxyapproved=true";
    Path profile = Files.createDirectories(mini.work.resolve("chromium-profile-" + System.nanoTime()));
    String[] dom = new String[1];
    java.util.regex.Pattern lossChart = java.util.regex.Pattern.compile(
        "<figcaption>loss per worker</figcaption><svg.*?</svg>", java.util.regex.Pattern.DOTALL);
    java.util.regex.Pattern line = java.util.regex.Pattern.compile(
        "<polyline[^>]*points=\"[-\\d.]+,[-\\d.]+ [-\\d.]+,[-\\d.]+");
    // The workers report their loss every 25 steps: wait (bounded) until the chart has a line of two points.
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      dom[0] = HeadlessChromium.dumpDom(proxied, profile);
      java.util.regex.Matcher chart = lossChart.matcher(dom[0]);
      return chart.find() && line.matcher(chart.group()).find();
    });
    for (int w = 0; w < 2; w++) {
      assertTrue(java.util.regex.Pattern.compile("<tr><td>worker:" + w + "</td><td>REGISTERED</td>")
          .matcher(dom[0]).find(), "the task table shows worker:" + w + " registered:\n" + dom[0]);
    }
    assertTrue(dom[0].contains("<tr><td>ps:0</td><td>REGISTERED</td>"), dom[0]);
    // The pages above came through YARN's own AmIpFilter (the copy in this cluster's shaded Hadoop jars) on Jetty.
    String am = MiniClusterSupport.containerLogs(mini.work.resolve("cluster"), s.appId().toString()).entrySet()
        .stream().filter(e -> e.getKey().endsWith("_000001")).map(Map.Entry::getValue).findFirst().orElse("");
    assertTrue(Pattern.compile("tracking UI served by Jetty 9\\.4\\S* over HTTPS behind YARN's "
        + "org\\.apache\\.hadoop\\.yarn\\.server\\.webproxy\\.amfilter\\.AmIpFilter").matcher(am).find(), am);
    Path png = Path.of("target", "tracking-ui.png");
    Files.deleteIfExists(png);
    HeadlessChromium.screenshot(proxied, profile, png);
    java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
    assertTrue(img != null && img.getWidth() == 1280, "a PNG screenshot of the page: " + png);
    long ink = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
          ink++;
        }
      }
    }
    assertTrue(ink > 5_000, "the screenshot shows the page (tables, text, charts), not a blank one: " + ink
        + " non-white pixels");
  }

  /**
   * TensorFlow binds every address; libspindle-bind, preloaded by the launcher, keeps each TF server of the gang
   * on its container's address (here the NodeManagers' host, localhost): the ps and the workers answer there and
   * on no other address of this machine, while they train.
   */
  private static void assertTheTensorFlowServersListenOnTheContainersAddressOnly(Submitter.Submitted s)
      throws Exception {
    List<String> others = new java.util.ArrayList<>(List.of("127.0.0.2"));
    for (java.net.NetworkInterface i : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (java.net.InetAddress a : java.util.Collections.list(i.getInetAddresses())) {
        if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress()) {
          others.add(a.getHostAddress());
        }
      }
    }
    org.spindle.proto.JobStatusResponse st = mini.jobStatus(s);
    for (String task : List.of("ps:0", "worker:0", "worker:1")) {
      org.spindle.proto.TaskStatus t = mini.task(st, task.split(":")[0], Integer.parseInt(task.split(":")[1]));
      int port = t.getPortsOrThrow("task");
      String own = java.net.InetAddress.getByName(t.getHost()).getHostAddress();
      assertTrue(reachable(own, port), task + " answers on its container's address " + own + ":" + port);
      for (String other : others) {
        assertFalse(reachable(other, port), task + "'s TensorFlow server answers on " + other + ":" + port);
      }
    }
  }

  private static boolean reachable(String host, int port) {
    try (java.net.Socket c = new java.net.Socket()) {
      c.connect(new java.net.InetSocketAddress(host, port), 2000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** An HTTPS request that accepts any server certificate (the AM's is signed by the RM's CA, unknown here). */
  private static javax.net.ssl.HttpsURLConnection anyCertificate(String url) throws Exception {
    javax.net.ssl.X509TrustManager any = new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
      }

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    };
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {any}, null);
    javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) new java.net.URL(url).openConnection();
    c.setSSLSocketFactory(ctx.getSocketFactory());
    c.setHostnameVerifier((host, session) -> true);
    return c;
  }

  /**
   * A process's whole command line from /proc. ProcessHandle.Info.commandLine() stops at 4096 bytes, and
   * a task's classpath (runtimes, the cluster's Hadoop jars) runs past that before the main class.
   */
  private static String fullCommandLine(ProcessHandle p) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")),
          java.nio.charset.StandardCharsets.ISO_8859_1).replace('\0', ' ');
    } catch (java.io.IOException e) {
      return p.info().commandLine().orElse("");
    }
  }

  /**
   * Each worker's TensorBoard event file (TF's summary ops), copied beside the checkpoints, read as
   * TFRecords of Event protos: the loss at the global steps that are multiples of 25 (the job's metrics
   * interval; the two workers share the global step, so each reports the multiples it lands on), up to
   * the last steps, with the learning rate the optimizer was built with.
   */
  private static void assertTensorBoardEventsHoldTheLoss(Path tensorboard, long steps) throws Exception {
    java.util.TreeMap<Long, Float> all = new java.util.TreeMap<>();
    for (int w = 0; w < 2; w++) {
      Path run = tensorboard.resolve("worker-" + w);
      List<Path> files;
      try (java.util.stream.Stream<Path> s = Files.list(run)) {
        files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")
            && !p.getFileName().toString().endsWith(".crc")).toList();
      }
      assertEquals(1, files.size(), "one event file per worker run: " + files);
      java.util.TreeMap<Long, Float> loss = new java.util.TreeMap<>();
      java.util.Set<Float> learningRates = new java.util.HashSet<>();
      for (byte[] record : TfRecords.read(files.get(0))) {
        org.tensorflow.proto.Event e = org.tensorflow.proto.Event.parseFrom(record);
        for (org.tensorflow.proto.Summary.Value v : e.getSummary().getValueList()) {
          if (v.getTag().equals("loss")) {
            loss.put(e.getStep(), v.getSimpleValue());
          } else if (v.getTag().equals("learning_rate")) {
            learningRates.add(v.getSimpleValue());
          }
        }
      }
      assertTrue(!loss.isEmpty(), "worker " + w + " wrote loss scalars");
      assertTrue(loss.keySet().stream().allMatch(s -> s % 25 == 0), "at the metrics steps: " + loss);
      assertTrue(loss.values().stream().allMatch(l -> l > 0 && l < 5), "finite losses: " + loss);
      assertEquals(java.util.Set.of(0.05f), learningRates, "the Adam optimizer's learning rate");
      all.putAll(loss);
    }
    assertTrue(all.size() >= steps / 25 / 2, "together the workers logged most multiples of 25: " + all);
    assertTrue(all.lastKey() >= steps - 50, "up to the last steps: " + all);
  }

  /**
   * Opt-in (mvn -Pgpu puts TF Java's 526 MB GPU native jar into the TF archive; the default build and
   * CI leave it out): workers granted yarn.io/gpu load the GPU build and the ps the CPU build, from one
   * archive holding both. This machine has no GPU, so the GPU build falls back to the CPU and the job
   * still trains; the logs say which build each task loaded.
   */
  @Test
  void gpuWorkersLoadTheGpuBuildAndThePsTheCpuBuild() throws Exception {
    Path tfLib = Path.of(System.getProperty("spindle.tensorflow.lib"));
    boolean gpuBuild = Files.isDirectory(tfLib.resolve("natives/org/tensorflow/internal/c_api/linux-x86_64-gpu"));
    Assumptions.assumeTrue(gpuBuild, "the TF archive " + tfLib + " has no GPU native build (build with mvn -Pgpu)");
    Path lake = mini.work.resolve("lake-gpu-" + System.nanoTime());
    Map<String, String> keys = job(lake, mini.newRunsFile("gpu.report"), 60, 0, false);
    keys.put("spindle.role.worker.gpus", "1");
    keys.put("spindle.tensorflow.native-classifier", "linux-x86_64-gpu");
    Submitter.Submitted job = start(keys);
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    Map<String, String> builds = new HashMap<>();
    try (Stream<Path> logs = Files.walk(mini.work.resolve("cluster"))) {
      for (Path f : logs.filter(p -> p.getFileName().toString().equals("stderr")
          && p.toString().contains(job.appId().toString())).toList()) {
        String text = Files.readString(f);
        Matcher task = Pattern.compile("TaskLauncher: task (\\S+) attempt").matcher(text);
        Matcher build = Pattern.compile("TensorFlow native build (\\S+) sees").matcher(text);
        if (task.find() && build.find()) {
          builds.put(task.group(1), build.group(1));
        }
      }
    }
    assertEquals(Map.of("ps:0", "linux-x86_64", "worker:0", "linux-x86_64-gpu", "worker:1", "linux-x86_64-gpu"),
        builds);
  }

  @Test
  void allReduceReplicasEndIdenticalAndTheLossFalls() throws Exception {
    Path lake = mini.work.resolve("lake-allreduce-" + System.nanoTime());
    Path report = mini.newRunsFile("allreduce.report");
    SubmitResult r = mini.await(start(allReduceJob(lake, report, 200, 0)));
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    List<String> lines = MiniClusterSupport.lines(report);
    assertEquals(2, lines.size(), lines.toString());
    assertArrayEquals(LogisticRegressionJob.reportedWeights(lines.get(0)),
        LogisticRegressionJob.reportedWeights(lines.get(1)), "the replicas differ: " + lines);
    float loss = Float.parseFloat(lines.get(0).replaceAll(".*\"heldout_loss\":([0-9.eE-]+).*", "$1"));
    assertTrue(loss < 0.35f, "held-out loss " + loss);
  }

  @Test
  void allReduceKillRestartsBothWorkersAtAttemptOneFromTheCheckpoint() throws Exception {
    Path lake = mini.work.resolve("lake-allreduce-kill-" + System.nanoTime());
    Path report = mini.newRunsFile("allreduce-kill.report");
    Submitter.Submitted job = start(allReduceJob(lake, report, 1200, 15));
    mini.amAddress(job);
    CheckpointStore store = checkpoints(lake);
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
        .until(() -> store.latest().map(c -> c.step() >= 100).orElse(false));
    long checkpointed = store.latest().orElseThrow().step();
    mini.kill9(mini.task(mini.jobStatus(job), "worker", 0).getContainerId());
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
      org.spindle.proto.JobStatusResponse st = mini.jobStatus(job);
      return st.getGangAttempt() == 1 && mini.task(st, "worker", 0).getStep() > 0
          && mini.task(st, "worker", 1).getStep() > 0;
    });
    org.spindle.proto.JobStatusResponse st = mini.jobStatus(job);
    for (int i = 0; i < 2; i++) {
      assertEquals(1, mini.task(st, "worker", i).getAttempt());
      assertTrue(mini.task(st, "worker", i).getStep() >= checkpointed, "worker " + i + " resumed at "
          + mini.task(st, "worker", i).getStep() + " < checkpoint " + checkpointed);
    }
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    // both replicas of attempt 1 restored the same checkpoint and stayed in step to the bit
    List<String> lines = MiniClusterSupport.lines(report);
    assertEquals(2, lines.size(), lines.toString());
    assertArrayEquals(LogisticRegressionJob.reportedWeights(lines.get(0)),
        LogisticRegressionJob.reportedWeights(lines.get(1)), "the replicas differ: " + lines);
  }

  /**
   * Runs the job, kill -9s {@code role:index} once a checkpoint at step 100 or later is committed,
   * and checks what the README promises for a gang task: the gang restarts as attempt 1 (counted
   * against the killed task's max-restarts), every trainer resumes at or after the checkpointed
   * step, and the job succeeds. Returns the job, still running, after the resumption was seen.
   */
  private Submitter.Submitted killRestartsTheGangFromTheCheckpoint(Map<String, String> keys, Path lake, String role,
                                                                    int index, List<String> trainers) throws Exception {
    Submitter.Submitted job = start(keys);
    mini.amAddress(job);
    CheckpointStore store = checkpoints(lake);
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
        .until(() -> store.latest().map(c -> c.step() >= 100).orElse(false)
            && mini.task(mini.jobStatus(job), role, index).getState().equals("REGISTERED"));
    long checkpointed = store.latest().orElseThrow().step();
    mini.kill9(mini.task(mini.jobStatus(job), role, index).getContainerId());
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
      org.spindle.proto.JobStatusResponse st = mini.jobStatus(job);
      return st.getGangAttempt() == 1 && mini.task(st, role, index).getAttempt() == 1
          && trainers.stream().allMatch(t -> mini.task(st, t.split(":")[0], Integer.parseInt(t.split(":")[1])).getStep() > 0);
    });
    org.spindle.proto.JobStatusResponse st = mini.jobStatus(job);
    assertEquals(1, mini.task(st, role, index).getRestarts(), role + ":" + index + " counted its failure");
    for (String t : trainers) {
      long resumedAt = mini.task(st, t.split(":")[0], Integer.parseInt(t.split(":")[1])).getStep();
      assertTrue(resumedAt >= checkpointed, t + " resumed at step " + resumedAt + ", before the checkpointed step "
          + checkpointed);
    }
    return job;
  }

  /** The job succeeds and its last committed checkpoint is at {@code steps} or later. */
  private static void assertSucceedsCheckpointingTo(Submitter.Submitted job, Path lake, long steps) throws Exception {
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    long last = checkpoints(lake).latest().orElseThrow().step();
    assertTrue(last >= steps, "the last checkpoint is at step " + last + ", before " + steps);
  }

  @Test
  void aKilledWorkerRestartsTheGangWhichResumesFromTheLatestCheckpoint() throws Exception {
    Path lake = mini.work.resolve("lake-kill-" + System.nanoTime());
    Map<String, String> keys = job(lake, mini.newRunsFile("kill.report"), 1500, 15, false);
    keys.put("spindle.role.evaluator.main-class", "org.spindle.tensorflow.TfTaskMain");
    keys.put("spindle.role.evaluator.memory", "1024");
    keys.put("spindle.evaluator.interval", "1s");
    Submitter.Submitted job = killRestartsTheGangFromTheCheckpoint(keys, lake, "worker", 1,
        List.of("worker:0", "worker:1"));
    // The evaluator, outside the gang, kept its attempt and evaluates committed checkpoints.
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() ->
        mini.task(mini.jobStatus(job), "evaluator", 0).getMetricsMap().containsKey("eval_loss"));
    TaskStatus eval = mini.task(mini.jobStatus(job), "evaluator", 0);
    assertEquals(0, eval.getAttempt(), "a gang restart does not touch the evaluator");
    assertTrue(eval.getMetricsMap().get("checkpoint_step") >= 100, eval.toString());
    assertSucceedsCheckpointingTo(job, lake, 1500);
  }

  /** kill -9 of the parameter server: its variables are gone, so the gang restarts from the checkpoint. */
  @Test
  void aKilledPsRestartsTheGangWhichResumesFromTheLatestCheckpoint() throws Exception {
    Path lake = mini.work.resolve("lake-kill-ps-" + System.nanoTime());
    Map<String, String> keys = job(lake, mini.newRunsFile("kill-ps.report"), 1200, 15, false);
    keys.put("spindle.role.ps.max-restarts", "1");
    Submitter.Submitted job = killRestartsTheGangFromTheCheckpoint(keys, lake, "ps", 0, List.of("worker:0", "worker:1"));
    assertSucceedsCheckpointingTo(job, lake, 1200);
  }

  /**
   * A job with a chief role (chief:0 checkpoints and exports, worker:0 trains beside it): kill -9 of
   * the chief restarts the gang from the checkpoint, and the restarted chief carries on checkpointing.
   */
  @Test
  void aKilledChiefRestartsTheGangWhichResumesFromTheLatestCheckpoint() throws Exception {
    Path lake = mini.work.resolve("lake-kill-chief-" + System.nanoTime());
    Map<String, String> keys = job(lake, mini.newRunsFile("kill-chief.report"), 1200, 15, false);
    keys.put("spindle.role.worker.instances", "1");
    keys.put("spindle.role.chief.instances", "1");
    keys.put("spindle.role.chief.main-class", "org.spindle.tensorflow.TfTaskMain");
    keys.put("spindle.role.chief.memory", "1024");
    keys.put("spindle.role.chief.max-restarts", "1");
    keys.put("spindle.role.chief.env.TF_CPP_MIN_LOG_LEVEL", "2");
    Submitter.Submitted job = killRestartsTheGangFromTheCheckpoint(keys, lake, "chief", 0,
        List.of("chief:0", "worker:0"));
    assertSucceedsCheckpointingTo(job, lake, 1200);
  }

  /**
   * kill -9 of the evaluator: it is outside the gang, so it alone restarts (a new generation) and
   * evaluates again; training is not disturbed.
   */
  @Test
  void aKilledEvaluatorRestartsAloneWhileTrainingGoesOn() throws Exception {
    Path lake = mini.work.resolve("lake-kill-eval-" + System.nanoTime());
    Map<String, String> keys = job(lake, mini.newRunsFile("kill-eval.report"), 1200, 15, false);
    keys.put("spindle.role.evaluator.main-class", "org.spindle.tensorflow.TfTaskMain");
    keys.put("spindle.role.evaluator.memory", "1024");
    keys.put("spindle.role.evaluator.max-restarts", "1");
    keys.put("spindle.evaluator.interval", "1s");
    Submitter.Submitted job = start(keys);
    mini.amAddress(job);
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
        mini.task(mini.jobStatus(job), "evaluator", 0).getMetricsMap().containsKey("eval_loss"));
    mini.kill9(mini.task(mini.jobStatus(job), "evaluator", 0).getContainerId());
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
      TaskStatus e = mini.task(mini.jobStatus(job), "evaluator", 0);
      return e.getGeneration() == 1 && e.getMetricsMap().containsKey("eval_loss");
    });
    org.spindle.proto.JobStatusResponse st = mini.jobStatus(job);
    assertEquals(1, mini.task(st, "evaluator", 0).getRestarts());
    assertEquals(0, st.getGangAttempt(), "the gang was not restarted");
    for (int i = 0; i < 2; i++) {
      assertEquals(0, mini.task(st, "worker", i).getRestarts());
      assertEquals(0, mini.task(st, "worker", i).getGeneration());
    }
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
  }

  /**
   * A trainer that stops stepping while its container looks healthy: worker 1's TensorFlow JVM is
   * frozen with SIGSTOP (its launcher keeps heartbeating). With spindle.task.progress-timeout the AM
   * sees the step stand still, restarts the gang as the worker's failure (counted) and training
   * resumes from the latest checkpoint.
   */
  @Test
  void aTrainerThatStopsSteppingIsRestartedAndTrainingResumesFromTheCheckpoint() throws Exception {
    Path lake = mini.work.resolve("lake-hung-" + System.nanoTime());
    Map<String, String> keys = job(lake, mini.newRunsFile("hung.report"), 1500, 15, false);
    keys.put("spindle.task.progress-timeout", "20s");
    Submitter.Submitted job = start(keys);
    mini.amAddress(job);
    CheckpointStore store = checkpoints(lake);
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
        .until(() -> store.latest().map(c -> c.step() >= 100).orElse(false)
            && mini.task(mini.jobStatus(job), "worker", 1).getStep() > 0);
    long checkpointed = store.latest().orElseThrow().step();
    String container = mini.task(mini.jobStatus(job), "worker", 1).getContainerId();
    ProcessHandle trainer = mini.containerProcess(container).descendants()
        .filter(p -> fullCommandLine(p).contains("TfTaskMain")).findFirst()
        .orElseThrow(() -> new AssertionError("no TfTaskMain process under container " + container));
    assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(trainer.pid())).start().waitFor());
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
      org.spindle.proto.JobStatusResponse st = mini.jobStatus(job);
      return st.getGangAttempt() == 1 && mini.task(st, "worker", 1).getStep() > 0
          && mini.task(st, "worker", 0).getStep() > 0;
    });
    org.spindle.proto.JobStatusResponse st = mini.jobStatus(job);
    assertEquals(1, mini.task(st, "worker", 1).getRestarts(), "a hung trainer is its own failure");
    for (int i = 0; i < 2; i++) {
      assertTrue(mini.task(st, "worker", i).getStep() >= checkpointed, "worker " + i + " resumed from the checkpoint");
    }
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    try (Stream<Path> logs = Files.walk(mini.work.resolve("cluster"))) {
      assertTrue(logs.filter(p -> p.getFileName().toString().equals("stderr") && p.toString().contains(job.appId()
          .toString()) && p.getParent().getFileName().toString().endsWith("_000001")).anyMatch(p -> {
            try {
              return Files.readString(p).contains("no training progress");
            } catch (java.io.IOException e) {
              return false;
            }
          }), "the AM's log names the hung trainer");
    }
  }
}
