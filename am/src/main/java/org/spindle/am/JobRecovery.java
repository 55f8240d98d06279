package org.spindle.am;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.recovery.JobSnapshot;
import org.spindle.am.recovery.JobStateStore;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;

/**
 * Saves the job's state as it changes, and rebuilds it in a later AM attempt: tasks whose containers
 * YARN kept are adopted as they were (same attempt and generation, so their heartbeats and
 * registrations are accepted); tasks whose containers ended while no AM was running are returned
 * for a restart; containers the saved state does not know are released.
 */
final class JobRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(JobRecovery.class);
  private final JobState state;
  private final JobStateStore store;
  private final int amAttempt;
  private JobSnapshot lastSaved;
  private boolean saveFailing;

  JobRecovery(JobState state, JobStateStore store, int amAttempt) {
    this.state = state;
    this.store = store;
    this.amAttempt = amAttempt;
  }

  JobSnapshot snapshot() {
    return new JobSnapshot(amAttempt, state.startedMs, state.gangAttempt,
        state.tasks.values().stream().map(Task::snapshot).toList());
  }

  /** Saves the job's state if it changed since the last save; a failed save is retried on the next call. */
  void persist() {
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
    } catch (IOException e) {
      if (!saveFailing) {
        LOG.warn("cannot save the job state to {} (an AM restart now would lose recent changes): {}",
            store.describe(), e.toString());
        saveFailing = true;
      }
    }
  }

  /** Rebuilds the tasks; returns those whose containers ended between attempts, to be restarted. */
  List<Task> restore(JobSnapshot saved, List<Container> running) {
    long now = state.now();
    state.startedMs = saved.startedMs();
    state.gangAttempt = saved.gangAttempt();
    Map<ContainerId, Container> alive = new HashMap<>();
    running.forEach(c -> alive.put(c.getId(), c));
    int adopted = 0;
    List<Task> ended = new ArrayList<>();
    for (JobSnapshot.TaskSnapshot ts : saved.tasks()) {
      Task t = Task.restore(ts, now);
      state.tasks.put(t.ref(), t);
      if (t.state() == TaskState.REQUESTED) {
        state.requestContainerFor(t);
      } else if (t.state().hasContainer() && t.state() != TaskState.ALLOCATED
          && alive.remove(t.containerId()) != null) {
        state.containerOwners.put(t.containerId(), t.ref());
        adopted++;
      } else if (t.state().hasContainer()) {
        if (alive.remove(t.containerId()) != null) {
          state.release(t.containerId()); // allocated but never started
        }
        ended.add(t);
      }
    }
    for (ContainerId unknown : alive.keySet()) {
      LOG.info("releasing container {}: the saved job state does not know it", unknown);
      state.release(unknown);
    }
    LOG.info("recovered the job saved by AM attempt {}: {} task(s), {} running container(s) adopted, gang attempt {}",
        saved.amAttempt(), state.tasks.size(), adopted, state.gangAttempt);
    return ended;
  }
}
