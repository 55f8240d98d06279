package org.spindle.am.registry;

import com.google.gson.Gson;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.ClusterSpec;
import org.spindle.am.SpecListener;
import org.spindle.task.AppSecret;
import org.spindle.task.TaskDirectory;
import org.spindle.task.TaskZooKeeper;

/**
 * The AM's side of the application's subtree in ZooKeeper: /spindle/&lt;appId&gt;/cluster-spec, the AM
 * record and the job state. Each task writes its own ephemeral /spindle/&lt;appId&gt;/attempt-&lt;n&gt;/&lt;role&gt;/&lt;index&gt;
 * ({@link TaskZooKeeper}). Every node under the app carries a digest ACL derived from the application secret.
 */
public final class ZkRegistry implements SpecListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ZkRegistry.class);
  public static final String ROOT = TaskZooKeeper.ROOT;

  private final CuratorFramework zk;
  private final String appPath;
  /** ZooKeeper writes that must not hold up the AM's state thread. */
  private final java.util.concurrent.ExecutorService background =
      java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "spindle-zk-registry");
        t.setDaemon(true);
        return t;
      });

  public ZkRegistry(CuratorFramework zk, String appId) {
    this.zk = zk;
    this.appPath = ROOT + "/" + appId;
  }

  /** Connects with the application's digest credentials (see {@link TaskZooKeeper#connect}). */
  public static CuratorFramework connect(String connect, AppSecret secret, String appId, long sessionTimeoutMs)
      throws InterruptedException {
    return TaskZooKeeper.connect(connect, secret, appId, sessionTimeoutMs);
  }

  /** With a Kerberos login to the ensemble too (see {@link ZooKeeperKerberos}). */
  public static CuratorFramework connect(String connect, AppSecret secret, String appId, long sessionTimeoutMs,
                                         org.apache.zookeeper.client.ZKClientConfig sasl) throws InterruptedException {
    return TaskZooKeeper.connect(connect, secret, appId, sessionTimeoutMs, sasl);
  }

  static String digest(AppSecret secret) {
    return TaskZooKeeper.digest(secret);
  }

  public String appPath() {
    return appPath;
  }

  public static String taskPath(String appId, int attempt, String role, int index) {
    return TaskZooKeeper.taskPath(appId, attempt, role, index);
  }

  /**
   * Creates the application's node, with the app's digest ACL. On a shared ensemble anyone may create
   * nodes under /spindle, and application ids are sequential: a node already there (an earlier attempt
   * of this application left it) is used only if its ACL grants the application's digest. A node
   * someone else created first is refused, with an error, rather than adopted: its creator would keep
   * its permissions over the job's subtree.
   */
  public void initAppNode(AppSecret secret) throws Exception {
    try {
      zk.create().creatingParentsIfNeeded().forPath(appPath, new byte[0]);
    } catch (org.apache.zookeeper.KeeperException.NodeExistsException e) {
      List<ACL> found = zk.getACL().forPath(appPath);
      // Only a holder of the app's secret can name its digest in an ACL.
      if (!found.containsAll(TaskZooKeeper.appAcl(secret))) {
        throw new IllegalStateException("ZooKeeper node " + appPath + " already exists with ACL "
            + describe(found) + ", not this application's digest ACL: another client created it before this "
            + "application started. Spindle does not adopt it. Delete it (an administrator of the ensemble "
            + "can), or give the job an ensemble or chroot of its own (spindle.zookeeper.connect), and "
            + "submit again");
      }
      LOG.info("{} exists with this application's ACL (an earlier attempt created it)", appPath);
    }
  }

  /**
   * After a Kerberos login was asked for: the application's node must grant a SASL identity, which the
   * "auth" ACL gives only to a session ZooKeeper authenticated with SASL. ZooKeeper's client goes on without
   * SASL when its login fails, so this is where such a failure becomes an error.
   */
  public void requireKerberosIdentity(String connect) throws Exception {
    List<ACL> acl = zk.getACL().forPath(appPath);
    if (acl.stream().noneMatch(a -> a.getId().getScheme().equals("sasl"))) {
      throw new IllegalStateException("ZooKeeper at " + connect + " did not authenticate this ApplicationMaster "
          + "with Kerberos (the node " + appPath + " grants " + describe(acl) + "): the login from the job's keytab "
          + "failed or the ensemble does not offer SASL; ZooKeeper's client logged why above. Fix the keytab or the "
          + "ensemble's SASL setup (zookeeper.server.principal and zookeeper.sasl.client.username in the AM's JVM "
          + "options name the server's principal), or set spindle.zookeeper.sasl=false to use the application's "
          + "digest alone");
    }
  }

  /** "scheme:id perms", never the digest itself. */
  private static String describe(List<ACL> acl) {
    return acl.stream().map(a -> a.getId().getScheme() + (a.getId().getScheme().equals("digest") ? ":<digest>"
        : ":" + a.getId().getId()) + " perms=" + a.getPerms()).toList().toString();
  }

  /** Publishes the assembled cluster spec of the current attempt. */
  @Override
  public void specChanged(ClusterSpec spec) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("attempt", spec.attempt());
    doc.put("cluster", new Gson().fromJson(spec.toJson(), Map.class));
    doc.put("tasks", spec.endpoints());
    byte[] data = new Gson().toJson(doc).getBytes(StandardCharsets.UTF_8);
    try {
      zk.create().orSetData().creatingParentsIfNeeded().forPath(appPath + "/cluster-spec", data);
    } catch (Exception e) {
      LOG.warn("could not publish the cluster spec to ZooKeeper: {}", e.toString());
    }
  }


  /**
   * Deletes the nodes the ended container wrote (in any gang attempt), so that readers of the task
   * nodes wait for the task's next container instead of dialling a dead one until ZooKeeper expires
   * its session. A node another container of the task wrote meanwhile is left alone: the delete is
   * conditional on the node's version.
   */
  @Override
  public void containerEnded(String role, int index, String containerId) {
    background.execute(() -> {
      try {
        for (String child : zk.getChildren().forPath(appPath)) {
          if (child.startsWith("attempt-")) {
            deleteIfWrittenBy(appPath + "/" + child + "/" + role + "/" + index, containerId);
          }
        }
      } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
        LOG.debug("no task nodes under {}", appPath);
      } catch (Exception e) {
        LOG.warn("could not remove the node of ended container {}: {}", containerId, e.toString());
      }
    });
  }

  private void deleteIfWrittenBy(String path, String containerId) throws Exception {
    org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
    byte[] data;
    try {
      data = zk.getData().storingStatIn(stat).forPath(path);
    } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
      return;
    }
    String writer = TaskDirectory.parse("", 0, 0, data).containerId();
    if (writer.equals(containerId)) {
      try {
        zk.delete().withVersion(stat.getVersion()).forPath(path);
        LOG.info("removed {}: its container {} ended", path, containerId);
      } catch (org.apache.zookeeper.KeeperException.NoNodeException
               | org.apache.zookeeper.KeeperException.BadVersionException e) {
        LOG.debug("{} changed meanwhile: {}", path, e.toString());
      }
    }
  }

  /**
   * For the ZooKeeper the AM embeds: "/" and "/spindle" become readable by anyone but writable only
   * with this application's digest, so no other client can create nodes in this application's server.
   */
  public void lockDownRoot(AppSecret secret) throws Exception {
    List<ACL> acl = List.of(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE),
        new ACL(ZooDefs.Perms.ALL, new Id("digest", digest(secret))));
    zk.create().orSetData().forPath(ROOT, new byte[0]);
    zk.setACL().withACL(new java.util.ArrayList<>(acl)).forPath(ROOT);
    zk.setACL().withACL(new java.util.ArrayList<>(acl)).forPath("/");
  }

  /** Publishes where this AM attempt can be reached, for tasks that lost the previous one. */
  public void publishAm(org.spindle.task.AmRecord record) throws Exception {
    zk.create().orSetData().creatingParentsIfNeeded().forPath(appPath + "/am", record.toJson());
  }

  /** The job's state kept in this application's subtree (for an external ensemble, which outlives the AM). */
  public org.spindle.am.recovery.JobStateStore stateStore() {
    return new org.spindle.am.recovery.ZkJobStateStore(zk, appPath);
  }

  /** Deletes the application's subtree (when the job has ended for good). */
  public void deleteAppTree() throws Exception {
    zk.delete().quietly().deletingChildrenIfNeeded().forPath(appPath);
  }

  public byte[] read(String path) throws Exception {
    return zk.getData().forPath(path);
  }

  /** The node's stat, or null when it does not exist. */
  public org.apache.zookeeper.data.Stat zkExists(String path) throws Exception {
    return zk.checkExists().forPath(path);
  }

  @Override
  public void close() {
    background.shutdown();
    try {
      background.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    zk.close();
  }
}
