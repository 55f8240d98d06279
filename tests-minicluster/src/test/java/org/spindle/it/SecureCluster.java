package org.spindle.it;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivilegedExceptionAction;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.spindle.client.local.LocalCluster;

/**
 * A kerberized cluster in one JVM: MiniKdc (Apache Kerby), a secure MiniDFSCluster (SASL data transfer,
 * block tokens) as the data lake and default file system, and a MiniYARNCluster with Kerberos on. Every
 * daemon runs as one service principal, spindle/localhost, because UserGroupInformation's login user is
 * one per JVM; jobs are submitted by alice from other JVMs, as a user would, with her keytab or a ticket
 * cache. Delegation tokens live {@link #TOKEN_RENEW_MS} between renewals and {@link #TOKEN_MAX_LIFETIME_MS}
 * in all, so a job of a few minutes outlives them.
 */
final class SecureCluster implements AutoCloseable {
  static final long TOKEN_RENEW_MS = 20_000;
  static final long TOKEN_MAX_LIFETIME_MS = 60_000;
  static final String USER = "alice";
  /** The test classes' directory: on the classpath of this JVM and of what it starts. */
  private static final Path CLASSPATH_DIR = classesDir();

  private static Path classesDir() {
    try {
      return Path.of(SecureCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  final Path work;
  final MiniKdc kdc;
  final MiniDFSCluster dfs;
  final MiniYARNCluster yarn;
  final Path confDir;
  final Path serviceKeytab;
  final Path userKeytab;
  final String servicePrincipal;
  final String userPrincipal;
  final Path krb5Conf;

  private SecureCluster(Path work, MiniKdc kdc, MiniDFSCluster dfs, MiniYARNCluster yarn, Path confDir,
                        Path serviceKeytab, Path userKeytab) {
    this.work = work;
    this.kdc = kdc;
    this.dfs = dfs;
    this.yarn = yarn;
    this.confDir = confDir;
    this.serviceKeytab = serviceKeytab;
    this.userKeytab = userKeytab;
    this.servicePrincipal = "spindle/localhost@" + kdc.getRealm();
    this.userPrincipal = USER + "@" + kdc.getRealm();
    this.krb5Conf = kdc.getKrb5conf().toPath();
  }

  static SecureCluster start(Path work, String name) throws Exception {
    Files.createDirectories(work);
    Properties kdcConf = MiniKdc.createConf();
    MiniKdc kdc = new MiniKdc(kdcConf, Files.createDirectories(work.resolve("kdc")).toFile());
    kdc.start();
    String realm = kdc.getRealm();
    Path serviceKeytab = work.resolve("spindle.service.keytab");
    Path userKeytab = work.resolve(USER + ".keytab");
    kdc.createPrincipal(serviceKeytab.toFile(), "spindle/localhost", "HTTP/localhost");
    kdc.createPrincipal(userKeytab.toFile(), USER);
    String service = "spindle/localhost@" + realm;

    YarnConfiguration conf = LocalCluster.baseConf(work.resolve("yarn"));
    conf.set("hadoop.security.authentication", "kerberos");
    conf.set("hadoop.rpc.protection", "authentication");
    conf.set("dfs.namenode.kerberos.principal", service);
    conf.set("dfs.namenode.keytab.file", serviceKeytab.toString());
    conf.set("dfs.datanode.kerberos.principal", service);
    conf.set("dfs.datanode.keytab.file", serviceKeytab.toString());
    conf.set("dfs.web.authentication.kerberos.principal", "HTTP/localhost@" + realm);
    conf.set("dfs.web.authentication.kerberos.keytab", serviceKeytab.toString());
    conf.setBoolean("dfs.block.access.token.enable", true);
    conf.set("dfs.data.transfer.protection", "authentication");
    conf.set("dfs.http.policy", "HTTP_ONLY");
    // Without root there are no privileged ports: SASL on data transfer stands in for them.
    conf.setBoolean("ignore.secure.ports.for.testing", true);
    conf.setLong("dfs.namenode.delegation.token.renew-interval", TOKEN_RENEW_MS);
    conf.setLong("dfs.namenode.delegation.token.max-lifetime", TOKEN_MAX_LIFETIME_MS);
    conf.set(YarnConfiguration.RM_PRINCIPAL, service);
    conf.set(YarnConfiguration.RM_KEYTAB, serviceKeytab.toString());
    conf.set(YarnConfiguration.NM_PRINCIPAL, service);
    conf.set(YarnConfiguration.NM_KEYTAB, serviceKeytab.toString());
    UserGroupInformation.setConfiguration(conf);
    UserGroupInformation.loginUserFromKeytab(service, serviceKeytab.toString());

    conf.set("hdfs.minidfs.basedir", work.resolve("dfs").toString());
    MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf, work.resolve("dfs").toFile()).numDataNodes(1).build();
    dfs.waitActive();
    conf.set("fs.defaultFS", dfs.getFileSystem().getUri().toString());
    FileSystem fs = dfs.getFileSystem();
    org.apache.hadoop.fs.Path home = new org.apache.hadoop.fs.Path("/user/" + USER);
    fs.mkdirs(home);
    fs.setOwner(home, USER, USER);
    org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path("/tmp");
    fs.mkdirs(tmp);
    fs.setPermission(tmp, new FsPermission((short) 01777));

    System.setProperty("test.build.data", Files.createDirectories(work.resolve("yarn")).toString());
    MiniYARNCluster yarn = new MiniYARNCluster(name, 2, 1, 1);
    yarn.init(conf);
    yarn.start();
    Path confDir = Files.createDirectories(work.resolve("conf"));
    Configuration all = new Configuration(yarn.getConfig());
    // MiniDFSCluster's rack mapping is a test class that a cluster's classpath does not have.
    all.set("net.topology.node.switch.mapping.impl", "org.apache.hadoop.net.ScriptBasedMapping");
    for (String site : List.of("core-site.xml", "hdfs-site.xml", "yarn-site.xml")) {
      try (OutputStream os = Files.newOutputStream(confDir.resolve(site))) {
        all.writeXml(os);
      }
    }
    try (InputStream in = LocalCluster.class.getResourceAsStream("cluster-log4j.properties")) {
      Files.copy(in, confDir.resolve("log4j.properties"), StandardCopyOption.REPLACE_EXISTING);
    }
    // The NodeManagers' localizers read from HDFS with a Configuration of their own, from the classpath:
    // without these files they speak to the DataNode without SASL and find every block "missing".
    for (String site : List.of("core-site.xml", "hdfs-site.xml")) {
      Files.copy(confDir.resolve(site), CLASSPATH_DIR.resolve(site), StandardCopyOption.REPLACE_EXISTING);
    }
    SecureCluster c = new SecureCluster(work, kdc, dfs, yarn, confDir, serviceKeytab, userKeytab);
    c.awaitNodes(2, 60);
    return c;
  }

  YarnConfiguration conf() {
    return new YarnConfiguration(yarn.getConfig());
  }

  FileSystem fs() throws Exception {
    return dfs.getFileSystem();
  }

  private void awaitNodes(int n, int seconds) throws Exception {
    try (YarnClient y = yarnClient()) {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(seconds))
          .until(() -> y.getNodeReports(NodeState.RUNNING).size() >= n);
    }
  }

  YarnClient yarnClient() {
    YarnClient y = YarnClient.createYarnClient();
    y.init(conf());
    y.start();
    return y;
  }

  /** Runs {@code action} as the service principal (HDFS's superuser here). */
  <T> T asService(PrivilegedExceptionAction<T> action) throws Exception {
    return UserGroupInformation.getLoginUser().doAs(action);
  }

  /** JVM options every JVM of the cluster's users needs: where the KDC is. */
  String krb5Opt() {
    return "-Djava.security.krb5.conf=" + krb5Conf;
  }

  /** `hadoop classpath` for this cluster: its configuration directory, then Hadoop's unshaded jars. */
  String hadoopClasspath() {
    return confDir + File.pathSeparator + Path.of(System.getProperty("spindle.hadoop.share")).toAbsolutePath() + "/*";
  }

  /** Spindle keys that make containers of this cluster run on this JDK with the cluster's classpath. */
  Map<String, String> containerKeys() {
    Map<String, String> k = new java.util.LinkedHashMap<>();
    k.put("spindle.container.extra-classpath", hadoopClasspath());
    k.put("spindle.container.java-home", System.getProperty("java.home"));
    k.put("spindle.container.java-opts", krb5Opt());
    k.put("spindle.role.{role}.java-opts", krb5Opt());
    return k;
  }

  @Override
  public void close() {
    try {
      yarn.stop();
    } finally {
      try {
        dfs.shutdown();
      } finally {
        kdc.stop();
        // The test classes after this one share the JVM: Kerberos off again, no login user left behind.
        UserGroupInformation.reset();
        UserGroupInformation.setConfiguration(new Configuration());
      }
    }
    // What the NodeManagers localized and the DataNode stored (the runtimes, about 1 GB each); logs stay.
    try (java.util.stream.Stream<Path> dirs = Files.walk(work.resolve("yarn"), 4)) {
      dirs.filter(p -> p.getFileName().toString().contains("-localDir-")).toList().forEach(MiniClusterSupport::deleteTree);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    MiniClusterSupport.deleteTree(work.resolve("dfs"));
    for (String site : List.of("core-site.xml", "hdfs-site.xml")) {
      try {
        Files.deleteIfExists(CLASSPATH_DIR.resolve(site));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
