package org.spindle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.kerby.kerberos.kerb.client.KrbClient;
import org.apache.kerby.kerberos.kerb.type.ticket.TgtTicket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Spindle on a kerberized cluster ({@link SecureCluster}: MiniKdc, secure HDFS, secure YARN), submitted the
 * way a user submits, from another JVM through Hadoop's RunJar on the cluster's classpath. Delegation
 * tokens there live 20 s between renewals and 60 s in all, so the FM job (a ps, 2 workers, a Spark driver
 * and 2 executors reading, checkpointing and exporting on HDFS) outlives them: with a keytab it succeeds
 * because the AM re-obtains them; with only a ticket cache the same job fails on an expired token.
 */
@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SecureClusterTest {
  private static SecureCluster cluster;
  /** The keytab job's external ensemble, kerberized like the cluster: the AM logs in to it with SASL. */
  private static KerberizedZooKeeper zk;

  @BeforeAll
  static void startCluster() throws Exception {
    Path work = Path.of(System.getProperty("spindle.test.work", "target/minicluster")).resolve("SecureClusterTest")
        .toAbsolutePath();
    MiniClusterSupport.deleteTree(work);
    cluster = SecureCluster.start(work, "SecureClusterTest");
    zk = KerberizedZooKeeper.start(cluster.kdc, work.resolve("zookeeper"));
    Path local = Files.createDirectories(work.resolve("movielens"));
    org.spindle.examples.movielens.MovieLensGenerator.write(local, 20_000, 7L);
    cluster.asService(() -> {
      FileSystem fs = cluster.fs();
      org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path("/data/movielens");
      fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), data);
      return null;
    });
  }

  @AfterAll
  static void stopCluster() {
    if (zk != null) {
      zk.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void aUserWithNeitherTicketNorKeytabIsRefusedAtSubmitSayingWhatToRun() throws Exception {
    Map<String, String> env = Map.of("KRB5CCNAME", "FILE:" + cluster.work.resolve("no-such-ticket-cache"));
    long start = System.nanoTime();
    Result r = submit("refused", fmJob("refused"), env, 2);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertNotEquals(0, r.exit, r.printed);
    assertTrue(r.printed.contains("this cluster uses Kerberos") && r.printed.contains("has no Kerberos ticket")
        && r.printed.contains("kinit") && r.printed.contains("spindle.kerberos.keytab"), r.printed);
    assertTrue(!r.printed.contains("submitted application_"), r.printed);
    assertTrue(seconds < 90, "refused after " + seconds + " s");
  }

  @Test
  @Order(2)
  void withAKeytabTheJobOutlivesItsTokensBecauseTheAmReobtainsThem() throws Exception {
    Map<String, String> keys = fmJob("keytab");
    keys.put("spindle.kerberos.principal", cluster.userPrincipal);
    keys.put("spindle.kerberos.keytab", cluster.userKeytab.toString());
    keys.put("spindle.zookeeper.connect", zk.connectString());
    Result r = submit("keytab", keys, Map.of("KRB5CCNAME", "FILE:" + cluster.work.resolve("no-ticket-cache")), 12);
    assertEquals(0, r.exit, r.printed);
    assertTrue(r.printed.contains("logged in to Kerberos as " + cluster.userPrincipal), r.printed);
    assertTrue(r.printed.contains("obtained delegation tokens for [hdfs://"), r.printed);
    ApplicationReport report = report(r.appId());
    assertEquals(FinalApplicationStatus.SUCCEEDED, report.getFinalApplicationStatus(), r.printed);
    long ranMs = report.getFinishTime() - report.getStartTime();
    assertTrue(ranMs > SecureCluster.TOKEN_MAX_LIFETIME_MS, "the job ran " + ranMs + " ms, within the tokens' lifetime");
    cluster.asService(() -> {
      assertTrue(cluster.fs().exists(new org.apache.hadoop.fs.Path("/user/alice/keytab/models/fm/saved_model.pb")),
          "the FM was exported to HDFS");
      assertTrue(cluster.fs().listStatus(new org.apache.hadoop.fs.Path("/user/alice/keytab/checkpoints")).length > 0,
          "checkpoints on HDFS");
      return null;
    });
    Map<String, String> logs = MiniClusterSupport.containerLogs(cluster.work.resolve("yarn"), r.appId());
    String am = logs.entrySet().stream().filter(e -> e.getKey().endsWith("_000001")).map(Map.Entry::getValue)
        .findFirst().orElse("");
    Matcher renewals = Pattern.compile("re-obtained \\d+ delegation token\\(s\\) from the keytab of "
        + Pattern.quote(cluster.userPrincipal)).matcher(am);
    int count = 0;
    while (renewals.find()) {
      count++;
    }
    assertTrue(count >= 2, "the AM re-obtained the tokens " + count + " time(s):\n" + am);
    assertTrue(logs.values().stream().anyMatch(l -> l.contains("reloaded") && l.contains("delegation token(s) the"
        + " ApplicationMaster re-obtained")), "a task's JVM reloaded the fresh tokens");
    // With Kerberos, encryption is on by default: the control plane and the feed speak TLS with the certificate
    // submit made for this application, and every party still reaches the others (the job succeeded, and the
    // client's progress lines come from the AM's control plane).
    assertTrue(r.printed.contains("encryption on: TLS on the control plane and the Arrow Flight feed"), r.printed);
    assertTrue(Pattern.compile("tasks: .*worker 2 REGISTERED").matcher(r.printed).find(),
        "the client read the job's progress from the AM over TLS:\n" + r.printed);
    assertTrue(am.contains("TLS with the application's certificate"), am);
    // The external ensemble authenticated the AM with Kerberos from the job's keytab (else the AM stops with an
    // error naming spindle.zookeeper.sasl); its tasks, without Kerberos, worked under the job's digest ACL.
    assertTrue(am.contains("ZooKeeper " + zk.connectString() + ": Kerberos (SASL) login as " + cluster.userPrincipal),
        am);
    assertEquals(2, logs.values().stream().filter(l -> l.contains("feed endpoint listening on port")
        && l.contains("(TLS, buffer")).count(), "both workers' feed endpoints serve TLS");
    // The keytab went to the AM's container alone: one localized copy (PRIVATE, in alice's file cache on the
    // AM's node), linked into the AM's container and named by no task container's launch script.
    try (Stream<Path> files = Files.walk(cluster.work.resolve("yarn"))) {
      List<Path> all = files.toList();
      List<Path> keytabs = all.stream().filter(p -> p.getFileName().toString().equals("spindle.keytab")).toList();
      assertEquals(1, keytabs.stream().filter(p -> p.toString().contains("/usercache/alice/filecache/")).count(),
          keytabs.toString());
      assertTrue(keytabs.stream().filter(p -> p.toString().contains("/container_")).allMatch(
          p -> p.getParent().getFileName().toString().endsWith("_000001")), keytabs.toString());
      List<Path> scripts = all.stream().filter(p -> p.getFileName().toString().equals("launch_container.sh")
          && p.toString().contains(r.appId())).toList();
      assertTrue(scripts.size() >= 7, scripts.toString());
      for (Path script : scripts) {
        boolean isAm = script.getParent().getFileName().toString().endsWith("_000001");
        assertEquals(isAm, Files.readString(script).contains("spindle.keytab"), script.toString());
      }
    }
  }

  @Test
  @Order(3)
  void withOnlyATicketCacheTheSameJobFailsOnAnExpiredToken() throws Exception {
    // kinit, as Kerby's client does it: a TGT for alice in a credential cache named by KRB5CCNAME.
    Path cache = cluster.work.resolve("alice.ccache");
    KrbClient kerby = new KrbClient(cluster.krb5Conf.getParent().toFile());
    kerby.init();
    TgtTicket tgt = kerby.requestTgt(cluster.userPrincipal, cluster.userKeytab.toFile());
    kerby.storeTicket(tgt, cache.toFile());
    Result r = submit("ticket", fmJob("ticket"), Map.of("KRB5CCNAME", "FILE:" + cache), 12);
    assertTrue(r.printed.contains("obtained delegation tokens for [hdfs://"), r.printed);
    assertTrue(!r.printed.contains("logged in to Kerberos as"), r.printed);
    ApplicationReport report = report(r.appId());
    assertEquals(FinalApplicationStatus.FAILED, report.getFinalApplicationStatus(), r.printed);
    // The client's diagnostics name the cause and the remedy, not only "exited 1".
    assertTrue(r.printed.contains("has expired") && r.printed.contains("the job outlived its delegation tokens")
        && r.printed.contains("spindle.kerberos.keytab"), r.printed);
    Map<String, String> logs = MiniClusterSupport.containerLogs(cluster.work.resolve("yarn"), r.appId());
    assertTrue(logs.values().stream().anyMatch(l -> l.contains("Token  has expired") || l.contains("is expired") || l.contains("can't be found in cache")),
        "no container log names an expired token:\n" + String.join("\n----\n", logs.values()));
  }

  /** The FM example's job XML (as the distribution ships it) with this cluster's sizes, on HDFS. */
  private static Map<String, String> fmJob(String dir) {
    Map<String, String> k = new LinkedHashMap<>(cluster.containerKeys());
    k.putAll(MiniClusterSupport.fmSizes());
    k.put("spindle.task.heartbeat-interval", "1s");
    k.put("spindle.app.timeout", "10m");
    k.put("spindle.feed.epochs", "6");
    k.put("spindle.spark.conf.spark.sql.shuffle.partitions", "4");
    k.put("spindle.checkpoint.dir", "/user/alice/" + dir + "/checkpoints");
    k.put("spindle.model.export-dir", "/user/alice/" + dir + "/models");
    k.put("example.data-dir", "/data/movielens");
    k.put("example.output-dir", "/user/alice/" + dir + "/output");
    return k;
  }

  private record Result(int exit, String printed) {
    String appId() {
      Matcher m = Pattern.compile("submitted (application_\\d+_\\d+)").matcher(printed);
      assertTrue(m.find(), printed);
      return m.group(1);
    }
  }

  /** `yarn jar spindle.jar submit` in a JVM of its own, as alice would run it on a gateway host. */
  private static Result submit(String name, Map<String, String> keys, Map<String, String> env, int minutes)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        cluster.krb5Opt(), "-Dhadoop.root.logger=INFO,console", "-cp", cluster.hadoopClasspath(),
        "org.apache.hadoop.util.RunJar", Path.of(System.getProperty("spindle.dist.jar")).toAbsolutePath().toString(),
        "submit", "--conf", Path.of("../conf/examples/fm-movielens.xml").toAbsolutePath().toString(),
        "--jars", Path.of(System.getProperty("spindle.examples.jar")).toAbsolutePath().toString()));
    keys.forEach((k, v) -> cmd.addAll(List.of("--conf", k + "=" + v)));
    Path out = cluster.work.resolve(name + ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("HADOOP_USER_NAME", SecureCluster.USER); // ignored with Kerberos: identity is the ticket's
    pb.environment().putAll(env);
    Process p = pb.start();
    boolean exited = p.waitFor(minutes, TimeUnit.MINUTES);
    if (!exited) {
      p.destroyForcibly();
    }
    String printed = Files.readString(out);
    assertTrue(exited, "submit did not finish within " + minutes + " min:\n" + printed);
    return new Result(p.exitValue(), printed);
  }

  private static ApplicationReport report(String appId) throws Exception {
    try (YarnClient y = cluster.yarnClient()) {
      return y.getApplicationReport(ApplicationId.fromString(appId));
    }
  }

}
