package org.spindle.am.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.junit.jupiter.api.Test;

class ContainerExitClassifierTest {
  private static ContainerExitClassifier.Classified c(int status, boolean ours) {
    return ContainerExitClassifier.classify(status, "node said so", ours, "spindle.role.worker.memory");
  }

  @Test
  void successIsSuccess() {
    assertEquals(ExitKind.SUCCEEDED, c(0, false).kind());
  }

  @Test
  void nonZeroAndKill9AreTheApplicationsFault() {
    assertEquals(ExitKind.APP_FAILURE, c(1, false).kind());
    ContainerExitClassifier.Classified k = c(137, false);
    assertEquals(ExitKind.APP_FAILURE, k.kind());
    assertTrue(k.reason().contains("SIGKILL"));
    assertTrue(ExitKind.APP_FAILURE.countsAgainstRestarts());
  }

  @Test
  void memoryKillsSayWhatToRaise() {
    ContainerExitClassifier.Classified m = c(ContainerExitStatus.KILLED_EXCEEDED_PMEM, false);
    assertEquals(ExitKind.APP_FAILURE, m.kind());
    assertTrue(m.reason().contains("consider raising spindle.role.worker.memory"), m.reason());
  }

  @Test
  void preemptionLostNodesAndDiskFailuresDoNotCount() {
    assertEquals(ExitKind.PREEMPTED, c(ContainerExitStatus.PREEMPTED, false).kind());
    assertEquals(ExitKind.PREEMPTED, c(ContainerExitStatus.KILLED_BY_CONTAINER_SCHEDULER, false).kind());
    assertEquals(ExitKind.NODE_LOST, c(ContainerExitStatus.ABORTED, false).kind());
    assertEquals(ExitKind.NODE_LOST, c(ContainerExitStatus.KILLED_BY_RESOURCEMANAGER, false).kind());
    assertEquals(ExitKind.DISK_FAILED, c(ContainerExitStatus.DISKS_FAILED, false).kind());
    for (ExitKind k : new ExitKind[] {ExitKind.PREEMPTED, ExitKind.NODE_LOST, ExitKind.DISK_FAILED}) {
      assertFalse(k.countsAgainstRestarts(), k.name());
    }
  }

  @Test
  void containersWeStoppedAreIgnoredWhateverTheirStatus() {
    assertEquals(ExitKind.KILLED_BY_AM, c(143, true).kind());
    assertEquals(ExitKind.KILLED_BY_AM, c(1, true).kind());
    assertEquals(ExitKind.KILLED_BY_AM, c(ContainerExitStatus.KILLED_BY_APPMASTER, false).kind());
  }
}
