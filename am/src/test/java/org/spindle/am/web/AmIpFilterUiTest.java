package org.spindle.am.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.spindle.am.JobStatusView;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.task.AppSecret;

/**
 * The tracking UI on Jetty behind YARN's own AmIpFilter (hadoop-yarn-server-web-proxy 3.5.0, the jar a NodeManager
 * puts on yarn.application.classpath), configured by YARN's own AmFilterInitializer.
 */
class AmIpFilterUiTest {
  static final String AM_IP_FILTER = "org.apache.hadoop.yarn.server.webproxy.amfilter.AmIpFilter";
  private final AppSecret secret = AppSecret.of("ui-secret");
  private final JobSpec spec = new JobConfLoader().load(List.of(), Map.of(
      "spindle.role.worker.instances", "1", "spindle.role.worker.command", "train.sh"));
  private final HttpClient http = HttpClient.newHttpClient();

  private TrackingServer server(String proxyHosts, String uriBases) throws Exception {
    JobStatusView view = new JobStatusView("RUNNING", 0, List.of(), "");
    return new TrackingServer("application_1_0001", spec, () -> view, new MetricsHistory(10, Clock.systemUTC()),
        List::of, secret, YarnWebProxy.NONE, "alice", "", Optional.empty(),
        Optional.of(new AmFilter(AM_IP_FILTER, Map.of("PROXY_HOSTS", proxyHosts, "PROXY_URI_BASES", uriBases))));
  }

  private HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void yarnsInitializerGivesAmIpFilterTheProxyOfEveryResourceManagerUnderHa() {
    Configuration conf = new Configuration(false);
    conf.set("yarn.resourcemanager.ha.enabled", "true");
    conf.set("yarn.resourcemanager.ha.rm-ids", "rm1,rm2");
    conf.set("yarn.resourcemanager.webapp.address.rm1", "198.51.100.1:8088");
    conf.set("yarn.resourcemanager.webapp.address.rm2", "198.51.100.2:8088");
    AmFilter filter = AmFilter.of(conf).orElseThrow();
    assertEquals(AM_IP_FILTER, filter.filterClass());
    assertEquals(List.of("198.51.100.1", "198.51.100.2"), List.of(filter.params().get("PROXY_HOSTS").split(",")),
        filter.toString());
    assertTrue(filter.params().get("PROXY_URI_BASES").contains("http://198.51.100.1:8088"), filter.toString());
    assertTrue(filter.params().get("PROXY_URI_BASES").contains("http://198.51.100.2:8088"), filter.toString());
    assertTrue(filter.params().containsKey("RM_HA_URLS"), "AmIpFilter finds the active RM among them: " + filter);

    Configuration standalone = new Configuration(false);
    standalone.set("yarn.web-proxy.address", "proxy.example:9046");
    assertEquals("proxy.example", AmFilter.of(standalone).orElseThrow().params().get("PROXY_HOSTS"));
  }

  @Test
  void theProxysAddressOpensTheUiOnJettyAndTheSecretStillDoes() throws Exception {
    try (TrackingServer ui = server("127.0.0.1", "http://127.0.0.1:8088/proxy/application_1_0001")) {
      assertTrue(ui.frontEnd().startsWith("Jetty 9.4") && ui.frontEnd().contains(AM_IP_FILTER), ui.frontEnd());
      HttpResponse<String> page = get(ui.port(), "/", "Cookie", "proxy-user=bob");
      assertEquals(200, page.statusCode(), "a request from YARN's proxy host needs no secret");
      assertTrue(page.body().contains("application_1_0001"), page.body());
      assertEquals(200, get(ui.port(), "/api/job").statusCode());
      assertEquals(200, get(ui.port(), "/metrics").statusCode());
    }
  }

  @Test
  void everyoneElseIsSentThroughYarnsProxyByAmIpFilterUnlessTheyHoldTheSecret() throws Exception {
    try (TrackingServer ui = server("10.255.255.1", "http://rm.example:8088/proxy/application_1_0001")) {
      HttpResponse<String> direct = get(ui.port(), "/?tab=tasks");
      assertEquals(302, direct.statusCode(), direct.body());
      // AmIpFilter's own mark: /redirect after /proxy, so the RM's proxy knows the browser came back from the AM
      assertEquals("http://rm.example:8088/proxy/redirect/application_1_0001/?tab=tasks",
          direct.headers().firstValue("Location").orElse(""));
      assertEquals(302, get(ui.port(), "/api/job", "x-spindle-secret", "wrong").statusCode());
      assertEquals(200, get(ui.port(), "/api/job", "x-spindle-secret", "ui-secret").statusCode());
      assertEquals(200, get(ui.port(), "/metrics", "Authorization", "Bearer ui-secret").statusCode());
      HttpResponse<String> viaQuery = get(ui.port(), "/?secret=ui-secret");
      assertEquals(200, viaQuery.statusCode());
      String token = TrackingServerTest.cookieToken(viaQuery, "ui-secret");
      assertEquals(200, get(ui.port(), "/api/job", "Cookie", "spindle-ui=" + token).statusCode());
      assertEquals(302, get(ui.port(), "/api/job", "Cookie", "spindle-ui=ui-secret").statusCode());
    }
  }

  @Test
  void aProxyHostThatDoesNotResolveLeavesOnlyTheSecret() throws Exception {
    try (TrackingServer ui = server("no-such-host.invalid", "http://no-such-host.invalid:8088/proxy/app")) {
      HttpResponse<String> r = get(ui.port(), "/");
      assertEquals(401, r.statusCode(), r.body());
      assertTrue(r.body().contains("could not place this request"), r.body());
      assertEquals(200, get(ui.port(), "/", "x-spindle-secret", "ui-secret").statusCode());
    }
  }
}
