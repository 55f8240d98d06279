package org.spindle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.am.registry.ZkRegistry;
import org.spindle.am.registry.ZooKeeperKerberos;
import org.spindle.task.AppSecret;
import org.spindle.task.TaskZooKeeper;

/**
 * The AM's Kerberos login to an external ZooKeeper ensemble, against a real ZooKeeper server that
 * authenticates with SASL/GSSAPI from MiniKdc (the way a kerberized cluster's ensemble does): the AM's
 * session authenticates as the job's principal, the job's nodes grant that principal and the app's digest,
 * tasks (digest only, no Kerberos) still work under them, and nobody else gets in.
 */
class ZooKeeperKerberosTest {
  private static MiniKdc kdc;
  private static KerberizedZooKeeper zk;
  private static Path work;
  private static String userPrincipal;
  private static Path userKeytab;

  @BeforeAll
  static void start() throws Exception {
    work = Path.of(System.getProperty("spindle.test.work", "target/minicluster")).resolve("ZooKeeperKerberosTest")
        .toAbsolutePath();
    Files.createDirectories(work);
    kdc = new MiniKdc(MiniKdc.createConf(), Files.createDirectories(work.resolve("kdc")).toFile());
    kdc.start();
    userKeytab = work.resolve("alice.keytab");
    kdc.createPrincipal(userKeytab.toFile(), "alice");
    userPrincipal = "alice@" + kdc.getRealm();
    zk = KerberizedZooKeeper.start(kdc, work.resolve("zookeeper"));
  }

  @AfterAll
  static void stop() {
    if (zk != null) {
      zk.close();
    }
    if (kdc != null) {
      kdc.stop();
    }
  }

  private static String connect() {
    return zk.connectString();
  }

  @Test
  void theAmLogsInWithItsKeytabAndTheJobsNodesGrantItsPrincipalAndTheAppsDigest() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1_0042";
    CuratorFramework amSession = ZkRegistry.connect(connect(), secret, app, 10_000,
        ZooKeeperKerberos.clientConfig(userPrincipal, userKeytab.toString()));
    try (ZkRegistry am = new ZkRegistry(amSession, app)) {
      am.initAppNode(secret);
      am.requireKerberosIdentity(connect());
      List<ACL> acl = amSession.getACL().forPath(am.appPath());
      assertTrue(acl.stream().anyMatch(a -> a.getId().getScheme().equals("sasl")
          && a.getId().getId().equals(userPrincipal)), "the job's principal, authenticated by Kerberos: " + acl);
      assertTrue(acl.containsAll(TaskZooKeeper.appAcl(secret)), "and the app's digest, for its tasks: " + acl);
      am.publishAm(new org.spindle.task.AmRecord(1, "h:1", connect(), "http://h:2/"));

      // A task: the app's digest, no Kerberos; it registers under the job and reads the AM's record.
      try (CuratorFramework task = ZkRegistry.connect(connect(), secret, app, 10_000)) {
        String path = ZkRegistry.taskPath(app, 0, "worker", 0);
        TaskZooKeeper.registerTask(task, path, "{\"generation\":0}");
        assertEquals("{\"generation\":0}", new String(am.read(path), StandardCharsets.UTF_8));
        assertTrue(new String(task.getData().forPath(TaskZooKeeper.amPath(app)), StandardCharsets.UTF_8)
            .contains("h:1"));
      }
      // Nobody else: neither an anonymous client nor another application's digest.
      try (CuratorFramework anonymous = CuratorFrameworkFactory.newClient(connect(), new RetryOneTime(100));
           CuratorFramework other = ZkRegistry.connect(connect(), AppSecret.generate(), app, 10_000)) {
        anonymous.start();
        assertTrue(anonymous.blockUntilConnected(10, TimeUnit.SECONDS));
        assertThrows(KeeperException.NoAuthException.class, () -> anonymous.getData().forPath(TaskZooKeeper.amPath(app)));
        assertThrows(KeeperException.NoAuthException.class, () -> other.getData().forPath(TaskZooKeeper.amPath(app)));
      }
    }
  }

  @Test
  void aWrongKeytabIsAnErrorNotADigestOnlyJob() throws Exception {
    AppSecret secret = AppSecret.generate();
    String app = "application_1_0043";
    Path stranger = work.resolve("stranger.keytab");
    Files.write(stranger, new byte[] {5, 2, 0, 0}); // an empty keytab: no key for the principal
    CuratorFramework session = ZkRegistry.connect(connect(), secret, app, 10_000,
        ZooKeeperKerberos.clientConfig(userPrincipal, stranger.toString()));
    try (ZkRegistry am = new ZkRegistry(session, app)) {
      Exception e = assertThrows(Exception.class, () -> {
        am.initAppNode(secret);
        am.requireKerberosIdentity(connect());
      }, "a failed Kerberos login fails the AM instead of running without the principal");
      assertTrue(String.valueOf(e.getMessage()).contains("spindle.zookeeper.sasl=false")
          || e instanceof KeeperException, e.toString());
    }
  }
}
