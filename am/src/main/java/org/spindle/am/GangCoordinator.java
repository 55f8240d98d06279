package org.spindle.am;

import org.spindle.task.ClusterSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.am.yarn.ExitKind;
import org.spindle.conf.TaskRef;

/**
 * The gang: the barrier its tasks wait at, the cluster spec published once every gang task has
 * registered, gang restarts, and the rule that a gang task's failure is counted only after the
 * other gang tasks' NodeManagers have answered.
 */
final class GangCoordinator {
  private static final Logger LOG = LoggerFactory.getLogger(GangCoordinator.class);

  private final JobState state;
  private final SpecListener specListener;
  private final GangBarrier barrier = new GangBarrier();
  private ClusterSpec publishedSpec;
  /** A gang task's failure, held while the other gang tasks' NodeManagers are asked whether one is gone. */
  private PendingGangFailure pending;

  private record PendingGangFailure(TaskRef cause, String reason, int attempt, Set<ContainerId> waiting) {}

  GangCoordinator(JobState state, SpecListener specListener) {
    this.state = state;
    this.specListener = specListener;
  }

  void await(TaskRef ref, int attempt, CompletableFuture<ClusterSpec> f) {
    if (state.tasks.get(ref) == null || attempt != state.gangAttempt) {
      f.completeExceptionally(new TaskRejectedException("task " + ref + " attempt " + attempt
          + " is not part of the current gang attempt " + state.gangAttempt));
      return;
    }
    barrier.add(ref, attempt, state.now(), f);
    publishIfAssembled();
  }

  void publishIfAssembled() {
    List<Task> gang = state.tasks.values().stream().filter(state::isGang).toList();
    boolean assembled = gang.stream().allMatch(t -> t.state() == TaskState.REGISTERED
        || t.state() == TaskState.SUCCEEDED);
    if (!assembled || gang.isEmpty()) {
      return;
    }
    // Finished tasks keep their last address so every index stays defined in the spec.
    List<ClusterSpec.Endpoint> endpoints = gang.stream()
        .map(t -> new ClusterSpec.Endpoint(t.role(), t.index(), t.host(), t.ports(), t.generation()))
        .toList();
    ClusterSpec spec = new ClusterSpec(state.gangAttempt, endpoints);
    if (!spec.equals(publishedSpec)) {
      publishedSpec = spec;
      LOG.info("gang attempt {} assembled: {}", state.gangAttempt, spec.toJson());
      specListener.specChanged(spec);
    }
    barrier.release(spec);
  }

  /** Fails waiters that waited longer than the registration timeout; logs who never registered. */
  void expireWaiters(long now) {
    String missing = JobDiagnostics.missingFromGang(state.tasks.values(), state::isGang);
    if (barrier.expire(now, state.spec.registrationTimeoutMs(), missing) > 0) {
      LOG.warn("gang barrier timed out; not registered: {}", missing);
    }
  }

  void failAll(String why) {
    barrier.failAll(why);
  }

  /**
   * In a gang, one member's lost node makes the others fail too (their collectives or PS connections
   * break), often before the AM notices the node. So the failure is held until the NodeManagers of
   * the other members have answered. Returns false when there is nothing to wait for: count it now.
   */
  boolean holdFailure(Task t, String reason) {
    if (pending != null && pending.attempt() == state.gangAttempt) {
      LOG.info("task {} failed too ({}); the gang's fate is being decided", t.ref(), reason);
      return true;
    }
    Set<ContainerId> peers = state.tasks.values().stream()
        .filter(p -> state.isGang(p) && p != t && p.state().hasContainer() && p.containerId() != null
            && p.nodeId() != null)
        .map(Task::containerId).collect(Collectors.toCollection(HashSet::new));
    if (peers.isEmpty()) {
      return false;
    }
    pending = new PendingGangFailure(t.ref(), reason, state.gangAttempt, peers);
    LOG.info("task {} failed ({}); asking the NodeManagers of {} other gang task(s) before counting it", t.ref(),
        reason, peers.size());
    for (Task p : state.tasks.values()) {
      if (peers.contains(p.containerId())) {
        state.driver.queryContainer(p.containerId(), p.nodeId());
      }
    }
    return true;
  }

  /** A NodeManager answered about a gang peer: when none is left to answer, the held failure counts. */
  void peerAnswered(ContainerId id, Failures failures) {
    if (pending == null || !pending.waiting().remove(id) || !pending.waiting().isEmpty()) {
      return;
    }
    PendingGangFailure p = pending;
    pending = null;
    Task cause = state.tasks.get(p.cause());
    if (p.attempt() == state.gangAttempt && cause != null && !cause.state().isTerminal()) {
      failures.appFailure(cause, p.reason());
    }
  }

  /** A gang peer's NodeManager does not answer: that node is why the gang failed, not the task. */
  boolean peerLost(ContainerId id, Throwable error, Failures failures) {
    if (pending == null || !pending.waiting().contains(id) || pending.attempt() != state.gangAttempt) {
      return false;
    }
    PendingGangFailure p = pending;
    pending = null;
    Optional<Task> lost = state.byContainer(id);
    if (lost.isPresent()) {
      failures.nodeLost(lost.get(), "NodeManager " + lost.get().nodeId() + " does not answer (" + error.getMessage()
          + "): node presumed lost; task " + p.cause() + " failed as a consequence: " + p.reason());
    } else {
      Optional.ofNullable(state.tasks.get(p.cause())).ifPresent(cause -> failures.appFailure(cause, p.reason()));
    }
    return true;
  }

  /** Stops every live gang task and requests it again as the next gang attempt. */
  void restart(Task cause, ExitKind kind, String reason) {
    state.gangAttempt++;
    pending = null;
    LOG.warn("gang restart: task {} {} ({}); starting attempt {}", cause.ref(), kind, reason, state.gangAttempt);
    publishedSpec = null;
    long now = state.now();
    for (Task t : state.tasks.values()) {
      if (!state.isGang(t) || t.state() == TaskState.SUCCEEDED || t.state() == TaskState.FAILED) {
        continue;
      }
      boolean wasRequested = t.state() == TaskState.REQUESTED;
      if (!wasRequested) {
        state.stopContainerOf(t);
        t.transition(TaskState.KILLED, now, "gang restart");
      }
      t.resetForRestart(now, state.gangAttempt, t.generation(), "gang attempt " + state.gangAttempt);
      if (!wasRequested) {
        state.requestContainerFor(t);
      }
    }
    barrier.supersede(state.gangAttempt);
  }
}
