package org.spindle.am.control;

import org.spindle.task.ControlPlaneClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spindle.am.JobController;
import org.spindle.task.AmRecord;
import org.spindle.task.AppSecret;
import org.spindle.am.yarn.ClusterDriver;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.proto.JobStatusRequest;

/** Two real control-plane servers: a client of the first follows the published record to the second. */
class ControlPlaneClientFollowTest {
  private static final AppSecret SECRET = AppSecret.generate();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final ExecutorService state = Executors.newSingleThreadExecutor();

  private ControlPlaneServer server(String role) throws Exception {
    JobSpec spec = new JobConfLoader().load(List.of(), Map.of("spindle.role." + role + ".command", "x"));
    ClusterDriver noop = new NoopClusterDriver();
    JobController c = new JobController(spec, noop, (t, x) -> null, s -> { }, Clock.systemUTC(), state);
    c.start();
    ControlPlaneServer s = new ControlPlaneServer(new ControlPlaneService(c, 1000), SECRET, 0).start();
    open.add(s::close);
    return s;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    state.shutdownNow();
  }

  private static String firstRole(ControlPlaneClient c) {
    return c.call(10, TimeUnit.SECONDS, s -> s.getJobStatus(JobStatusRequest.getDefaultInstance()))
        .getTasks(0).getRole();
  }

  @Test
  void aCallToAGoneAmMovesToThePublishedAttemptOnce() throws Exception {
    ControlPlaneServer first = server("first");
    ControlPlaneServer second = server("second");
    AtomicReference<AmRecord> published = new AtomicReference<>(
        new AmRecord(1, "localhost:" + first.port(), "zk1:2181", ""));
    List<AmRecord> moves = new ArrayList<>();
    try (ControlPlaneClient c = new ControlPlaneClient("localhost:" + first.port(), SECRET, Optional.empty(),
        () -> Optional.of(published.get()), moves::add)) {
      assertEquals("first", firstRole(c));
      first.close();
      // The AM is gone and no new attempt has published yet: the error stands.
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> firstRole(c));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertEquals(List.of(), moves);
      // Attempt 2 publishes its address: the same call now reaches it.
      published.set(new AmRecord(2, "localhost:" + second.port(), "zk2:2181", ""));
      assertEquals("second", firstRole(c));
      assertEquals(List.of(published.get()), moves);
      assertEquals("localhost:" + second.port(), c.address());
      assertEquals("second", firstRole(c));
      assertEquals(1, moves.size(), "moved once");
    }
  }
}
