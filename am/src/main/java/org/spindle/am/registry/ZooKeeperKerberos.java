package org.spindle.am.registry;

import java.util.HashMap;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * The AM's Kerberos login to an external ZooKeeper ensemble (SASL/GSSAPI), from the job's keytab, the way
 * Hadoop's own ZooKeeper clients log in: a JAAS section of its own, added to the JVM's JAAS configuration
 * (every other section still comes from the configuration that was there), and named in the ZooKeeper
 * client's configuration. ZooKeeper's other client settings (the server's principal, its service name,
 * host name canonicalization) come from the JVM's system properties, as for any ZooKeeper client.
 */
public final class ZooKeeperKerberos {
  /** The JAAS section Spindle's ZooKeeper client logs in with. */
  static final String SECTION = "SpindleZooKeeperClient";

  private ZooKeeperKerberos() {}

  /** A client configuration that logs in as {@code principal} from {@code keytab}. */
  public static synchronized ZKClientConfig clientConfig(String principal, String keytab) {
    Configuration previous;
    try {
      previous = Configuration.getConfiguration();
    } catch (SecurityException e) { // no JAAS file configured: nothing to keep
      previous = null;
    }
    Configuration.setConfiguration(new WithSection(previous, entry(principal, keytab)));
    ZKClientConfig config = new ZKClientConfig();
    config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "true");
    config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, SECTION);
    return config;
  }

  static AppConfigurationEntry entry(String principal, String keytab) {
    Map<String, String> options = new HashMap<>();
    options.put("useKeyTab", "true");
    options.put("keyTab", keytab);
    options.put("principal", principal);
    options.put("storeKey", "true");
    options.put("useTicketCache", "false");
    options.put("doNotPrompt", "true");
    options.put("refreshKrb5Config", "true");
    options.put("isInitiator", "true");
    return new AppConfigurationEntry("com.sun.security.auth.module.Krb5LoginModule",
        AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, options);
  }

  /** The JVM's JAAS configuration plus Spindle's section. */
  private static final class WithSection extends Configuration {
    private final Configuration previous;
    private final AppConfigurationEntry entry;

    WithSection(Configuration previous, AppConfigurationEntry entry) {
      this.previous = previous instanceof WithSection w ? w.previous : previous;
      this.entry = entry;
    }

    @Override
    public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
      if (SECTION.equals(name)) {
        return new AppConfigurationEntry[] {entry};
      }
      return previous == null ? null : previous.getAppConfigurationEntry(name);
    }

    @Override
    public void refresh() {
      if (previous != null) {
        previous.refresh();
      }
    }
  }
}
