package org.spindle.conf;

import java.util.List;

/** Every configuration key Spindle reads. Kept in sync with spindle-default.xml by a test. */
public final class ConfigKeys {
  private ConfigKeys() {}

  public static final String PREFIX = "spindle.";
  public static final String ROLE_PREFIX = "spindle.role.";
  /** Placeholder for the role name in templated keys. */
  public static final String ROLE_PLACEHOLDER = "{role}";

  public static final String APP_NAME = "spindle.app.name";
  public static final String APP_QUEUE = "spindle.app.queue";
  public static final String APP_PRIORITY = "spindle.app.priority";
  public static final String APP_TAGS = "spindle.app.tags";
  public static final String APP_TIMEOUT = "spindle.app.timeout";
  public static final String APP_MAX_ATTEMPTS = "spindle.app.max-attempts";
  public static final String APP_ATTEMPT_FAILURES_VALIDITY = "spindle.app.attempt-failures-validity-interval";
  public static final String APP_CHIEF = "spindle.app.chief";
  public static final String APP_UNTRACKED_ROLES = "spindle.app.untracked-roles";
  public static final String APP_RESTART_MODE = "spindle.app.restart-mode";

  public static final String AM_MEMORY = "spindle.am.memory";
  public static final String AM_VCORES = "spindle.am.vcores";
  public static final String AM_NODE_LABEL = "spindle.am.node-label";
  public static final String ALLOCATION_TIMEOUT = "spindle.allocation.timeout";

  public static final String TASK_HEARTBEAT_INTERVAL = "spindle.task.heartbeat-interval";
  public static final String TASK_MAX_MISSED_HEARTBEATS = "spindle.task.max-missed-heartbeats";
  public static final String NODE_MAX_FAILURES = "spindle.node.max-failures";
  public static final String TASK_REGISTRATION_TIMEOUT = "spindle.task.registration-timeout";
  public static final String TASK_PROGRESS_TIMEOUT = "spindle.task.progress-timeout";
  public static final String TASK_EARLY_START = "spindle.task.early-start";

  public static final String ZK_CONNECT = "spindle.zookeeper.connect";
  public static final String ZK_SESSION_TIMEOUT = "spindle.zookeeper.session-timeout";
  public static final String ZK_SASL = "spindle.zookeeper.sasl";

  public static final String KERBEROS_PRINCIPAL = "spindle.kerberos.principal";
  public static final String KERBEROS_KEYTAB = "spindle.kerberos.keytab";
  public static final String KERBEROS_ACCESS_FILESYSTEMS = "spindle.kerberos.access.filesystems";
  public static final String KERBEROS_RENEWAL_RATIO = "spindle.kerberos.renewal-ratio";
  public static final String SECURITY_ENCRYPTION = "spindle.security.encryption";

  public static final String DIST_JAR = "spindle.dist.jar";
  public static final String STAGING_DIR = "spindle.staging.dir";
  public static final String HISTORY_DIR = "spindle.history.dir";
  public static final String CONTAINER_JAVA_HOME = "spindle.container.java-home";
  public static final String CONTAINER_JAVA_OPTS = "spindle.container.java-opts";
  public static final String CONTAINER_EXTRA_CLASSPATH = "spindle.container.extra-classpath";
  public static final String CONTAINER_TASK_CLASSPATH = "spindle.container.task-classpath";
  public static final String CONTAINER_ARCHIVES = "spindle.container.archives";
  /** The TensorFlow and Spark runtimes on the cluster's file system; submit sets it from its cache. */
  public static final String CONTAINER_RUNTIME_ARCHIVES = "spindle.container.runtime-archives";
  public static final String ARCHIVE_CACHE_DIR = "spindle.archive.cache-dir";
  /** Every role's Docker image unless spindle.role.<r>.docker.image says otherwise. */
  public static final String DOCKER_IMAGE = "spindle.docker.image";

  public static final String JOB_CLASS = "spindle.job.class";
  public static final String TF_MODE = "spindle.tensorflow.mode";
  public static final String TF_NATIVE_CLASSIFIER = "spindle.tensorflow.native-classifier";
  public static final String TF_BIND_CONTAINER_ADDRESS = "spindle.tensorflow.bind-container-address";
  public static final String TF_INTRA_OP_THREADS = "spindle.tensorflow.intra-op-threads";
  public static final String TF_INTER_OP_THREADS = "spindle.tensorflow.inter-op-threads";
  public static final String CHECKPOINT_DIR = "spindle.checkpoint.dir";
  public static final String TENSORBOARD_DIR = "spindle.tensorboard.dir";

