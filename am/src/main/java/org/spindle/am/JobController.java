package org.spindle.am;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.recovery.JobSnapshot;
import org.spindle.am.recovery.JobStateStore;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.am.yarn.ClusterDriver;
import org.spindle.am.yarn.ContainerExitClassifier;
import org.spindle.am.yarn.ExitKind;
import org.spindle.am.yarn.ResourceProfiles;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.JobSpec;
import org.spindle.conf.RestartMode;
import org.spindle.conf.RoleSpec;
import org.spindle.conf.TaskRef;

/**
 * The AM's policy: which containers to ask for, which task each allocation serves, whether a
 * container exit restarts one task, the whole gang, or fails the job. Every public method hands
 * its work to the single state executor, so no state here is ever touched by two threads.
 */
public final class JobController implements org.spindle.am.yarn.ClusterEvents {
  private static final Logger LOG = LoggerFactory.getLogger(JobController.class);

  private final JobSpec spec;
  private final ResourceProfiles profiles;
  private final ClusterDriver driver;
  private final LaunchContextFactory launchContexts;
  private final SpecListener specListener;
  private final Clock clock;
  private final Executor stateThread;

  private final Map<TaskRef, Task> tasks = new LinkedHashMap<>();
  private final Map<ContainerId, TaskRef> containerOwners = new HashMap<>();
  private final Set<ContainerId> stoppedByUs = new HashSet<>();
  /** Containers whose task stopped heartbeating, while their NodeManager is asked about them. */
  private final Map<ContainerId, TaskRef> silent = new HashMap<>();
  private final NodeFailures nodeFailures;
  /** A gang task's failure, held while the other gang tasks' NodeManagers are asked whether one is gone. */
  private PendingGangFailure pendingGang;

  private record PendingGangFailure(TaskRef cause, String reason, int attempt, Set<ContainerId> waiting) {}
  private final GangBarrier barrier = new GangBarrier();
  private final CompletableFuture<JobOutcome> outcome = new CompletableFuture<>();
  private int gangAttempt;
  private long startedMs;
  private ClusterSpec publishedSpec;

  private final JobStateStore store;
  private final int amAttempt;
  private JobSnapshot lastSaved;
  private boolean saveFailing;

  public JobController(JobSpec spec, ClusterDriver driver, LaunchContextFactory launchContexts,
                       SpecListener specListener, Clock clock, Executor stateThread) {
    this(spec, driver, launchContexts, specListener, clock, stateThread, JobStateStore.NONE, 1);
  }

  /** With a state store, the job's state is saved as it changes, for the next AM attempt to {@link #recover}. */
  public JobController(JobSpec spec, ClusterDriver driver, LaunchContextFactory launchContexts,
                       SpecListener specListener, Clock clock, Executor stateThread, JobStateStore store,
                       int amAttempt) {
    this.store = store;
    this.amAttempt = amAttempt;
    this.spec = spec;
    this.profiles = new ResourceProfiles(spec);
    this.nodeFailures = new NodeFailures(spec.nodeMaxFailures());
    this.driver = driver;
    this.launchContexts = launchContexts;
    this.specListener = specListener;
    this.clock = clock;
    this.stateThread = stateThread;
  }

  public CompletableFuture<JobOutcome> outcome() {
    return outcome;
  }

  // ---------------------------------------------------------------- events from YARN

  public void start() {
    run(() -> {
      startedMs = clock.millis();
      for (RoleSpec role : spec.roles().values()) {
        for (int i = 0; i < role.instances(); i++) {
          Task t = new Task(new TaskRef(role.name(), i), startedMs);
          tasks.put(t.ref(), t);
          driver.requestContainer(profiles.forRole(role.name()));
        }
        if (role.instances() > 0) {
          LOG.info("requested {} {} containers {}", role.instances(), role.name(), role.shape());
        }
      }
      checkDone();
    });
  }

