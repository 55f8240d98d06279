package org.spindle.am.yarn;

import org.apache.hadoop.yarn.api.records.ContainerExitStatus;

/** The one place that decides whose fault a container exit is. */
public final class ContainerExitClassifier {

  /** A classified exit with a message a user can act on. */
  public record Classified(ExitKind kind, String reason) {}

  private ContainerExitClassifier() {}

  /**
   * @param exitStatus the container's exit status from the RM
   * @param diagnostics the RM/NM diagnostics
   * @param stoppedByUs whether the AM had asked to stop or release this container
   * @param memoryKey the config key to raise when the container ran out of memory
   */
  public static Classified classify(int exitStatus, String diagnostics, boolean stoppedByUs, String memoryKey) {
    if (stoppedByUs) {
      return new Classified(ExitKind.KILLED_BY_AM, "stopped by the ApplicationMaster");
    }
    switch (exitStatus) {
      case ContainerExitStatus.SUCCESS:
        return new Classified(ExitKind.SUCCEEDED, "exited 0");
      case ContainerExitStatus.PREEMPTED:
      case ContainerExitStatus.KILLED_BY_CONTAINER_SCHEDULER:
        return new Classified(ExitKind.PREEMPTED, "preempted by the scheduler (not the task's fault)");
      case ContainerExitStatus.ABORTED:
      case ContainerExitStatus.KILLED_BY_RESOURCEMANAGER:
        return new Classified(ExitKind.NODE_LOST,
            "container lost or aborted by the ResourceManager (node lost?), not the task's fault" + brief(diagnostics));
      case ContainerExitStatus.DISKS_FAILED:
        return new Classified(ExitKind.DISK_FAILED, "the NodeManager's disks failed (not the task's fault)");
      case ContainerExitStatus.KILLED_BY_APPMASTER:
      case ContainerExitStatus.KILLED_AFTER_APP_COMPLETION:
        return new Classified(ExitKind.KILLED_BY_AM, "killed by the ApplicationMaster");
      case ContainerExitStatus.KILLED_EXCEEDED_PMEM:
      case ContainerExitStatus.KILLED_EXCEEDED_VMEM:
        return new Classified(ExitKind.APP_FAILURE,
            "killed for exceeding its memory limit; consider raising " + memoryKey + brief(diagnostics));
      default:
        return new Classified(ExitKind.APP_FAILURE, "exited with code " + exitStatus
            + (exitStatus == 137 ? " (SIGKILL)" : exitStatus == 143 ? " (SIGTERM)" : "") + brief(diagnostics));
    }
  }

  private static String brief(String diagnostics) {
    if (diagnostics == null || diagnostics.isBlank()) {
      return "";
    }
    String d = diagnostics.strip();
    return ": " + (d.length() > 400 ? d.substring(0, 400) + "..." : d);
  }
}
