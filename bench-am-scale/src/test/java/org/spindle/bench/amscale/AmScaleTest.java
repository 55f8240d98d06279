package org.spindle.bench.amscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The AM-scale benchmark in small, on every build: Spindle's JobController and YarnClusterDriver with YARN's
 * AMRMClientAsync against a real ResourceManager (MockRM, CapacityScheduler placing up to 20 off-switch
 * containers per node heartbeat) and 110 MockNMs, at 100 containers of three profiles. The NodeManagers
 * heartbeat every 100 ms, faster than the AM's 200 ms while it waits, so capacity is there as soon as the AM
 * asks, and the count of AM heartbeats to all allocated measures the AM and the scheduler, not the NodeManagers'
 * clock. Counts, not times: a regression that makes the AM ask late, ask again, or take containers a few at a
 * time shows up as more heartbeats, and one that logs per container per heartbeat as more log lines.
 */
class AmScaleTest {
  @Test
  void aHundredContainersAreAllocatedWithinFiveHeartbeatsAndKillsAndAGangRestartComeBack() throws Exception {
    AmScaleBench.Result r = AmScaleBench.run(100, "20", 100);
    System.out.println("containers | AM heartbeats to all allocated | ...: " + r.row());
    assertTrue(r.firstAsk() > 0 && r.allocatedAt() >= r.firstAsk(), "every container came: " + r.row());
    assertTrue(r.heartbeatsToAllocated() <= 5,
        "100 containers allocated within 5 AM heartbeats of the first ask: " + r.row());
    assertEquals(4, r.kills(), r.row());
    assertEquals(1, r.gangAttempts(), "one GPU kill restarts the GPU gang once: " + r.row());
    // 100 first starts, 4 CPU replacements and the 9-task GPU gang again.
    assertEquals(100 + 4 + 9, r.starts(), r.row());
    assertTrue(r.logLinesPerContainer() < 10, "no log line per container per heartbeat: " + r.row());
  }
}
