package org.spindle.am.control;

import org.spindle.task.SecretAuth;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.spindle.task.AppSecret;

/** The AM's gRPC server: every call passes the secret check first. */
public final class ControlPlaneServer implements AutoCloseable {
  private final Server server;

  public ControlPlaneServer(ControlPlaneService service, AppSecret secret, int port) {
    this.server = ServerBuilder.forPort(port)
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
