package org.spindle.launcher;

import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.registry.ZkRegistry;
import org.spindle.am.security.AppSecret;

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
  private ZkRegistry registry;

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
    ZkRegistry old = registry;
    CuratorFramework zk = ZkRegistry.connect(zkConnect, secret, appId, sessionTimeoutMs);
    ZkRegistry next = new ZkRegistry(zk, appId);
    try {
      next.registerTask(attempt, role, index, endpointJson);
    } catch (Exception e) {
      next.close();
      throw e;
    }
    registry = next;
    if (old != null) {
      LOG.info("task node moved from ZooKeeper {} to {}", connect, zkConnect);
      old.close();
    }
    connect = zkConnect;
  }

  @Override
  public synchronized void close() {
    if (registry != null) {
      registry.close();
    }
  }
}
