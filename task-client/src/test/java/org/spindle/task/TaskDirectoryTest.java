package org.spindle.task;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** Task endpoints read from the nodes tasks write, on real ZooKeeper servers (Curator's TestingServer). */
class TaskDirectoryTest {
  private static final String APP = "application_1700000000000_0007";

  @Test
  void theLatestGangAttemptsNodeWinsAndOnlyTheAppsSecretReadsIt() throws Exception {
    AppSecret secret = AppSecret.generate();
    try (TestingServer server = new TestingServer(true);
         CuratorFramework task = TaskZooKeeper.connect(server.getConnectString(), secret, APP, 10_000);
         TaskDirectory dir = new TaskDirectory(server.getConnectString(), () -> secret, APP, AmLocator.NONE, 10_000);
         TaskDirectory stranger = new TaskDirectory(server.getConnectString(), AppSecret::generate, APP,
             AmLocator.NONE, 10_000)) {
      assertEquals(Optional.empty(), dir.lookup("worker", 0), "no node yet");
      TaskZooKeeper.registerTask(task, TaskZooKeeper.taskPath(APP, 0, "worker", 0),
          TaskDirectory.nodeJson("hostA", Map.of("task", 1000, "feed", 1001), 0, "container_0"));
      org.apache.curator.framework.recipes.nodes.PersistentNode restarted = TaskZooKeeper.registerTask(task,
          TaskZooKeeper.taskPath(APP, 1, "worker", 0), TaskDirectory.nodeJson("hostB", Map.of("task", 2000, "feed", 2001), 1, "container_1"));
      TaskZooKeeper.registerTask(task, TaskZooKeeper.taskPath(APP, 0, "worker", 1),
          TaskDirectory.nodeJson("hostC", Map.of("task", 3000), 0, "container_2"));

      TaskDirectory.Entry w0 = dir.lookup("worker", 0).orElseThrow();
      assertEquals(new TaskDirectory.Entry("worker", 0, 1, "hostB", Map.of("task", 2000, "feed", 2001), 1,
          "container_1"), w0);
      assertEquals("hostC", dir.lookup("worker", 1).orElseThrow().host(), "only attempt 0 has worker 1");
      assertEquals(Optional.empty(), dir.lookup("ps", 0));
      assertEquals(Optional.empty(), stranger.lookup("worker", 0), "another secret cannot read the app's nodes");

      restarted.close(); // its task ended
      assertEquals("hostA", dir.lookup("worker", 0).orElseThrow().host(), "falls back to the earlier attempt");
    }
  }

  @Test
  void whenTheEmbeddedZooKeeperGoesWithItsAmTheDirectoryReadsTheNewAttempts() throws Exception {
    AppSecret secret = AppSecret.generate();
    try (TestingServer first = new TestingServer(true); TestingServer second = new TestingServer(true)) {
      AtomicReference<AmRecord> published = new AtomicReference<>(
          new AmRecord(1, "nodeA:1", first.getConnectString(), "http://nodeA/"));
      AmLocator locator = () -> Optional.ofNullable(published.get());
      try (CuratorFramework onFirst = TaskZooKeeper.connect(first.getConnectString(), secret, APP, 10_000);
           CuratorFramework onSecond = TaskZooKeeper.connect(second.getConnectString(), secret, APP, 10_000);
           TaskDirectory dir = new TaskDirectory(first.getConnectString(), () -> secret, APP, locator, 10_000)) {
        TaskZooKeeper.registerTask(onFirst, TaskZooKeeper.taskPath(APP, 0, "worker", 0),
            TaskDirectory.nodeJson("hostA", Map.of("feed", 1001), 0, "container_0"));
        assertEquals("hostA", dir.lookup("worker", 0).orElseThrow().host());

        // Attempt 2 runs its own ZooKeeper; the surviving task re-registers there; attempt 1's server dies.
        TaskZooKeeper.registerTask(onSecond, TaskZooKeeper.taskPath(APP, 0, "worker", 0),
            TaskDirectory.nodeJson("hostA", Map.of("feed", 1002), 0, "container_0"));
        published.set(new AmRecord(2, "nodeB:1", second.getConnectString(), "http://nodeB/"));
        first.stop();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(
            () -> dir.lookup("worker", 0).map(e -> e.ports().get("feed")).orElse(0) == 1002);
        assertEquals(second.getConnectString(), dir.connectString());
        assertTrue(dir.lookup("worker", 0).isPresent());
      }
    }
  }
}
