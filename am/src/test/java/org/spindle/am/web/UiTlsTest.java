package org.spindle.am.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.am.JobStatusView;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.task.AppSecret;

/**
 * The tracking UI over TLS with the cluster's stores, made with the JDK's keytool the way a cluster's are:
 * YARN's AM keystore (a certificate signed by the ResourceManager's CA, which YARN's proxy presents as its
 * client certificate) and a server keystore named in ssl-server.xml.
 */
class UiTlsTest {
  @TempDir
  static Path dir;
  private final AppSecret secret = AppSecret.of("ui-secret");
  private final JobSpec spec = new JobConfLoader().load(List.of(), Map.of(
      "spindle.role.worker.instances", "1", "spindle.role.worker.command", "train.sh"));

  /** A CA (as the RM's ProxyCA), the AM's keystore and truststore as YARN ships them (JKS), and a stranger. */
  @BeforeAll
  static void stores() throws Exception {
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "OU=YARN-test",
        "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", "capass");
    keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=application_1_0001", "-validity", "2", "-keystore", "am.jks", "-storetype", "JKS",
        "-storepass", "kspass", "-keypass", "kspass");
    keytool("-certreq", "-alias", "server", "-keystore", "am.jks", "-storepass", "kspass", "-file", "am.csr");
    keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", "capass", "-infile", "am.csr",
        "-outfile", "am.crt", "-rfc");
    keytool("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", "capass", "-rfc", "-file", "ca.crt");
    keytool("-importcert", "-alias", "ca", "-file", "ca.crt", "-keystore", "am.jks", "-storepass", "kspass",
        "-noprompt");
    keytool("-importcert", "-alias", "server", "-file", "am.crt", "-keystore", "am.jks", "-storepass", "kspass");
    keytool("-importcert", "-alias", "client", "-file", "ca.crt", "-keystore", "trust.jks", "-storetype", "JKS",
        "-storepass", "tspass", "-noprompt");
    keytool("-genkeypair", "-alias", "stranger", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
        "OU=YARN-test", "-validity", "2", "-keystore", "stranger.p12", "-storetype", "PKCS12", "-storepass", "strangerpass");
    keytool("-genkeypair", "-alias", "web", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-validity", "2", "-keystore", "cluster.p12", "-storetype", "PKCS12", "-storepass", "webpass");
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "keytool " + cmd + ": " + out);
  }

  private static Map<String, String> yarnEnv() {
    return Map.of("KEYSTORE_FILE_LOCATION", dir.resolve("am.jks").toString(), "KEYSTORE_PASSWORD", "kspass",
        "TRUSTSTORE_FILE_LOCATION", dir.resolve("trust.jks").toString(), "TRUSTSTORE_PASSWORD", "tspass");
  }

  private TrackingServer server(Optional<UiTls> tls) throws Exception {
    return server(tls, YarnWebProxy.NONE);
  }

  private TrackingServer server(Optional<UiTls> tls, YarnWebProxy proxy) throws Exception {
    return server(tls, proxy, Optional.empty());
  }

  private TrackingServer server(Optional<UiTls> tls, YarnWebProxy proxy, Optional<AmFilter> amFilter)
      throws Exception {
    JobStatusView view = new JobStatusView("RUNNING", 0, List.of(), "");
    return new TrackingServer("application_1_0001", spec, () -> view, new MetricsHistory(10, Clock.systemUTC()),
        List::of, secret, proxy, "alice", "", tls, amFilter);
  }

  /** A client trusting {@code trustFile}'s certificates, presenting {@code keyFile}'s key when not null. */
  private static SSLContext client(String trustFile, String trustPass, String keyFile, String keyPass)
      throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(load(trustFile, trustPass));
    KeyManagerFactory kmf = null;
    if (keyFile != null) {
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(load(keyFile, keyPass), keyPass.toCharArray());
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  private static KeyStore load(String file, String pass) throws Exception {
    KeyStore ks = KeyStore.getInstance(file.endsWith(".jks") ? "JKS" : "PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(file))) {
      ks.load(in, pass.toCharArray());
    }
    return ks;
  }

  /** GET over HTTPS; YARN's proxy skips the host name for its own CA's chains, and so does this client. */
  private static HttpsURLConnection get(int port, String path, SSLContext ctx, String secretHeader) throws Exception {
    HttpsURLConnection c = (HttpsURLConnection) new URL("https://127.0.0.1:" + port + path).openConnection();
    c.setSSLSocketFactory(ctx.getSocketFactory());
    c.setHostnameVerifier((host, session) -> true);
    if (secretHeader != null) {
      c.setRequestProperty("x-spindle-secret", secretHeader);
    }
    return c;
  }

  @Test
  void withYarnsKeystoreTheUiServesHttpsAndYarnsProxyIsKnownByItsCertificate() throws Exception {
    // The proxy's host is this one: with YARN's truststore, its address no longer opens the UI, its certificate does
    YarnWebProxy local = new YarnWebProxy(java.util.Set.of(java.net.InetAddress.getByName("127.0.0.1")), List.of());
    proxyByCertificate(local, Optional.empty());
  }

  /** The same on the cluster's Jetty: YARN's AmIpFilter checks the proxy's address, the UI its certificate. */
  @Test
  void onJettyBehindYarnsAmIpFilterTheProxyNeedsItsCertificateAsWell() throws Exception {
    AmFilter filter = new AmFilter(AmIpFilterUiTest.AM_IP_FILTER, Map.of("PROXY_HOSTS", "127.0.0.1",
        "PROXY_URI_BASES", "https://127.0.0.1:8090/proxy/application_1_0001"));
    proxyByCertificate(YarnWebProxy.NONE, Optional.of(filter));
  }

  private void proxyByCertificate(YarnWebProxy proxyAddresses, Optional<AmFilter> amFilter) throws Exception {
    Optional<UiTls> tls = UiTls.of(new Configuration(false), yarnEnv());
    assertTrue(tls.isPresent() && tls.get().proxyPresentsCertificate(), "YARN's truststore: ask for the proxy's");
    try (TrackingServer ui = server(tls, proxyAddresses, amFilter)) {
      assertEquals(amFilter.isPresent(), ui.frontEnd().contains("behind YARN's " + AmIpFilterUiTest.AM_IP_FILTER),
          ui.frontEnd());
      assertEquals("https", ui.scheme());
      SSLContext proxy = client("trust.jks", "tspass", "ca.p12", "capass");
      assertEquals(200, get(ui.port(), "/", proxy, null).getResponseCode(), "YARN's proxy needs no secret");
      SSLContext anonymous = client("trust.jks", "tspass", null, null);
      assertEquals(401, get(ui.port(), "/api/job", anonymous, null).getResponseCode(),
          "no certificate, no secret: refused");
      HttpsURLConnection withSecret = get(ui.port(), "/?secret=ui-secret", anonymous, null);
      assertEquals(200, withSecret.getResponseCode(), "the app's secret still opens it");
      String cookie = withSecret.getHeaderField("Set-Cookie");
      assertTrue(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "over TLS the cookie is Secure: " + cookie);
      SSLContext stranger = client("trust.jks", "tspass", "stranger.p12", "strangerpass");
      assertNotEquals(200, status(() -> get(ui.port(), "/", stranger, null).getResponseCode()),
          "a certificate the RM's CA did not sign is not the proxy");
      // plain HTTP to the TLS port gets no page
      assertNotEquals(200, status(() -> ((java.net.HttpURLConnection) new URL("http://127.0.0.1:" + ui.port()
          + "/?secret=ui-secret").openConnection()).getResponseCode()));
    }
  }

  @Test
  void withHttpsOnlyTheUiServesTheClusterKeystoreNamedInSslServerXml() throws Exception {
    Configuration conf = new Configuration(false);
    conf.set("yarn.http.policy", "HTTPS_ONLY");
    Path confDir = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(confDir.resolve("ssl-server.xml"), "<configuration>"
        + "<property><name>ssl.server.keystore.location</name><value>" + dir.resolve("cluster.p12") + "</value></property>"
        + "<property><name>ssl.server.keystore.password</name><value>webpass</value></property>"
        + "<property><name>ssl.server.keystore.type</name><value>pkcs12</value></property></configuration>");
    Files.writeString(confDir.resolve("ssl-server-empty.xml"), "<configuration></configuration>");
    ClassLoader before = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader hadoopConfDir = new URLClassLoader(new URL[] {confDir.toUri().toURL()}, before)) {
      Thread.currentThread().setContextClassLoader(hadoopConfDir); // as HADOOP_CONF_DIR on the AM's classpath
      Optional<UiTls> tls = UiTls.of(conf, Map.of());
      assertTrue(tls.isPresent(), "HTTPS_ONLY: the cluster's keystore");
      assertFalse(tls.get().proxyPresentsCertificate());
      try (TrackingServer ui = server(tls)) {
        SSLContext trusting = client("cluster.p12", "webpass", null, null);
        assertEquals(200, get(ui.port(), "/api/job", trusting, "ui-secret").getResponseCode());
        assertEquals(401, get(ui.port(), "/api/job", trusting, null).getResponseCode());
      }
      conf.set("hadoop.ssl.server.conf", "ssl-server-empty.xml");
      IOException e = assertThrows(IOException.class, () -> UiTls.of(conf, Map.of()));
      assertTrue(e.getMessage().contains("ssl.server.keystore.location"), e.getMessage());
    } finally {
      Thread.currentThread().setContextClassLoader(before);
    }
    assertTrue(UiTls.of(new Configuration(false), Map.of()).isEmpty(), "no keystore, HTTP policy: plain HTTP");
  }

  private interface Call {
    int run() throws Exception;
  }

  /** The status code, or -1 when the connection itself failed (handshake refused, not TLS). */
  private static int status(Call c) {
    try {
      return c.run();
    } catch (Exception e) {
      return -1;
    }
  }
}
