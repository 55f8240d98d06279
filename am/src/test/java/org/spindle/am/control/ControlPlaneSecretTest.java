package org.spindle.am.control;

import org.spindle.task.ControlPlaneClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.am.JobController;
import org.spindle.task.AppSecret;
import org.spindle.am.yarn.ClusterDriver;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.SpindleControlGrpc;

/** A real gRPC server: calls without the secret, or with a wrong one, get UNAUTHENTICATED. */
class ControlPlaneSecretTest {
  private static final AppSecret SECRET = AppSecret.generate();
  private static ControlPlaneServer server;
  private static ExecutorService state;

  @BeforeAll
  static void start() throws Exception {
    JobSpec spec = new JobConfLoader().load(List.of(), Map.of("spindle.role.w.command", "x"));
    ClusterDriver noop = new NoopClusterDriver();
    state = Executors.newSingleThreadExecutor();
    JobController controller = new JobController(spec, noop, (t, c) -> null, s -> { }, Clock.systemUTC(), state);
    server = new ControlPlaneServer(new ControlPlaneService(controller, 1000), SECRET, 0).start();
  }

  @AfterAll
  static void stop() {
    server.close();
    state.shutdownNow();
  }

  @Test
  void rightSecretIsServed() {
    try (ControlPlaneClient c = new ControlPlaneClient("localhost:" + server.port(), SECRET)) {
      assertEquals("RUNNING", c.stub(10, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance()).getState());
    }
  }

  @Test
  void wrongSecretIsUnauthenticated() {
    try (ControlPlaneClient c = new ControlPlaneClient("localhost:" + server.port(), AppSecret.generate())) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> c.stub(10, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    }
  }

  @Test
  void missingSecretIsUnauthenticated() throws Exception {
    ManagedChannel ch = ManagedChannelBuilder.forTarget("localhost:" + server.port()).usePlaintext().build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> SpindleControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
              .getJobStatus(JobStatusRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("application secret"));
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void secretNeverPrintsItself() {
    assertEquals("AppSecret[redacted]", SECRET.toString());
  }
}
