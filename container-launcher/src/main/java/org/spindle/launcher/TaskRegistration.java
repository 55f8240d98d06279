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
  /** Calls of registerAt started, and the one whose node is in place (later calls win). */
  private long requested;
  private long installed;

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

  /**
   * Writes the node in the ZooKeeper at {@code zkConnect} and drops the one written before. Connecting
   * happens outside the lock: a call stuck on a dead server (up to 30 s) never delays a later call for
   * the new server, and whichever call started last wins.
   */
  void registerAt(String zkConnect) throws Exception {
    long seq;
    synchronized (this) {
      if (zkConnect.equals(connect)) {
        return;
      }
      seq = ++requested;
    }
    CuratorFramework nextZk = TaskZooKeeper.connect(zkConnect, secret, appId, sessionTimeoutMs);
    PersistentNode nextNode;
    try {
      nextNode = TaskZooKeeper.registerTask(nextZk, TaskZooKeeper.taskPath(appId, attempt, role, index), endpointJson);
    } catch (Exception e) {
      nextZk.close();
      throw e;
    }
    PersistentNode oldNode;
    CuratorFramework oldZk;
    synchronized (this) {
      if (seq < installed) { // a later call already moved the node on
        oldNode = nextNode;
        oldZk = nextZk;
      } else {
        if (zk != null) {
          LOG.info("task node moved from ZooKeeper {} to {}", connect, zkConnect);
        }
        oldNode = node;
        oldZk = zk;
        node = nextNode;
        zk = nextZk;
        connect = zkConnect;
        installed = seq;
      }
    }
    if (oldZk != null) {
      // The old server may have gone with the old AM: closing its client can block for a session
      // timeout, so it happens on its own thread, never on the caller's.
      Thread closer = new Thread(() -> closeQuietly(oldNode, oldZk), "spindle-zk-close");
      closer.setDaemon(true);
      closer.start();
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly(node, zk);
  }

  private static void closeQuietly(PersistentNode node, CuratorFramework zk) {
    if (node != null) {
      try {
        node.close();
      } catch (java.io.IOException | RuntimeException e) {
        LOG.debug("closing the task node: {}", e.toString());
      }
    }
    if (zk != null) {
      zk.close();
    }
  }
}
