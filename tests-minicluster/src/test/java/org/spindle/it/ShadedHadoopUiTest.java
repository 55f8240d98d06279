package org.spindle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.am.JobStatusView;
import org.spindle.am.web.AmFilter;
import org.spindle.am.web.MetricsHistory;
import org.spindle.am.web.TrackingServer;
import org.spindle.am.web.UiTls;
import org.spindle.am.web.YarnWebProxy;
import org.spindle.conf.JobConfLoader;
import org.spindle.task.AppSecret;

/**
 * The tracking UI on the classpath of an AM whose Hadoop is Hadoop's shaded client jars (run --local, every mini
 * cluster test): YARN's AmIpFilter there is built against Hadoop's relocated servlet API, and runs on Hadoop's
 * relocated Jetty through Spindle's relocated copy of its front end. Under YARN's AM HTTPS, YARN's proxy is
 * known by its client certificate, which that Jetty hides from the request attribute (Hadoop's relocation renamed
 * it, not the hash its lookup switches on): the front end reads the connection's TLS session instead.
 */
class ShadedHadoopUiTest {
  @TempDir
  Path dir;

  private TrackingServer ui(Optional<UiTls> tls, AmFilter filter) throws Exception {
    JobStatusView view = new JobStatusView("RUNNING", 0, List.of(), "");
    return new TrackingServer("application_1_0001", new JobConfLoader().load(List.of(), Map.of(
        "spindle.role.worker.instances", "1", "spindle.role.worker.command", "train.sh")), () -> view,
        new MetricsHistory(10, Clock.systemUTC()), List::of, AppSecret.of("ui-secret"), YarnWebProxy.NONE, "alice",
        "", tls, Optional.of(filter));
  }

  private static AmFilter yarnsFilter(String rmWebapp) {
    Configuration conf = new Configuration(false);
    conf.set("yarn.resourcemanager.webapp.address", rmWebapp);
    return AmFilter.of(conf).orElseThrow(() -> new AssertionError("the mini cluster's jars have YARN's web proxy"));
  }

  @Test
  void yarnsAmIpFilterRunsOnHadoopsShadedJettyAndSendsStrangersToTheProxy() throws Exception {
    // YARN's initializer names the proxy base from the AM's environment (APPLICATION_WEB_PROXY_BASE), which a test
    // JVM lacks: its filter class with the parameters it gives an AM
    AmFilter filter = new AmFilter(yarnsFilter("198.51.100.7:8088").filterClass(), Map.of("PROXY_HOSTS", "198.51.100.7",
        "PROXY_URI_BASES", "http://198.51.100.7:8088/proxy/application_1_0001"));
    try (TrackingServer ui = ui(Optional.empty(), filter)) {
      assertTrue(ui.frontEnd().contains("servlet API org.apache.hadoop.shaded.javax.servlet"), ui.frontEnd());
      HttpURLConnection direct = (HttpURLConnection) new URL("http://127.0.0.1:" + ui.port() + "/").openConnection();
      direct.setInstanceFollowRedirects(false);
      assertEquals(302, direct.getResponseCode());
      assertTrue(direct.getHeaderField("Location").startsWith("http://198.51.100.7:8088/proxy/redirect/"),
          direct.getHeaderField("Location"));
      HttpURLConnection withSecret = (HttpURLConnection) new URL("http://127.0.0.1:" + ui.port() + "/api/job")
          .openConnection();
      withSecret.setRequestProperty("x-spindle-secret", "ui-secret");
      assertEquals(200, withSecret.getResponseCode());
    }
  }

  @Test
  void underYarnsAmHttpsTheProxyIsKnownByItsCertificateOnHadoopsShadedJetty() throws Exception {
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "OU=YARN-test",
        "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", "capass");
    keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=am",
        "-validity", "2", "-keystore", "am.jks", "-storetype", "JKS", "-storepass", "kspass", "-keypass", "kspass");
    keytool("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", "capass", "-rfc", "-file", "ca.crt");
    keytool("-importcert", "-alias", "client", "-file", "ca.crt", "-keystore", "trust.jks", "-storetype", "JKS",
        "-storepass", "tspass", "-noprompt");
    Optional<UiTls> tls = UiTls.of(new Configuration(false), Map.of(
        "KEYSTORE_FILE_LOCATION", dir.resolve("am.jks").toString(), "KEYSTORE_PASSWORD", "kspass",
        "TRUSTSTORE_FILE_LOCATION", dir.resolve("trust.jks").toString(), "TRUSTSTORE_PASSWORD", "tspass"));
    // the RM (and its proxy) on this host, as in the mini cluster
    try (TrackingServer ui = ui(tls, yarnsFilter("localhost:8088"))) {
      assertTrue(ui.frontEnd().contains("over HTTPS") && ui.frontEnd().contains("org.apache.hadoop.shaded"),
          ui.frontEnd());
      assertEquals(200, get(ui.port(), true).getResponseCode(), "YARN's proxy: its host and its certificate");
      assertEquals(401, get(ui.port(), false).getResponseCode(), "its host without its certificate is not the proxy");
    }
  }

  private HttpsURLConnection get(int port, boolean proxyCertificate) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    KeyStore ca = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("ca.p12"))) {
      ca.load(in, "capass".toCharArray());
    }
    kmf.init(ca, "capass".toCharArray());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    KeyStore am = KeyStore.getInstance("JKS");
    try (InputStream in = Files.newInputStream(dir.resolve("am.jks"))) {
      am.load(in, "kspass".toCharArray());
    }
    tmf.init(am);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(proxyCertificate ? kmf.getKeyManagers() : null, tmf.getTrustManagers(), null);
    HttpsURLConnection c = (HttpsURLConnection) new URL("https://localhost:" + port + "/api/job").openConnection();
    c.setSSLSocketFactory(ctx.getSocketFactory());
    c.setHostnameVerifier((host, session) -> true);
    c.setInstanceFollowRedirects(false);
    return c;
  }

  private void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "keytool " + cmd + ": " + out);
  }
}
