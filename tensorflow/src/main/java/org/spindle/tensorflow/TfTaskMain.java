package org.spindle.tensorflow;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.TaskReporter;
import org.spindle.api.SpindleJob;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.SpindleEnv;
import org.spindle.tensorflow.feed.FeedEndpoint;
import org.spindle.training.checkpoint.CheckpointStore;
import org.tensorflow.Server;

/**
 * Main class of TensorFlow roles. Starts this task's TF gRPC server on the port the launcher bound
 * and registered; ps tasks then serve until the AM stops them, workers run the user's job.
 */
public final class TfTaskMain {
  private static final Logger LOG = LoggerFactory.getLogger(TfTaskMain.class);
  static final int EXIT_SERVER_FAILED = 77;
  static final int EXIT_JOB_FAILED = 1;

  private TfTaskMain() {}

  public static void main(String[] args) {
    org.spindle.task.TaskCredentials.watch(); // tokens the AM re-obtains from a keytab
    int code;
    try {
      code = run(System.getenv());
    } catch (Throwable t) {
      LOG.error("TensorFlow task failed", t);
      org.spindle.task.TaskFailure.report(t); // the job's diagnostics say why, not only "exited 1"
      code = EXIT_JOB_FAILED;
    }
    System.exit(code); // TF server threads never end on their own
  }

  static final String EVALUATOR = "evaluator";

  static int run(Map<String, String> env) throws Exception {
    String role = env.get(SpindleEnv.ROLE);
    int index = Integer.parseInt(env.get(SpindleEnv.INDEX));
    if (role.equals(EVALUATOR)) {
      return evaluator(env, role, index);
    }
    int port = Integer.parseInt(env.get(SpindleEnv.TASK_PORT));
    Configuration jobConf = new JobConfLoader().layer(List.of(Path.of(SpindleEnv.JOB_XML_NAME)), Map.of());
    String mode = jobConf.get("spindle.tensorflow.mode", "ps");
    if (!mode.equals("ps") && !mode.equals("allreduce")) {
      throw new IllegalStateException("spindle.tensorflow.mode must be ps or allreduce, got '" + mode + "'");
    }
    boolean allReduce = mode.equals("allreduce");
    int[] threads = TfCluster.threads(jobConf.getInt(ConfigKeys.TF_INTRA_OP_THREADS, 0),
        jobConf.getInt(ConfigKeys.TF_INTER_OP_THREADS, 0), jobConf.getInt(ConfigKeys.roleKey(role, ConfigKeys.ROLE_VCORES), 1));
    // What needs no peers comes first: with early start, this overlaps the other tasks' start-up.
    Map<String, String> conf = jobConf(jobConf);
    SpindleJob job = role.equals(TfCluster.PS) ? null : userJob(conf);
    String tfVersion = org.tensorflow.TensorFlow.version(); // loads TF's natives
    CheckpointStore store = job == null ? null : TfTrainContext.storeFor(conf);
    long readyAt = System.nanoTime();
    TfCluster cluster = TfCluster.fromJson(clusterSpec(env, System.in));
    if (Boolean.parseBoolean(env.get(SpindleEnv.CLUSTER_SPEC_ON_STDIN))) {
      LOG.info("TensorFlow {} loaded before the gang assembled; the cluster spec came {} ms later", tfVersion,
          (System.nanoTime() - readyAt) / 1_000_000);
    }
    cluster = cluster.withThreads(threads[0], threads[1]);
    LOG.info("TensorFlow thread pools: intra-op {}, inter-op {} (0: every core of the node)", threads[0], threads[1]);
    Server server;
    try {
      server = new Server(cluster.serverDef(role, index, allReduce));
      server.start();
    } catch (RuntimeException e) {
      LOG.error("the TensorFlow server for {}:{} could not start on port {}: {}", role, index, port, e.getMessage());
      return EXIT_SERVER_FAILED;
    }
    String bound = env.get("SPINDLE_BIND_ADDRESS"); // set with libspindle-bind preloaded (the task launcher's)
    LOG.info("TensorFlow server {}:{} listening on {}:{} (cluster {})", role, index,
        bound == null ? "every address" : bound, port, cluster.jobs());
    logDevices(env);
    if (role.equals(TfCluster.PS)) {
      server.join();
      return 0;
    }
    TfTrainContext.Identity id = new TfTrainContext.Identity(env.get(SpindleEnv.APP_ID), role, index,
        Integer.parseInt(env.getOrDefault(SpindleEnv.ATTEMPT, "0")),
        Boolean.parseBoolean(env.getOrDefault(SpindleEnv.IS_CHIEF, "false")), allReduce);
    try (TaskReporter reporter = TaskReporter.fromEnvironment(env);
         FeedEndpoint feed = FeedEndpoint.startIfFed(env, conf);
         TensorBoardEvents events = TensorBoardEvents.forTask(conf, role, index, Path.of("").toAbsolutePath())) {
      TfTrainContext ctx = new TfTrainContext(id, cluster, "grpc://" + cluster.address(role, index), conf,
          store, Path.of("").toAbsolutePath(), metricsSink(reporter, events), Duration.ofMinutes(5));
      if (feed != null) {
        ctx.attachFeed(feed.workerFeed());
      }
      try {
        job.train(ctx);
      } finally {
        job.shutdown(ctx);
        ctx.close();
      }
    }
    return 0;
  }

