package org.spindle.am;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.TaskRef;

/**
 * The AM's timers: tasks that stopped heartbeating (their NodeManager is asked whether they hung or
 * their node is gone), trainers whose step stopped advancing, requests pending too long, and the
 * job's own time limit.
 */
final class TaskWatchdog {
  private static final Logger LOG = LoggerFactory.getLogger(TaskWatchdog.class);
  private final JobState state;
  /** Containers whose task stopped heartbeating, while their NodeManager is asked about them. */
  private final Map<ContainerId, TaskRef> silent = new HashMap<>();

  TaskWatchdog(JobState state) {
    this.state = state;
  }

  /** Why the job must stop now, if it ran past spindle.app.timeout or a request waited too long. */
  Optional<String> jobDeadline(long now) {
    if (state.spec.timeoutMs() > 0 && now - state.startedMs >= state.spec.timeoutMs()) {
      return Optional.of("job exceeded " + ConfigKeys.APP_TIMEOUT + "=" + state.spec.timeoutMs() / 1000
          + "s and was stopped");
    }
    if (state.spec.allocationTimeoutMs() <= 0) {
      return Optional.empty();
    }
    Map<String, Long> stuck = state.tasks.values().stream()
        .filter(t -> t.state() == TaskState.REQUESTED && now - t.stateSinceMs() >= state.spec.allocationTimeoutMs())
        .collect(Collectors.groupingBy(Task::role, LinkedHashMap::new, Collectors.counting()));
    return stuck.isEmpty() ? Optional.empty() : Optional.of(JobDiagnostics.allocationTimeout(stuck, state.spec));
  }

  /** A hung task and a lost node look the same from here: asks the NodeManager of each newly silent task. */
  void askAboutSilentTasks(long now) {
    for (Task t : List.copyOf(state.tasks.values())) {
      if (isSilent(t, now) && !silent.containsKey(t.containerId())) {
        silent.put(t.containerId(), t.ref());
        LOG.warn("task {} {}; asking NodeManager {} about container {}", t.ref(), silence(t, now), t.nodeId(),
            t.containerId());
        state.driver.queryContainer(t.containerId(), t.nodeId());
      }
    }
  }

  /** The task heartbeated after all: it was only slow (a long GC pause), no verdict. */
  void heard(Task t) {
    silent.remove(t.containerId());
  }

  /** The task a NodeManager answer is about, if it is still current and still silent. */
  Optional<Task> silentTask(ContainerId id) {
    TaskRef ref = silent.remove(id);
    Task t = ref == null ? null : state.tasks.get(ref);
    return t != null && id.equals(t.containerId()) && isSilent(t, state.now()) ? Optional.of(t) : Optional.empty();
  }

  String silence(Task t, long now) {
    return "missed " + state.spec.maxMissedHeartbeats() + " heartbeats (none for " + (now - t.lastHeartbeatMs()) / 1000
        + "s)";
  }

  private boolean isSilent(Task t, long now) {
    return t.state() == TaskState.REGISTERED
        && now - t.lastHeartbeatMs() > state.spec.heartbeatIntervalMs() * state.spec.maxMissedHeartbeats();
  }

  /** A trainer whose step stopped advancing while its launcher still heartbeats has hung: counted. */
  void checkProgress(long now, Failures failures) {
    long timeout = state.spec.progressTimeoutMs();
    if (timeout <= 0) {
      return;
    }
    for (Task t : List.copyOf(state.tasks.values())) {
      if (t.state() == TaskState.REGISTERED && t.lastProgressMs() > 0 && now - t.lastProgressMs() > timeout) {
        String why = "no training progress for " + (now - t.lastProgressMs()) / 1000 + "s (step stuck at " + t.step()
            + ", " + ConfigKeys.TASK_PROGRESS_TIMEOUT + "=" + timeout / 1000 + "s): the trainer hung";
        LOG.warn("task {}: {}", t.ref(), why);
        state.stopContainerOf(t);
        failures.appFailure(t, why);
      }
    }
  }
}
