package org.spindle.am.web.jetty;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.servlet.DispatcherType;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.spindle.am.web.AmFilter;
import org.spindle.am.web.TrackingServer;
import org.spindle.am.web.UiExchange;
import org.spindle.am.web.UiFrontEnd;
import org.spindle.am.web.UiTls;

/**
 * The tracking UI on the cluster's Jetty, behind YARN's own AmIpFilter as YARN's AmFilterInitializer
 * configured it: a request with the application's secret (or the UI's cookie) is served; any other goes
 * through AmIpFilter, which lets YARN's proxy in (with the proxy user as the request's principal) and sends
 * everyone else to the proxy. Under YARN's AM HTTPS the proxy must also show the RM CA's client certificate,
 * which AmIpFilter cannot check: without it, no secret means 401.
 *
 * <p>Built against the servlet API and Jetty a Hadoop install ships unshaded; the build also makes a copy of
 * this package relocated to the names Hadoop's shaded client jars use (org.spindle.am.web.hadoopjetty), for
 * an AM on an embedded mini cluster. So no string here may name a javax.servlet or Jetty class literally.
 */
public final class JettyUi implements UiFrontEnd {
  private final Server server;
  private final ServerConnector connector;
  private final AmFilter amFilter;
  private final boolean https;

  public JettyUi(TrackingServer ui, Optional<UiTls> tls, AmFilter amFilter) throws Exception {
    this.amFilter = amFilter;
    this.https = tls.isPresent();
    QueuedThreadPool threads = new QueuedThreadPool(8, 2);
    threads.setName("spindle-tracking-ui");
    threads.setDaemon(true);
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    if (tls.isPresent()) {
      // requests know they came over TLS; the tracking URL names the AM's host, which the certificate need not
      http.addCustomizer(new SecureRequestCustomizer(false));
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setSslContext(tls.get().context());
      // asked, not required: clients with the app's secret (scrapers, tools) have no certificate
      ssl.setWantClientAuth(tls.get().proxyPresentsCertificate());
      connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"),
          new HttpConnectionFactory(http));
    } else {
      connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    }
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.setContextPath("/");
    Filter yarnFilter = (Filter) Class.forName(amFilter.filterClass(), true, JettyUi.class.getClassLoader())
        .getDeclaredConstructor().newInstance();
    yarnFilter.init(new Config("AM_PROXY_FILTER", context.getServletContext(), amFilter));
    context.addFilter(new FilterHolder(new Guard(ui, yarnFilter)), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new Pages(ui)), "/");
    server.setHandler(context);
    server.setStopTimeout(0);
    server.start();
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public String describe() {
    return "Jetty " + Server.getVersion() + (https ? " over HTTPS" : "") + " behind YARN's " + amFilter.filterClass()
        + " (proxy hosts " + amFilter.params().get("PROXY_HOSTS") + "; servlet API " + Filter.class.getPackageName()
        + ")";
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the tracking UI's Jetty", e);
    }
  }

  /** The secret, else YARN's AmIpFilter; under AM HTTPS, the proxy's certificate as well. */
  private static final class Guard implements Filter {
    private final TrackingServer ui;
    private final Filter yarnFilter;

    Guard(TrackingServer ui, Filter yarnFilter) {
      this.ui = ui;
      this.yarnFilter = yarnFilter;
    }

    @Override
    public void init(FilterConfig config) {
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
        throws IOException, ServletException {
      Exchange ex = new Exchange((HttpServletRequest) req, (HttpServletResponse) resp);
      TrackingServer.Access access = ui.access(ex);
      req.setAttribute(Pages.ACCESS, access);
      if (access == TrackingServer.Access.SECRET || access == TrackingServer.Access.SECRET_FROM_QUERY) {
        chain.doFilter(req, resp);
      } else if (access == TrackingServer.Access.NONE && ui.proxyShowsCertificate()) {
        ui.deny(ex);
      } else {
        try {
          yarnFilter.doFilter(req, resp, (r, s) -> {
            r.setAttribute(Pages.ACCESS, access == TrackingServer.Access.NONE ? TrackingServer.Access.PROXY : access);
            chain.doFilter(r, s);
          });
        } catch (ServletException e) {
          // AmIpFilter found no proxy host to trust or redirect to (e.g. none resolves)
          ex.send(401, "text/plain", ("the Spindle tracking UI needs the application's secret; YARN's proxy"
              + " filter could not place this request: " + e.getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    }

    @Override
    public void destroy() {
      yarnFilter.destroy();
    }
  }

  /** Every path: TrackingServer renders it, for a request the guard admitted. */
  private static final class Pages extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String ACCESS = "spindle.ui.access";
    private final transient TrackingServer ui;

    Pages(TrackingServer ui) {
      this.ui = ui;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Object access = req.getAttribute(ACCESS);
      ui.serve(new Exchange(req, resp), access instanceof TrackingServer.Access a ? a : TrackingServer.Access.NONE);
    }
  }

  private record Config(String name, ServletContext context, AmFilter filter) implements FilterConfig {
    @Override
    public String getFilterName() {
      return name;
    }

    @Override
    public ServletContext getServletContext() {
      return context;
    }

    @Override
    public String getInitParameter(String key) {
      return filter.params().get(key);
    }

    @Override
    public Enumeration<String> getInitParameterNames() {
      return Collections.enumeration(filter.params().keySet());
    }
  }

  private record Exchange(HttpServletRequest req, HttpServletResponse resp) implements UiExchange {
    @Override
    public String path() {
      return req.getRequestURI();
    }

    @Override
    public String rawQuery() {
      return req.getQueryString();
    }

    @Override
    public String header(String name) {
      return req.getHeader(name);
    }

    /**
     * Read from the TLS session of the request's connection. Not from the request attribute Jetty's
     * SecureRequestCustomizer offers: Hadoop's shaded Jetty renamed that attribute but not the hash its lookup
     * switches on, so there it is listed and always null.
     */
    @Override
    public boolean verifiedClientCertificate() {
      Request base = Request.getBaseRequest(req);
      if (base == null || !(base.getHttpChannel().getEndPoint() instanceof SslConnection.DecryptedEndPoint tls)) {
        return false;
      }
      try {
        return tls.getSslConnection().getSSLEngine().getSession().getPeerCertificates().length > 0;
      } catch (SSLPeerUnverifiedException e) {
        return false; // only verified chains get past the handshake; none was presented
      }
    }

    @Override
    public void addHeader(String name, String value) {
      resp.addHeader(name, value);
    }

    @Override
    public void send(int code, String contentType, byte[] body) throws IOException {
      resp.setStatus(code);
      resp.setContentType(contentType);
      resp.setContentLength(body.length);
      try (OutputStream out = resp.getOutputStream()) {
        out.write(body);
      }
    }
  }
}
