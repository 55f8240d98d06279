package org.spindle.am;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.conf.RoleSpec;
import org.spindle.conf.TaskRef;

/** Roles outside the gang that grow and shrink on request (Spark executors under Spark's dynamic allocation). */
final class ElasticRoles {
  private static final Logger LOG = LoggerFactory.getLogger(ElasticRoles.class);
  private final JobState state;

  ElasticRoles(JobState state) {
    this.state = state;
  }

  /**
   * Makes {@code wanted} tasks of the role live. More are requested with new indexes; fewer cancels
   * pending requests only (running tasks stop through {@link #stop}). Returns the live count after.
   */
  int scale(String role, int wanted) {
    RoleSpec r = state.spec.roles().get(role);
    if (r == null || r.gang()) {
      throw new TaskRejectedException(r == null ? "no role named '" + role + "'"
          : "role '" + role + "' is part of the gang and cannot change size");
    }
    List<Task> live = state.tasks.values().stream().filter(t -> t.role().equals(role) && !t.state().isTerminal())
        .toList();
    int nextIndex = state.tasks.values().stream().filter(t -> t.role().equals(role)).mapToInt(Task::index).max()
        .orElse(-1) + 1;
    for (int i = live.size(); i < wanted; i++) {
      Task t = new Task(new TaskRef(role, nextIndex++), state.now());
      state.tasks.put(t.ref(), t);
      state.requestContainerFor(t);
    }
    int cancel = live.size() - wanted;
    for (Task t : live) {
      if (cancel <= 0) {
        break;
      }
      if (t.state() == TaskState.REQUESTED) {
        state.driver.cancelRequest(state.profiles.forRole(role));
        t.transition(TaskState.KILLED, state.now(), "no longer wanted");
        cancel--;
      }
    }
    int now = (int) state.tasks.values().stream().filter(t -> t.role().equals(role) && !t.state().isTerminal()).count();
    LOG.info("role {} scaled to {} live task(s) (wanted {})", role, now, wanted);
    return now;
  }

  /** Stops one task of an elastic role for good (Spark released the executor); false if it had ended. */
  boolean stop(TaskRef ref) {
    Task t = state.tasks.get(ref);
    if (t == null || state.spec.role(ref.role()).gang()) {
      throw new TaskRejectedException(t == null ? "unknown task " + ref : "task " + ref + " is part of the gang");
    }
    if (t.state().isTerminal()) {
      return false;
    }
    if (t.state() == TaskState.REQUESTED) {
      state.driver.cancelRequest(state.profiles.forRole(t.role()));
    } else {
      state.stopContainerOf(t);
    }
    t.transition(TaskState.KILLED, state.now(), "released on request");
    return true;
  }
}
