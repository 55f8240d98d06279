package org.spindle.am.yarn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.yarn.api.ApplicationConstants;
import org.apache.hadoop.yarn.api.ApplicationConstants.Environment;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.apache.hadoop.yarn.api.records.LocalResourceType;
import org.apache.hadoop.yarn.api.records.LocalResourceVisibility;
import org.apache.hadoop.yarn.api.records.URL;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.spindle.conf.ContainerLogging;
import org.spindle.conf.SpindleEnv;

/** The pieces every Spindle container launch shares: staged files, classpath, java command, tokens. */
public final class ContainerSpecs {
  /** User jars (--jars) are staged and localized under this directory. */
  public static final String USER_JARS_DIR = "jars";
  /** Archives (spindle.container.archives) uploaded by the client are staged here. */
  public static final String ARCHIVES_DIR = "archives";

  private ContainerSpecs() {}

  /** The link name of an archive entry "path[#name]": the name, or the file name without extension. */
  public static String archiveName(String entry) {
    int hash = entry.indexOf('#');
    if (hash >= 0) {
      return entry.substring(hash + 1);
    }
    String file = entry.substring(entry.lastIndexOf('/') + 1);
    return file.replaceFirst("\\.(zip|tar\\.gz|tgz|tar|jar)$", "");
  }

  /** The archive's location without the #name suffix. */
  public static String archivePath(String entry) {
    int hash = entry.indexOf('#');
    return hash >= 0 ? entry.substring(0, hash) : entry;
  }

  /**
   * Archives as ARCHIVE resources (unpacked by the NodeManager), APPLICATION visibility. Entries
   * the client staged are read from the staging dir; cluster URIs are used in place.
   */
  public static Map<String, LocalResource> archives(Configuration conf, Path stagingDir, List<String> entries)
      throws IOException {
    Map<String, LocalResource> out = new LinkedHashMap<>();
    for (String entry : entries) {
      String path = archivePath(entry);
      Path p = isClusterUri(path) ? new Path(path)
          : new Path(new Path(stagingDir, ARCHIVES_DIR), new Path(path).getName());
      FileSystem fs = p.getFileSystem(conf);
      out.put(archiveName(entry), resource(fs, fs.getFileStatus(p), LocalResourceType.ARCHIVE,
          LocalResourceVisibility.APPLICATION));
    }
    return out;
  }

  /**
   * The runtime archives (spindle.container.runtime-archives: path#name on the cluster's file system,
   * written by submit's cache) by name, with PRIVATE visibility: they never change under their
   * content-hash names, so a NodeManager keeps one copy per user for every later job.
   */
  public static Map<String, LocalResource> runtimeArchives(Configuration conf, List<String> entries)
      throws IOException {
    Map<String, LocalResource> out = new LinkedHashMap<>();
    for (String entry : entries) {
      Path p = new Path(archivePath(entry));
      FileSystem fs = p.getFileSystem(conf);
      out.put(archiveName(entry), resource(fs, fs.getFileStatus(p), LocalResourceType.ARCHIVE,
          LocalResourceVisibility.PRIVATE));
    }
    return out;
  }

  /** hdfs://, s3a://... are used in place; plain paths and file:// are uploaded by the client. */
  public static boolean isClusterUri(String path) {
    return path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !path.startsWith("file:");
  }

  /**
   * A Spindle jar ({@code jarName}: spindle.jar for the AM, spindle-task.jar for tasks), the job XML and
   * the user's jars from the staging dir. APPLICATION visibility: each NodeManager localizes them once
   * per application and every container of the app on that node shares the copy.
   */
  public static Map<String, LocalResource> stagedFiles(Configuration conf, Path stagingDir, String jarName)
      throws IOException {
    FileSystem fs = stagingDir.getFileSystem(conf);
    Map<String, LocalResource> out = new LinkedHashMap<>();
    for (String name : List.of(jarName, SpindleEnv.JOB_XML_NAME)) {
      FileStatus st = fs.getFileStatus(new Path(stagingDir, name));
      out.put(name, resource(fs, st));
    }
    Path jars = new Path(stagingDir, USER_JARS_DIR);
    if (fs.exists(jars)) {
      for (FileStatus st : fs.listStatus(jars)) {
        out.put(USER_JARS_DIR + "/" + st.getPath().getName(), resource(fs, st));
      }
    }
    return out;
  }

