package org.spindle.am.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.ApplicationConstants;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/**
 * TLS for the tracking UI, from the cluster, never made up by Spindle (YARN's proxy must trust it):
 * <ol>
 *   <li>the keystore YARN gives the AM when {@code yarn.resourcemanager.application-https.policy} is LENIENT
 *       or STRICT (the ResourceManager's ProxyCA signs it; the NodeManager names it in KEYSTORE_FILE_LOCATION).
 *       Its truststore holds that CA, which YARN's proxy presents as its client certificate: the UI asks for
 *       a client certificate, and one that verifies identifies the proxy better than its address does;</li>
 *   <li>else, with {@code yarn.http.policy=HTTPS_ONLY}, the cluster's own server keystore, named in
 *       {@code ssl-server.xml} ({@code hadoop.ssl.server.conf}), as Hadoop's daemons serve theirs;</li>
 *   <li>else none: the UI is plain HTTP, as YARN's proxy then expects.</li>
 * </ol>
 */
public record UiTls(SSLContext context, boolean proxyPresentsCertificate, String source) {
  static final String SSL_SERVER_CONF = "hadoop.ssl.server.conf";
  static final String KEYSTORE_LOCATION = "ssl.server.keystore.location";
  static final String KEYSTORE_PASSWORD = "ssl.server.keystore.password";
  static final String KEYSTORE_KEY_PASSWORD = "ssl.server.keystore.keypassword";
  static final String KEYSTORE_TYPE = "ssl.server.keystore.type";

  /** The UI's TLS for this AM container ({@code env}: the container's environment). */
  public static Optional<UiTls> of(Configuration conf, Map<String, String> env)
      throws IOException, GeneralSecurityException {
    String yarnKeystore = env.getOrDefault(ApplicationConstants.KEYSTORE_FILE_LOCATION_ENV_NAME, "");
    if (!yarnKeystore.isBlank()) {
      char[] password = env.getOrDefault(ApplicationConstants.KEYSTORE_PASSWORD_ENV_NAME, "").toCharArray();
      KeyStore keys = load(Path.of(yarnKeystore), "JKS", password);
      String trustFile = env.getOrDefault(ApplicationConstants.TRUSTSTORE_FILE_LOCATION_ENV_NAME, "");
      TrustManager[] trust = null;
      if (!trustFile.isBlank()) {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(Path.of(trustFile), "JKS",
            env.getOrDefault(ApplicationConstants.TRUSTSTORE_PASSWORD_ENV_NAME, "").toCharArray()));
        trust = tmf.getTrustManagers();
      }
      return Optional.of(new UiTls(context(keys, password, trust), trust != null,
          "the keystore YARN gave the AM (yarn.resourcemanager.application-https.policy)"));
    }
    if (!YarnConfiguration.useHttps(conf)) {
      return Optional.empty();
    }
    String resource = conf.get(SSL_SERVER_CONF, "ssl-server.xml");
    Configuration ssl = new Configuration(false);
    ssl.addResource(resource);
    String location = ssl.getTrimmed(KEYSTORE_LOCATION, "");
    if (location.isEmpty()) {
      throw new IOException("yarn.http.policy is HTTPS_ONLY, so the tracking UI serves HTTPS with the cluster's "
          + "keystore, but " + resource + " on the AM's classpath names no " + KEYSTORE_LOCATION
          + " (set it in " + resource + " in HADOOP_CONF_DIR, as for the ResourceManager's own UI)");
    }
    char[] storePassword = password(ssl, KEYSTORE_PASSWORD, new char[0]);
    char[] keyPassword = password(ssl, KEYSTORE_KEY_PASSWORD, storePassword);
    KeyStore keys = load(Path.of(location), ssl.getTrimmed(KEYSTORE_TYPE, "jks"), storePassword);
    return Optional.of(new UiTls(context(keys, keyPassword, null), false,
        "the cluster's keystore " + location + " (" + resource + ", yarn.http.policy=HTTPS_ONLY)"));
  }

  /** Hadoop's password lookup: credential providers first, then the clear-text value. */
  private static char[] password(Configuration ssl, String key, char[] fallback) throws IOException {
    char[] p = ssl.getPassword(key);
    return p == null ? fallback : p;
  }

  private static KeyStore load(Path file, String type, char[] password) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(type);
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, password);
    }
    return ks;
  }

  private static SSLContext context(KeyStore keys, char[] keyPassword, TrustManager[] trust)
      throws GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, keyPassword);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), trust, null);
    return ctx;
  }
}