  /**
   * Where the tasks' TensorBoard event files go: spindle.tensorboard.dir, else "tensorboard" beside the
   * checkpoint directory; empty when neither is set (no event files).
   */
  /**
   * Whether an application runs encrypted: spindle.security.encryption is true, false, or auto (the default),
   * which is on exactly when the cluster uses Kerberos.
   */
  public static boolean encryption(String value, boolean kerberos) {
    String v = value == null ? "auto" : value.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (v) {
      case "", "auto" -> kerberos;
      case "true" -> true;
      case "false" -> false;
      default -> throw new SpindleConfigException(SECURITY_ENCRYPTION + "=" + value
          + " is not one of auto, true or false");
    };
  }

  /**
   * Whether the AM logs in to the job's ZooKeeper ensemble with Kerberos (SASL): spindle.zookeeper.sasl is
   * auto (the default: exactly when the cluster uses Kerberos, the job has a keytab and names an external
   * ensemble), true (all three are then required) or false.
   */
  public static boolean zookeeperSasl(String value, boolean kerberos, boolean keytab, boolean externalEnsemble) {
    String v = value == null ? "auto" : value.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (v) {
      case "", "auto" -> kerberos && keytab && externalEnsemble;
      case "false" -> false;
      case "true" -> {
        List<String> missing = new java.util.ArrayList<>();
        if (!kerberos) {
          missing.add("a cluster with Kerberos (hadoop.security.authentication=kerberos)");
        }
        if (!keytab) {
          missing.add(KERBEROS_PRINCIPAL + " and " + KERBEROS_KEYTAB + " (the AM logs in to ZooKeeper from the keytab)");
        }
        if (!externalEnsemble) {
          missing.add(ZK_CONNECT + " (the ZooKeeper the AM embeds has no Kerberos)");
        }
        if (!missing.isEmpty()) {
          throw new SpindleConfigException(ZK_SASL + "=true needs " + String.join(", ", missing));
        }
        yield true;
      }
      default -> throw new SpindleConfigException(ZK_SASL + "=" + value + " is not one of auto, true or false");
    };
  }

  public static String tensorboardDir(String explicit, String checkpointDir) {
    if (explicit != null && !explicit.isBlank()) {
      return explicit.trim();
    }
    if (checkpointDir == null || checkpointDir.isBlank()) {
      return "";
    }
    org.apache.hadoop.fs.Path parent = new org.apache.hadoop.fs.Path(checkpointDir.trim()).getParent();
    return parent == null ? checkpointDir.trim() + "/tensorboard" : new org.apache.hadoop.fs.Path(parent, "tensorboard").toString();
  }
  public static final String CHECKPOINT_KEEP = "spindle.checkpoint.keep";
  public static final String MODEL_EXPORT_DIR = "spindle.model.export-dir";
  public static final String EVALUATOR_INTERVAL = "spindle.evaluator.interval";

  public static final String FEED_ROLES = "spindle.feed.roles";
  public static final String FEED_LABEL_COLUMN = "spindle.feed.label-column";
  public static final String FEED_BUFFER_BYTES = "spindle.feed.buffer-bytes";
  public static final String FEED_BATCH_ROWS = "spindle.feed.batch-rows";
  public static final String FEED_EPOCHS = "spindle.feed.epochs";
  public static final String FEED_MODE = "spindle.feed.mode";
  public static final String FEED_FILES_DIR = "spindle.feed.files-dir";
  public static final String FEED_WORKER_WAIT = "spindle.feed.worker-wait";

  public static final String SPARK_DRIVER_ROLE = "spindle.spark.driver-role";
  public static final String SPARK_EXECUTOR_ROLE = "spindle.spark.executor-role";
  public static final String SPARK_KEEP_EXECUTORS = "spindle.spark.keep-executors";
  public static final String SPARK_EXECUTOR_CORES = "spindle.spark.executor-cores";
  public static final String SPARK_CONF_PREFIX = "spindle.spark.conf.";

