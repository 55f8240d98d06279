package org.spindle.am;

import org.spindle.task.ClusterSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.junit.jupiter.api.Test;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.conf.TaskRef;

/** The allocation and restart policy against a fake YARN driver and a manual clock. */
class JobControllerTest {
  private final FakeClusterDriver driver = new FakeClusterDriver();
  private final ManualClock clock = new ManualClock(1_000_000);
  private final List<ClusterSpec> published = new ArrayList<>();
  private JobController controller;

  @org.junit.jupiter.api.BeforeAll
  static void gpuResourceType() {
    org.apache.hadoop.conf.Configuration c = new org.apache.hadoop.conf.Configuration(false);
    c.set("yarn.resource-types", "yarn.io/gpu");
    org.apache.hadoop.yarn.util.resource.ResourceUtils.resetResourceTypes(c);
  }

  private JobController start(Map<String, String> keys) {
    Map<String, String> all = new HashMap<>(Map.of(
        "spindle.role.ps.instances", "1", "spindle.role.ps.memory", "512", "spindle.role.ps.command", "ps",
        "spindle.role.worker.instances", "2", "spindle.role.worker.memory", "1024",
        "spindle.role.worker.vcores", "2", "spindle.role.worker.gpus", "1", "spindle.role.worker.command", "w"));
    all.putAll(keys);
    JobSpec spec = new JobConfLoader().load(List.of(), all);
    controller = new JobController(spec, driver, (t, chief) -> ContainerLaunchContext.newInstance(
        Map.of(), Map.of("ROLE", t.role(), "ATTEMPT", "" + t.attempt(), "GEN", "" + t.generation()), List.of(),
        null, null, null), published::add, clock, Runnable::run);
    controller.start();
    return controller;
  }

  private Map<TaskRef, Container> allocateAll() {
    Map<TaskRef, Container> byTask = new HashMap<>();
    List<Container> cs = new ArrayList<>();
    for (String role : List.of("ps", "worker")) {
      int n = driver.outstanding(role);
      for (int i = 0; i < n; i++) {
        cs.add(driver.container(role));
      }
    }
    controller.onAllocated(cs);
    for (TaskView t : status().tasks()) {
      for (Container c : cs) {
        if (c.getId().toString().equals(t.containerId())) {
          byTask.put(new TaskRef(t.role(), t.index()), c);
        }
      }
    }
    return byTask;
  }

  private JobStatusView status() {
    return controller.status().join();
  }

  private TaskView task(String role, int index) {
    return status().tasks().stream().filter(t -> t.role().equals(role) && t.index() == index).findFirst()
        .orElseThrow();
  }

  private void registerAll() {
    for (TaskView t : status().tasks()) {
      controller.register(new TaskRef(t.role(), t.index()), t.attempt(), t.generation(), "h" + t.index(),
          Map.of("task", 2000 + t.index())).join();
    }
  }

  @Test
  void requestsOneContainerPerTaskWithItsRolesProfile() {
    start(Map.of());
    assertEquals(1, driver.outstanding("ps"));
    assertEquals(2, driver.outstanding("worker"));
    assertEquals(1024, driver.profiles.get("worker").toResource().getMemorySize());
    assertEquals(1, driver.profiles.get("worker").gpus());
    Map<TaskRef, Container> byTask = allocateAll();
    assertEquals(3, byTask.size());
    assertEquals(0, driver.outstanding("worker"), "matched requests are removed");
    assertEquals("LAUNCHED", task("worker", 1).state());
    assertEquals(3, driver.started.size());
  }

