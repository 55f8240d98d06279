package org.spindle.am;

import org.spindle.task.ClusterSpec;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.recovery.JobSnapshot;
import org.spindle.am.recovery.JobStateStore;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.am.yarn.ClusterDriver;
import org.spindle.am.yarn.ClusterEvents;
import org.spindle.am.yarn.ContainerExitClassifier;
import org.spindle.am.yarn.ExitKind;
import org.spindle.am.yarn.ResourceProfiles;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.JobSpec;
import org.spindle.conf.RoleSpec;
import org.spindle.conf.TaskRef;

/**
 * The AM's policy: which containers to ask for, which task each allocation serves, whether a
 * container exit restarts one task, the whole gang, or fails the job. Every public method hands
 * its work to the single state executor, so no state here is ever touched by two threads. The gang
 * ({@link GangCoordinator}), the timers ({@link TaskWatchdog}), elastic roles ({@link ElasticRoles})
 * and saving and recovering the job ({@link JobRecovery}) are helpers on the same thread.
 */
public final class JobController implements ClusterEvents {
  private static final Logger LOG = LoggerFactory.getLogger(JobController.class);

  private final JobState state;
  private final JobSpec spec;
  private final ClusterDriver driver;
  private final Clock clock;
  private final LaunchContextFactory launchContexts;
  private final Executor stateThread;
  private final GangCoordinator gang;
  private final TaskWatchdog watchdog;
  private final ElasticRoles elastic;
  private final JobRecovery recovery;
  private final RestartPolicy restarts;
  private final SpecListener registry;
  private final CompletableFuture<JobOutcome> outcome = new CompletableFuture<>();

  public JobController(JobSpec spec, ClusterDriver driver, LaunchContextFactory launchContexts,
                       SpecListener specListener, Clock clock, Executor stateThread) {
    this(spec, driver, launchContexts, specListener, clock, stateThread, JobStateStore.NONE, 1);
  }

  /** With a state store, the job's state is saved as it changes, for the next AM attempt to {@link #recover}. */
  public JobController(JobSpec spec, ClusterDriver driver, LaunchContextFactory launchContexts,
                       SpecListener specListener, Clock clock, Executor stateThread, JobStateStore store,
                       int amAttempt) {
    this.state = new JobState(spec, driver, clock);
    this.spec = spec;
    this.driver = driver;
    this.clock = clock;
    this.launchContexts = launchContexts;
    this.stateThread = stateThread;
    this.registry = specListener;
    this.gang = new GangCoordinator(state, specListener);
    this.watchdog = new TaskWatchdog(state);
    this.elastic = new ElasticRoles(state);
    this.recovery = new JobRecovery(state, store, amAttempt);
    this.restarts = new RestartPolicy(state, gang, this::fail, outcome::isDone, this::checkDone);
  }

  public CompletableFuture<JobOutcome> outcome() {
    return outcome;
  }

  // ---------------------------------------------------------------- events from YARN

  public void start() {
    run(() -> {
      state.startedMs = clock.millis();
      for (RoleSpec role : spec.roles().values()) {
        for (int i = 0; i < role.instances(); i++) {
          Task t = new Task(new TaskRef(role.name(), i), state.startedMs);
          state.tasks.put(t.ref(), t);
          state.requestContainerFor(t);
        }
        if (role.instances() > 0) {
          LOG.info("requested {} {} containers {}", role.instances(), role.name(), role.shape());
        }
      }
      checkDone();
    });
  }

  /** Carries on a job a previous AM attempt ran, with the containers YARN kept (see {@link JobRecovery}). */
  public void recover(JobSnapshot saved, List<Container> running) {
    run(() -> {
      for (Task t : recovery.restore(saved, running)) {
        if (t.state().hasContainer()) { // a gang restart for an earlier one may have reset it already
          restarts.restart(t, ExitKind.ENDED_BETWEEN_AM_ATTEMPTS, "container " + t.containerId()
              + " ended while no ApplicationMaster was running");
        }
      }
      gang.publishIfAssembled();
      recovery.persist();
      checkDone();
    });
  }

  @Override
  public void onAllocated(List<Container> containers) {
    run(() -> containers.forEach(this::assign));
  }

  @Override
  public void onCompleted(List<ContainerStatus> statuses) {
    run(() -> {
      statuses.forEach(this::completed);
      checkDone();
    });
  }

  @Override
  public void onStarted(ContainerId id) {
    run(() -> state.ownerTask(id).filter(t -> t.state() == TaskState.LAUNCHED)
        .ifPresent(t -> t.transition(TaskState.RUNNING, clock.millis(), "NodeManager started " + id)));
  }

  @Override
  public void onStartFailed(ContainerId id, Throwable error) {
    run(() -> state.ownerTask(id).ifPresent(t -> {
      state.containerOwners.remove(id);
      restarts.appFailure(t, "container " + id + " failed to start: " + error.getMessage());
      checkDone();
    }));
  }