  // Per-role suffixes: spindle.role.<name>.<suffix>
  public static final String ROLE_INSTANCES = "instances";
  public static final String ROLE_MEMORY = "memory";
  public static final String ROLE_VCORES = "vcores";
  public static final String ROLE_GPUS = "gpus";
  public static final String ROLE_NODE_LABEL = "node-label";
  public static final String ROLE_MAX_RESTARTS = "max-restarts";
  public static final String ROLE_MAIN_CLASS = "main-class";
  public static final String ROLE_COMMAND = "command";
  public static final String ROLE_ARGS = "args";
  public static final String ROLE_GANG = "gang";
  public static final String ROLE_JAVA_OPTS = "java-opts";
  public static final String ROLE_PORTS = "ports";
  public static final String ROLE_FRAMEWORK = "framework";
  public static final String ROLE_DOCKER_IMAGE = "docker.image";
  public static final String ROLE_DOCKER_MOUNTS = "docker.mounts";
  public static final String ROLE_DOCKER_NETWORK = "docker.network";
  public static final String ROLE_DOCKER_RUN_PRIVILEGED = "docker.run-privileged";
  /** spindle.role.<name>.env.<VAR> */
  public static final String ROLE_ENV = "env";

  public static final List<String> APP_KEYS = List.of(
      APP_NAME, APP_QUEUE, APP_PRIORITY, APP_TAGS, APP_TIMEOUT, APP_MAX_ATTEMPTS, APP_ATTEMPT_FAILURES_VALIDITY, APP_CHIEF,
      APP_UNTRACKED_ROLES, APP_RESTART_MODE, AM_MEMORY, AM_VCORES, AM_NODE_LABEL, ALLOCATION_TIMEOUT,
      TASK_HEARTBEAT_INTERVAL, TASK_MAX_MISSED_HEARTBEATS, NODE_MAX_FAILURES, TASK_REGISTRATION_TIMEOUT, TASK_PROGRESS_TIMEOUT, TASK_EARLY_START,
      ZK_CONNECT, ZK_SESSION_TIMEOUT, ZK_SASL, KERBEROS_PRINCIPAL, KERBEROS_KEYTAB, KERBEROS_ACCESS_FILESYSTEMS,
      KERBEROS_RENEWAL_RATIO, SECURITY_ENCRYPTION, DIST_JAR, STAGING_DIR, HISTORY_DIR, CONTAINER_JAVA_HOME,
      CONTAINER_JAVA_OPTS, CONTAINER_EXTRA_CLASSPATH, CONTAINER_TASK_CLASSPATH, CONTAINER_ARCHIVES, CONTAINER_RUNTIME_ARCHIVES, ARCHIVE_CACHE_DIR, DOCKER_IMAGE, JOB_CLASS, TF_MODE, TF_NATIVE_CLASSIFIER, TF_BIND_CONTAINER_ADDRESS,
      TF_INTRA_OP_THREADS, TF_INTER_OP_THREADS, CHECKPOINT_DIR,
      CHECKPOINT_KEEP, TENSORBOARD_DIR, MODEL_EXPORT_DIR, EVALUATOR_INTERVAL, FEED_ROLES, FEED_LABEL_COLUMN, FEED_BUFFER_BYTES,
      FEED_BATCH_ROWS, FEED_EPOCHS, FEED_MODE, FEED_FILES_DIR, FEED_WORKER_WAIT, SPARK_DRIVER_ROLE,
      SPARK_EXECUTOR_ROLE, SPARK_KEEP_EXECUTORS, SPARK_EXECUTOR_CORES);

  public static final List<String> ROLE_SUFFIXES = List.of(
      ROLE_INSTANCES, ROLE_MEMORY, ROLE_VCORES, ROLE_GPUS, ROLE_NODE_LABEL, ROLE_MAX_RESTARTS,
      ROLE_MAIN_CLASS, ROLE_COMMAND, ROLE_ARGS, ROLE_GANG, ROLE_JAVA_OPTS, ROLE_PORTS, ROLE_FRAMEWORK,
      ROLE_DOCKER_IMAGE, ROLE_DOCKER_MOUNTS, ROLE_DOCKER_NETWORK, ROLE_DOCKER_RUN_PRIVILEGED);

  /** The templated name under which spindle-default.xml documents a role key. */
  public static String roleTemplate(String suffix) {
    return ROLE_PREFIX + ROLE_PLACEHOLDER + "." + suffix;
  }

  public static String roleKey(String role, String suffix) {
    return ROLE_PREFIX + role + "." + suffix;
  }

  /** The templated name of the Spark configuration pass-through family. */
  public static final String SPARK_CONF_TEMPLATE = SPARK_CONF_PREFIX + "{name}";

  /** The templated name of the env key family. */
  public static final String ROLE_ENV_TEMPLATE = ROLE_PREFIX + ROLE_PLACEHOLDER + ".env.{name}";
}