  private static LocalResource resource(FileSystem fs, FileStatus st) {
    return resource(fs, st, LocalResourceType.FILE, LocalResourceVisibility.APPLICATION);
  }

  /** A file on the cluster's file system as YARN localizes it: its URL, size and timestamp as they are now. */
  public static LocalResource resource(FileSystem fs, FileStatus st, LocalResourceType type,
                                        LocalResourceVisibility visibility) {
    return LocalResource.newInstance(URL.fromPath(fs.makeQualified(st.getPath())), type, visibility, st.getLen(),
        st.getModificationTime());
  }

  /**
   * The AM's and the launcher's classpath: the Spindle jar first (spindle.jar for the AM,
   * spindle-task.jar for the launcher), then the cluster's configuration and Hadoop
   * (yarn.application.classpath), then the extra entries. No runtime archive, no user jar: their
   * logging jars would decide what these JVMs log, and neither JVM needs TensorFlow or Spark.
   */
  public static String classpath(Configuration conf, String extra, String jarName) {
    List<String> cp = new ArrayList<>();
    cp.add(Environment.PWD.$$() + "/" + jarName);
    cp.add(Environment.PWD.$$());
    addClusterAndExtra(cp, conf, extra);
    return String.join(ApplicationConstants.CLASS_PATH_SEPARATOR, cp);
  }

  /**
   * A task process's classpath: spindle-task.jar, the runtime archives and task-only entries, the
   * user's jars, then the same cluster and extra entries as {@link #classpath}.
   */
  public static String taskClasspath(Configuration conf, String extra, String taskExtra, List<String> archives) {
    List<String> cp = new ArrayList<>();
    cp.add(Environment.PWD.$$() + "/" + SpindleEnv.TASK_JAR_NAME);
    for (String a : archives) {
      cp.add(Environment.PWD.$$() + "/" + archiveName(a) + "/*");
    }
    addEntries(cp, taskExtra);
    cp.add(Environment.PWD.$$());
    cp.add(Environment.PWD.$$() + "/" + USER_JARS_DIR + "/*");
    addClusterAndExtra(cp, conf, extra);
    return String.join(ApplicationConstants.CLASS_PATH_SEPARATOR, cp);
  }

  private static void addClusterAndExtra(List<String> cp, Configuration conf, String extra) {
    cp.add(Environment.HADOOP_CONF_DIR.$$());
    for (String e : conf.getTrimmedStrings(YarnConfiguration.YARN_APPLICATION_CLASSPATH,
        YarnConfiguration.DEFAULT_YARN_CROSS_PLATFORM_APPLICATION_CLASSPATH)) {
      cp.add(e);
    }
    addEntries(cp, extra);
  }

  private static void addEntries(List<String> cp, String entries) {
    for (String e : entries.split("[:,]")) {
      if (!e.isBlank()) {
        cp.add(e.trim());
      }
    }
  }

  /**
   * A java command line for a Spindle JVM (the AM or a task's launcher): Spindle's own logging
   * configuration, stdout/stderr redirected into the container's log dir.
   */
  public static List<String> javaCommand(String javaHome, int heapMb, String opts, String mainClass) {
    String java = javaHome.isEmpty() ? Environment.JAVA_HOME.$$() + "/bin/java" : javaHome + "/bin/java";
    String logging = String.join(" ", ContainerLogging.jvmOptions(ApplicationConstants.LOG_DIR_EXPANSION_VAR));
    return List.of(java + " -Xmx" + heapMb + "m -XX:+ExitOnOutOfMemoryError " + logging + " " + opts + " "
        + mainClass
        + " 1>" + ApplicationConstants.LOG_DIR_EXPANSION_VAR + "/stdout"
        + " 2>" + ApplicationConstants.LOG_DIR_EXPANSION_VAR + "/stderr");
  }

