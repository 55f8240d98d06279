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
import org.spindle.conf.SpindleEnv;

/** Launch contexts for task containers: the container launcher JVM on spindle-task.jar, no AM token. */
public final class TaskLaunchContexts implements LaunchContextFactory {
  /** The launcher only supervises; the user's process gets the rest of the container. */
  static final int LAUNCHER_HEAP_MB = 96;
  public static final String LAUNCHER_MAIN = "org.spindle.launcher.TaskLauncher";

  private final JobSpec spec;
  private final Map<String, LocalResource> files;
  private final ByteBuffer tokens;
  private final Map<String, String> baseEnv;

  public TaskLaunchContexts(JobSpec spec, Configuration conf, Map<String, LocalResource> files,
                            ByteBuffer tokens, String appId, String amAddress, String zkConnect,
                            String amRecordFile) {
    this.spec = spec;
    this.files = Map.copyOf(files);
    this.tokens = tokens;
    Map<String, String> env = new HashMap<>();
    env.put("CLASSPATH", ContainerSpecs.classpath(conf, spec.containerExtraClasspath(), SpindleEnv.TASK_JAR_NAME));
    env.put(SpindleEnv.TASK_CLASSPATH, ContainerSpecs.taskClasspath(conf, spec.containerExtraClasspath(),
        spec.containerTaskClasspath(), spec.containerArchives()));
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
    try {
      return ContainerLaunchContext.newInstance(files, env,
          ContainerSpecs.javaCommand(spec.containerJavaHome(), LAUNCHER_HEAP_MB, spec.containerJavaOpts(),
              LAUNCHER_MAIN),
          null, tokens.duplicate(), null);
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException("cannot build launch context for " + task.ref(), e));
    }
  }
}
