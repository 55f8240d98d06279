package org.spindle.it;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.auth.ProviderRegistry;

/**
 * A ZooKeeper server that authenticates clients with SASL/GSSAPI against a MiniKdc, set up as a kerberized
 * cluster's ensemble is: the SASL authentication provider, and a JAAS "Server" login as zookeeper/localhost
 * from a keytab. Closing it restores the JVM's JAAS configuration and providers, so that later ZooKeeper
 * servers in this JVM run without Kerberos.
 */
final class KerberizedZooKeeper implements AutoCloseable {
  private static final String SASL_PROVIDER = "zookeeper.authProvider.sasl";
  private final ZooKeeperServer server;
  private final ServerCnxnFactory factory;
  private final Configuration jaasBefore;

  private KerberizedZooKeeper(ZooKeeperServer server, ServerCnxnFactory factory, Configuration jaasBefore) {
    this.server = server;
    this.factory = factory;
    this.jaasBefore = jaasBefore;
  }

  static KerberizedZooKeeper start(MiniKdc kdc, Path work) throws Exception {
    Path keytab = Files.createDirectories(work).resolve("zookeeper.keytab");
    kdc.createPrincipal(keytab.toFile(), "zookeeper/localhost");
    String principal = "zookeeper/localhost@" + kdc.getRealm();
    Configuration before;
    try {
      before = Configuration.getConfiguration();
    } catch (SecurityException e) {
      before = null;
    }
    Configuration previous = before;
    Configuration.setConfiguration(new Configuration() {
      @Override
      public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
        if (!"Server".equals(name)) {
          return previous == null ? null : previous.getAppConfigurationEntry(name);
        }
        return new AppConfigurationEntry[] {new AppConfigurationEntry("com.sun.security.auth.module.Krb5LoginModule",
            AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of("useKeyTab", "true",
            "keyTab", keytab.toString(), "principal", principal, "storeKey", "true", "useTicketCache", "false",
            "doNotPrompt", "true", "isInitiator", "false"))};
      }
    });
    System.setProperty(SASL_PROVIDER, "org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
    ProviderRegistry.reset();
    Path data = Files.createDirectories(work.resolve("zk-data-" + System.nanoTime()));
    ZooKeeperServer server = new ZooKeeperServer(data.toFile(), data.toFile(), 2000);
    ServerCnxnFactory factory = ServerCnxnFactory.createFactory();
    factory.configure(new InetSocketAddress("localhost", 0), 200);
    factory.startup(server);
    return new KerberizedZooKeeper(server, factory, before);
  }

  /** host:port, by the name its principal carries (zookeeper/localhost). */
  String connectString() {
    return "localhost:" + factory.getLocalPort();
  }

  @Override
  public void close() {
    factory.shutdown();
    server.shutdown();
    System.clearProperty(SASL_PROVIDER);
    ProviderRegistry.reset();
    Configuration.setConfiguration(jaasBefore);
  }
}
