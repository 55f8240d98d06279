package org.spindle.am.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.spindle.am.JobStatusView;
import org.spindle.am.TaskView;
import org.spindle.task.AppSecret;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;

/** The tracking UI over real HTTP: the secret or the proxy opens it; page and JSON show the job. */
class TrackingServerTest {
  private final AppSecret secret = AppSecret.of("ui-secret");
  private final JobSpec spec = new JobConfLoader().load(List.of(), Map.of(
      "spindle.role.worker.instances", "2", "spindle.role.worker.command", "train.sh"));
  private final HttpClient http = HttpClient.newHttpClient();

  private TrackingServer server(MetricsHistory history, YarnWebProxy proxy) throws Exception {
    JobStatusView view = new JobStatusView("RUNNING", 1, List.of(
        new TaskView("worker", 0, "REGISTERED", "container_1_0001_01_000002", "node-a", 0, 1, 0, 40,
            Map.of("loss", 0.25), Map.of("task", 4000), "node-a:8042"),
        new TaskView("worker", 1, "REGISTERED", "container_1_0001_01_000003", "node-b", 2, 1, 2, 40,
            Map.of("loss", 0.3), Map.of("task", 4001), "node-b:8042")),
        "<script>alert(1)</script>");
    return new TrackingServer("application_1_0001", spec, () -> view, history,
        () -> List.of("ckpt-00000200/  2026-11-29T12:00:00Z"), secret, proxy, "alice");
  }

  private HttpResponse<String> get(int port, String path, String header) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (header != null) {
      b.header("x-spindle-secret", header);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The token of the cookie ?secret= set: HttpOnly, SameSite=Strict, and never the secret itself. */
  static String cookieToken(HttpResponse<String> viaQuery, String secret) {
    String cookie = viaQuery.headers().firstValue("Set-Cookie").orElse("");
    assertTrue(cookie.startsWith("spindle-ui=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        cookie);
    assertFalse(cookie.contains(secret), "the cookie never holds the secret: " + cookie);
    return cookie.substring("spindle-ui=".length(), cookie.indexOf(';'));
  }

  @Test
  void theSecretOrTheProxyOpensTheUiAndNothingElse() throws Exception {
    try (TrackingServer ui = server(new MetricsHistory(10, Clock.systemUTC()), YarnWebProxy.NONE)) {
      assertEquals(401, get(ui.port(), "/api/job", null).statusCode());
      assertEquals(401, get(ui.port(), "/", "wrong").statusCode());
      assertEquals(200, get(ui.port(), "/api/job", "ui-secret").statusCode());
      HttpResponse<String> viaQuery = get(ui.port(), "/?secret=ui-secret", null);
      assertEquals(200, viaQuery.statusCode());
      String token = cookieToken(viaQuery, "ui-secret");
      HttpResponse<String> withCookie = http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + ui.port() + "/api/job")).header("Cookie", "spindle-ui=" + token)
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, withCookie.statusCode(), "the cookie opens the UI");
      HttpResponse<String> forged = http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + ui.port() + "/api/job")).header("Cookie", "spindle-ui=ui-secret")
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(401, forged.statusCode(), "a cookie holding anything else does not");
    }
    try (TrackingServer ui = server(new MetricsHistory(10, Clock.systemUTC()),
        new YarnWebProxy(Set.of(InetAddress.getByName("127.0.0.1")), List.of("http://rm:8088/proxy/app_1")))) {
      assertEquals(200, get(ui.port(), "/", null).statusCode(), "YARN's proxy needs no secret");
    }
    // A browser that comes straight to the AM is sent through YARN's proxy, as AmIpFilter does; a program
    // asking the JSON or the metrics without the secret is refused.
    try (TrackingServer ui = server(new MetricsHistory(10, Clock.systemUTC()),
        new YarnWebProxy(Set.of(InetAddress.getByName("10.9.9.9")), List.of("http://rm:8088/proxy/app_1")))) {
      HttpResponse<String> direct = get(ui.port(), "/", null);
      assertEquals(302, direct.statusCode(), direct.body());
      assertEquals("http://rm:8088/proxy/app_1/", direct.headers().firstValue("Location").orElse(""));
      assertEquals(401, get(ui.port(), "/api/job", null).statusCode());
      assertEquals(401, get(ui.port(), "/metrics", null).statusCode());
    }
    assertFalse(new YarnWebProxy(Set.of(InetAddress.getByName("127.0.0.1")), List.of())
        .isProxy(InetAddress.getByName("10.1.2.3")), "another address is not the proxy");
  }

  @Test
  void pageAndJsonShowSpecTasksLogsChartsAndCheckpoints() throws Exception {
    MetricsHistory history = new MetricsHistory(100, Clock.systemUTC());
    for (int s = 1; s <= 5; s++) {
      history.record("worker:0", s * 10, Map.of("loss", 1.0 / s, "examples_per_sec", 1000.0 * s));
      history.record("worker:1", s * 10, Map.of("loss", 1.2 / s));
    }
    try (TrackingServer ui = server(history, YarnWebProxy.NONE)) {
      String page = get(ui.port(), "/", "ui-secret").body();
      assertTrue(page.contains("<svg"), "charts are inline SVG");
      assertTrue(page.contains("polyline"), "the loss series is drawn");
      assertFalse(page.contains("<script"), "no scripts, and task text is escaped");
      assertTrue(page.contains("&lt;script&gt;"), page);
      assertTrue(page.contains("http://node-b:8042/node/containerlogs/container_1_0001_01_000003/alice"), "log links");
      assertTrue(page.contains("ckpt-00000200"), "checkpoints");
      assertTrue(page.contains("&lt;" + "2048 MB") || page.contains("MB"), "the role's container shape");
      String json = get(ui.port(), "/api/job", "ui-secret").body();
      assertTrue(json.contains("\"appId\":\"application_1_0001\""), json);
      assertTrue(json.contains("\"restarts\":2"), json);
      assertTrue(json.contains("\"examples_per_sec\":5000.0"), json);
    }
  }
}
