package org.spindle.am.web;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.JobStatusView;
import org.spindle.am.TaskView;
import org.spindle.task.AppSecret;
import org.spindle.conf.JobSpec;
import org.spindle.conf.RoleSpec;

/**
 * The AM's tracking UI, registered as the application's tracking URL (so it opens through the RM's
 * proxy link): the job spec, one row per task with a link to its container logs, live charts of
 * loss, examples/s and feeding drawn as inline SVG (the page works offline), the checkpoints and
 * the final metrics; /api/job serves the same data as JSON. A request needs the application's
 * secret (header x-spindle-secret, ?secret= or the cookie the page sets) unless it comes from
 * YARN's web proxy.
 */
public final class TrackingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrackingServer.class);
  static final String COOKIE = "spindle-ui";

  private final HttpServer server;
  private final String appId;
  private final JobSpec spec;
  private final Supplier<JobStatusView> status;
  private final MetricsHistory history;
  private final Supplier<List<String>> checkpoints;
  private final AppSecret secret;
  private final YarnWebProxy proxy;
  private final String user;
  private final PrometheusMetrics prometheus;
  private final String tensorboardDir;
  private final Optional<UiTls> tls;
  private final Gson gson = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  public TrackingServer(String appId, JobSpec spec, Supplier<JobStatusView> status, MetricsHistory history,
                        Supplier<List<String>> checkpoints, AppSecret secret, YarnWebProxy proxy, String user)
      throws IOException {
    this(appId, spec, status, history, checkpoints, secret, proxy, user, "");
  }

  /** {@code tensorboardDir}: where the tasks' TensorBoard event files go (empty: none), linked from the page. */
  public TrackingServer(String appId, JobSpec spec, Supplier<JobStatusView> status, MetricsHistory history,
                        Supplier<List<String>> checkpoints, AppSecret secret, YarnWebProxy proxy, String user,
                        String tensorboardDir) throws IOException {
    this(appId, spec, status, history, checkpoints, secret, proxy, user, tensorboardDir, Optional.empty());
  }

  /** {@code tls}: HTTPS with the cluster's keystore ({@link UiTls}); empty: plain HTTP. */
  public TrackingServer(String appId, JobSpec spec, Supplier<JobStatusView> status, MetricsHistory history,
                        Supplier<List<String>> checkpoints, AppSecret secret, YarnWebProxy proxy, String user,
                        String tensorboardDir, Optional<UiTls> tls) throws IOException {
    this.tls = tls;
    this.tensorboardDir = tensorboardDir;
    this.appId = appId;
    this.spec = spec;
    this.status = status;
    this.history = history;
    this.checkpoints = checkpoints;
    this.secret = secret;
    this.proxy = proxy;
    this.user = user;
    if (tls.isPresent()) {
      HttpsServer https = HttpsServer.create(new InetSocketAddress(0), 16);
      SSLContext ctx = tls.get().context();
      boolean askProxyCertificate = tls.get().proxyPresentsCertificate();
      https.setHttpsConfigurator(new HttpsConfigurator(ctx) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters p = ctx.getDefaultSSLParameters();
          // asked, not required: clients with the app's secret (scrapers, tools) have no certificate
          p.setWantClientAuth(askProxyCertificate);
          params.setSSLParameters(p);
        }
      });
      this.server = https;
    } else {
      this.server = HttpServer.create(new InetSocketAddress(0), 16);
    }
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "spindle-tracking-ui");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::page);
    server.createContext("/api/job", this::json);
    this.prometheus = new PrometheusMetrics(status);
    server.createContext("/metrics", this::metrics);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** "https" when the UI serves TLS, else "http": the scheme of the tracking URL the AM registers. */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }

  /**
   * Whether the request came from YARN's proxy by its certificate: a client certificate that verified
   * against the truststore YARN gave the AM (the ResourceManager's ProxyCA), which only the proxy holds.
   */
  private boolean proxyByCertificate(HttpExchange ex) {
    if (tls.isEmpty() || !tls.get().proxyPresentsCertificate() || !(ex instanceof HttpsExchange h)) {
      return false;
    }
    try {
      return h.getSSLSession().getPeerCertificates().length > 0; // only verified chains get here
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** Who may see the UI: the secret, or YARN's web proxy (as Hadoop's AmIpFilter decides). */
  static boolean allowed(String presented, InetAddress remote, YarnWebProxy proxy, AppSecret secret) {
    return (presented != null && secret.matches(presented)) || proxy.isProxy(remote);
  }

  private boolean authorize(HttpExchange ex) throws IOException {
    String presented = ex.getRequestHeaders().getFirst("x-spindle-secret");
    String authorization = ex.getRequestHeaders().getFirst("Authorization");
    if (presented == null && authorization != null && authorization.startsWith("Bearer ")) {
      presented = authorization.substring("Bearer ".length()).trim(); // Prometheus' bearer_token_file
    }
    String query = ex.getRequestURI().getRawQuery();
    boolean fromQuery = false;
    if (presented == null && query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith("secret=")) {
          presented = URLDecoder.decode(kv.substring(7), StandardCharsets.UTF_8);
          fromQuery = true;
        }
      }
    }
    boolean viaCookie = false;
    if (presented == null) {
      String cookies = ex.getRequestHeaders().getFirst("Cookie");
      if (cookies != null) {
        for (String c : cookies.split(";\\s*")) {
          if (c.startsWith(COOKIE + "=")) {
            viaCookie = java.security.MessageDigest.isEqual(uiToken().getBytes(StandardCharsets.US_ASCII),
                c.substring(COOKIE.length() + 1).getBytes(StandardCharsets.US_ASCII));
          }
        }
      }
    }
    boolean open = viaCookie || (presented != null && secret.matches(presented));
    if (tls.isPresent() && tls.get().proxyPresentsCertificate()) {
      // YARN's proxy shows the RM CA's certificate: its address, shared by every process on its host, is not asked
      open = open || proxyByCertificate(ex);
    } else {
      open = open || allowed(presented, ex.getRemoteAddress().getAddress(), proxy, secret);
    }
    if (!open) {
      java.util.Optional<String> viaProxy = ex.getRequestURI().getPath().equals("/")
          ? proxy.redirect(ex.getRequestURI().getRawPath()) : java.util.Optional.empty();
      if (viaProxy.isPresent()) {
        // A browser that came straight here goes through YARN's proxy, which applies the cluster's ACLs.
        ex.getResponseHeaders().add("Location", viaProxy.get());
        send(ex, 302, "text/plain", "open the Spindle tracking UI through YARN's proxy: " + viaProxy.get());
        return false;
      }
      send(ex, 401, "text/plain", "the Spindle tracking UI needs the application's secret or YARN's proxy "
          + "(open it from the ResourceManager's application page)");
      return false;
    }
    if (fromQuery) {
      // Never the secret itself: a token derived from it, for this UI only, not sent cross-site.
      ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + uiToken() + "; HttpOnly; SameSite=Strict; Path=/"
          + (tls.isPresent() ? "; Secure" : ""));
    }
    return true;
  }

  /** HMAC-SHA256 of this UI's name under the app secret: opens the UI, and cannot be turned back into the secret. */
  String uiToken() {
    return secret.derive("spindle-tracking-ui:" + appId);
  }

  /** Everything the page and the JSON endpoint show. */
  public Map<String, Object> model() {
    JobStatusView v = status.get();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("appId", appId);
    m.put("name", spec.name());
    m.put("queue", spec.queue());
    m.put("state", v.state());
    m.put("gangAttempt", v.gangAttempt());
    m.put("diagnostics", v.diagnostics());
    Map<String, Object> roles = new LinkedHashMap<>();
    for (RoleSpec r : spec.roles().values()) {
      Map<String, Object> role = new LinkedHashMap<>();
      role.put("instances", r.instances());
      role.put("shape", r.shape());
      role.put("runs", r.runsCommand() ? r.command() : r.mainClass());
      role.put("maxRestarts", r.maxRestarts());
      roles.put(r.name(), role);
    }
    m.put("roles", roles);
    m.put("tasks", v.tasks().stream().map(this::task).toList());
    m.put("metrics", history.snapshot());
    m.put("checkpoints", checkpoints.get());
    m.put("tensorboardDir", tensorboardDir);
    return m;
  }

  private Map<String, Object> task(TaskView t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", t.role());
    m.put("index", t.index());
    m.put("state", t.state());
    m.put("host", t.host());
    m.put("containerId", t.containerId());
    m.put("restarts", t.restarts());
    m.put("attempt", t.attempt());
    m.put("step", t.step());
    m.put("metrics", t.metrics());
    m.put("logs", logs(t));
    return m;
  }

  private String logs(TaskView t) {
    return t.containerId().isEmpty() || t.nodeHttpAddress().isEmpty() ? ""
        : "http://" + t.nodeHttpAddress() + "/node/containerlogs/" + t.containerId() + "/" + user;
  }

  private void json(HttpExchange ex) throws IOException {
    if (authorize(ex)) {
      send(ex, 200, "application/json", gson.toJson(model()));
    }
  }

  private void page(HttpExchange ex) throws IOException {
    if (!authorize(ex)) {
      return;
    }
    Map<String, Object> m = model();
    JobStatusView v = status.get();
    Map<String, List<MetricsHistory.Point>> snap = history.snapshot();
    StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=utf-8>");
    if ("RUNNING".equals(v.state())) {
      h.append("<meta http-equiv=refresh content=5>");
    }
    h.append("<title>Spindle ").append(Html.escape(appId)).append("</title><style>body{font-family:sans-serif;margin:1em}"
        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
        + "figure{display:inline-block;margin:0 1em 1em 0}.muted{color:#888}</style></head><body>");
    h.append("<h1>Spindle: ").append(Html.escape(spec.name())).append("</h1><p>").append(Html.escape(appId))
        .append(" in queue ").append(Html.escape(spec.queue())).append(": <b>").append(Html.escape(v.state()))
        .append("</b>, gang attempt ").append(v.gangAttempt()).append("</p>");
    if (!v.diagnostics().isEmpty()) {
      h.append("<p>").append(Html.escape(v.diagnostics())).append("</p>");
    }
    h.append("<h2>Roles</h2><table><tr><th>role</th><th>instances</th><th>container</th><th>runs</th></tr>");
    for (RoleSpec r : spec.roles().values()) {
      h.append("<tr><td>").append(Html.escape(r.name())).append("</td><td>").append(r.instances()).append("</td><td>")
          .append(Html.escape(r.shape())).append("</td><td>")
          .append(Html.escape(r.runsCommand() ? r.command() : r.mainClass())).append("</td></tr>");
    }
    h.append("</table><h2>Tasks</h2><table><tr><th>task</th><th>state</th><th>host</th><th>container</th>"
        + "<th>restarts</th><th>step</th><th>metrics</th><th>logs</th></tr>");
    for (TaskView t : v.tasks()) {
      String logs = logs(t);
      h.append("<tr><td>").append(Html.escape(t.role() + ":" + t.index())).append("</td><td>").append(t.state())
          .append("</td><td>").append(Html.escape(t.host())).append("</td><td>").append(Html.escape(t.containerId()))
          .append("</td><td>").append(t.restarts()).append("</td><td>").append(t.step()).append("</td><td>")
          .append(Html.escape(t.metrics().toString())).append("</td><td>")
          .append(logs.isEmpty() ? "" : "<a href='" + Html.escape(logs) + "'>logs</a>").append("</td></tr>");
    }
    h.append("</table><h2>Training</h2>");
    h.append(SvgChart.render("loss per worker", "", MetricsHistory.series(snap, "loss")));
    h.append(SvgChart.render("examples/s per worker", "ex/s", MetricsHistory.series(snap, "examples_per_sec")));
    h.append(SvgChart.render("rows fed per worker", "rows", MetricsHistory.series(snap, "feed.rows-read")));
    @SuppressWarnings("unchecked")
    List<String> ckpts = (List<String>) m.get("checkpoints");
    if (!tensorboardDir.isEmpty()) {
      h.append("<h2>TensorBoard</h2><p>Event files of every task (one run per task): <a href='")
          .append(Html.escape(tensorboardDir)).append("'>").append(Html.escape(tensorboardDir))
          .append("</a>; view them with <code>tensorboard --logdir ").append(Html.escape(tensorboardDir))
          .append("</code></p>");
    }
    h.append("<h2>Checkpoints</h2>").append(ckpts.isEmpty() ? "<p class=muted>none</p>" : "<ul>");
    ckpts.forEach(c -> h.append("<li>").append(Html.escape(c)).append("</li>"));
    h.append(ckpts.isEmpty() ? "" : "</ul>");
    h.append("<p><a href='api/job'>JSON</a> | <a href='metrics'>Prometheus metrics</a></p></body></html>");
    send(ex, 200, "text/html; charset=utf-8", h.toString());
  }

  /** /metrics: the job in Prometheus text format, behind the same access control as the page. */
  private void metrics(HttpExchange ex) throws IOException {
    if (!authorize(ex)) {
      return;
    }
    byte[] body = prometheus.scrape();
    ex.getResponseHeaders().set("Content-Type", PrometheusMetrics.CONTENT_TYPE);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    LOG.debug("tracking UI stopped");
  }
}
