package org.spindle.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** A task finds the current AM attempt in the external ZooKeeper, behind the app's digest ACL. */
class AmLocatorTest {
  @Test
  void theRecordAnAttemptPublishedInZooKeeperIsFoundWithTheAppsSecretOnly() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1700000000000_0042";
    try (TestingServer server = new TestingServer(true);
         CuratorFramework am = TaskZooKeeper.connect(server.getConnectString(), secret, app, 10_000)) {
      AmLocator locator = AmLocator.zooKeeper(server.getConnectString(), app, () -> secret);
      assertTrue(locator.locate().isEmpty(), "nothing published yet");
      AmRecord second = new AmRecord(2, "nodeB:41000", server.getConnectString(), "http://nodeB:8088/");
      am.create().orSetData().creatingParentsIfNeeded().forPath(TaskZooKeeper.amPath(app), second.toJson());
      assertEquals(second, locator.locate().orElseThrow());
      AmLocator stranger = AmLocator.zooKeeper(server.getConnectString(), app, AppSecret::generate);
      assertTrue(stranger.locate().isEmpty(), "another secret cannot read the app's subtree");
    }
  }
}
