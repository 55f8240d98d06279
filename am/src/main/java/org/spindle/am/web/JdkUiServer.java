package org.spindle.am.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The tracking UI on the JDK's HTTP server, for an AM whose classpath lacks YARN's AmIpFilter or a servlet
 * container for it: YARN's proxy is then known by the addresses AmIpFilter would trust ({@link YarnWebProxy}),
 * and a browser that came straight here is sent through the proxy, as AmIpFilter does.
 */
final class JdkUiServer implements UiFrontEnd {
  private final HttpServer server;
  private final TrackingServer ui;
  private final YarnWebProxy proxy;

  JdkUiServer(TrackingServer ui, Optional<UiTls> tls, YarnWebProxy proxy) throws IOException {
    this.ui = ui;
    this.proxy = proxy;
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
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    Exchange e = new Exchange(ex);
    TrackingServer.Access access = ui.access(e);
    if (access == TrackingServer.Access.NONE && !ui.proxyShowsCertificate() && proxy.isProxy(ex.getRemoteAddress().getAddress())) {
      access = TrackingServer.Access.PROXY;
    }
    if (access == TrackingServer.Access.NONE) {
      Optional<String> viaProxy = ex.getRequestURI().getPath().equals("/")
          ? proxy.redirect(ex.getRequestURI().getRawPath()) : Optional.empty();
      if (viaProxy.isPresent()) {
        // A browser that came straight here goes through YARN's proxy, which applies the cluster's ACLs.
        e.addHeader("Location", viaProxy.get());
        TrackingServer.send(e, 302, "text/plain", "open the Spindle tracking UI through YARN's proxy: " + viaProxy.get());
      } else {
        ui.deny(e);
      }
      return;
    }
    ui.serve(e, access);
  }

  @Override
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public String describe() {
    return "the JDK's HTTP server, YARN's proxy known by its address"
        + " (the classpath has no AmIpFilter with a servlet container for it)";
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static final class Exchange implements UiExchange {
    private final HttpExchange ex;

    Exchange(HttpExchange ex) {
      this.ex = ex;
    }

    @Override
    public String path() {
      return ex.getRequestURI().getRawPath();
    }

    @Override
    public String rawQuery() {
      return ex.getRequestURI().getRawQuery();
    }

    @Override
    public String header(String name) {
      return ex.getRequestHeaders().getFirst(name);
    }

    @Override
    public boolean verifiedClientCertificate() {
      if (!(ex instanceof HttpsExchange h)) {
        return false;
      }
      try {
        return h.getSSLSession().getPeerCertificates().length > 0; // only verified chains get here
      } catch (SSLPeerUnverifiedException e) {
        return false;
      }
    }

    @Override
    public void addHeader(String name, String value) {
      ex.getResponseHeaders().add(name, value);
    }

    @Override
    public void send(int code, String contentType, byte[] body) throws IOException {
      ex.getResponseHeaders().set("Content-Type", contentType);
      ex.sendResponseHeaders(code, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