  /**
   * Carries on a job a previous AM attempt ran: tasks whose containers YARN kept are adopted as
   * they were (same attempt and generation, so their heartbeats and registrations are accepted);
   * tasks whose containers ended while no AM was running are requested again, uncounted; containers
   * the saved state does not know are released.
   */
  public void recover(JobSnapshot saved, List<Container> running) {
    run(() -> {
      long now = clock.millis();
      startedMs = saved.startedMs();
      gangAttempt = saved.gangAttempt();
      Map<ContainerId, Container> alive = new HashMap<>();
      running.forEach(c -> alive.put(c.getId(), c));
      int adopted = 0;
      List<Task> ended = new ArrayList<>();
      for (JobSnapshot.TaskSnapshot ts : saved.tasks()) {
        Task t = Task.restore(ts, now);
        tasks.put(t.ref(), t);
        if (t.state() == TaskState.REQUESTED) {
          driver.requestContainer(profiles.forRole(t.role()));
        } else if (t.state().hasContainer() && t.state() != TaskState.ALLOCATED && alive.remove(t.containerId()) != null) {
          containerOwners.put(t.containerId(), t.ref());
          adopted++;
        } else if (t.state().hasContainer()) {
          if (alive.remove(t.containerId()) != null) {
            stoppedByUs.add(t.containerId());
            driver.releaseContainer(t.containerId()); // allocated but never started
          }
          ended.add(t);
        }
      }
      for (Task t : ended) {
        if (t.state().hasContainer()) { // a gang restart for an earlier one may have reset it already
          restart(t, ExitKind.ENDED_BETWEEN_AM_ATTEMPTS, "container " + t.containerId()
              + " ended while no ApplicationMaster was running");
        }
      }
      for (ContainerId unknown : alive.keySet()) {
        LOG.info("releasing container {}: the saved job state does not know it", unknown);
        stoppedByUs.add(unknown);
        driver.releaseContainer(unknown);
      }
      LOG.info("recovered the job saved by AM attempt {}: {} task(s), {} running container(s) adopted, gang attempt {}",
          saved.amAttempt(), tasks.size(), adopted, gangAttempt);
      publishIfAssembled();
      persist();
      checkDone();
    });
  }

  /** What the next AM attempt would recover now. */
  JobSnapshot snapshot() {
    return new JobSnapshot(amAttempt, startedMs, gangAttempt, tasks.values().stream().map(Task::snapshot).toList());
  }

  /** Saves the job's state if it changed since the last save; a failed save is retried on the next tick. */
  private void persist() {
    JobSnapshot now = snapshot();
    if (now.equals(lastSaved)) {
      return;
    }
    try {
      store.save(now);
      lastSaved = now;
      if (saveFailing) {
        LOG.info("job state saved to {} again", store.describe());
        saveFailing = false;
      }
    } catch (java.io.IOException e) {
      if (!saveFailing) {
        LOG.warn("cannot save the job state to {} (an AM restart now would lose recent changes): {}",
            store.describe(), e.toString());
        saveFailing = true;
      }
    }
  }

  @Override
  public void onAllocated(List<Container> containers) {
    run(() -> containers.forEach(this::assign));
  }

  @Override
  public void onCompleted(List<ContainerStatus> statuses) {
    run(() -> {
      for (ContainerStatus s : statuses) {
        completed(s);
      }
      checkDone();
    });
  }

  @Override
  public void onStarted(ContainerId id) {
    run(() -> ownerTask(id).filter(t -> t.state() == TaskState.LAUNCHED)
        .ifPresent(t -> t.transition(TaskState.RUNNING, clock.millis(), "NodeManager started " + id)));
  }

  @Override
  public void onStartFailed(ContainerId id, Throwable error) {
    run(() -> ownerTask(id).ifPresent(t -> {
      containerOwners.remove(id);
      appFailure(t, "container " + id + " failed to start: " + error.getMessage());
      checkDone();
    }));
  }

  /** The RM or NM client reported an error we cannot recover from (e.g. an invalid resource request). */
  @Override
  public void onFatalError(Throwable error) {
    run(() -> fail("the ResourceManager rejected the ApplicationMaster: " + error.getMessage()
        + JobDiagnostics.pendingRoles(tasks.values(), spec)));
  }

