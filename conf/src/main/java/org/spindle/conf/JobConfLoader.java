package org.spindle.conf;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * Layers spindle-default.xml, the job XML files and --conf overrides into one Hadoop
 * Configuration, rejects unknown spindle.* keys with the nearest valid key, and parses the
 * result into an immutable {@link JobSpec}.
 */
public final class JobConfLoader {
  private final KeyCatalog catalog;

  public JobConfLoader() {
    this(KeyCatalog.load());
  }

  public JobConfLoader(KeyCatalog catalog) {
    this.catalog = catalog;
  }

  public KeyCatalog catalog() {
    return catalog;
  }

  /** Layer 1 (defaults), layer 2 (job XML files, in order), layer 3 (overrides). */
  public Configuration layer(List<Path> jobXmls, Map<String, String> overrides) {
    Configuration conf = new Configuration(false);
    conf.addResource(KeyCatalog.DEFAULT_RESOURCE);
    for (Path xml : jobXmls) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(xml);
      } catch (IOException e) {
        throw new SpindleConfigException("cannot read job configuration " + xml + ": " + e.getMessage());
      }
      conf.addResource(new ByteArrayInputStream(bytes), xml.toString());
    }
    try {
      conf.size(); // forces parsing so a malformed XML fails here, naming the file
    } catch (RuntimeException e) {
      throw new SpindleConfigException("malformed job configuration XML: " + rootMessage(e));
    }
    overrides.forEach((k, v) -> conf.set(k, v, "--conf"));
    return conf;
  }

  /** Parses "k=v" command-line overrides. */
  public static Map<String, String> parseOverrides(List<String> kvs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String kv : kvs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new SpindleConfigException("--conf expects key=value, got '" + kv + "'");
      }
      out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return out;
  }

  public JobSpec parse(Configuration conf) {
    List<String> problems = new ArrayList<>();
    checkUnknownKeys(conf, problems);
    Fields f = new Fields(conf, catalog, problems);

    Map<String, RoleSpec> roles = new LinkedHashMap<>();
    for (String role : roleNames(conf, problems)) {
      roles.put(role, parseRole(role, f, problems));
    }
    addFeedPorts(conf, roles, problems);
    String classifier = conf.getTrimmed(ConfigKeys.TF_NATIVE_CLASSIFIER, "linux-x86_64");
    if (!classifier.matches("(linux|macosx|windows)-(x86_64|arm64)(-[a-z0-9]+)?")) {
      problems.add(ConfigKeys.TF_NATIVE_CLASSIFIER + " must be a TF Java native classifier such as linux-x86_64 or "
          + "linux-x86_64-gpu, got '" + classifier + "'");
    }
    if (roles.isEmpty()) {
      problems.add("no roles defined: set at least spindle.role.<name>.instances and "
          + "spindle.role.<name>.command (or .main-class)");
    }
    f.strictBoolean(ConfigKeys.SPARK_KEEP_EXECUTORS, conf.get(ConfigKeys.SPARK_KEEP_EXECUTORS, ""), false);
    String restartMode = conf.getTrimmed(ConfigKeys.APP_RESTART_MODE, "");
    RestartMode mode = restartMode.isEmpty()
        ? TensorFlowRules.defaultRestartMode(conf.getTrimmed(ConfigKeys.TF_MODE, "ps"), roles)
        : parseRestartMode(restartMode, problems);
    TensorFlowRules.check(conf.getTrimmed(ConfigKeys.TF_MODE, "ps"), mode, roles, problems);
    f.intAtLeast(ConfigKeys.TF_INTRA_OP_THREADS, -1);
    f.intAtLeast(ConfigKeys.TF_INTER_OP_THREADS, -1);
    Optional<TaskRef> chief = parseChief(conf.get(ConfigKeys.APP_CHIEF, ""), roles, problems);
    Set<String> untracked = new LinkedHashSet<>(Arrays.asList(conf.getTrimmedStrings(ConfigKeys.APP_UNTRACKED_ROLES)));
    // Spark executors come and go at Spark's request and never finish by themselves.
    untracked.add(conf.getTrimmed(ConfigKeys.SPARK_EXECUTOR_ROLE, "spark-executor"));

    JobSpec spec = new JobSpec(
        conf.get(ConfigKeys.APP_NAME),
        conf.get(ConfigKeys.APP_QUEUE),
        f.intAtLeast(ConfigKeys.APP_PRIORITY, Integer.MIN_VALUE),
        Arrays.asList(conf.getTrimmedStrings(ConfigKeys.APP_TAGS)),
        f.duration(ConfigKeys.APP_TIMEOUT),
        f.intAtLeast(ConfigKeys.APP_MAX_ATTEMPTS, 1),
        f.duration(ConfigKeys.APP_ATTEMPT_FAILURES_VALIDITY),
        chief,
        untracked,
        mode,
        f.intAtLeast(ConfigKeys.AM_MEMORY, 128),
        f.intAtLeast(ConfigKeys.AM_VCORES, 1),
        conf.getTrimmed(ConfigKeys.AM_NODE_LABEL, ""),
        f.duration(ConfigKeys.ALLOCATION_TIMEOUT),
        Math.max(1, f.duration(ConfigKeys.TASK_HEARTBEAT_INTERVAL)),
        f.intAtLeast(ConfigKeys.TASK_MAX_MISSED_HEARTBEATS, 1),
        f.intAtLeast(ConfigKeys.NODE_MAX_FAILURES, 0),
        f.duration(ConfigKeys.TASK_REGISTRATION_TIMEOUT),
        f.duration(ConfigKeys.TASK_PROGRESS_TIMEOUT),
        f.strictBoolean(ConfigKeys.TASK_EARLY_START, conf.getTrimmed(ConfigKeys.TASK_EARLY_START, ""), true),
        conf.getTrimmed(ConfigKeys.ZK_CONNECT, ""),
        Math.max(1000, f.duration(ConfigKeys.ZK_SESSION_TIMEOUT)),
        conf.getTrimmed(ConfigKeys.DIST_JAR, ""),
        conf.getTrimmed(ConfigKeys.STAGING_DIR, ""),
        conf.getTrimmed(ConfigKeys.CONTAINER_JAVA_HOME, ""),
        conf.getTrimmed(ConfigKeys.CONTAINER_JAVA_OPTS, ""),
        conf.getTrimmed(ConfigKeys.CONTAINER_EXTRA_CLASSPATH, ""),
        conf.getTrimmed(ConfigKeys.CONTAINER_TASK_CLASSPATH, ""),
        Arrays.asList(conf.getTrimmedStrings(ConfigKeys.CONTAINER_ARCHIVES)),
        Arrays.asList(conf.getTrimmedStrings(ConfigKeys.CONTAINER_RUNTIME_ARCHIVES)),
        conf.getTrimmed(ConfigKeys.ARCHIVE_CACHE_DIR, ""),
        roles);
    if (!problems.isEmpty()) {
      throw new SpindleConfigException(problems);
    }
    return spec;
  }

  /** Convenience: layer and parse. */
  public JobSpec load(List<Path> jobXmls, Map<String, String> overrides) {
    return parse(layer(jobXmls, overrides));
  }

  private void checkUnknownKeys(Configuration conf, List<String> problems) {
    Set<String> unknown = new TreeSet<>();
    for (Map.Entry<String, String> e : conf) {
      String key = e.getKey();
      if (key.startsWith(ConfigKeys.PREFIX) && !key.contains("{") && !catalog.isKnown(key)) {
        unknown.add(key);
      }
    }
    for (String key : unknown) {
      problems.add("unknown key '" + key + "'; did you mean '" + catalog.suggest(key) + "'?"
          + " (all keys: conf/spindle-default.xml)");
    }
  }

  private static Set<String> roleNames(Configuration conf, List<String> problems) {
    Set<String> roles = new TreeSet<>();
    Set<String> reported = new HashSet<>();
    for (Map.Entry<String, String> e : conf) {
      String[] split = RoleKeys.split(e.getKey());
      if (split == null || split[0].contains("{")) {
        continue;
      }
      if (!RoleKeys.ROLE_NAME.matcher(split[0]).matches()) {
        if (reported.add(split[0])) {
          problems.add("role name '" + split[0] + "' is invalid: use lower-case letters, digits, '-' or '_'");
        }
        continue;
      }
      roles.add(split[0]);
    }
    return roles;
  }

  private static RoleSpec parseRole(String role, Fields f, List<String> problems) {
    Configuration conf = f.conf;
    String mainClass = conf.getTrimmed(ConfigKeys.roleKey(role, ConfigKeys.ROLE_MAIN_CLASS), "");
    String command = conf.getTrimmed(ConfigKeys.roleKey(role, ConfigKeys.ROLE_COMMAND), "");
    if (mainClass.isEmpty() && command.isEmpty()) {
      mainClass = RoleDefaults.mainClass(role).orElse("");
    }
    if (mainClass.isEmpty() == command.isEmpty()) {
      problems.add("role '" + role + "' needs exactly one of " + ConfigKeys.roleKey(role, ConfigKeys.ROLE_MAIN_CLASS)
          + " or " + ConfigKeys.roleKey(role, ConfigKeys.ROLE_COMMAND));
    }
    String gangKey = ConfigKeys.roleKey(role, ConfigKeys.ROLE_GANG);
    boolean gang = f.strictBoolean(gangKey, conf.getTrimmed(gangKey, ""),
        !(role.equals("evaluator") || role.equals("spark-executor") || role.equals("spark-driver")));
    Map<String, String> env = new LinkedHashMap<>();
    String envPrefix = ConfigKeys.roleKey(role, ConfigKeys.ROLE_ENV) + ".";
    for (Map.Entry<String, String> e : conf.getPropsWithPrefix(envPrefix).entrySet()) {
      env.put(e.getKey(), e.getValue());
    }
    String args = conf.getTrimmed(ConfigKeys.roleKey(role, ConfigKeys.ROLE_ARGS), "");
    int instances = f.roleInt(role, ConfigKeys.ROLE_INSTANCES, 0);
    return new RoleSpec(
        role,
        instances,
        f.roleInt(role, ConfigKeys.ROLE_MEMORY, 1),
        f.roleInt(role, ConfigKeys.ROLE_VCORES, 1),
        f.roleInt(role, ConfigKeys.ROLE_GPUS, 0),
        f.roleString(role, ConfigKeys.ROLE_NODE_LABEL),
        maxRestarts(role, instances, f),
        mainClass,
        command,
        args.isEmpty() ? List.of() : Arrays.asList(args.split("\\s+")),
        gang,
        f.roleString(role, ConfigKeys.ROLE_JAVA_OPTS),
        env,
        ports(role, conf.getTrimmedStrings(ConfigKeys.roleKey(role, ConfigKeys.ROLE_PORTS)), problems),
        framework(role, f, problems),
        docker(role, f));
  }

  private static String framework(String role, Fields f, List<String> problems) {
    String key = ConfigKeys.roleKey(role, ConfigKeys.ROLE_FRAMEWORK);
    String v = f.conf.getTrimmed(key, "tensorflow");
    if (!RoleSpec.FRAMEWORKS.contains(v)) {
      problems.add(key + "=" + v + " is not one of " + RoleSpec.FRAMEWORKS);
    }
    return v;
  }

  /** The role's Docker keys; spindle.docker.image is every role's default image. */
  private static RoleSpec.Docker docker(String role, Fields f) {
    Configuration conf = f.conf;
    String image = conf.getTrimmed(ConfigKeys.roleKey(role, ConfigKeys.ROLE_DOCKER_IMAGE),
        conf.getTrimmed(ConfigKeys.DOCKER_IMAGE, ""));
    String privilegedKey = ConfigKeys.roleKey(role, ConfigKeys.ROLE_DOCKER_RUN_PRIVILEGED);
    return new RoleSpec.Docker(image, conf.getTrimmed(ConfigKeys.roleKey(role, ConfigKeys.ROLE_DOCKER_MOUNTS), ""),
        conf.getTrimmed(ConfigKeys.roleKey(role, ConfigKeys.ROLE_DOCKER_NETWORK), ""),
        f.strictBoolean(privilegedKey, conf.getTrimmed(privilegedKey, ""), false));
  }

  /**
   * The role's max-restarts. Spark executors that die (most often at start, before the driver is up)
   * are replaced by default, as Spark on YARN replaces them up to spark.executor.maxNumFailures,
   * whose default this follows: max(3, 2 x instances). An explicit key, for the role or {role}, wins.
   */
  private static int maxRestarts(String role, int instances, Fields f) {
    Configuration conf = f.conf;
    // spindle-default.xml leaves the template empty, so an explicit 0 still means 0 once the job XML is
    // staged and parsed again by the AM and the launchers
    boolean set = !conf.getTrimmed(ConfigKeys.roleKey(role, ConfigKeys.ROLE_MAX_RESTARTS),
        conf.getTrimmed(ConfigKeys.roleTemplate(ConfigKeys.ROLE_MAX_RESTARTS), "")).isEmpty();
    if (set) {
      return f.roleInt(role, ConfigKeys.ROLE_MAX_RESTARTS, 0);
    }
    return role.equals(conf.getTrimmed(ConfigKeys.SPARK_EXECUTOR_ROLE, "spark-executor")) ? Math.max(3, 2 * instances) : 0;
  }

  /** With a Spark driver role, every feed role's tasks get the port named feed. */
  private static void addFeedPorts(Configuration conf, Map<String, RoleSpec> roles, List<String> problems) {
    String driver = conf.getTrimmed(ConfigKeys.SPARK_DRIVER_ROLE, "spark-driver");
    if (!roles.containsKey(driver)) {
      return;
    }
    List<String> feedRoles = Arrays.asList(conf.getTrimmedStrings(ConfigKeys.FEED_ROLES, "worker"));
    List<String> missing = new ArrayList<>();
    for (String r : feedRoles) {
      RoleSpec spec = roles.get(r);
      if (spec == null) {
        missing.add(r);
        continue;
      }
      if (!spec.ports().contains("feed")) {
        List<String> ports = new ArrayList<>(spec.ports());
        ports.add("feed");
        roles.put(r, spec.withPorts(ports));
      }
    }
    if (!missing.isEmpty()) {
      problems.add(ConfigKeys.FEED_ROLES + " names " + missing + ", which this job does not define (its roles: "
          + roles.keySet() + "); the Spark driver would have nobody to feed");
    }
  }

  private static List<String> ports(String role, String[] names, List<String> problems) {
    List<String> out = new java.util.ArrayList<>();
    for (String n : names) {
      if (!n.matches("[a-z][a-z0-9_]*") || n.equals("task")) {
        problems.add(ConfigKeys.roleKey(role, ConfigKeys.ROLE_PORTS) + ": port name '" + n
            + "' is invalid: use lower-case letters, digits and '_' (and not 'task', which every task has)");
      } else if (!out.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }

  private static RestartMode parseRestartMode(String value, List<String> problems) {
    try {
      return RestartMode.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add(ConfigKeys.APP_RESTART_MODE + " must be 'independent' or 'gang', got '" + value + "'");
      return RestartMode.INDEPENDENT;
    }
  }

  private static Optional<TaskRef> parseChief(String value, Map<String, RoleSpec> roles, List<String> problems) {
    if (value.isBlank()) {
      if (roles.containsKey("chief")) {
        return Optional.of(new TaskRef("chief", 0));
      }
      if (roles.containsKey("worker")) {
        return Optional.of(new TaskRef("worker", 0));
      }
      return Optional.empty();
    }
    try {
      TaskRef ref = TaskRef.parse(value.trim());
      RoleSpec r = roles.get(ref.role());
      if (r == null || ref.index() < 0 || ref.index() >= r.instances()) {
        problems.add(ConfigKeys.APP_CHIEF + "=" + value + " names no task of this job");
      }
      return Optional.of(ref);
    } catch (IllegalArgumentException e) {
      problems.add(ConfigKeys.APP_CHIEF + " must be role:index, got '" + value + "'");
      return Optional.empty();
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  /** Typed reads that record a problem instead of throwing, so all problems are reported at once. */
  private static final class Fields {
    final Configuration conf;
    final KeyCatalog catalog;
    final List<String> problems;

    Fields(Configuration conf, KeyCatalog catalog, List<String> problems) {
      this.conf = conf;
      this.catalog = catalog;
      this.problems = problems;
    }

    int intAtLeast(String key, int min) {
      return checkedInt(key, conf.getTrimmed(key, catalog.defaultOf(key)), min);
    }

    int roleInt(String role, String suffix, int min) {
      String key = ConfigKeys.roleKey(role, suffix);
      String def = conf.getTrimmed(ConfigKeys.roleTemplate(suffix), catalog.defaultOf(ConfigKeys.roleTemplate(suffix)));
      return checkedInt(key, conf.getTrimmed(key, def), min);
    }

    String roleString(String role, String suffix) {
      String def = conf.getTrimmed(ConfigKeys.roleTemplate(suffix), "");
      return conf.getTrimmed(ConfigKeys.roleKey(role, suffix), def);
    }

    private int checkedInt(String key, String value, int min) {
      try {
        int v = Integer.parseInt(value.trim());
        if (v < min) {
          problems.add(key + " must be at least " + min + ", got " + v);
        }
        return v;
      } catch (NumberFormatException e) {
        problems.add(key + " must be an integer, got '" + value + "'");
        return min;
      }
    }

    /**
     * "true" or "false" (any case); anything else ("yes", "ture", "1") is a problem naming the key,
     * not a silent false. Empty means {@code fallback}.
     */
    boolean strictBoolean(String key, String value, boolean fallback) {
      String v = value == null ? "" : value.trim();
      if (v.isEmpty()) {
        return fallback;
      }
      if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(v);
      }
      problems.add(key + " must be true or false, got '" + value + "'");
      return fallback;
    }

    long duration(String key) {
      try {
        long v = conf.getTimeDuration(key, catalog.defaultOf(key), TimeUnit.MILLISECONDS, TimeUnit.MILLISECONDS);
        if (v < 0) {
          problems.add(key + " must not be negative, got " + conf.get(key));
        }
        return v;
      } catch (NumberFormatException e) {
        problems.add(key + " must be a duration such as 30s, 5m or 2h, got '" + conf.get(key) + "'");
        return 0;
      }
    }
  }
}
