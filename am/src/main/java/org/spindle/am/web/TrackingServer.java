package org.spindle.am.web;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
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
 * the final metrics; /api/job serves the same data as JSON, /metrics as Prometheus text. A request
 * needs the application's secret (header x-spindle-secret, Authorization: Bearer, ?secret= or the
 * cookie the page sets) unless YARN's web proxy sent it. Who is YARN's proxy is decided by YARN's own
 * AmIpFilter when the cluster's classpath has it and a Jetty for it ({@link AmFilter}, {@link UiFrontEnd});
 * under YARN's AM HTTPS the proxy must also show the RM CA's client certificate.
 */
public final class TrackingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrackingServer.class);
  static final String COOKIE = "spindle-ui";

  /** How a request opened the UI, or that it did not. */
  public enum Access { SECRET, SECRET_FROM_QUERY, PROXY_CERTIFICATE, PROXY, NONE }

  private final UiFrontEnd front;
  private final String appId;
  private final JobSpec spec;
  private final Supplier<JobStatusView> status;
  private final MetricsHistory history;
  private final Supplier<List<String>> checkpoints;
  private final AppSecret secret;
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
    this(appId, spec, status, history, checkpoints, secret, proxy, user, tensorboardDir, Optional.empty(),
        Optional.empty());
  }

  /**
   * {@code tls}: HTTPS with the cluster's keystore ({@link UiTls}); empty: plain HTTP. {@code amFilter}: YARN's
   * AmIpFilter as AmFilterInitializer configures it; empty, or without a servlet container to run it on: the
   * JDK's server, with YARN's proxy known by {@code proxy}'s addresses.
   */
  public TrackingServer(String appId, JobSpec spec, Supplier<JobStatusView> status, MetricsHistory history,
                        Supplier<List<String>> checkpoints, AppSecret secret, YarnWebProxy proxy, String user,
                        String tensorboardDir, Optional<UiTls> tls, Optional<AmFilter> amFilter) throws IOException {
    this.tls = tls;
    this.tensorboardDir = tensorboardDir;
    this.appId = appId;
    this.spec = spec;
    this.status = status;
    this.history = history;
    this.checkpoints = checkpoints;
    this.secret = secret;
    this.user = user;
    this.prometheus = new PrometheusMetrics(status);
    Optional<UiFrontEnd> jetty = amFilter.flatMap(f -> AmFilter.jettyFrontEnd(this, tls, f));
    this.front = jetty.isPresent() ? jetty.get() : new JdkUiServer(this, tls, proxy);
    LOG.info("tracking UI served by {}", front.describe());
  }

  public int port() {
    return front.port();
  }

  /** "https" when the UI serves TLS, else "http": the scheme of the tracking URL the AM registers. */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }

  /** What serves the UI and who guards it. */
  public String frontEnd() {
    return front.describe();
  }

  /**
   * Whether YARN's proxy proves itself by the RM CA's client certificate (YARN's AM HTTPS): then its
   * address, shared by every process on its host, is not enough.
   */
  public boolean proxyShowsCertificate() {
    return tls.isPresent() && tls.get().proxyPresentsCertificate();
  }

  /**
   * What the request itself shows: the secret (header, bearer token, query) or the UI's cookie, or YARN's
   * proxy's client certificate; NONE leaves the decision to the proxy check of the front end.
   */
  public Access access(UiExchange ex) {
    String presented = ex.header("x-spindle-secret");
    String authorization = ex.header("Authorization");
    if (presented == null && authorization != null && authorization.startsWith("Bearer ")) {
      presented = authorization.substring("Bearer ".length()).trim(); // Prometheus' bearer_token_file
    }
    String query = ex.rawQuery();
    boolean fromQuery = false;
    if (presented == null && query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith("secret=")) {
          presented = URLDecoder.decode(kv.substring(7), StandardCharsets.UTF_8);
          fromQuery = true;
        }
      }
    }
    if (presented != null && secret.matches(presented)) {
      return fromQuery ? Access.SECRET_FROM_QUERY : Access.SECRET;
    }
    String cookies = ex.header("Cookie");
    if (presented == null && cookies != null) {
      for (String c : cookies.split(";\\s*")) {
        if (c.startsWith(COOKIE + "=") && MessageDigest.isEqual(uiToken().getBytes(StandardCharsets.US_ASCII),
            c.substring(COOKIE.length() + 1).getBytes(StandardCharsets.US_ASCII))) {
          return Access.SECRET;
        }
      }
    }
    return proxyShowsCertificate() && ex.verifiedClientCertificate() ? Access.PROXY_CERTIFICATE : Access.NONE;
  }

  /** Refuses a request that showed neither the secret nor YARN's proxy. */
  public void deny(UiExchange ex) throws IOException {
    send(ex, 401, "text/plain", "the Spindle tracking UI needs the application's secret or YARN's proxy "
        + "(open it from the ResourceManager's application page)");
  }

  /** Serves an admitted request: the page, /api/job or /metrics. */
  public void serve(UiExchange ex, Access access) throws IOException {
    if (access == Access.NONE) {
      deny(ex);
      return;
    }
    if (access == Access.SECRET_FROM_QUERY) {
      // Never the secret itself: a token derived from it, for this UI only, not sent cross-site.
      ex.addHeader("Set-Cookie", COOKIE + "=" + uiToken() + "; HttpOnly; SameSite=Strict; Path=/"
          + (tls.isPresent() ? "; Secure" : ""));
    }
    String path = ex.path();
    if (path.startsWith("/api/job")) {
      send(ex, 200, "application/json", gson.toJson(model()));
    } else if (path.startsWith("/metrics")) {
      ex.send(200, PrometheusMetrics.CONTENT_TYPE, prometheus.scrape());
    } else {
      send(ex, 200, "text/html; charset=utf-8", page());
    }
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

  private String page() {
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
    return h.toString();
  }

  static void send(UiExchange ex, int code, String type, String body) throws IOException {
    ex.send(code, type, body.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    front.close();
    LOG.debug("tracking UI stopped");
  }
}
