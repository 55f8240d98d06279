package org.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.spindle.conf.RoleDefaults;
import org.spindle.conf.RoleSpec;
import org.spindle.proto.ClusterSpecResponse;

/**
 * A TF task's JVM started before its gang assembled (spindle.task.early-start), with real child
 * processes: it gets the spec on its standard input, and its early exit is not lost behind the wait.
 */
class EarlyStartTest {
  private static RoleSpec role(String mainClass, String command) {
    return new RoleSpec("worker", 1, 1024, 1, 0, "", 0, mainClass, command, List.of(), true, "", Map.of(),
        List.of());
  }

  @Test
  void onlySpindlesTensorFlowMainClassIsStartedEarly() {
    assertTrue(UserProcess.readsClusterSpecOnStdin(role(RoleDefaults.TF_TASK_MAIN, "")));
    assertFalse(UserProcess.readsClusterSpecOnStdin(role("org.example.OwnMain", "")),
        "a user's main class reads SPINDLE_CLUSTER_SPEC, fixed when the process starts");
    assertFalse(UserProcess.readsClusterSpecOnStdin(role("", "python3 train.py")), "commands read TF_CONFIG");
  }

  @Test
  void theSpecReachesAnEarlyProcessOnItsStandardInputAfterTheWait() throws Exception {
    // the child echoes the line it reads, as TfTaskMain parses it
    Process early = new ProcessBuilder("bash", "-c", "read -r spec; echo \"got $spec\"").start();
    CountDownLatch assembled = new CountDownLatch(1);
    new Thread(() -> {
      sleepQuietly(300);
      assembled.countDown();
    }).start();
    String json = "{\"ps\":[\"h:1\"],\"worker\":[\"h:2\",\"h:3\"]}";
    Optional<ClusterSpecResponse> spec = TaskLauncher.specOrExit(() -> {
      assembled.await();
      return ClusterSpecResponse.newBuilder().setClusterJson(json).setAttempt(2).build();
    }, early);
    assertTrue(spec.isPresent(), "the spec came while the process waited");
    assertTrue(early.isAlive(), "the process waits for its spec");
    TaskLauncher.sendClusterSpec(early, spec.get().getClusterJson());
    assertTrue(early.waitFor(30, TimeUnit.SECONDS));
    assertEquals("got " + json, new String(early.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    assertEquals(0, early.exitValue());
  }

  @Test
  void anEarlyProcessThatExitsEndsTheWaitAtOnceWithItsOwnExitCode() throws Exception {
    Process early = new ProcessBuilder("bash", "-c", "exit 3").start();
    long t0 = System.nanoTime();
    Optional<ClusterSpecResponse> spec = TaskLauncher.specOrExit(() -> {
      new CountDownLatch(1).await(); // a gang that never assembles
      throw new AssertionError("unreachable");
    }, early);
    assertTrue(spec.isEmpty(), "the process ended first");
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 30, "not held by the gang's wait");
    assertEquals(3, early.waitFor());
  }

  @Test
  void theAmsRefusalIsThrownAndWithoutAnEarlyProcessTheWaitIsPlain() throws Exception {
    Process early = new ProcessBuilder("bash", "-c", "sleep 60").start();
    try {
      io.grpc.StatusRuntimeException e = assertThrows(io.grpc.StatusRuntimeException.class,
          () -> TaskLauncher.specOrExit(() -> {
            throw Status.FAILED_PRECONDITION.withDescription("superseded").asRuntimeException();
          }, early));
      assertEquals("superseded", e.getStatus().getDescription());
    } finally {
      early.destroyForcibly();
    }
    assertEquals("{}", TaskLauncher.specOrExit(
        () -> ClusterSpecResponse.newBuilder().setClusterJson("{}").build(), null).orElseThrow().getClusterJson());
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
