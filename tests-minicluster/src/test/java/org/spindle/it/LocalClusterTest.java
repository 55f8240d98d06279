package org.spindle.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.spindle.client.local.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk the NodeManagers find too full is said at once, with YARN's own health report, instead of a
 * minute's wait that ends in "0 of 3 registered" (what CI printed when the suite had filled its disk).
 */
class LocalClusterTest {
  @TempDir
  Path work;

  @Test
  void nodeManagersOnADiskWithTooLittleFreeSpaceFailTheStartAtOnceSayingWhy() {
    long start = System.nanoTime();
    // More free space than any disk has: every NodeManager's disk check fails, as on a full disk.
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalCluster.start(work.resolve("c"),
        "LocalClusterTest", Map.of(YarnConfiguration.NM_MIN_PER_DISK_FREE_SPACE_MB, Long.toString(Long.MAX_VALUE / 4))));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String m = e.getMessage();
    assertTrue(m.contains("unhealthy: "), m);
    // YARN's own words for a disk below its free-space limit, and what to do about it.
    assertTrue(m.contains("local-dirs") && m.contains("free space") && m.contains(work.resolve("c").toString()), m);
    assertTrue(took.compareTo(Duration.ofSeconds(50)) < 0, "it did not wait out the 60 s: " + took);
    // What the NodeManagers localize is gone with the cluster; their logs stay.
    assertTrue(Files.isDirectory(work.resolve("c/gpu-nm/logs")));
    assertTrue(!Files.exists(work.resolve("c/gpu-nm/local")));
  }
}
