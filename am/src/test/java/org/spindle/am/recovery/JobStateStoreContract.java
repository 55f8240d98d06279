package org.spindle.am.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every job state store must do; run against each real implementation. */
abstract class JobStateStoreContract {
  abstract JobStateStore store() throws Exception;

  static JobSnapshot snapshot(int gangAttempt, String workerState) {
    return new JobSnapshot(1, 1_700_000_000_000L, gangAttempt, List.of(
        new JobSnapshot.TaskSnapshot("ps", 0, "REGISTERED", gangAttempt, 0, 0,
            "container_1700000000000_0007_01_000002", "node1:8041", "node1:8042", "node1", Map.of("task", 2000)),
        new JobSnapshot.TaskSnapshot("worker", 0, workerState, gangAttempt, 3, 2, "", "", "", "", Map.of())));
  }

  @Test
  void emptyBeforeTheFirstSave() throws Exception {
    assertTrue(store().load().isEmpty());
  }

  @Test
  void theLastSaveIsWhatLoads() throws Exception {
    JobStateStore s = store();
    s.save(snapshot(0, "RUNNING"));
    s.save(snapshot(2, "REQUESTED"));
    assertEquals(snapshot(2, "REQUESTED"), s.load().orElseThrow());
  }
}
