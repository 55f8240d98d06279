package org.spindle.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.AmView;
import org.spindle.task.TaskReporter;
import org.spindle.task.AppSecret;
import org.spindle.api.JobContext;
import org.spindle.api.SpindleJob;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.SpindleEnv;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Main class of the spark-driver role: a Spark driver whose master is this application ("spindle"),
 * so its executors are the executor role's containers. Runs the job's preTrain, feeds the result to
 * the workers, releases the executors, stays to re-feed a worker that restarts, then runs
 * postTrain once training has ended.
 */
public final class SparkDriverMain {
  private static final Logger LOG = LoggerFactory.getLogger(SparkDriverMain.class);
  static final int EXIT_BAD_INPUT = 2;

  private SparkDriverMain() {}

  public static void main(String[] args) {
    org.spindle.task.TaskCredentials.watch(); // tokens the AM re-obtains from a keytab
    int code;
    try {
      code = run(System.getenv(), JobConf.inContainer());
    } catch (FeedSchemaException e) {
      LOG.error("{}", e.getMessage());
      diagnose(e.getMessage());
      code = EXIT_BAD_INPUT;
    } catch (Throwable t) {
      LOG.error("the Spark driver failed", t);
      diagnose("the Spark driver failed: " + org.spindle.task.TaskFailure.describe(t));
      code = 1;
    }
    System.exit(code);
  }

  /** The launcher puts this file's text into the exit report, so the client sees why. */
  static void diagnose(String message) {
    try {
      Files.writeString(Path.of(SpindleEnv.DIAGNOSTICS_FILE), message, StandardCharsets.UTF_8);
    } catch (IOException ignored) {
      // the log has it
    }
  }

