package org.spindle.am.control;

import org.spindle.task.SecretAuth;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.spindle.task.AppSecret;
import org.spindle.task.TlsIdentity;

/** The AM's gRPC server: over TLS when the application has a TLS identity; every call passes the secret check first. */
public final class ControlPlaneServer implements AutoCloseable {
  private final Server server;

  public ControlPlaneServer(ControlPlaneService service, AppSecret secret, int port) {
    this(service, secret, Optional.empty(), port);
  }

  public ControlPlaneServer(ControlPlaneService service, AppSecret secret, Optional<TlsIdentity> tls, int port) {
    this.server = Grpc.newServerBuilderForPort(port, TlsIdentity.serverCredentials(tls))
        .addService(ServerInterceptors.intercept(service, SecretAuth.serverInterceptor(secret)))
        .build();
  }

  public ControlPlaneServer start() throws IOException {
    server.start();
    return this;
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
