package org.spindle.launcher;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.spindle.conf.ContainerLogging;
import org.spindle.conf.RoleSpec;
import org.spindle.conf.SpindleEnv;

/** Starts the role's command (bash -c) or main class (child JVM on the container classpath). */
final class UserProcess {
  private UserProcess() {}

  /**
   * What Spark (org.apache.spark.launcher.JavaModuleOptions) and Arrow need opened on Java 17;
   * every child JVM gets them so Spark, Arrow Flight and TF roles all run unchanged.
   */
  static final List<String> MODULE_OPTIONS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
      "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true");

  static List<String> commandLine(RoleSpec role, Map<String, String> env) {
    return commandLine(role, env, List.of());
  }

  static List<String> commandLine(RoleSpec role, Map<String, String> env, List<String> jvmOptions) {
    if (role.runsCommand()) {
      return List.of("bash", "-c", role.command());
    }
    String javaHome = env.getOrDefault("JAVA_HOME", System.getProperty("java.home"));
    List<String> cmd = new ArrayList<>();
    cmd.add(javaHome + File.separator + "bin" + File.separator + "java");
    // The child gets most of the container; the launcher itself uses under 100 MB of heap.
    cmd.add("-Xmx" + Math.max(64, (role.memoryMb() - 256) * 3 / 4) + "m");
    cmd.addAll(MODULE_OPTIONS);
    // Spindle's own logging whatever the cluster's log4j.properties says; role java-opts may override it.
    cmd.addAll(ContainerLogging.jvmOptions(env.getOrDefault("LOG_DIRS", ".").split(",")[0]));
    // Natives other libraries extract (netty, snappy, zstd: unique temp names) stay in the container.
    cmd.add("-Djava.io.tmpdir=" + env.getOrDefault("PWD", ".") + File.separator + "tmp");
    cmd.addAll(jvmOptions);
    if (!role.javaOpts().isBlank()) {
      cmd.addAll(List.of(role.javaOpts().trim().split("\\s+")));
    }
    cmd.add("-cp");
    cmd.add(taskClasspath(env));
    cmd.add(role.mainClass());
    cmd.addAll(role.args());
    return cmd;
  }

  /** The task process's classpath: SPINDLE_TASK_CLASSPATH, else the launcher's own. */
  static String taskClasspath(Map<String, String> env) {
    return env.getOrDefault(SpindleEnv.TASK_CLASSPATH,
        env.getOrDefault("CLASSPATH", System.getProperty("java.class.path")));
  }

  /**
   * Whether a task of this role can start its JVM before the gang assembles: Spindle's TF main class
   * reads the cluster spec from its standard input when told to; commands and other main classes read
   * theirs from the environment, which is fixed when the process starts.
   */
  static boolean readsClusterSpecOnStdin(RoleSpec role) {
    return !role.runsCommand() && role.mainClass().equals(org.spindle.conf.RoleDefaults.TF_TASK_MAIN);
  }

  /** Starts the process with the container's standard streams. */
  static Process start(RoleSpec role, Map<String, String> env, List<String> jvmOptions) throws IOException {
    return start(role, env, jvmOptions, false);
  }

  /**
   * Starts the process; with {@code stdinPipe} its standard input is a pipe the launcher writes to
   * ({@link Process#getOutputStream()}), its output and error still the container's.
   */
  static Process start(RoleSpec role, Map<String, String> env, List<String> jvmOptions, boolean stdinPipe)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(commandLine(role, env, jvmOptions)).inheritIO();
    if (stdinPipe) {
      pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    }
    pb.environment().putAll(env);
    // A command role that runs java itself sees the task classpath too.
    pb.environment().put("CLASSPATH", taskClasspath(env));
    java.nio.file.Files.createDirectories(java.nio.file.Path.of(env.getOrDefault("PWD", "."), "tmp"));
    return pb.start();
  }
}
