package org.spindle.launcher;

import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.spindle.task.TaskZooKeeper;
import org.spindle.task.AppSecret;

/**
 * This task's node in the application's ZooKeeper. The ZooKeeper the AM embeds moves with the AM:
 * when a new attempt runs it elsewhere, the node is written there again.
 */
final class TaskRegistration implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskRegistration.class);
  private final AppSecret secret;
  private final String appId;
  private final long sessionTimeoutMs;
  private final int attempt;
  private final String role;
  private final int index;
  private final String endpointJson;
  private String connect;
  private CuratorFramework zk;
  private PersistentNode node;

  TaskRegistration(AppSecret secret, String appId, long sessionTimeoutMs, int attempt, String role, int index,
                   String endpointJson) {
    this.secret = secret;
    this.appId = appId;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.attempt = attempt;
    this.role = role;
    this.index = index;
    this.endpointJson = endpointJson;
  }

  synchronized void registerAt(String zkConnect) throws Exception {
    if (zkConnect.equals(connect)) {
      return;
    }
    CuratorFramework nextZk = TaskZooKeeper.connect(zkConnect, secret, appId, sessionTimeoutMs);
    PersistentNode nextNode;
    try {
      nextNode = TaskZooKeeper.registerTask(nextZk, TaskZooKeeper.taskPath(appId, attempt, role, index), endpointJson);
    } catch (Exception e) {
      nextZk.close();
      throw e;
    }
    if (zk != null) {
      LOG.info("task node moved from ZooKeeper {} to {}", connect, zkConnect);
      close();
    }
    zk = nextZk;
    node = nextNode;
    connect = zkConnect;
  }

  @Override
  public synchronized void close() {
    if (node != null) {
      try {
        node.close();
      } catch (java.io.IOException e) {
        LOG.debug("closing the task node: {}", e.toString());
      }
    }
    if (zk != null) {
      zk.close();
    }
  }
}
