package org.spindle.task;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * The task side of the application's ZooKeeper subtree: a connection that carries the app's digest
 * credentials (every node under /spindle/&lt;appId&gt; gets the app's digest ACL), and a task's own
 * ephemeral node /spindle/&lt;appId&gt;/attempt-&lt;n&gt;/&lt;role&gt;/&lt;index&gt;.
 */
public final class TaskZooKeeper {
  public static final String ROOT = "/spindle";
  static final String DIGEST_USER = "spindle";

  private TaskZooKeeper() {}

  /** Connects with the application's digest credentials; nodes under the app get the digest ACL. */
  public static CuratorFramework connect(String connect, AppSecret secret, String appId, long sessionTimeoutMs)
      throws InterruptedException {
    return connect(connect, secret, appId, sessionTimeoutMs, null);
  }

  /**
   * As {@link #connect(String, AppSecret, String, long)}; with {@code sasl} (a ZooKeeper client configuration
   * naming a Kerberos login), the session also authenticates with SASL, and the nodes it creates under the app
   * also grant every permission to that Kerberos identity (ZooKeeper's "auth" ACL: the session's own ids).
   */
  public static CuratorFramework connect(String connect, AppSecret secret, String appId, long sessionTimeoutMs,
                                         org.apache.zookeeper.client.ZKClientConfig sasl) throws InterruptedException {
    String appPath = ROOT + "/" + appId;
    List<ACL> appAcl = new java.util.ArrayList<>(appAcl(secret));
    if (sasl != null) {
      appAcl.add(new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS));
    }
    ACLProvider acls = new ACLProvider() {
      @Override
      public List<ACL> getDefaultAcl() {
        return ZooDefs.Ids.OPEN_ACL_UNSAFE;
      }

      @Override
      public List<ACL> getAclForPath(String path) {
        return path.startsWith(appPath) ? appAcl : ZooDefs.Ids.OPEN_ACL_UNSAFE;
      }
    };
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder();
    if (sasl != null) {
      builder.zkClientConfig(sasl);
    }
    CuratorFramework c = builder
        .connectString(connect)
        .sessionTimeoutMs((int) sessionTimeoutMs)
        .connectionTimeoutMs(15_000)
        .retryPolicy(new ExponentialBackoffRetry(200, 5))
        .authorization("digest", (DIGEST_USER + ":" + password(secret)).getBytes(StandardCharsets.US_ASCII))
        .aclProvider(acls)
        .build();
    c.start();
    if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
      c.close();
      throw new IllegalStateException("cannot reach ZooKeeper at " + connect + " within 30s; check "
          + "spindle.zookeeper.connect");
    }
    return c;
  }

  /** The ACL of every node under /spindle/&lt;appId&gt;: everything for the app's digest, nothing for anyone else. */
  public static List<ACL> appAcl(AppSecret secret) {
    // ZooKeeper calls contains(null) on ACL lists, which immutable List.of rejects.
    return java.util.Collections.singletonList(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest(secret))));
  }

  /**
   * The password of the app's ZooKeeper digest: derived from the app secret for ZooKeeper alone, never the
   * secret itself. ZooKeeper's digest scheme sends "user:password" in clear to the server (and the server's
   * traffic is not encrypted), so what a listener could take from it opens the job's ZooKeeper nodes, not
   * its control plane, feed or UI.
   */
  static String password(AppSecret secret) {
    return secret.derive("spindle-zookeeper-digest");
  }

  public static String digest(AppSecret secret) {
    try {
      return DigestAuthenticationProvider.generateDigest(DIGEST_USER + ":" + password(secret));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where each AM attempt publishes its {@link AmRecord} in the app's subtree. */
  public static String amPath(String appId) {
    return ROOT + "/" + appId + "/am";
  }

  public static String taskPath(String appId, int attempt, String role, int index) {
    return ROOT + "/" + appId + "/attempt-" + attempt + "/" + role + "/" + index;
  }

  /**
   * Writes a task's ephemeral node, replacing a node left by an earlier generation whose session
   * has not expired yet, so peers watching the path see the new endpoint at once. The node is kept
   * by Curator's PersistentNode: when ZooKeeper expires this client's session (a long GC pause, a
   * network partition), the node is written again under the new session. Close it to remove it.
   */
  public static PersistentNode registerTask(CuratorFramework zk, String path, String endpointJson) throws Exception {
    byte[] data = endpointJson.getBytes(StandardCharsets.UTF_8);
    zk.delete().quietly().forPath(path);
    PersistentNode node = new PersistentNode(zk, CreateMode.EPHEMERAL, false, path, data);
    node.start();
    if (!node.waitForInitialCreate(30, TimeUnit.SECONDS)) {
      node.close();
      throw new IllegalStateException("could not register " + path + " in ZooKeeper within 30 s");
    }
    return node;
  }
}