  static int run(Map<String, String> env, JobConf conf) throws Exception {
    SpindleJob job = (SpindleJob) Class.forName(conf.get(ConfigKeys.JOB_CLASS, "")).getDeclaredConstructor()
        .newInstance();
    String executorRole = conf.get(ConfigKeys.SPARK_EXECUTOR_ROLE, "spark-executor");
    int executors = conf.integer(ConfigKeys.roleKey(executorRole, ConfigKeys.ROLE_INSTANCES), 0);
    boolean keep = Boolean.parseBoolean(conf.get(ConfigKeys.SPARK_KEEP_EXECUTORS, "false"));
    SparkConf sparkConf = SparkAuth.apply(sparkConf(env, conf, executorRole, executors), AppSecret.fromCurrentUser(),
        org.spindle.task.TlsIdentity.fromCurrentUser().isPresent());
    // With dynamic allocation Spark itself asks for executors and releases idle ones (SparkContext
    // refuses manual requests and kills then); without it the driver releases them after feeding.
    boolean dynamic = sparkConf.getBoolean(DYNAMIC_ALLOCATION, false);
    SparkSession spark = SparkSession.builder().config(sparkConf).getOrCreate();
    boolean released = false;
    try (TaskReporter reporter = TaskReporter.fromEnvironment(env); AmView am = AmView.fromEnvironment(env)) {
      JobContext ctx = new DriverContext(env, conf.all(), reporter);
      Dataset<Row> df = job.preTrain(spark, ctx);
      Map<String, Integer> feedRoles = new LinkedHashMap<>();
      for (String r : conf.list(ConfigKeys.FEED_ROLES, "worker")) {
        feedRoles.put(r, conf.integer(ConfigKeys.roleKey(r, ConfigKeys.ROLE_INSTANCES), 0));
      }
      WorkerDirectory workers = WorkerDirectory.fromZooKeeper(feedRoles, conf.millis(ConfigKeys.FEED_WORKER_WAIT, "10m"));
      int epochs = df == null ? 0 : conf.integer(ConfigKeys.FEED_EPOCHS, 1);
      DataFrameFeeder feeder = new DataFrameFeeder(workers, AppSecret.fromCurrentUser().reveal(),
          org.spindle.task.TlsIdentity.fromCurrentUser(),
          new DataFrameFeeder.Settings(epochs, conf.integer(ConfigKeys.FEED_BATCH_ROWS, 4096),
              conf.get(ConfigKeys.TF_MODE, "ps").equals("allreduce"), 4, conf.millis(ConfigKeys.FEED_WORKER_WAIT, "10m"),
              filesDir(env, conf)));
      Dataset<Row> prepared = null;
      if (df == null) {
        LOG.info("preTrain returned no DataFrame: nothing to feed");
      } else {
        prepared = FeedColumns.inStableOrder(FeedColumns.prepare(df, conf.get(ConfigKeys.FEED_LABEL_COLUMN, "label")))
            .persist(StorageLevel.MEMORY_AND_DISK());
        FeedColumns.checkData(prepared);
        LOG.info("feeding {} epoch(s) of {} to {} worker(s)", epochs, prepared.schema().simpleString(), workers.size());
      }
      java.util.concurrent.ScheduledExecutorService progress = java.util.concurrent.Executors
          .newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spindle-feed-progress");
            t.setDaemon(true);
            return t;
          });
      progress.scheduleWithFixedDelay(() -> {
        DataFrameFeeder.Progress p = feeder.progress();
        if (p.epoch() >= 0) {
          reporter.reportMetrics(0, Map.of("feed.epoch", (double) p.epoch(),
              "feed.partitions-fed", (double) p.partitionsFed(), "feed.partitions", (double) p.partitionsPerEpoch()));
        }
      }, 2, 2, java.util.concurrent.TimeUnit.SECONDS);
      DataFrameFeeder.Report report;
      try {
        report = df == null ? feeder.report() : feeder.feed(prepared);
      } finally {
        progress.shutdownNow();
      }
      if (df == null) {
        feeder.finishAll(0);
      }
      reporter.reportMetrics(0, Map.of("feed.rows", (double) report.rows(), "feed.batches", (double) report.batches(),
          "feed.refed-partitions", (double) report.refedPartitions(),
          "feed.resumed-batches", (double) report.resumedBatches(),
          "feed.peak-executor-heap-mb", report.peakExecutorHeap() / 1048576.0));
      LOG.info("feed done: {}", report);
      if (dynamic) {
        LOG.info("dynamic allocation: Spark releases the executors once idle for {} (holding cached data: {}, "
            + "shuffle files: {})", sparkConf.get(IDLE_TIMEOUT, "60s"), sparkConf.get(CACHED_IDLE_TIMEOUT),
            sparkConf.get(SHUFFLE_TRACKING_TIMEOUT));
      } else if (!keep) {
        released = releaseExecutors(spark);
      }
      waitForTraining(am, feedRoles, feeder, spark, released, executors, df != null);
      if (overridesPostTrain(job)) {
        if (released && executors > 0) {
          spark.sparkContext().requestExecutors(executors);
          released = false;
        }
        job.postTrain(spark, ctx);
      }
      job.shutdown(ctx);
      if (prepared != null) {
        prepared.unpersist();
      }
    } finally {
      if (!released && !dynamic) {
        releaseExecutors(spark);
      }
      spark.stop();
    }
    return 0;
  }

  /** Until every feed task has finished; a feed worker that restarted after the feed ended is fed again. */
  private static void waitForTraining(AmView am, Map<String, Integer> feedRoles, DataFrameFeeder feeder,
                                      SparkSession spark, boolean released, int executors, boolean fed)
      throws Exception {
    while (true) {
      AmView.JobInfo job = am.job();
      List<AmView.TaskInfo> feedTasks = job.tasks().stream().filter(t -> feedRoles.containsKey(t.role())).toList();
      if (!job.state().equals("RUNNING") || feedTasks.stream().allMatch(t -> t.state().equals("SUCCEEDED"))) {
        LOG.info("training has ended ({})", job.state());
        return;
      }
      if (fed) {
        int w = 0;
        for (Map.Entry<String, Integer> r : feedRoles.entrySet()) {
          for (int i = 0; i < r.getValue(); i++, w++) {
            int index = i;
            boolean up = feedTasks.stream().anyMatch(t -> t.role().equals(r.getKey()) && t.index() == index
                && t.state().equals("REGISTERED"));
            if (up && needsFeed(feeder, w)) {
              if (released && executors > 0) {
                spark.sparkContext().requestExecutors(executors);
              }
              feeder.refeedLastEpoch(w);
              if (released) {
                releaseExecutors(spark);
              }
            }
          }
        }
      }
      Thread.sleep(2000);
    }
  }

  /** Files mode's shard folder: spindle.feed.files-dir, or feed-shards/<appId> beside the staging dir. */
  static String filesDir(Map<String, String> env, JobConf conf) {
    String mode = conf.get(ConfigKeys.FEED_MODE, "stream");
    if (mode.equals("stream")) {
      return null;
    }
    if (!mode.equals("files")) {
      throw new FeedSchemaException(ConfigKeys.FEED_MODE + " must be stream or files, got '" + mode + "'");
    }
    String dir = conf.get(ConfigKeys.FEED_FILES_DIR, "");
    if (dir.isBlank()) {
      dir = env.getOrDefault(SpindleEnv.STAGING_DIR, conf.get(ConfigKeys.STAGING_DIR, "/tmp")) + "/feed-shards";
    }
    return dir + "/" + env.get(SpindleEnv.APP_ID);
  }

  /** A worker whose endpoint is gone has finished training (or is dying): nothing to feed. */
  private static boolean needsFeed(DataFrameFeeder feeder, int w) throws InterruptedException {
    try {
      return !feeder.hasFinished(w);
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      LOG.debug("feed worker {} does not answer: {}", w, e.getMessage());
      return false;
    }
  }

  /** Gives the executors back to YARN (the AM stops their containers); true if any were running. */
  static boolean releaseExecutors(SparkSession spark) {
    List<String> ids = CollectionConverters.asJava(spark.sparkContext().getExecutorIds());
    if (ids.isEmpty()) {
      return true;
    }
    LOG.info("releasing executors {}", ids);
    spark.sparkContext().killExecutors(CollectionConverters.asScala(ids).toSeq());
    return true;
  }

  private static boolean overridesPostTrain(SpindleJob job) {
    try {
      return job.getClass().getMethod("postTrain", SparkSession.class, JobContext.class).getDeclaringClass()
          != SpindleJob.class;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  static final String DYNAMIC_ALLOCATION = "spark.dynamicAllocation.enabled";
  static final String IDLE_TIMEOUT = "spark.dynamicAllocation.executorIdleTimeout";
  static final String CACHED_IDLE_TIMEOUT = "spark.dynamicAllocation.cachedExecutorIdleTimeout";
  static final String SHUFFLE_TRACKING_TIMEOUT = "spark.dynamicAllocation.shuffleTracking.timeout";

  static SparkConf sparkConf(Map<String, String> env, JobConf conf, String executorRole, int executors) {
    String host = env.getOrDefault("NM_HOST", "localhost");
    int cores = conf.integer(ConfigKeys.SPARK_EXECUTOR_CORES, 0);
    if (cores <= 0) {
      cores = conf.integer(ConfigKeys.roleKey(executorRole, ConfigKeys.ROLE_VCORES), 1);
    }
    SparkConf sc = new SparkConf()
        .setMaster(SpindleClusterManager.MASTER)
        .setAppName(conf.get(ConfigKeys.APP_NAME, "spindle"))
        .set("spark.driver.host", host)
        .set("spark.driver.bindAddress", "0.0.0.0")
        .set("spark.driver.port", env.getOrDefault(SpindleEnv.TASK_PORT, "0"))
        .set("spark.ui.enabled", "false")
        .set("spark.speculation", "false")
        .set("spark.executor.cores", Integer.toString(cores))
        .set("spark.sql.session.timeZone", "UTC")
        .set(SpindleClusterManager.EXECUTOR_ROLE_PROPERTY, executorRole);
    conf.all().forEach((k, v) -> {
      if (k.startsWith(ConfigKeys.SPARK_CONF_PREFIX)) {
        sc.set(k.substring(ConfigKeys.SPARK_CONF_PREFIX.length()), v);
      }
    });
    // the executor role's instances are Spark's initial executors (dynamic allocation starts there)
    sc.setIfMissing("spark.executor.instances", Integer.toString(executors));
    if (sc.getBoolean(DYNAMIC_ALLOCATION, false)) {
      // no external shuffle service in the application's containers: Spark tracks shuffle files itself
      sc.setIfMissing("spark.dynamicAllocation.shuffleTracking.enabled", "true");
      // The fed DataFrame stays cached (and its shuffle files tracked) for re-feeding, which would pin
      // every executor for the whole training: Spark never releases executors holding cached blocks or
      // live shuffle data by default. Release them after the idle timeout; a re-feed recomputes.
      String idle = sc.get(IDLE_TIMEOUT, "60s");
      sc.setIfMissing(CACHED_IDLE_TIMEOUT, idle);
      sc.setIfMissing(SHUFFLE_TRACKING_TIMEOUT, idle);
    }
    return sc;
  }

  private record DriverContext(String appId, String role, int index, int attempt, boolean isChief,
                               Map<String, String> conf, TaskReporter reporter) implements JobContext {
    DriverContext(Map<String, String> env, Map<String, String> conf, TaskReporter reporter) {
      this(env.get(SpindleEnv.APP_ID), env.get(SpindleEnv.ROLE), Integer.parseInt(env.getOrDefault(SpindleEnv.INDEX, "0")),
          Integer.parseInt(env.getOrDefault(SpindleEnv.ATTEMPT, "0")), false, Map.copyOf(conf), reporter);
    }

    @Override
    public void reportMetrics(long step, Map<String, Double> metrics) {
      reporter.reportMetrics(step, metrics);
    }
  }
}
