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
    List<String> ports) {

  public RoleSpec {
    args = List.copyOf(args);
    env = Map.copyOf(env);
    ports = List.copyOf(ports);
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