  /** The RM or NM client reported an error we cannot recover from (e.g. an invalid resource request). */
  @Override
  public void onFatalError(Throwable error) {
    run(() -> fail("the ResourceManager rejected the ApplicationMaster: " + error.getMessage()
        + JobDiagnostics.pendingRoles(state.tasks.values(), spec)));
  }

  /** Another attempt owns the job now: no container is stopped, nothing unregistered or cleaned up. */
  @Override
  public void onShutdownRequest() {
    run(() -> {
      if (!outcome.isDone()) {
        String why = "the ResourceManager asked this ApplicationMaster attempt to shut down (a newer attempt owns "
            + "the job, or the application was killed)";
        LOG.warn("{}; leaving the tasks to it", why);
        gang.failAll(why);
        outcome.complete(new JobOutcome(false, why, true));
      }
    });
  }

  /** Periodic checks: heartbeats, progress, allocation and registration timeouts, the job timeout; then a save. */
  public void tick() {
    run(() -> {
      long now = clock.millis();
      Optional<String> deadline = watchdog.jobDeadline(now);
      if (deadline.isPresent()) {
        fail(deadline.get());
        return;
      }
      watchdog.askAboutSilentTasks(now);
      watchdog.checkProgress(now, restarts);
      gang.expireWaiters(now);
      checkDone();
      if (!outcome.isDone()) {
        recovery.persist();
      }
    });
  }

  /** The NodeManager still runs the silent task's container: the task hung, which is its own failure. */
  @Override
  public void onContainerStatus(ContainerId id, ContainerState containerState) {
    run(() -> gang.peerAnswered(id, restarts));
    run(() -> watchdog.silentTask(id).ifPresent(t -> {
      if (containerState == ContainerState.COMPLETE) {
        return; // the RM reports the exit, and the classifier decides
      }
      String why = watchdog.silence(t, clock.millis()) + " while NodeManager " + t.nodeId()
          + " reports its container " + containerState + ": the task hung";
      state.stopContainerOf(t);
      restarts.appFailure(t, why);
      checkDone();
    }));
  }

  /** The silent task's NodeManager does not answer either: the node is gone, which is not the task's fault. */
  @Override
  public void onContainerStatusError(ContainerId id, Throwable error) {
    run(() -> {
      if (!gang.peerLost(id, error, restarts)) {
        watchdog.silentTask(id).ifPresent(t -> restarts.nodeLost(t, watchdog.silence(t, clock.millis())
            + " and NodeManager " + t.nodeId() + " does not answer (" + error.getMessage() + "): node presumed lost"));
      }
    });
  }

  /** Tasks on a node the RM reports lost, decommissioned, shut down or unhealthy run elsewhere, uncounted. */
  @Override
  public void onNodesUpdated(List<NodeReport> nodes) {
    run(() -> {
      for (NodeReport n : nodes) {
        if (!n.getNodeState().isUnusable()) {
          continue;
        }
        for (Task t : List.copyOf(state.tasks.values())) {
          if (t.state().hasContainer() && n.getNodeId().equals(t.nodeId())) {
            restarts.nodeLost(t, "node " + n.getNodeId() + " is " + n.getNodeState());
          }
        }
      }
    });
  }

  /** Stops the job from outside (client kill, AM shutdown). */
  public void shutdown(String why) {
    run(() -> fail(why));
  }

  // ---------------------------------------------------------------- events from tasks (gRPC)

  public CompletableFuture<Boolean> register(TaskRef ref, int attempt, int generation, String host,
                                             Map<String, Integer> ports) {
    return call(() -> {
      Task t = state.current(ref, attempt, generation);
      if (!t.state().hasContainer()) {
        throw new TaskRejectedException("task " + ref + " is " + t.state() + " and cannot register");
      }
      t.registered(host, ports, clock.millis());
      t.transition(TaskState.REGISTERED, clock.millis(), "registered " + host + " " + ports);
      gang.publishIfAssembled();
      recovery.persist();
      return state.isGang(t);
    });
  }

  public CompletableFuture<Boolean> heartbeat(TaskRef ref, int attempt, int generation) {
    return call(() -> {
      Task t = state.tasks.get(ref);
      if (t == null || t.attempt() != attempt || t.generation() != generation || t.state().isTerminal()) {
        return true; // stale task: ask it to stop
      }
      t.heartbeat(clock.millis());
      watchdog.heard(t);
      return outcome.isDone() && !outcome.join().superseded(); // a superseded AM never stops tasks
    });
  }

  public void reportStatus(TaskRef ref, int attempt, int generation, long step, Map<String, Double> metrics) {
    run(() -> state.currentTask(ref, attempt, generation).ifPresent(t -> {
      t.metrics(step, metrics, clock.millis());
      t.heartbeat(clock.millis());
    }));
  }

  public void reportExit(TaskRef ref, int attempt, int generation, int exitCode, String diagnostics) {
    run(() -> state.currentTask(ref, attempt, generation).ifPresent(t -> {
      LOG.info("task {} reports exit code {}", ref, exitCode);
      t.lastDiagnostics(diagnostics);
    }));
  }

