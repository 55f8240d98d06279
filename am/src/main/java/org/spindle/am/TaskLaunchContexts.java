package org.spindle.am;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.spindle.am.task.Task;
import org.spindle.am.yarn.ContainerSpecs;
import org.spindle.conf.JobSpec;
import org.spindle.conf.RoleDefaults;
import org.spindle.conf.SpindleEnv;

/** Launch contexts for task containers: the container launcher JVM on spindle-task.jar, no AM token. */
public final class TaskLaunchContexts implements LaunchContextFactory {
  /** The launcher only supervises; the user's process gets the rest of the container. */
  static final int LAUNCHER_HEAP_MB = 96;
  public static final String LAUNCHER_MAIN = "org.spindle.launcher.TaskLauncher";

  private final JobSpec spec;
  private final Configuration conf;
  private final Map<String, LocalResource> files;
  private final Map<String, LocalResource> runtimes;
  /** Per role: the files its containers localize and its task classpath (roles get the runtimes they need). */
  private final Map<String, Map<String, LocalResource>> roleFiles = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, String> roleClasspaths = new java.util.concurrent.ConcurrentHashMap<>();
  /** The AM's current tokens, minus its RM tokens: fresh ones once it re-obtained them from a keytab. */
  private final java.util.function.Supplier<ByteBuffer> tokens;
  private final Map<String, String> baseEnv;

  /**
   * {@code files}: what every task container localizes (spindle-task.jar, the job XML, user jars and
   * archives); {@code runtimes}: the runtime archives by name (spindle.container.runtime-archives), each
   * given only to the roles that need it ({@link RoleDefaults#runtimes}).
   */
  public TaskLaunchContexts(JobSpec spec, Configuration conf, Map<String, LocalResource> files,
                            Map<String, LocalResource> runtimes, java.util.function.Supplier<ByteBuffer> tokens, String appId, String amAddress,
                            String zkConnect, String amRecordFile) {
    this.spec = spec;
    this.conf = conf;
    this.files = Map.copyOf(files);
    this.runtimes = Map.copyOf(runtimes);
    this.tokens = tokens;
    Map<String, String> env = new HashMap<>();
    env.put("CLASSPATH", ContainerSpecs.classpath(conf, spec.containerExtraClasspath(), SpindleEnv.TASK_JAR_NAME));
    env.put(SpindleEnv.APP_ID, appId);
    env.put(SpindleEnv.AM_ADDRESS, amAddress);
    env.put(SpindleEnv.ZK_CONNECT, zkConnect);
    env.put(SpindleEnv.AM_RECORD, amRecordFile);
    env.put(SpindleEnv.ZK_EXTERNAL, Boolean.toString(!spec.zkConnect().isEmpty()));
    if (!spec.containerJavaHome().isEmpty()) {
      env.put("JAVA_HOME", spec.containerJavaHome());
    }
    this.baseEnv = Map.copyOf(env);
  }

  @Override
  public ContainerLaunchContext build(Task task, boolean isChief) {
    Map<String, String> env = new HashMap<>(baseEnv);
    env.put(SpindleEnv.ROLE, task.role());
    env.put(SpindleEnv.INDEX, Integer.toString(task.index()));
    env.put(SpindleEnv.ATTEMPT, Integer.toString(task.attempt()));
    env.put(SpindleEnv.GENERATION, Integer.toString(task.generation()));
    env.put(SpindleEnv.IS_CHIEF, Boolean.toString(isChief));
    env.putAll(ContainerSpecs.dockerEnv(spec.role(task.role()).docker()));
    env.put(SpindleEnv.TASK_CLASSPATH, roleClasspaths.computeIfAbsent(task.role(), this::taskClasspath));
    try {
      return ContainerLaunchContext.newInstance(roleFiles.computeIfAbsent(task.role(), this::files), env,
          ContainerSpecs.javaCommand(spec.containerJavaHome(), LAUNCHER_HEAP_MB, spec.containerJavaOpts(),
              LAUNCHER_MAIN),
          null, tokens.get(), null);
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException("cannot build launch context for " + task.ref(), e));
    }
  }

  /** The runtimes this role's tasks get, among those the job has. */
  private java.util.List<String> runtimesOf(String role) {
    return RoleDefaults.runtimes(spec.role(role)).stream().filter(runtimes::containsKey).toList();
  }

  private Map<String, LocalResource> files(String role) {
    Map<String, LocalResource> out = new HashMap<>(files);
    runtimesOf(role).forEach(r -> out.put(r, runtimes.get(r)));
    return Map.copyOf(out);
  }

  private String taskClasspath(String role) {
    java.util.List<String> archives = new java.util.ArrayList<>(spec.containerArchives());
    archives.addAll(runtimesOf(role).stream().map(r -> r + "#" + r).toList());
    return ContainerSpecs.taskClasspath(conf, spec.containerExtraClasspath(), spec.containerTaskClasspath(), archives);
  }
}
