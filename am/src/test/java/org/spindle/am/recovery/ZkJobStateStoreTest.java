package org.spindle.am.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.am.registry.ZkRegistry;
import org.spindle.task.AppSecret;

/** The ZooKeeper store on a real server: kept under the app's subtree, behind the app's digest. */
class ZkJobStateStoreTest extends JobStateStoreContract {
  private static final AppSecret SECRET = AppSecret.generate();
  private static TestingServer server;
  private static int apps;

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Override
  JobStateStore store() throws Exception {
    String appId = "application_1700000000000_" + (++apps);
    ZkRegistry registry = new ZkRegistry(ZkRegistry.connect(server.getConnectString(), SECRET, appId, 10_000), appId);
    registry.initAppNode(SECRET);
    return registry.stateStore();
  }

  @Test
  void aClientWithoutTheAppsDigestCannotReadTheState() throws Exception {
    String appId = "application_1700000000000_" + (++apps);
    ZkRegistry registry = new ZkRegistry(ZkRegistry.connect(server.getConnectString(), SECRET, appId, 10_000), appId);
    registry.initAppNode(SECRET);
    registry.stateStore().save(snapshot(1, "RUNNING"));
    assertArrayEquals(snapshot(1, "RUNNING").toJson(), registry.read(registry.appPath() + "/job-state"));
    try (CuratorFramework other = ZkRegistry.connect(server.getConnectString(), AppSecret.generate(), appId, 10_000)) {
      assertThrows(KeeperException.NoAuthException.class,
          () -> other.getData().forPath(registry.appPath() + "/job-state"));
    }
    registry.close();
  }
}
