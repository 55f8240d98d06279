package org.spindle.am.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.spindle.task.TaskZooKeeper;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.task.ClusterSpec;
import org.spindle.task.AppSecret;

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
      am.initAppNode(secret);
      CuratorFramework taskConn = ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000);
      String path = ZkRegistry.taskPath(app, 0, "worker", 1);
      TaskZooKeeper.registerTask(taskConn, path, "{\"generation\":0}");
      Stat st = taskConn.checkExists().forPath(path);
      assertTrue(st.getEphemeralOwner() != 0, "task node is ephemeral");
      // A restarted task (new generation) replaces the node even while the old session lives.
      TaskZooKeeper.registerTask(taskConn, path, "{\"generation\":1}");
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
      am.initAppNode(secret);
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

  /**
   * On a shared ensemble, application ids are sequential and anyone may create under /spindle: a neighbour
   * who creates the next application's node first is refused, never adopted; a node this application's own
   * earlier attempt created (its digest ACL) is used again.
   */
  @Test
  void anAppNodeSomeoneElseCreatedFirstIsRefusedAndTheAppsOwnIsReused() throws Exception {
    String app = "application_1_0077";
    try (CuratorFramework neighbour = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
      neighbour.start();
      neighbour.blockUntilConnected(10, TimeUnit.SECONDS);
      neighbour.create().creatingParentsIfNeeded().forPath(ZkRegistry.ROOT + "/" + app); // world-open ACL
    }
    AppSecret secret = AppSecret.generate();
    try (ZkRegistry am = new ZkRegistry(ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000), app)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> am.initAppNode(secret));
      assertTrue(e.getMessage().contains("another client created it") && e.getMessage().contains("world:anyone"),
          e.getMessage());
    }
    String own = "application_1_0078";
    try (ZkRegistry first = new ZkRegistry(ZkRegistry.connect(zk.getConnectString(), secret, own, 10_000), own)) {
      first.initAppNode(secret);
    }
    try (ZkRegistry second = new ZkRegistry(ZkRegistry.connect(zk.getConnectString(), secret, own, 10_000), own)) {
      second.initAppNode(secret); // AM attempt 2 on an external ensemble
      second.specChanged(new ClusterSpec(1, List.of()));
      assertTrue(second.zkExists(second.appPath() + "/cluster-spec") != null);
    }
  }

  /**
   * ZooKeeper's digest scheme sends its credentials in clear: what crosses the wire is a password derived for
   * ZooKeeper alone, never the app secret that opens the control plane, the feed and the UI.
   */
  @Test
  void theAppSecretNeverCrossesTheWireToZooKeeper() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1_0079";
    int port = Integer.parseInt(zk.getConnectString().substring(zk.getConnectString().lastIndexOf(':') + 1));
    try (org.spindle.task.LoopbackCapture wire = new org.spindle.task.LoopbackCapture(port);
         ZkRegistry am = new ZkRegistry(ZkRegistry.connect("127.0.0.1:" + wire.port(), secret, app, 10_000), app)) {
      am.initAppNode(secret);
      am.specChanged(new ClusterSpec(0, List.of()));
      assertTrue(wire.bytes().length > 200, "the session went through the capture");
      assertTrue(wire.holds(("spindle:" + secret.derive("spindle-zookeeper-digest")).getBytes(StandardCharsets.US_ASCII)),
          "ZooKeeper's digest login crosses the wire in clear, with the password derived for ZooKeeper");
      assertTrue(!wire.holds(secret.reveal().getBytes(StandardCharsets.US_ASCII)),
          "the app secret is not on ZooKeeper's wire");
    }
  }

  @Test
  void embeddedServerServesClients() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("zk");
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(dir)) {
      AppSecret secret = AppSecret.generate();
      CuratorFramework conn = ZkRegistry.connect("localhost:" + server.port(), secret, "app_x", 10_000);
      try (ZkRegistry r = new ZkRegistry(conn, "app_x")) {
        r.initAppNode(secret);
        TaskZooKeeper.registerTask(conn, ZkRegistry.taskPath("app_x", 0, "ps", 0), "{}");
        assertEquals("{}", new String(r.read(ZkRegistry.taskPath("app_x", 0, "ps", 0)), StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * ZooKeeper expires a task's session (injected from outside: a second handle on the same session id
   * and password closes it, as a server does after a long GC pause or a partition): the task's
   * ephemeral node goes away with it and comes back under the task's new session.
   */
  @Test
  void aTasksNodeComesBackAfterZooKeeperExpiresItsSession() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1_0003";
    String path = ZkRegistry.taskPath(app, 0, "worker", 0);
    try (ZkRegistry am = new ZkRegistry(ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000), app)) {
      am.initAppNode(secret);
      CuratorFramework taskConn = ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000);
      try (CuratorFramework closedLast = taskConn;
           PersistentNode task = TaskZooKeeper.registerTask(taskConn, path, "{\"generation\":0}")) {
        long before = am.zkExists(path).getEphemeralOwner();
        org.apache.zookeeper.ZooKeeper handle = taskConn.getZookeeperClient().getZooKeeper();
        java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
        org.apache.zookeeper.ZooKeeper killer = new org.apache.zookeeper.ZooKeeper(zk.getConnectString(), 10_000,
            e -> {
              if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
              }
            }, handle.getSessionId(), handle.getSessionPasswd());
        assertTrue(connected.await(10, TimeUnit.SECONDS));
        killer.close(); // ends the session on the server: its ephemeral nodes are deleted
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
          Stat st = am.zkExists(path);
          return st != null && st.getEphemeralOwner() != before;
        });
        assertEquals("{\"generation\":0}", new String(am.read(path), StandardCharsets.UTF_8));
      }
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> am.zkExists(path) == null);
    }
  }

  @Test
  void theEmbeddedServersRootAndSpindleNodeAreClosedToOthersAndTheAppTreeIsDeletedAtTheEnd() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("zk");
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(dir)) {
      AppSecret secret = AppSecret.generate();
      String connect = "localhost:" + server.port();
      try (ZkRegistry am = new ZkRegistry(ZkRegistry.connect(connect, secret, "app_y", 10_000), "app_y");
           CuratorFramework anonymous = CuratorFrameworkFactory.newClient(connect, new RetryOneTime(100))) {
        am.lockDownRoot(secret);
        am.initAppNode(secret);
        am.specChanged(new ClusterSpec(0, List.of()));
        anonymous.start();
        assertTrue(anonymous.blockUntilConnected(10, TimeUnit.SECONDS));
        assertThrows(KeeperException.NoAuthException.class, () -> anonymous.create().forPath("/squat"));
        assertThrows(KeeperException.NoAuthException.class,
            () -> anonymous.create().forPath(ZkRegistry.ROOT + "/application_next"));
        assertTrue(anonymous.checkExists().forPath(ZkRegistry.ROOT) != null, "anyone may still read");
        am.deleteAppTree();
        assertEquals(null, am.zkExists(am.appPath()));
      }
    }
  }

  /** A killed task's node would outlive it by a session timeout; the AM removes it when YARN reports the exit. */
  @Test
  void theNodeOfAnEndedContainerIsRemovedButANewerContainersNodeStays() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1_0009";
    try (ZkRegistry am = new ZkRegistry(ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000), app);
         CuratorFramework task = ZkRegistry.connect(zk.getConnectString(), secret, app, 10_000)) {
      am.initAppNode(secret);
      String old = ZkRegistry.taskPath(app, 0, "worker", 0);
      String current = ZkRegistry.taskPath(app, 1, "worker", 0);
      // As a killed task leaves it: an ephemeral node whose session outlives the process, nobody to re-create it.
      task.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(old,
          org.spindle.task.TaskDirectory.nodeJson("h", Map.of("feed", 1), 0, "c_1").getBytes(StandardCharsets.UTF_8));
      TaskZooKeeper.registerTask(task, current,
          org.spindle.task.TaskDirectory.nodeJson("h", Map.of("feed", 2), 1, "c_2"));

      am.containerEnded("worker", 0, "c_1");
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> am.zkExists(old) == null);
      am.containerEnded("worker", 0, "c_3"); // no node of c_3: nothing to remove
      am.containerEnded("worker", 1, "c_2"); // another task's index
      am.containerEnded("worker", 0, "c_1"); // again, once the node is gone
      am.close(); // waits for the queued removals
      assertTrue(task.checkExists().forPath(current) != null, "the node of the task's newer container stays");
    }
  }
}