  @Test
  void sparkExecutorsScaleAtTheDriversRequestWithoutFailingOrFinishingTheJob() {
    start(Map.of("spindle.role.spark-executor.instances", "2", "spindle.role.spark-executor.memory", "768",
        "spindle.role.spark-executor.command", "exec"));
    assertEquals(2, driver.outstanding("spark-executor"));
    assertEquals(768, driver.profiles.get("spark-executor").toResource().getMemorySize());
    Container e0 = driver.container("spark-executor");
    controller.onAllocated(List.of(e0));
    // Spark asks for 4 in total: two more with new indexes; then for 2 again: the pending ones go.
    assertEquals(4, controller.scaleRole("spark-executor", 4).join());
    assertEquals(3, driver.outstanding("spark-executor"));
    assertEquals(3, task("spark-executor", 3).index());
    assertEquals(2, controller.scaleRole("spark-executor", 2).join());
    assertEquals(1, driver.outstanding("spark-executor"));
    // Spark releases executor 0: its container stops and it is not restarted.
    String e0Task = status().tasks().stream().filter(t -> t.containerId().equals(e0.getId().toString()))
        .findFirst().orElseThrow().role();
    assertEquals("spark-executor", e0Task);
    int index = status().tasks().stream().filter(t -> t.containerId().equals(e0.getId().toString()))
        .findFirst().orElseThrow().index();
    assertTrue(controller.stopTask(new TaskRef("spark-executor", index)).join());
    assertTrue(driver.stopped.contains(e0.getId()));
    controller.onCompleted(List.of(FakeClusterDriver.exit(e0.getId(), 143)));
    assertEquals("KILLED", task("spark-executor", index).state());
    assertEquals(1, driver.outstanding("spark-executor"), "a released executor is not re-requested");
    assertEquals(null, driver.finalStatus, "executors are untracked: the job goes on");
    // Gang roles keep their size.
    java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.CompletionException.class, () -> controller.scaleRole("worker", 5).join());
    assertTrue(e.getCause().getMessage().contains("part of the gang"), e.getCause().getMessage());
  }

  @Test
  void surplusAndUnknownContainersAreReleased() {
    start(Map.of());
    allocateAll();
    Container extra = driver.container("worker");
    Container unknown = FakeClusterDriver.containerWithUnknownId(42);
    controller.onAllocated(List.of(extra, unknown));
    assertEquals(List.of(extra.getId(), unknown.getId()), driver.released);
  }

  @Test
  void independentRestartKeepsIndexBumpsGenerationAndCounts() {
    start(Map.of("spindle.role.worker.max-restarts", "1"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.reportStatus(new TaskRef("worker", 1), 0, 0, 77, Map.of("loss", 0.5));
    assertEquals(77, task("worker", 1).step());
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 1)).getId(), 1)));
    TaskView w1 = task("worker", 1);
    assertEquals("REQUESTED", w1.state());
    assertEquals(0, w1.step(), "a restarted task starts without its predecessor's metrics");
    assertEquals(Map.of(), w1.metrics());
    assertEquals(1, w1.generation());
    assertEquals(1, w1.restarts());
    assertEquals(1, driver.outstanding("worker"));
    assertEquals("REGISTERED", task("worker", 0).state(), "other tasks are untouched");
    Container again = driver.container("worker");
    controller.onAllocated(List.of(again));
    assertEquals("1", driver.started.get(again.getId()).getEnvironment().get("GEN"));
    // second failure exhausts max-restarts=1
    controller.onCompleted(List.of(FakeClusterDriver.exit(again.getId(), 3)));
    assertEquals(FinalApplicationStatus.FAILED, driver.finalStatus);
    assertTrue(driver.finalDiagnostics.contains("task worker:1 failed 2 time(s)"), driver.finalDiagnostics);
    assertTrue(driver.finalDiagnostics.contains("spindle.role.worker.max-restarts=1"), driver.finalDiagnostics);
    assertTrue(driver.finalDiagnostics.contains("exited with code 3"), driver.finalDiagnostics);
  }

  @Test
  void preemptionAndLostNodesAreRerequestedWithoutCounting() {
    start(Map.of());
    Map<TaskRef, Container> c = allocateAll();
    controller.onCompleted(List.of(
        FakeClusterDriver.exit(c.get(new TaskRef("worker", 0)).getId(), ContainerExitStatus.PREEMPTED),
        FakeClusterDriver.exit(c.get(new TaskRef("ps", 0)).getId(), ContainerExitStatus.ABORTED)));
    assertEquals(0, task("worker", 0).restarts());
    assertEquals("REQUESTED", task("worker", 0).state());
    assertEquals("REQUESTED", task("ps", 0).state());
    assertEquals(1, driver.outstanding("worker"));
    assertNull(driver.finalStatus, "max-restarts=0 but preemption is not the task's fault");
  }

  @Test
  void completionsOfContainersWeStoppedAreIgnored() {
    start(Map.of("spindle.app.restart-mode", "gang", "spindle.role.worker.max-restarts", "1"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 0)).getId(), 137)));
    peersStillRun();
    // the gang restart stopped the others; their exits (143) must not count
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 1)).getId(), 143),
        FakeClusterDriver.exit(c.get(new TaskRef("ps", 0)).getId(), 143)));
    assertEquals(0, task("worker", 1).restarts());
    assertEquals(1, task("worker", 0).restarts());
    assertNull(driver.finalStatus);
  }

  @Test
  void gangRestartStopsEveryTaskAndStartsANewAttempt() {
    start(Map.of("spindle.app.restart-mode", "gang", "spindle.role.worker.max-restarts", "2"));
    Map<TaskRef, Container> c = allocateAll();
    CompletableFuture<ClusterSpec> stale = controller.awaitClusterSpec(new TaskRef("ps", 0), 0);
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 1)).getId(), 137)));
    assertEquals(0, status().gangAttempt(), "held until the other gang tasks' NodeManagers answer");
    peersStillRun();
    assertEquals(1, status().gangAttempt());
    assertTrue(driver.stopped.containsAll(List.of(c.get(new TaskRef("worker", 0)).getId(),
        c.get(new TaskRef("ps", 0)).getId())));
    for (TaskView t : status().tasks()) {
      assertEquals(1, t.attempt(), t.role() + ":" + t.index());
      assertEquals("REQUESTED", t.state());
    }
    assertEquals(2, driver.outstanding("worker"));
    assertEquals(1, driver.outstanding("ps"));
    assertTrue(stale.isCompletedExceptionally(), "waiters of attempt 0 are released with an error");
    Map<TaskRef, Container> again = allocateAll();
    assertEquals("1", driver.started.get(again.get(new TaskRef("worker", 0)).getId()).getEnvironment().get("ATTEMPT"));
  }

  @Test
  void barrierReturnsTheFullSpecOnceEveryGangTaskRegistered() {
    start(Map.of("spindle.role.evaluator.command", "e"));
    allocateAll();
    controller.onAllocated(List.of(driver.container("evaluator")));
    CompletableFuture<ClusterSpec> f = controller.awaitClusterSpec(new TaskRef("worker", 0), 0);
    controller.register(new TaskRef("worker", 0), 0, 0, "h0", Map.of("task", 1)).join();
    controller.register(new TaskRef("ps", 0), 0, 0, "hp", Map.of("task", 2)).join();
    assertFalse(f.isDone());
    controller.register(new TaskRef("worker", 1), 0, 0, "h1", Map.of("task", 3)).join();
    assertTrue(f.isDone(), "evaluator is not in the gang");
    assertEquals("{\"ps\":[\"hp:2\"],\"worker\":[\"h0:1\",\"h1:3\"]}", f.join().toJson());
    assertEquals(1, published.size());
  }

  @Test
  void aRestartedTaskSeesEveryIndexEvenWhenAPeerHasFinished() {
    start(Map.of("spindle.role.worker.max-restarts", "1"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 0)).getId(), 0)));
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 1)).getId(), 1)));
    controller.onAllocated(List.of(driver.container("worker")));
    controller.register(new TaskRef("worker", 1), 0, 1, "new-host", Map.of("task", 9)).join();
    ClusterSpec spec = controller.awaitClusterSpec(new TaskRef("worker", 1), 0).join();
    assertEquals("{\"ps\":[\"h0:2000\"],\"worker\":[\"h0:2000\",\"new-host:9\"]}", spec.toJson());
  }

  @Test
  void anEvaluatorFailureNeverFailsTheJob() {
    start(Map.of("spindle.role.evaluator.command", "e"));
    allocateAll();
    Container eval = driver.container("evaluator");
    controller.onAllocated(List.of(eval));
    controller.onCompleted(List.of(FakeClusterDriver.exit(eval.getId(), 1)));
    assertNull(driver.finalStatus, "evaluator is outside the gang and untracked");
    assertEquals("FAILED", task("evaluator", 0).state());
  }

  @Test
  void barrierTimesOutNamingMissingTasks() {
    start(Map.of("spindle.task.registration-timeout", "10s"));
    allocateAll();
    CompletableFuture<ClusterSpec> f = controller.awaitClusterSpec(new TaskRef("worker", 0), 0);
    controller.register(new TaskRef("worker", 0), 0, 0, "h0", Map.of("task", 1)).join();
    clock.advance(10_001);
    controller.tick();
    assertTrue(f.isCompletedExceptionally());
    Throwable e = f.handle((v, t) -> t).join();
    assertTrue(e.getMessage().contains("ps:0"), e.getMessage());
  }

  @Test
  void staleGenerationCannotRegister() {
    start(Map.of("spindle.role.worker.max-restarts", "3"));
    Map<TaskRef, Container> c = allocateAll();
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 0)).getId(), 1)));
    controller.onAllocated(List.of(driver.container("worker")));
    CompletableFuture<Boolean> old = controller.register(new TaskRef("worker", 0), 0, 0, "h", Map.of());
    assertTrue(old.isCompletedExceptionally());
    assertTrue(controller.heartbeat(new TaskRef("worker", 0), 0, 0).join(), "stale task is told to stop");
  }

  /** Worker 1 stops heartbeating; the others keep going. Returns worker 1's container. */
  private Container silenceWorkerOne() {
    start(Map.of("spindle.task.heartbeat-interval", "1s", "spindle.task.max-missed-heartbeats", "3",
        "spindle.role.worker.max-restarts", "1"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    clock.advance(2000);
    for (TaskView t : status().tasks()) {
      if (!(t.role().equals("worker") && t.index() == 1)) {
        controller.heartbeat(new TaskRef(t.role(), t.index()), 0, 0).join();
      }
    }
    clock.advance(1500);
    controller.tick();
    return c.get(new TaskRef("worker", 1));
  }

  @Test
  void aSilentTaskWhoseNodeManagerStillRunsItHungAndCountsAsAnApplicationFailure() {
    Container w1c = silenceWorkerOne();
    assertEquals(List.of(w1c.getId()), driver.queried, "the AM asks the NodeManager before judging");
    assertEquals("REGISTERED", task("worker", 1).state());
    controller.tick();
    assertEquals(1, driver.queried.size(), "one question per silence");
    controller.onContainerStatus(w1c.getId(), org.apache.hadoop.yarn.api.records.ContainerState.RUNNING);
    TaskView w1 = task("worker", 1);
    assertEquals(1, w1.restarts());
    assertEquals("REQUESTED", w1.state());
    assertTrue(driver.stopped.contains(w1c.getId()));
    assertEquals("REGISTERED", task("worker", 0).state());
  }

  @Test
  void aSilentTaskWhoseNodeManagerDoesNotAnswerLostItsNodeAndRestartsUncounted() {
    Container w1c = silenceWorkerOne();
    controller.onContainerStatusError(w1c.getId(), new java.net.ConnectException("Connection refused"));
    TaskView w1 = task("worker", 1);
    assertEquals(0, w1.restarts(), "a lost node is not the task's fault");
    assertEquals(1, w1.generation());
    assertEquals("REQUESTED", w1.state());
    assertEquals(1, driver.outstanding("worker"));
    assertNull(driver.finalStatus);
  }

  @Test
  void aTaskThatHeartbeatsAgainBeforeTheAnswerIsLeftAlone() {
    Container w1c = silenceWorkerOne();
    controller.heartbeat(new TaskRef("worker", 1), 0, 0).join();
    controller.onContainerStatus(w1c.getId(), org.apache.hadoop.yarn.api.records.ContainerState.RUNNING);
    assertEquals("REGISTERED", task("worker", 1).state());
    assertEquals(0, task("worker", 1).restarts());
  }

  @Test
  void tasksOnANodeTheRmReportsLostRunElsewhereWithMaxRestartsZero() {
    start(Map.of());
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    Container w0 = c.get(new TaskRef("worker", 0));
    List<TaskRef> onNode = c.entrySet().stream().filter(e -> e.getValue().getNodeId().equals(w0.getNodeId()))
        .map(Map.Entry::getKey).toList();
    controller.onNodesUpdated(List.of(org.apache.hadoop.yarn.api.records.NodeReport.newInstance(w0.getNodeId(),
        org.apache.hadoop.yarn.api.records.NodeState.LOST, "x:8042", "/rack", null, null, 0, "lost", 0L)));
    for (TaskRef ref : onNode) {
      TaskView t = task(ref.role(), ref.index());
      assertEquals("REQUESTED", t.state(), ref.toString());
      assertEquals(0, t.restarts(), ref.toString());
    }
    assertNull(driver.finalStatus, "max-restarts=0, and the job goes on");
    // The RM's own report of the container's end is then ignored, not counted.
    controller.onCompleted(List.of(FakeClusterDriver.exit(w0.getId(), -100)));
    assertEquals(0, task("worker", 0).restarts());
    assertNull(driver.finalStatus);
  }

  @Test
  void succeedsWhenTrackedTasksSucceedAndStopsParameterServers() {
    start(Map.of());
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 0)).getId(), 0)));
    assertNull(driver.finalStatus);
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 1)).getId(), 0)));
    assertEquals(FinalApplicationStatus.SUCCEEDED, driver.finalStatus);
    assertTrue(driver.stopped.contains(c.get(new TaskRef("ps", 0)).getId()));
    assertTrue(controller.outcome().join().succeeded());
  }

  @Test
  void allocationTimeoutFailsNamingTheRole() {
    start(Map.of("spindle.allocation.timeout", "60s", "spindle.app.queue", "research"));
    controller.onAllocated(List.of(driver.container("ps")));
    clock.advance(60_000);
    controller.tick();
    assertEquals(FinalApplicationStatus.FAILED, driver.finalStatus);
    assertTrue(driver.finalDiagnostics.contains("2 'worker' container(s) <1024 MB, 2 vcores, 1 gpu>"),
        driver.finalDiagnostics);
    assertTrue(driver.finalDiagnostics.contains("queue 'research'"), driver.finalDiagnostics);
    assertEquals(0, driver.outstanding("worker"), "pending requests are withdrawn");
  }

  @Test
  void jobTimeoutStopsAHungJob() {
    start(Map.of("spindle.app.timeout", "5m"));
    allocateAll();
    clock.advance(300_000);
    controller.tick();
    assertEquals(FinalApplicationStatus.FAILED, driver.finalStatus);
    assertTrue(driver.finalDiagnostics.contains("spindle.app.timeout"));
    assertEquals(3, driver.stopped.size());
  }

  @Test
  void rmErrorsFailTheJobWithPendingRoles() {
    start(Map.of());
    controller.onFatalError(new IllegalArgumentException("Invalid resource request, requested gpu=3 > max 2"));
    assertEquals(FinalApplicationStatus.FAILED, driver.finalStatus);
    assertTrue(driver.finalDiagnostics.contains("requested gpu=3"));
    assertTrue(driver.finalDiagnostics.contains("worker <1024 MB, 2 vcores, 1 gpu>"), driver.finalDiagnostics);
  }

  @Test
  void aNodeWithMaxFailuresTaskFailuresIsAvoidedWithinTheClustersBound() {
    start(Map.of("spindle.node.max-failures", "1", "spindle.role.worker.max-restarts", "5"));
    driver.clusterNodes = 3; // a third: one node may be avoided
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    Container w1 = c.get(new TaskRef("worker", 1));
    controller.onCompleted(List.of(FakeClusterDriver.exit(w1.getId(), 1)));
    assertEquals(List.of(w1.getNodeId().getHost()), driver.avoided);
    // the replacement fails on another node: the bound keeps that one in use
    Container again = driver.container("worker");
    assertFalse(again.getNodeId().getHost().equals(w1.getNodeId().getHost()), "the replacement is elsewhere");
    controller.onAllocated(List.of(again));
    controller.onCompleted(List.of(FakeClusterDriver.exit(again.getId(), 1)));
    assertEquals(1, driver.avoided.size(), driver.avoided.toString());
    assertEquals(2, task("worker", 1).restarts());
  }

  /** Every NodeManager the AM asked answers that its container still runs. */
  private void peersStillRun() {
    for (ContainerId id : List.copyOf(driver.queried)) {
      controller.onContainerStatus(id, org.apache.hadoop.yarn.api.records.ContainerState.RUNNING);
    }
    driver.queried.clear();
  }

  @Test
  void aGangTaskThatFailsBecauseAPeersNodeIsGoneIsNotCounted() {
    start(Map.of("spindle.app.restart-mode", "gang"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    // worker 1's node dies; worker 0's collective breaks and it exits 1 before the AM notices the node
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 0)).getId(), 1)));
    assertTrue(driver.queried.containsAll(List.of(c.get(new TaskRef("worker", 1)).getId(),
        c.get(new TaskRef("ps", 0)).getId())), driver.queried.toString());
    controller.onContainerStatus(c.get(new TaskRef("ps", 0)).getId(),
        org.apache.hadoop.yarn.api.records.ContainerState.RUNNING);
    controller.onContainerStatusError(c.get(new TaskRef("worker", 1)).getId(),
        new java.net.ConnectException("Connection refused"));
    assertEquals(1, status().gangAttempt());
    assertEquals(0, task("worker", 0).restarts(), "max-restarts=0 and the job goes on");
    assertEquals(0, task("worker", 1).restarts());
    assertNull(driver.finalStatus);
  }

  @Test
  void aGangTaskThatFailsWhileEveryPeersNodeAnswersIsCounted() {
    start(Map.of("spindle.app.restart-mode", "gang"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 0)).getId(), 1)));
    assertNull(driver.finalStatus);
    peersStillRun();
    assertEquals(FinalApplicationStatus.FAILED, driver.finalStatus, "max-restarts=0: counted, the job fails");
  }

  @Test
  void aTrainerWhoseStepStopsWhileItsLauncherHeartbeatsIsRestartedAsHung() {
    start(Map.of("spindle.task.progress-timeout", "10s", "spindle.task.heartbeat-interval", "1s",
        "spindle.role.worker.max-restarts", "1"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.reportStatus(new TaskRef("worker", 0), 0, 0, 5, Map.of());
    controller.reportStatus(new TaskRef("worker", 1), 0, 0, 5, Map.of());
    for (int s = 0; s < 12; s++) {
      clock.advance(1000);
      for (TaskView t : status().tasks()) {
        controller.heartbeat(new TaskRef(t.role(), t.index()), 0, 0).join(); // every launcher is alive
      }
      controller.reportStatus(new TaskRef("worker", 0), 0, 0, 6 + s, Map.of()); // worker 0 steps on
      controller.tick();
    }
    assertEquals(1, task("worker", 1).restarts(), "worker 1's step stayed at 5 for 12 s");
    assertEquals("REQUESTED", task("worker", 1).state());
    assertTrue(driver.stopped.contains(c.get(new TaskRef("worker", 1)).getId()));
    assertEquals("REGISTERED", task("worker", 0).state());
    assertEquals("REGISTERED", task("ps", 0).state(), "a task that never reports a step is not watched");
  }

  /** Keeps the last saved state in memory, as the staging file or znode would. */
  private static final class MemoryStore implements org.spindle.am.recovery.JobStateStore {
    org.spindle.am.recovery.JobSnapshot saved;
    int saves;

    public java.util.Optional<org.spindle.am.recovery.JobSnapshot> load() {
      return java.util.Optional.ofNullable(saved);
    }

    public void save(org.spindle.am.recovery.JobSnapshot s) {
      saved = org.spindle.am.recovery.JobSnapshot.fromJson(s.toJson()); // through JSON, like the real stores
      saves++;
    }

    public String describe() {
      return "memory";
    }
  }

  /** A controller of AM attempt {@code amAttempt} for 1 ps + 2 workers, saving to {@code store}. */
  private JobController attempt(int amAttempt, FakeClusterDriver d, MemoryStore store, Map<String, String> keys) {
    Map<String, String> all = new HashMap<>(Map.of(
        "spindle.role.ps.instances", "1", "spindle.role.ps.memory", "512", "spindle.role.ps.command", "ps",
        "spindle.role.worker.instances", "2", "spindle.role.worker.memory", "1024",
        "spindle.role.worker.command", "w"));
    all.putAll(keys);
    JobSpec spec = new JobConfLoader().load(List.of(), all);
    return new JobController(spec, d, (t, chief) -> ContainerLaunchContext.newInstance(
        Map.of(), Map.of(), List.of(), null, null, null), published::add, clock, Runnable::run, store, amAttempt);
  }

  private JobController startWithStore(MemoryStore store, Map<String, String> keys) {
    controller = attempt(1, driver, store, keys);
    controller.start();
    return controller;
  }

  /** AM attempt 2 over the same spec, with a fresh driver (the new AM's YARN clients). */
  private JobController secondAttempt(MemoryStore store, FakeClusterDriver driver2, Map<String, String> keys) {
    return attempt(2, driver2, store, keys);
  }

  @Test
  void aNewAmAttemptAdoptsTheRunningTasksAndTheirGangWithoutRestartingThem() {
    MemoryStore store = new MemoryStore();
    startWithStore(store, Map.of("spindle.app.restart-mode", "gang"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.reportStatus(new TaskRef("worker", 1), 0, 0, 40, Map.of());
    controller.tick();
    assertEquals(1, published.size());
    assertTrue(store.saves > 0 && store.saved.tasks().stream().allMatch(t -> t.state().equals("REGISTERED")),
        "saved: " + store.saved);

    // The AM dies; attempt 2 gets every container back from YARN, plus one it never knew.
    FakeClusterDriver driver2 = new FakeClusterDriver();
    JobController second = secondAttempt(store, driver2, Map.of("spindle.app.restart-mode", "gang"));
    Container stray = FakeClusterDriver.containerWithUnknownId(0);
    List<Container> kept = new ArrayList<>(c.values());
    kept.add(stray);
    clock.advance(60_000);
    second.recover(store.load().orElseThrow(), kept);
    for (TaskView t : second.status().join().tasks()) {
      assertEquals("REGISTERED", t.state(), t.role() + ":" + t.index());
      assertEquals(c.get(new TaskRef(t.role(), t.index())).getId().toString(), t.containerId());
      assertEquals(0, t.restarts());
      assertEquals(0, t.generation());
    }
    assertEquals(0, driver2.outstanding("worker") + driver2.outstanding("ps"), "nothing requested again");
    assertEquals(List.of(stray.getId()), driver2.released, "the unknown container is released");
    // The tasks' launchers find the new AM: their heartbeats are current (not told to stop), a waiting
    // task gets the same gang spec, and the next heartbeat deadline counts from the recovery.
    assertFalse(second.heartbeat(new TaskRef("worker", 1), 0, 0).join());
    CompletableFuture<ClusterSpec> spec = second.awaitClusterSpec(new TaskRef("worker", 0), 0);
    assertTrue(spec.isDone() && spec.join().equals(published.get(0)), "spec: " + spec);
    assertTrue(second.register(new TaskRef("worker", 0), 0, 0, "h0", Map.of("task", 2000)).join(),
        "a task registering again with the new attempt is accepted");
    second.tick();
    assertTrue(driver2.stopped.isEmpty() && driver2.queried.isEmpty());
    // Attempt 2 goes on as the first would: a worker that fails now is restarted by the gang.
    second.onCompleted(List.of(FakeClusterDriver.exit(c.get(new TaskRef("worker", 1)).getId(), 0)));
    assertEquals("SUCCEEDED", second.status().join().tasks().stream()
        .filter(t -> t.role().equals("worker") && t.index() == 1).findFirst().orElseThrow().state());
  }

  @Test
  void aTaskWhoseContainerEndedBetweenAttemptsRunsAgainUncounted() {
    MemoryStore store = new MemoryStore();
    startWithStore(store, Map.of("spindle.role.worker.max-restarts", "0"));
    Map<TaskRef, Container> c = allocateAll();
    registerAll();
    controller.tick();
    FakeClusterDriver driver2 = new FakeClusterDriver();
    JobController second = secondAttempt(store, driver2, Map.of("spindle.role.worker.max-restarts", "0"));
    List<Container> kept = new ArrayList<>(c.values());
    kept.remove(c.get(new TaskRef("worker", 1)));
    second.recover(store.load().orElseThrow(), kept);
    TaskView w1 = second.status().join().tasks().stream()
        .filter(t -> t.role().equals("worker") && t.index() == 1).findFirst().orElseThrow();
    assertEquals("REQUESTED", w1.state());
    assertEquals(0, w1.restarts(), "not the task's fault");
    assertEquals(1, w1.generation());
    assertEquals(1, driver2.outstanding("worker"));
    assertNull(driver2.finalStatus);
    assertEquals(2, store.saved.amAttempt(), "attempt 2 saved its own state");
  }

  @Test
  void anAttemptTheResourceManagerSupersededLeavesEveryContainerAndTheRegistrationAlone() {
    start(Map.of());
    allocateAll();
    registerAll();
    controller.onShutdownRequest();
    JobOutcome o = controller.outcome().join();
    assertTrue(o.superseded() && !o.succeeded(), o.toString());
    assertTrue(driver.stopped.isEmpty() && driver.released.isEmpty(), "the new attempt owns the containers");
    assertNull(driver.finalStatus, "no unregister: that would end the application for the new attempt too");
    assertFalse(controller.heartbeat(new TaskRef("worker", 0), 0, 0).join(), "tasks are not told to stop");
  }
}
