package org.spindle.am.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.am.ClusterSpec;
import org.spindle.am.security.AppSecret;

/** The registry against a real ZooKeeper server (Curator's TestingServer). */
class ZkRegistryTest {
  private static TestingServer zk;

  @BeforeAll
  static void startZk() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterAll
  static void stopZk() throws Exception {
    zk.close();
  }

  @Test
  void tasksWriteEphemeralNodesAndTheAmPublishesTheSpec() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1_0001";
    try (ZkRegistry am = new ZkRegistry(ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000), app)) {
      am.initAppNode();
      CuratorFramework taskConn = ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000);
      ZkRegistry task = new ZkRegistry(taskConn, app);
      task.registerTask(0, "worker", 1, "{\"generation\":0}");
      String path = ZkRegistry.taskPath(app, 0, "worker", 1);
      Stat st = taskConn.checkExists().forPath(path);
      assertTrue(st.getEphemeralOwner() != 0, "task node is ephemeral");
      // A restarted task (new generation) replaces the node even while the old session lives.
      task.registerTask(0, "worker", 1, "{\"generation\":1}");
      assertEquals("{\"generation\":1}", new String(am.read(path), StandardCharsets.UTF_8));

      am.specChanged(new ClusterSpec(0, List.of(new ClusterSpec.Endpoint("worker", 0, "h", Map.of("task", 5), 1))));
      String spec = new String(am.read(am.appPath() + "/cluster-spec"), StandardCharsets.UTF_8);
      assertTrue(spec.contains("\"cluster\":{\"worker\":[\"h:5\"]}"), spec);

      taskConn.close();
      // Closing the task's session removes its node.
      assertEquals(null, am.zkExists(path));
    }
  }

  @Test
  void theAppSubtreeIsClosedToOtherClients() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1_0002";
    try (ZkRegistry am = new ZkRegistry(ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000), app)) {
      am.initAppNode();
      am.specChanged(new ClusterSpec(0, List.of()));
      try (CuratorFramework anonymous = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
           CuratorFramework wrong = ZkRegistry.connect(zk.getConnectString(), AppSecret.generate(), app, 10_000)) {
        anonymous.start();
        anonymous.blockUntilConnected(10, TimeUnit.SECONDS);
        assertThrows(KeeperException.NoAuthException.class,
            () -> anonymous.getData().forPath(am.appPath() + "/cluster-spec"));
        assertThrows(KeeperException.NoAuthException.class,
            () -> wrong.getData().forPath(am.appPath() + "/cluster-spec"));
        assertThrows(KeeperException.NoAuthException.class,
            () -> anonymous.create().withMode(CreateMode.EPHEMERAL).forPath(am.appPath() + "/intruder"));
      }
    }
  }

  @Test
  void embeddedServerServesClients() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("zk");
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(dir)) {
      AppSecret secret = AppSecret.generate();
      try (ZkRegistry r = new ZkRegistry(ZkRegistry.connect("localhost:" + server.port(), secret, "app_x", 10_000),
          "app_x")) {
        r.initAppNode();
        r.registerTask(0, "ps", 0, "{}");
        assertEquals("{}", new String(r.read(ZkRegistry.taskPath("app_x", 0, "ps", 0)), StandardCharsets.UTF_8));
      }
    }
  }
}
