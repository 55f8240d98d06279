package org.spindle.am;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.am.yarn.ContainerExitClassifier;
import org.spindle.am.yarn.ExitKind;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.RestartMode;

/**
 * What a task's end leads to: a counted failure (restart while max-restarts allows, then fail the
 * job or go on without an untracked task), an uncounted restart (lost node, preemption), one task
 * or the whole gang, and which nodes YARN is asked to avoid.
 */
final class RestartPolicy implements Failures {
  private static final Logger LOG = LoggerFactory.getLogger(RestartPolicy.class);
  private final JobState state;
  private final GangCoordinator gang;
  private final NodeFailures nodeFailures;
  private final Consumer<String> failJob;
  private final BooleanSupplier finished;
  private final Runnable checkDone;

  RestartPolicy(JobState state, GangCoordinator gang, Consumer<String> failJob, BooleanSupplier finished,
                Runnable checkDone) {
    this.state = state;
    this.gang = gang;
    this.nodeFailures = new NodeFailures(state.spec.nodeMaxFailures());
    this.failJob = failJob;
    this.finished = finished;
    this.checkDone = checkDone;
  }

  /** Acts on a container exit as the classifier judged it (the one place exits are decided). */
  void exited(Task t, ContainerExitClassifier.Classified c) {
    switch (c.kind()) {
      case SUCCEEDED -> t.transition(TaskState.SUCCEEDED, state.now(), c.reason());
      case KILLED_BY_AM -> { }
      case APP_FAILURE -> {
        String reason = c.reason() + (t.lastDiagnostics().isEmpty() ? "" : "; task said: " + t.lastDiagnostics());
        if (state.spec.restartMode() != RestartMode.GANG || !state.isGang(t) || !gang.holdFailure(t, reason)) {
          appFailure(t, reason);
        }
      }
      default -> restart(t, c.kind(), c.reason());
    }
  }

  /** A failure that is the task's fault: count it, then restart or fail the job. */
  @Override
  public void appFailure(Task t, String reason) {
    countNodeFailure(t);
    t.countRestart();
    int max = state.spec.role(t.role()).maxRestarts();
    if (t.restarts() > max) {
      t.transition(TaskState.FAILED, state.now(), reason);
      if (state.spec.role(t.role()).gang() || state.spec.isTracked(t.role())) {
        failJob.accept("task " + t.ref() + (state.isChief(t.ref()) ? " (chief)" : "") + " failed " + t.restarts()
            + " time(s), more than " + ConfigKeys.roleKey(t.role(), ConfigKeys.ROLE_MAX_RESTARTS) + "=" + max
            + "; last failure: " + reason);
      } else {
        LOG.warn("task {} exhausted its restarts; the job continues without it: {}", t.ref(), reason);
      }
      return;
    }
    restart(t, ExitKind.APP_FAILURE, reason + " (restart " + t.restarts() + " of " + max + ")");
  }

  /** A task whose node is gone: stop what may be left of its container and run it elsewhere, uncounted. */
  @Override
  public void nodeLost(Task t, String why) {
    LOG.warn("task {}: {}; restarting it elsewhere without counting it against {}", t.ref(), why,
        ConfigKeys.roleKey(t.role(), ConfigKeys.ROLE_MAX_RESTARTS));
    t.lastDiagnostics(why);
    countNodeFailure(t);
    state.stopContainerOf(t);
    restart(t, ExitKind.NODE_LOST, why);
    checkDone.run();
  }

  /** Restarts the task alone, or its gang in gang mode; never after the job has finished. */
  void restart(Task t, ExitKind kind, String reason) {
    if (finished.getAsBoolean()) {
      return;
    }
    if (state.spec.restartMode() == RestartMode.GANG && state.isGang(t)) {
      gang.restart(t, kind, reason);
      return;
    }
    t.resetForRestart(state.now(), t.attempt(), t.generation() + 1, kind + ": " + reason);
    state.requestContainerFor(t);
  }

  /** Per-node failure counts decide which nodes YARN is asked to avoid (spindle.node.max-failures). */
  private void countNodeFailure(Task t) {
    String host = t.nodeId() == null ? null : t.nodeId().getHost();
    nodeFailures.record(host, state.driver.clusterNodes()).ifPresent(h -> {
      LOG.warn("node {} had {} task failure(s) ({}={}): asking YARN for no more containers there", h,
          nodeFailures.failures(h), ConfigKeys.NODE_MAX_FAILURES, state.spec.nodeMaxFailures());
      state.driver.avoidNodes(List.of(h));
    });
  }
}
