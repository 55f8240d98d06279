package org.spindle.am.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.am.JobController;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.SpindleControlGrpc;
import org.spindle.task.AppSecret;
import org.spindle.task.ApplicationCertificate;
import org.spindle.task.ControlPlaneClient;
import org.spindle.task.LoopbackCapture;
import org.spindle.task.TlsIdentity;

/**
 * The control plane with encryption on, its traffic captured on loopback: the secret (sent with every call)
 * and the job's own words (a role name in every status answer) are in the clear without TLS and nowhere in
 * the captured bytes with it. A client that does not trust the application's certificate fails the handshake.
 */
class ControlPlaneTlsTest {
  private static final AppSecret SECRET = AppSecret.generate();
  private static final String ROLE = "plaintextmarkerrole";
  private static TlsIdentity tls;
  private static ControlPlaneServer encrypted;
  private static ControlPlaneServer plain;
  private static ExecutorService state;

  @BeforeAll
  static void start() throws Exception {
    tls = ApplicationCertificate.generate("application_1_0001");
    JobSpec spec = new JobConfLoader().load(List.of(), Map.of("spindle.role." + ROLE + ".command", "x"));
    state = Executors.newSingleThreadExecutor();
    JobController controller = new JobController(spec, new NoopClusterDriver(), (t, c) -> null, s -> { },
        Clock.systemUTC(), state);
    state.submit(controller::start).get(10, TimeUnit.SECONDS); // the task is REQUESTED: status answers name its role
    encrypted = new ControlPlaneServer(new ControlPlaneService(controller, 1000), SECRET, Optional.of(tls), 0).start();
    plain = new ControlPlaneServer(new ControlPlaneService(controller, 1000), SECRET, 0).start();
  }

  @AfterAll
  static void stop() {
    encrypted.close();
    plain.close();
    state.shutdownNow();
  }

  /** A few KB of calls through a capturing relay; returns what the relay saw. */
  private static LoopbackCapture capture(ControlPlaneServer server, Optional<TlsIdentity> clientTls) throws Exception {
    LoopbackCapture cap = new LoopbackCapture(server.port());
    try (ControlPlaneClient c = new ControlPlaneClient("localhost:" + cap.port(), SECRET, clientTls)) {
      for (int i = 0; i < 20; i++) {
        JobStatusResponse st = c.stub(10, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance());
        assertEquals(ROLE, st.getTasks(0).getRole());
      }
    }
    cap.close();
    return cap;
  }

  @Test
  void withTlsTheCapturedTrafficHoldsNeitherTheSecretNorTheJobsWords() throws Exception {
    byte[] secret = SECRET.reveal().getBytes(StandardCharsets.US_ASCII);
    byte[] role = ROLE.getBytes(StandardCharsets.US_ASCII);
    LoopbackCapture clear = capture(plain, Optional.empty());
    assertTrue(clear.holds(secret) && clear.holds(role), "the capture sees plaintext when there is some");

    LoopbackCapture sealed = capture(encrypted, Optional.of(tls));
    assertTrue(sealed.bytes().length > 4096, "a few KB captured: " + sealed.bytes().length);
    assertTrue(!sealed.holds(secret), "the secret is not on the wire");
    assertTrue(!sealed.holds(role), "the job's answers are not on the wire");
  }

  @Test
  void aClientThatDoesNotTrustTheApplicationsCertificateFailsTheHandshake() throws Exception {
    TlsIdentity another = ApplicationCertificate.generate("application_1_0002");
    try (ControlPlaneClient c = new ControlPlaneClient("localhost:" + encrypted.port(), SECRET, Optional.of(another))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> c.stub(10, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
    }
    // The JDK's own trust store (public CAs) does not vouch for the application either.
    assertUnavailable(Grpc.newChannelBuilder("localhost:" + encrypted.port(), TlsChannelCredentials.create())
        .overrideAuthority(TlsIdentity.HOST_NAME).build());
    // Nor does a plaintext client get an answer from a TLS server.
    assertUnavailable(Grpc.newChannelBuilder("localhost:" + encrypted.port(), InsecureChannelCredentials.create()).build());
  }

  private static void assertUnavailable(ManagedChannel ch) throws InterruptedException {
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> SpindleControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
              .getJobStatus(JobStatusRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