  /** Serialized credentials without the AM's RM tokens, which must never reach task containers. */
  public static ByteBuffer tokensWithoutAmRmToken(Credentials source) throws IOException {
    return ByteBuffer.wrap(org.spindle.am.security.DelegationTokens.forTasks(source, true));
  }

  /**
   * The variables that make YARN's Docker runtime run a container in an image (LinuxContainerExecutor with
   * docker in yarn.nodemanager.runtime.linux.allowed-runtimes); none for a role without an image.
   */
  public static Map<String, String> dockerEnv(org.spindle.conf.RoleSpec.Docker docker) {
    Map<String, String> env = new LinkedHashMap<>();
    if (!docker.enabled()) {
      return env;
    }
    env.put("YARN_CONTAINER_RUNTIME_TYPE", "docker");
    env.put("YARN_CONTAINER_RUNTIME_DOCKER_IMAGE", docker.image());
    if (!docker.mounts().isEmpty()) {
      env.put("YARN_CONTAINER_RUNTIME_DOCKER_MOUNTS", docker.mounts());
    }
    if (!docker.network().isEmpty()) {
      env.put("YARN_CONTAINER_RUNTIME_DOCKER_CONTAINER_NETWORK", docker.network());
    }
    if (docker.runPrivileged()) {
      env.put("YARN_CONTAINER_RUNTIME_DOCKER_RUN_PRIVILEGED_CONTAINER", "true");
    }
    return env;
  }

  /**
   * Why this cluster cannot run the job's Docker roles, from the cluster's configuration as the client
   * sees it (its yarn-site.xml), or empty when it can or no role asks for Docker.
   */
  public static java.util.Optional<String> dockerProblem(org.spindle.conf.JobSpec spec, Configuration conf) {
    List<String> roles = spec.roles().values().stream().filter(r -> r.docker().enabled())
        .map(r -> r.name() + " (" + r.docker().image() + ")").toList();
    if (roles.isEmpty()) {
      return java.util.Optional.empty();
    }
    List<String> allowed = List.of(conf.getTrimmedStrings(YarnConfiguration.LINUX_CONTAINER_RUNTIME_ALLOWED_RUNTIMES,
        YarnConfiguration.DEFAULT_LINUX_CONTAINER_RUNTIME_ALLOWED_RUNTIMES));
    String executor = conf.getTrimmed(YarnConfiguration.NM_CONTAINER_EXECUTOR, "");
    List<String> missing = new ArrayList<>();
    if (allowed.stream().noneMatch(a -> a.equalsIgnoreCase("docker"))) {
      missing.add(YarnConfiguration.LINUX_CONTAINER_RUNTIME_ALLOWED_RUNTIMES + "=" + String.join(",", allowed)
          + " does not include docker");
    }
    if (!executor.endsWith("LinuxContainerExecutor")) {
      missing.add(YarnConfiguration.NM_CONTAINER_EXECUTOR + "=" + (executor.isEmpty() ? "(unset: DefaultContainerExecutor)"
          : executor) + " is not the LinuxContainerExecutor, which alone runs Docker containers");
    }
    if (missing.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of("role(s) " + String.join(", ", roles) + " ask for YARN's Docker runtime "
        + "(spindle.role.<r>.docker.image or spindle.docker.image), but this cluster's configuration says it cannot "
        + "run one: " + String.join("; ", missing) + ". Enable the Docker runtime on the NodeManagers (and in the "
        + "yarn-site.xml this client reads), or remove the docker keys to run without Docker");
  }
}