  public CompletableFuture<ClusterSpec> awaitClusterSpec(TaskRef ref, int attempt) {
    CompletableFuture<ClusterSpec> f = new CompletableFuture<>();
    run(() -> gang.await(ref, attempt, f));
    return f;
  }

  /** Elastic roles (Spark executors): make {@code wanted} tasks of the role live (see {@link ElasticRoles}). */
  public CompletableFuture<Integer> scaleRole(String role, int wanted) {
    return call(() -> {
      if (outcome.isDone()) {
        throw new TaskRejectedException("the job has finished");
      }
      return elastic.scale(role, wanted);
    });
  }

  /** Stops one task of an elastic role for good (Spark released the executor). */
  public CompletableFuture<Boolean> stopTask(TaskRef ref) {
    return call(() -> {
      boolean stopped = elastic.stop(ref);
      checkDone();
      return stopped;
    });
  }

  public CompletableFuture<JobStatusView> status() {
    return call(() -> new JobStatusView(
        outcome.isDone() ? (outcome.join().succeeded() ? "SUCCEEDED" : "FAILED") : "RUNNING",
        state.gangAttempt,
        state.tasks.values().stream().map(JobDiagnostics::view).toList(),
        outcome.isDone() ? outcome.join().diagnostics() : ""));
  }

  // ---------------------------------------------------------------- state changes (state thread only)

  private void assign(Container c) {
    ResourceProfiles.Profile byId = state.profiles.forAllocationRequestId(c.getAllocationRequestId());
    ResourceProfiles.Profile p = byId != null ? byId : state.profiles.forPriority(c.getPriority().getPriority());
    Optional<Task> waiting = p == null || outcome.isDone() ? Optional.empty() : state.tasks.values().stream()
        .filter(t -> t.role().equals(p.role()) && t.state() == TaskState.REQUESTED).findFirst();
    if (waiting.isEmpty()) {
      LOG.info("releasing surplus container {} on {} {}", c.getId(), c.getNodeId(), c.getResource());
      state.release(c.getId());
      return;
    }
    Task t = waiting.get();
    driver.cancelRequest(p);
    t.assign(c.getId(), c.getNodeId());
    t.nodeHttpAddress(c.getNodeHttpAddress());
    state.containerOwners.put(c.getId(), t.ref());
    t.transition(TaskState.ALLOCATED, clock.millis(), c.getId() + " on " + c.getNodeId() + " " + c.getResource());
    driver.startContainer(c, launchContexts.build(t, state.isChief(t.ref())));
    t.transition(TaskState.LAUNCHED, clock.millis(), "start requested");
  }

  private void completed(ContainerStatus s) {
    ContainerId id = s.getContainerId();
    boolean ours = state.stoppedByUs.remove(id);
    TaskRef ref = state.containerOwners.remove(id);
    Optional.ofNullable(ref).ifPresent(r -> registry.containerEnded(r.role(), r.index(), id.toString()));
    Task t = ref == null ? null : state.tasks.get(ref);
    if (t == null || !id.equals(t.containerId())) {
      LOG.debug("ignoring completion of {} (no current task)", id);
      return;
    }
    ContainerExitClassifier.Classified c = ContainerExitClassifier.classify(s.getExitStatus(), s.getDiagnostics(),
        ours, ConfigKeys.roleKey(t.role(), ConfigKeys.ROLE_MEMORY));
    LOG.info("container {} of task {} completed: {} ({})", id, t.ref(), c.kind(), c.reason());
    restarts.exited(t, c);
  }

  private void checkDone() {
    if (outcome.isDone()) {
      return;
    }
    List<Task> tracked = state.tasks.values().stream().filter(t -> spec.isTracked(t.role())).toList();
    if (!tracked.isEmpty() && tracked.stream().allMatch(t -> t.state() == TaskState.SUCCEEDED)) {
      complete(new JobOutcome(true, "all " + tracked.size() + " tracked task(s) succeeded"));
    }
  }

  private void fail(String diagnostics) {
    if (!outcome.isDone()) {
      LOG.error("job failed: {}", diagnostics);
      complete(new JobOutcome(false, diagnostics));
    }
  }

  /** The one shutdown path: stop every container, fail waiters, unregister. First reason wins. */
  private void complete(JobOutcome result) {
    state.stopAll("job finished");
    gang.failAll("job finished: " + result.diagnostics());
    driver.finish(result.succeeded() ? FinalApplicationStatus.SUCCEEDED : FinalApplicationStatus.FAILED,
        result.diagnostics());
    outcome.complete(result);
  }

  // ---------------------------------------------------------------- helpers

  private void run(Runnable r) {
    stateThread.execute(() -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("internal error in the AM state thread", e);
        fail("internal ApplicationMaster error: " + e);
      }
    });
  }

  private <T> CompletableFuture<T> call(Supplier<T> s) {
    CompletableFuture<T> f = new CompletableFuture<>();
    stateThread.execute(() -> {
      try {
        f.complete(s.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }
}
