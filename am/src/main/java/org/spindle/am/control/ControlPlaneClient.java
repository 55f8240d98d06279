package org.spindle.am.control;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.spindle.am.security.AppSecret;
import org.spindle.proto.SpindleControlGrpc;

/** A channel to the AM's control plane that attaches the application secret to every call. */
public final class ControlPlaneClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final SpindleControlGrpc.SpindleControlBlockingStub stub;

  public ControlPlaneClient(String hostPort, AppSecret secret) {
    this.channel = ManagedChannelBuilder.forTarget(hostPort).usePlaintext().build();
    this.stub = SpindleControlGrpc.newBlockingStub(channel).withCallCredentials(SecretAuth.callCredentials(secret));
  }

  /** Blocking stub; callers add their own deadline per call. */
  public SpindleControlGrpc.SpindleControlBlockingStub stub() {
    return stub;
  }

  public SpindleControlGrpc.SpindleControlBlockingStub stub(long timeout, TimeUnit unit) {
    return stub.withDeadlineAfter(timeout, unit);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
