package org.spindle.conf;

/** Environment variables the AM sets in containers (the launcher reads them once at start-up). */
public final class SpindleEnv {
  private SpindleEnv() {}

  public static final String APP_ID = "SPINDLE_APP_ID";
  public static final String ROLE = "SPINDLE_ROLE";
  public static final String INDEX = "SPINDLE_INDEX";
  /** Gang attempt (bumped on every gang restart). */
  public static final String ATTEMPT = "SPINDLE_ATTEMPT";
  /** Per-task generation (bumped on every independent restart). */
  public static final String GENERATION = "SPINDLE_GENERATION";
  public static final String AM_ADDRESS = "SPINDLE_AM_ADDRESS";
  public static final String ZK_CONNECT = "SPINDLE_ZK_CONNECT";
  /**
   * The file each AM attempt writes its addresses to (in the staging directory): tasks read it when
   * the AM they knew stops answering, to follow a new attempt.
   */
  public static final String AM_RECORD = "SPINDLE_AM_RECORD";
  /**
   * "true" when SPINDLE_ZK_CONNECT names the job's external ensemble, which outlives the AM: tasks
   * then find a new AM attempt in ZooKeeper (/spindle/&lt;appId&gt;/am) before the staging file.
   */
  public static final String ZK_EXTERNAL = "SPINDLE_ZK_EXTERNAL";
  /** Where the client staged spindle.jar and the job XML (read by the AM). */
  public static final String STAGING_DIR = "SPINDLE_STAGING_DIR";
  /** Set for the user process: the assembled cluster spec as JSON {"role": ["host:port", ...]}. */
  public static final String CLUSTER_SPEC = "SPINDLE_CLUSTER_SPEC";
  /**
   * "true" for a user process the launcher started before its gang assembled (spindle.task.early-start):
   * the launcher writes the cluster spec JSON, one line, to the process's standard input once the gang
   * assembled, and closes it; SPINDLE_CLUSTER_SPEC is then unset.
   */
  public static final String CLUSTER_SPEC_ON_STDIN = "SPINDLE_CLUSTER_SPEC_ON_STDIN";
  /** Set for the user process: the port the launcher reserved for this task. */
  public static final String TASK_PORT = "SPINDLE_TASK_PORT";
  public static final String IS_CHIEF = "SPINDLE_IS_CHIEF";
  /**
   * Set in task containers: the classpath of the task's own process (runtimes, user jars, then the
   * launcher's). The launcher itself runs on CLASSPATH, which holds neither TensorFlow nor Spark.
   */
  public static final String TASK_CLASSPATH = "SPINDLE_TASK_CLASSPATH";

  /** File names inside every container's working directory. */
  public static final String DIST_JAR_NAME = "spindle.jar";
  /**
   * What task containers run instead of spindle.jar: the container launcher and the task-side clients,
   * without the AM's or the client's classes. Built into spindle.jar at {@link #TASK_JAR_RESOURCE}.
   */
  public static final String TASK_JAR_NAME = "spindle-task.jar";
  public static final String TASK_JAR_RESOURCE = "META-INF/spindle/spindle-task.jar";
  public static final String JOB_XML_NAME = "spindle-job.xml";
  /** The keytab (spindle.kerberos.keytab) as the ApplicationMaster's container localizes it; no task gets it. */
  public static final String KEYTAB_NAME = "spindle.keytab";
  /** Where a task's launcher writes the delegation tokens the AM re-obtained; its user process reloads them. */
  public static final String CREDENTIALS_FILE = "SPINDLE_CREDENTIALS_FILE";
  /** A task's process may write why it failed here (working directory); the launcher reports it. */
  public static final String DIAGNOSTICS_FILE = "spindle-diagnostics.txt";
}
