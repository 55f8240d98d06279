package org.spindle.conf;

import java.util.List;
import java.util.Map;

/** One role's immutable profile: how many tasks, the container shape, and what each task runs. */
public record RoleSpec(
    String name,
    int instances,
    int memoryMb,
    int vcores,
    int gpus,
    String nodeLabel,
    int maxRestarts,
    String mainClass,
    String command,
    List<String> args,
    boolean gang,
    String javaOpts,
    Map<String, String> env,
    List<String> ports,
    String framework,
    Docker docker) {

  /** What a command role's process is told about its peers (see the container launcher's FrameworkEnv). */
  public static final List<String> FRAMEWORKS = List.of("tensorflow", "pytorch", "none");

  /**
   * The role's containers run in this Docker image through YARN's Docker runtime
   * (YARN_CONTAINER_RUNTIME_TYPE=docker); an empty image means the NodeManager's default runtime.
   */
  public record Docker(String image, String mounts, String network, boolean runPrivileged) {
    public static final Docker NONE = new Docker("", "", "", false);

    public boolean enabled() {
      return !image.isEmpty();
    }
  }

  public RoleSpec {
    args = List.copyOf(args);
    env = Map.copyOf(env);
    ports = List.copyOf(ports);
  }

  /** A role without Docker whose command (if any) is told about TensorFlow peers. */
  public RoleSpec(String name, int instances, int memoryMb, int vcores, int gpus, String nodeLabel, int maxRestarts,
                  String mainClass, String command, List<String> args, boolean gang, String javaOpts,
                  Map<String, String> env, List<String> ports) {
    this(name, instances, memoryMb, vcores, gpus, nodeLabel, maxRestarts, mainClass, command, args, gang, javaOpts,
        env, ports, "tensorflow", Docker.NONE);
  }

  public RoleSpec withPorts(List<String> newPorts) {
    return new RoleSpec(name, instances, memoryMb, vcores, gpus, nodeLabel, maxRestarts, mainClass, command, args,
        gang, javaOpts, env, newPorts, framework, docker);
  }

  public boolean runsCommand() {
    return command != null && !command.isEmpty();
  }

  /** Human-readable container shape, e.g. "<2048 MB, 2 vcores, 1 gpu>". */
  public String shape() {
    return "<" + memoryMb + " MB, " + vcores + " vcores" + (gpus > 0 ? ", " + gpus + " gpu" : "")
        + (nodeLabel.isEmpty() ? "" : ", label " + nodeLabel) + ">";
  }
}