  /**
   * The gang's cluster spec: SPINDLE_CLUSTER_SPEC, or, for a JVM its launcher started before the gang
   * assembled, the one line the launcher writes to standard input once it has.
   */
  static String clusterSpec(Map<String, String> env, java.io.InputStream stdin) throws java.io.IOException {
    if (!Boolean.parseBoolean(env.get(SpindleEnv.CLUSTER_SPEC_ON_STDIN))) {
      String json = env.get(SpindleEnv.CLUSTER_SPEC);
      if (json == null || json.isBlank()) {
        throw new IllegalStateException(SpindleEnv.CLUSTER_SPEC + " is not set: TfTaskMain runs in a Spindle "
            + "task container of a TensorFlow role, after its gang assembled");
      }
      return json;
    }
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(stdin,
        java.nio.charset.StandardCharsets.UTF_8)).readLine();
    if (line == null || line.isBlank()) {
      throw new IllegalStateException("the launcher closed this task's standard input before its gang assembled "
          + "(the launcher ended or the gang never assembled)");
    }
    return line;
  }

  /** Metrics go to the AM and, when the job has a TensorBoard directory, into the task's event file. */
  private static java.util.function.BiConsumer<Long, Map<String, Double>> metricsSink(TaskReporter reporter,
                                                                                     TensorBoardEvents events) {
    return events == null ? reporter::reportMetrics : (step, m) -> {
      reporter.reportMetrics(step, m);
      events.accept(step, m);
    };
  }

  /** Logs what TF sees, and warns when YARN granted GPUs that TF cannot use. */
  static void logDevices(Map<String, String> env) {
    try {
      List<TfDevices.Device> devices = TfDevices.list();
      String build = TfDevices.nativeBuild();
      LOG.info("TensorFlow native build {} (loaded from {}) sees {} device(s): {}", build, TfDevices.nativeLibrary(),
          devices.size(), devices);
      String granted = env.getOrDefault("CUDA_VISIBLE_DEVICES", env.getOrDefault("NVIDIA_VISIBLE_DEVICES", ""));
      if (!granted.isBlank() && TfDevices.gpus(devices) == 0) {
        if (build.endsWith("-gpu")) {
          LOG.warn("this container was granted GPU(s) {} and loaded the GPU build, but TensorFlow sees no GPU: "
              + "check the NVIDIA driver and that the CUDA 12 and cuDNN 9 libraries TF 2.18 needs are on the "
              + "node's LD_LIBRARY_PATH (TF's own log above names the library it could not load)", granted);
        } else {
          LOG.warn("this container was granted GPU(s) {} but TensorFlow sees none: set "
              + "spindle.tensorflow.native-classifier to the GPU build (linux-x86_64-gpu) and ship its natives "
              + "in the TensorFlow archive (mvn -Pgpu package unpacks them into tensorflow-lib/natives)", granted);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("could not list TensorFlow devices: {}", e.getMessage());
    }
  }

  /** Every key of the job XML and --conf: spindle.* plus the job's own (keys outside spindle.* are not checked). */
  private static Map<String, String> jobConf(Configuration jobConf) {
    return new HashMap<>(jobConf.getPropsWithPrefix(""));
  }

  private static SpindleJob userJob(Map<String, String> conf) throws ReflectiveOperationException {
    String jobClass = conf.getOrDefault("spindle.job.class", "");
    if (jobClass.isBlank()) {
      throw new IllegalStateException("spindle.job.class is not set: name your SpindleJob subclass");
    }
    return (SpindleJob) Class.forName(jobClass).getDeclaredConstructor().newInstance();
  }

  private static int evaluator(Map<String, String> env, String role, int index) throws Exception {
    Map<String, String> conf = jobConf(new JobConfLoader().layer(List.of(Path.of(SpindleEnv.JOB_XML_NAME)), Map.of()));
    SpindleJob job = userJob(conf);
    TfTrainContext.Identity id = new TfTrainContext.Identity(env.get(SpindleEnv.APP_ID), role, index,
        Integer.parseInt(env.getOrDefault(SpindleEnv.ATTEMPT, "0")), false);
    try (TaskReporter reporter = TaskReporter.fromEnvironment(env);
         TensorBoardEvents events = TensorBoardEvents.forTask(conf, role, index, Path.of("").toAbsolutePath())) {
      TfTrainContext ctx = new TfTrainContext(id, new TfCluster(Map.of()), null, conf, TfTrainContext.storeFor(conf),
          Path.of("").toAbsolutePath(), metricsSink(reporter, events), Duration.ZERO);
      EvaluatorLoop.run(job, ctx, Duration.ofMillis(
          new Configuration(false).getTimeDuration("x", conf.getOrDefault("spindle.evaluator.interval", "10s"),
              java.util.concurrent.TimeUnit.MILLISECONDS)));
    }
    return 0;
  }
}
