package org.spindle.task;

import io.grpc.ManagedChannel;
import io.grpc.Grpc;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.proto.SpindleControlGrpc;

/**
 * A channel to the AM's control plane that attaches the application secret to every call. Built
 * with an {@link AmLocator}, it follows the ApplicationMaster across attempts: when a call finds
 * the AM gone, it looks up the current attempt and, if that is another AM, switches to it and
 * repeats the call once.
 */
public final class ControlPlaneClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneClient.class);
  private final AppSecret secret;
  private final Optional<TlsIdentity> tls;
  private final AmLocator locator;
  private final Consumer<AmRecord> onMoved;
  private volatile Connection connection;

  private record Connection(String address, ManagedChannel channel, SpindleControlGrpc.SpindleControlBlockingStub stub) {}

  /** A plaintext channel (an application without encryption). */
  public ControlPlaneClient(String hostPort, AppSecret secret) {
    this(hostPort, secret, Optional.empty());
  }

  /** With {@code tls}, over TLS trusting the application's certificate only. */
  public ControlPlaneClient(String hostPort, AppSecret secret, Optional<TlsIdentity> tls) {
    this(hostPort, secret, tls, AmLocator.NONE, r -> { });
  }

  public ControlPlaneClient(String hostPort, AppSecret secret, Optional<TlsIdentity> tls, AmLocator locator,
                            Consumer<AmRecord> onMoved) {
    this.secret = secret;
    this.tls = tls;
    this.locator = locator;
    this.onMoved = onMoved;
    this.connection = connect(hostPort);
  }

  private Connection connect(String hostPort) {
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(hostPort, TlsIdentity.channelCredentials(tls));
    if (tls.isPresent()) {
      builder.overrideAuthority(TlsIdentity.HOST_NAME); // the certificate's name, wherever the AM runs
    }
    ManagedChannel channel = builder.build();
    return new Connection(hostPort, channel,
        SpindleControlGrpc.newBlockingStub(channel).withCallCredentials(SecretAuth.callCredentials(secret)));
  }

  /** Blocking stub on the AM known now; callers add their own deadline per call. */
  public SpindleControlGrpc.SpindleControlBlockingStub stub() {
    return connection.stub();
  }

  public SpindleControlGrpc.SpindleControlBlockingStub stub(long timeout, TimeUnit unit) {
    return connection.stub().withDeadlineAfter(timeout, unit);
  }

  /** The AM address calls go to now. */
  public String address() {
    return connection.address();
  }

  /**
   * Runs one call with a deadline. If the AM does not answer and a newer attempt has published
   * another address, the client moves there and runs the call once more; otherwise the error stands.
   */
  public <T> T call(long timeout, TimeUnit unit, Function<SpindleControlGrpc.SpindleControlBlockingStub, T> rpc) {
    Connection before = connection;
    try {
      return rpc.apply(before.stub().withDeadlineAfter(timeout, unit));
    } catch (StatusRuntimeException e) {
      if (!amMayHaveMoved(e) || !follow(before)) {
        throw e;
      }
      return rpc.apply(connection.stub().withDeadlineAfter(timeout, unit));
    }
  }

  private static boolean amMayHaveMoved(StatusRuntimeException e) {
    Status.Code c = e.getStatus().getCode();
    return c == Status.Code.UNAVAILABLE || c == Status.Code.DEADLINE_EXCEEDED;
  }

  /** Switches to the published attempt if it is not the one {@code stale} points at; true if it switched. */
  private synchronized boolean follow(Connection stale) {
    if (connection != stale) {
      return true; // another thread already moved
    }
    Optional<AmRecord> now = locator.locate();
    if (now.isEmpty() || now.get().controlAddress().equals(stale.address())) {
      return false;
    }
    AmRecord r = now.get();
    LOG.info("the ApplicationMaster at {} is gone; following attempt {} at {}", stale.address(), r.attempt(),
        r.controlAddress());
    connection = connect(r.controlAddress());
    stale.channel().shutdownNow();
    onMoved.accept(r);
    return true;
  }

  @Override
  public void close() {
    ManagedChannel channel = connection.channel();
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
