package org.spindle.task;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Per-application secret on every gRPC call: a server interceptor and the matching call credentials. */
public final class SecretAuth {
  private static final Logger LOG = LoggerFactory.getLogger(SecretAuth.class);
  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("x-spindle-secret", Metadata.ASCII_STRING_MARSHALLER);

  private SecretAuth() {}

  public static ServerInterceptor serverInterceptor(AppSecret secret) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        if (!secret.matches(headers.get(HEADER))) {
          LOG.warn("rejected {} from {}: missing or wrong application secret",
              call.getMethodDescriptor().getFullMethodName(),
              call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
          call.close(Status.UNAUTHENTICATED.withDescription(
              "missing or wrong application secret (header x-spindle-secret)"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
  }

  public static CallCredentials callCredentials(AppSecret secret) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata m = new Metadata();
        m.put(HEADER, secret.reveal());
        applier.apply(m);
      }
    };
  }
}