  /** Periodic checks: heartbeats, allocation and registration timeouts, the job timeout. */
  public void tick() {
    run(() -> {
      long now = clock.millis();
      if (spec.timeoutMs() > 0 && now - startedMs >= spec.timeoutMs()) {
        fail("job exceeded " + ConfigKeys.APP_TIMEOUT + "=" + spec.timeoutMs() / 1000 + "s and was stopped");
        return;
      }
      for (Task t : List.copyOf(tasks.values())) {
        if (isSilent(t, now) && !silent.containsKey(t.containerId())) {
          // A hung task and a lost node look the same from here: its NodeManager tells them apart.
          silent.put(t.containerId(), t.ref());
          LOG.warn("task {} {}; asking NodeManager {} about container {}", t.ref(), silence(t, now), t.nodeId(),
              t.containerId());
          driver.queryContainer(t.containerId(), t.nodeId());
        }
      }
      checkProgress(now);
      checkAllocationTimeout(now);
      if (barrier.expire(now, spec.registrationTimeoutMs(), JobDiagnostics.missingFromGang(tasks.values(), this::isGang)) > 0) {
        LOG.warn("gang barrier timed out; not registered: {}", JobDiagnostics.missingFromGang(tasks.values(), this::isGang));
      }
      checkDone();
      if (!outcome.isDone()) {
        persist();
      }
    });
  }

  /** The NodeManager still runs the silent task's container: the task hung, which is its own failure. */
  @Override
  public void onContainerStatus(ContainerId id, org.apache.hadoop.yarn.api.records.ContainerState state) {
    run(() -> gangPeerAnswered(id));
    run(() -> silentTask(id).ifPresent(t -> {
      if (state == org.apache.hadoop.yarn.api.records.ContainerState.COMPLETE) {
        return; // the RM reports the exit, and the classifier decides
      }
      String why = silence(t, clock.millis()) + " while NodeManager " + t.nodeId() + " reports its container "
          + state + ": the task hung";
      stopContainerOf(t);
      appFailure(t, why);
      checkDone();
    }));
  }

  /** The silent task's NodeManager does not answer either: the node is gone, which is not the task's fault. */
  @Override
  public void onContainerStatusError(ContainerId id, Throwable error) {
    run(() -> {
      if (!gangPeerLost(id, error)) {
        silentTask(id).ifPresent(t -> nodeLost(t, silence(t, clock.millis()) + " and NodeManager "
            + t.nodeId() + " does not answer (" + error.getMessage() + "): node presumed lost"));
      }
    });
  }

  /** Tasks on a node the RM reports lost, decommissioned, shut down or unhealthy run elsewhere, uncounted. */
  @Override
  public void onNodesUpdated(List<org.apache.hadoop.yarn.api.records.NodeReport> nodes) {
    run(() -> {
      for (org.apache.hadoop.yarn.api.records.NodeReport n : nodes) {
        if (!n.getNodeState().isUnusable()) {
          continue;
        }
        for (Task t : List.copyOf(tasks.values())) {
          if (t.state().hasContainer() && n.getNodeId().equals(t.nodeId())) {
            nodeLost(t, "node " + n.getNodeId() + " is " + n.getNodeState());
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
      Task t = current(ref, attempt, generation);
      if (!t.state().hasContainer()) {
        throw new TaskRejectedException("task " + ref + " is " + t.state() + " and cannot register");
      }
      t.registered(host, ports, clock.millis());
      t.transition(TaskState.REGISTERED, clock.millis(), "registered " + host + " " + ports);
      publishIfAssembled();
      persist();
      return isGang(t);
    });
  }

  public CompletableFuture<Boolean> heartbeat(TaskRef ref, int attempt, int generation) {
    return call(() -> {
      Task t = tasks.get(ref);
      if (t == null || t.attempt() != attempt || t.generation() != generation || t.state().isTerminal()) {
        return true; // stale task: ask it to stop
      }
      t.heartbeat(clock.millis());
      silent.remove(t.containerId()); // it was only slow (a long GC pause): no verdict
      return outcome.isDone();
    });
  }

  public void reportStatus(TaskRef ref, int attempt, int generation, long step, Map<String, Double> metrics) {
    run(() -> {
      Task t = tasks.get(ref);
      if (t != null && t.attempt() == attempt && t.generation() == generation) {
        t.metrics(step, metrics, clock.millis());
        t.heartbeat(clock.millis());
      }
    });
  }

  public void reportExit(TaskRef ref, int attempt, int generation, int exitCode, String diagnostics) {
    run(() -> {
      Task t = tasks.get(ref);
      if (t != null && t.attempt() == attempt && t.generation() == generation) {
        LOG.info("task {} reports exit code {}", ref, exitCode);
        t.lastDiagnostics(diagnostics);
      }
    });
  }

  public CompletableFuture<ClusterSpec> awaitClusterSpec(TaskRef ref, int attempt) {
    CompletableFuture<ClusterSpec> f = new CompletableFuture<>();
    run(() -> {
      Task t = tasks.get(ref);
      if (t == null || attempt != gangAttempt) {
        f.completeExceptionally(new TaskRejectedException("task " + ref + " attempt " + attempt
            + " is not part of the current gang attempt " + gangAttempt));
        return;
      }
      barrier.add(ref, attempt, clock.millis(), f);
      publishIfAssembled();
    });
    return f;
  }

  /**
   * Elastic roles (Spark executors): make {@code wanted} tasks of the role live. More are requested
   * with new indexes; fewer cancels pending requests only (running tasks stop through {@link
   * #stopTask}). Gang roles cannot change size. Returns the number of live tasks after the change.
   */
  public CompletableFuture<Integer> scaleRole(String role, int wanted) {
    return call(() -> {
      RoleSpec r = spec.roles().get(role);
      if (r == null || r.gang()) {
        throw new TaskRejectedException(r == null ? "no role named '" + role + "'"
            : "role '" + role + "' is part of the gang and cannot change size");
      }
      if (outcome.isDone()) {
        throw new TaskRejectedException("the job has finished");
      }
      List<Task> live = tasks.values().stream().filter(t -> t.role().equals(role) && !t.state().isTerminal()).toList();
      int nextIndex = tasks.values().stream().filter(t -> t.role().equals(role)).mapToInt(Task::index).max().orElse(-1) + 1;
      for (int i = live.size(); i < wanted; i++) {
        Task t = new Task(new TaskRef(role, nextIndex++), clock.millis());
        tasks.put(t.ref(), t);
        driver.requestContainer(profiles.forRole(role));
      }
      int cancel = live.size() - wanted;
      for (Task t : live) {
        if (cancel <= 0) {
          break;
        }
        if (t.state() == TaskState.REQUESTED) {
          driver.cancelRequest(profiles.forRole(role));
          t.transition(TaskState.KILLED, clock.millis(), "no longer wanted");
          cancel--;
        }
      }
      int now = (int) tasks.values().stream().filter(t -> t.role().equals(role) && !t.state().isTerminal()).count();
      LOG.info("role {} scaled to {} live task(s) (wanted {})", role, now, wanted);
      return now;
    });
  }

  /** Stops one task of an elastic role for good (Spark released the executor). */
  public CompletableFuture<Boolean> stopTask(TaskRef ref) {
    return call(() -> {
      Task t = tasks.get(ref);
      if (t == null || spec.role(ref.role()).gang()) {
        throw new TaskRejectedException(t == null ? "unknown task " + ref : "task " + ref + " is part of the gang");
      }
      if (t.state().isTerminal()) {
        return false;
      }
      if (t.state() == TaskState.REQUESTED) {
        driver.cancelRequest(profiles.forRole(t.role()));
      } else {
        stopContainerOf(t);
      }
      t.transition(TaskState.KILLED, clock.millis(), "released on request");
      checkDone();
      return true;
    });
  }

  public CompletableFuture<JobStatusView> status() {
    return call(() -> new JobStatusView(
        outcome.isDone() ? (outcome.join().succeeded() ? "SUCCEEDED" : "FAILED") : "RUNNING",
        gangAttempt,
        tasks.values().stream().map(JobDiagnostics::view).toList(),
        outcome.isDone() ? outcome.join().diagnostics() : ""));
  }

  // ---------------------------------------------------------------- state changes (state thread only)

  private void assign(Container c) {
    ResourceProfiles.Profile byId = profiles.forAllocationRequestId(c.getAllocationRequestId());
    ResourceProfiles.Profile p = byId != null ? byId : profiles.forPriority(c.getPriority().getPriority());
    Optional<Task> waiting = p == null || outcome.isDone() ? Optional.empty() : tasks.values().stream()
        .filter(t -> t.role().equals(p.role()) && t.state() == TaskState.REQUESTED).findFirst();
    if (waiting.isEmpty()) {
      LOG.info("releasing surplus container {} on {} {}", c.getId(), c.getNodeId(), c.getResource());
      stoppedByUs.add(c.getId());
      driver.releaseContainer(c.getId());
      return;
    }
    Task t = waiting.get();
    driver.cancelRequest(p);
    t.assign(c.getId(), c.getNodeId());
    t.nodeHttpAddress(c.getNodeHttpAddress());
    containerOwners.put(c.getId(), t.ref());
    t.transition(TaskState.ALLOCATED, clock.millis(), c.getId() + " on " + c.getNodeId() + " " + c.getResource());
    driver.startContainer(c, launchContexts.build(t, isChief(t.ref())));
    t.transition(TaskState.LAUNCHED, clock.millis(), "start requested");
  }

  private void completed(ContainerStatus s) {
    ContainerId id = s.getContainerId();
    boolean ours = stoppedByUs.remove(id);
    TaskRef ref = containerOwners.remove(id);
    Task t = ref == null ? null : tasks.get(ref);
    if (t == null || !id.equals(t.containerId())) {
      LOG.debug("ignoring completion of {} (no current task)", id);
      return;
    }
    ContainerExitClassifier.Classified c = ContainerExitClassifier.classify(s.getExitStatus(), s.getDiagnostics(),
        ours, ConfigKeys.roleKey(t.role(), ConfigKeys.ROLE_MEMORY));
    LOG.info("container {} of task {} completed: {} ({})", id, t.ref(), c.kind(), c.reason());
    switch (c.kind()) {
      case SUCCEEDED -> t.transition(TaskState.SUCCEEDED, clock.millis(), c.reason());
      case KILLED_BY_AM -> { }
      case APP_FAILURE -> gangAwareFailure(t, c.reason() + diagnosticsOf(t));
      default -> restart(t, c.kind(), c.reason());
    }
  }

  /**
   * In a gang, one member's lost node makes the others fail too (their collectives or PS connections
   * break), often before the AM notices the node. So a gang member's failure is counted only after
   * the NodeManagers of the other members have answered; if one of them does not, its node is the
   * cause and the gang restarts uncounted.
   */
  private void gangAwareFailure(Task t, String reason) {
    if (spec.restartMode() != RestartMode.GANG || !isGang(t)) {
      appFailure(t, reason);
      return;
    }
    if (pendingGang != null && pendingGang.attempt() == gangAttempt) {
      LOG.info("task {} failed too ({}); the gang's fate is being decided", t.ref(), reason);
      return;
    }
    Set<ContainerId> peers = tasks.values().stream()
        .filter(p -> isGang(p) && p != t && p.state().hasContainer() && p.containerId() != null && p.nodeId() != null)
        .map(Task::containerId).collect(Collectors.toCollection(HashSet::new));
    if (peers.isEmpty()) {
      appFailure(t, reason);
      return;
    }
    pendingGang = new PendingGangFailure(t.ref(), reason, gangAttempt, peers);
    LOG.info("task {} failed ({}); asking the NodeManagers of {} other gang task(s) before counting it", t.ref(),
        reason, peers.size());
    for (Task p : tasks.values()) {
      if (peers.contains(p.containerId())) {
        driver.queryContainer(p.containerId(), p.nodeId());
      }
    }
  }

  /** A NodeManager answered about a gang peer: when none is left to answer, the held failure counts. */
  private void gangPeerAnswered(ContainerId id) {
    if (pendingGang == null || !pendingGang.waiting().remove(id) || !pendingGang.waiting().isEmpty()) {
      return;
    }
    PendingGangFailure p = pendingGang;
    pendingGang = null;
    Task cause = tasks.get(p.cause());
    if (p.attempt() == gangAttempt && cause != null && !cause.state().isTerminal()) {
      appFailure(cause, p.reason());
    }
  }

  /** A gang peer's NodeManager does not answer: that node is why the gang failed, not the task. */
  private boolean gangPeerLost(ContainerId id, Throwable error) {
    if (pendingGang == null || !pendingGang.waiting().contains(id) || pendingGang.attempt() != gangAttempt) {
      return false;
    }
    PendingGangFailure p = pendingGang;
    pendingGang = null;
    Optional<Task> lost = tasks.values().stream().filter(x -> id.equals(x.containerId())).findFirst();
    if (lost.isPresent()) {
      nodeLost(lost.get(), "NodeManager " + lost.get().nodeId() + " does not answer (" + error.getMessage()
          + "): node presumed lost; task " + p.cause() + " failed as a consequence: " + p.reason());
    } else {
      Optional.ofNullable(tasks.get(p.cause())).ifPresent(cause -> appFailure(cause, p.reason()));
    }
    return true;
  }

  /** A failure that is the task's fault: count it, then restart or fail the job. */
  private void appFailure(Task t, String reason) {
    countNodeFailure(t);
    t.countRestart();
    int max = spec.role(t.role()).maxRestarts();
    if (t.restarts() > max) {
      t.transition(TaskState.FAILED, clock.millis(), reason);
      if (spec.role(t.role()).gang() || spec.isTracked(t.role())) {
        fail("task " + t.ref() + (isChief(t.ref()) ? " (chief)" : "") + " failed " + t.restarts()
            + " time(s), more than " + ConfigKeys.roleKey(t.role(), ConfigKeys.ROLE_MAX_RESTARTS) + "=" + max
            + "; last failure: " + reason);
      } else {
        LOG.warn("task {} exhausted its restarts; the job continues without it: {}", t.ref(), reason);
      }
      return;
    }
    restart(t, ExitKind.APP_FAILURE, reason + " (restart " + t.restarts() + " of " + max + ")");
  }

  private void restart(Task t, ExitKind kind, String reason) {
    if (outcome.isDone()) {
      return;
    }
    if (spec.restartMode() == RestartMode.GANG && isGang(t)) {
      restartGang(t, kind, reason);
      return;
    }
    t.resetForRestart(clock.millis(), t.attempt(), t.generation() + 1, kind + ": " + reason);
    driver.requestContainer(profiles.forRole(t.role()));
  }

  private void restartGang(Task cause, ExitKind kind, String reason) {
    gangAttempt++;
    pendingGang = null;
    LOG.warn("gang restart: task {} {} ({}); starting attempt {}", cause.ref(), kind, reason, gangAttempt);
    publishedSpec = null;
    for (Task t : tasks.values()) {
      if (!isGang(t) || t.state() == TaskState.SUCCEEDED || t.state() == TaskState.FAILED) {
        continue;
      }
      boolean wasRequested = t.state() == TaskState.REQUESTED;
      if (!wasRequested) {
        stopContainerOf(t);
        t.transition(TaskState.KILLED, clock.millis(), "gang restart");
      }
      t.resetForRestart(clock.millis(), gangAttempt, t.generation(), "gang attempt " + gangAttempt);
      if (!wasRequested) {
        driver.requestContainer(profiles.forRole(t.role()));
      }
    }
    barrier.supersede(gangAttempt);
  }

  /** A task whose node is gone: stop what may be left of its container and run it elsewhere, uncounted. */
  private void nodeLost(Task t, String why) {
    LOG.warn("task {}: {}; restarting it elsewhere without counting it against {}", t.ref(), why,
        ConfigKeys.roleKey(t.role(), ConfigKeys.ROLE_MAX_RESTARTS));
    t.lastDiagnostics(why);
    countNodeFailure(t);
    stopContainerOf(t);
    restart(t, ExitKind.NODE_LOST, why);
    checkDone();
  }

  /** Per-node failure counts decide which nodes YARN is asked to avoid (spindle.node.max-failures). */
  private void countNodeFailure(Task t) {
    String host = t.nodeId() == null ? null : t.nodeId().getHost();
    nodeFailures.record(host, driver.clusterNodes()).ifPresent(h -> {
      LOG.warn("node {} had {} task failure(s) ({}={}): asking YARN for no more containers there", h,
          nodeFailures.failures(h), ConfigKeys.NODE_MAX_FAILURES, spec.nodeMaxFailures());
      driver.avoidNodes(List.of(h));
    });
  }

  private boolean isSilent(Task t, long now) {
    return t.state() == TaskState.REGISTERED && now - t.lastHeartbeatMs() > spec.heartbeatIntervalMs() * spec.maxMissedHeartbeats();
  }

  private String silence(Task t, long now) {
    return "missed " + spec.maxMissedHeartbeats() + " heartbeats (none for " + (now - t.lastHeartbeatMs()) / 1000 + "s)";
  }

  /** The task a NodeManager answer is about, if it is still current and still silent. */
  private Optional<Task> silentTask(ContainerId id) {
    TaskRef ref = silent.remove(id);
    Task t = ref == null ? null : tasks.get(ref);
    return t != null && id.equals(t.containerId()) && isSilent(t, clock.millis()) ? Optional.of(t) : Optional.empty();
  }

  private void stopContainerOf(Task t) {
    if (t.containerId() != null && t.state().hasContainer()) {
      stoppedByUs.add(t.containerId());
      containerOwners.remove(t.containerId());
      driver.stopContainer(t.containerId(), t.nodeId());
    }
  }

  private void publishIfAssembled() {
    List<Task> gang = tasks.values().stream().filter(this::isGang).toList();
    boolean assembled = gang.stream().allMatch(t -> t.state() == TaskState.REGISTERED
        || t.state() == TaskState.SUCCEEDED);
    if (!assembled || gang.isEmpty()) {
      return;
    }
    // Finished tasks keep their last address so every index stays defined in the spec.
    List<ClusterSpec.Endpoint> endpoints = gang.stream()
        .map(t -> new ClusterSpec.Endpoint(t.role(), t.index(), t.host(), t.ports(), t.generation()))
        .toList();
    ClusterSpec spec = new ClusterSpec(gangAttempt, endpoints);
    if (!spec.equals(publishedSpec)) {
      publishedSpec = spec;
      LOG.info("gang attempt {} assembled: {}", gangAttempt, spec.toJson());
      specListener.specChanged(spec);
    }
    barrier.release(spec);
  }

  /** A trainer whose step stopped advancing while its launcher still heartbeats has hung: counted. */
  private void checkProgress(long now) {
    if (spec.progressTimeoutMs() <= 0) {
      return;
    }
    for (Task t : List.copyOf(tasks.values())) {
      if (t.state() == TaskState.REGISTERED && t.lastProgressMs() > 0
          && now - t.lastProgressMs() > spec.progressTimeoutMs()) {
        String why = "no training progress for " + (now - t.lastProgressMs()) / 1000 + "s (step stuck at " + t.step()
            + ", " + ConfigKeys.TASK_PROGRESS_TIMEOUT + "=" + spec.progressTimeoutMs() / 1000 + "s): the trainer hung";
        LOG.warn("task {}: {}", t.ref(), why);
        stopContainerOf(t);
        appFailure(t, why);
      }
    }
  }

  private void checkAllocationTimeout(long now) {
    if (spec.allocationTimeoutMs() <= 0) {
      return;
    }
    Map<String, Long> stuck = tasks.values().stream()
        .filter(t -> t.state() == TaskState.REQUESTED && now - t.stateSinceMs() >= spec.allocationTimeoutMs())
        .collect(Collectors.groupingBy(Task::role, LinkedHashMap::new, Collectors.counting()));
    if (!stuck.isEmpty()) {
      fail(JobDiagnostics.allocationTimeout(stuck, spec));
    }
  }

  private void checkDone() {
    if (outcome.isDone()) {
      return;
    }
    List<Task> tracked = tasks.values().stream().filter(t -> spec.isTracked(t.role())).toList();
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
    for (Task t : tasks.values()) {
      if (t.state().hasContainer()) {
        stopContainerOf(t);
        t.transition(TaskState.KILLED, clock.millis(), "job finished");
      } else if (t.state() == TaskState.REQUESTED) {
        driver.cancelRequest(profiles.forRole(t.role()));
        t.transition(TaskState.KILLED, clock.millis(), "job finished");
      }
    }
    barrier.failAll("job finished: " + result.diagnostics());
    driver.finish(result.succeeded() ? FinalApplicationStatus.SUCCEEDED : FinalApplicationStatus.FAILED,
        result.diagnostics());
    outcome.complete(result);
  }

  // ---------------------------------------------------------------- helpers

  private Task current(TaskRef ref, int attempt, int generation) {
    Task t = tasks.get(ref);
    if (t == null) {
      throw new TaskRejectedException("unknown task " + ref);
    }
    if (t.attempt() != attempt || t.generation() != generation) {
      throw new TaskRejectedException("task " + ref + " attempt " + attempt + " generation " + generation
          + " is stale (current: attempt " + t.attempt() + ", generation " + t.generation() + ")");
    }
    return t;
  }

  private Optional<Task> ownerTask(ContainerId id) {
    TaskRef ref = containerOwners.get(id);
    return ref == null ? Optional.empty() : Optional.ofNullable(tasks.get(ref));
  }

  private boolean isGang(Task t) {
    return spec.role(t.role()).gang();
  }

  private boolean isChief(TaskRef ref) {
    return spec.chief().map(ref::equals).orElse(false);
  }

  private static String diagnosticsOf(Task t) {
    return t.lastDiagnostics().isEmpty() ? "" : "; task said: " + t.lastDiagnostics();
  }

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
