package org.spindle.am;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.am.yarn.ClusterDriver;
import org.spindle.am.yarn.ResourceProfiles;
import org.spindle.conf.JobSpec;
import org.spindle.conf.TaskRef;

/**
 * The job's mutable state: tasks, which container serves which task, the gang attempt. Shared by
 * the controller and its helpers, all of which run on the AM's single state thread.
 */
final class JobState {
  final JobSpec spec;
  final ResourceProfiles profiles;
  final ClusterDriver driver;
  final Clock clock;
  final Map<TaskRef, Task> tasks = new LinkedHashMap<>();
  final Map<ContainerId, TaskRef> containerOwners = new HashMap<>();
  /** Containers the AM stopped or released itself: their completions are not failures. */
  final Set<ContainerId> stoppedByUs = new HashSet<>();
  int gangAttempt;
  long startedMs;

  JobState(JobSpec spec, ClusterDriver driver, Clock clock) {
    this.spec = spec;
    this.profiles = new ResourceProfiles(spec);
    this.driver = driver;
    this.clock = clock;
  }

  long now() {
    return clock.millis();
  }

  boolean isGang(Task t) {
    return spec.role(t.role()).gang();
  }

  boolean isChief(TaskRef ref) {
    return spec.chief().map(ref::equals).orElse(false);
  }

  Optional<Task> ownerTask(ContainerId id) {
    TaskRef ref = containerOwners.get(id);
    return ref == null ? Optional.empty() : Optional.ofNullable(tasks.get(ref));
  }

  Optional<Task> byContainer(ContainerId id) {
    return tasks.values().stream().filter(t -> id.equals(t.containerId())).findFirst();
  }

  void requestContainerFor(Task t) {
    driver.requestContainer(profiles.forRole(t.role()));
  }

  void stopContainerOf(Task t) {
    if (t.containerId() != null && t.state().hasContainer()) {
      stoppedByUs.add(t.containerId());
      containerOwners.remove(t.containerId());
      driver.stopContainer(t.containerId(), t.nodeId());
    }
  }

  /** The task as the caller knows it; a stale attempt or generation is refused. */
  Task current(TaskRef ref, int attempt, int generation) {
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

  /** The task if the caller's attempt and generation are current; reports of stale tasks are dropped. */
  Optional<Task> currentTask(TaskRef ref, int attempt, int generation) {
    Task t = tasks.get(ref);
    return t != null && t.attempt() == attempt && t.generation() == generation ? Optional.of(t) : Optional.empty();
  }

  /** Stops every container and cancels every pending request (the job ended). */
  void stopAll(String why) {
    for (Task t : tasks.values()) {
      if (t.state().hasContainer()) {
        stopContainerOf(t);
        t.transition(TaskState.KILLED, now(), why);
      } else if (t.state() == TaskState.REQUESTED) {
        driver.cancelRequest(profiles.forRole(t.role()));
        t.transition(TaskState.KILLED, now(), why);
      }
    }
  }

  void release(ContainerId id) {
    stoppedByUs.add(id);
    driver.releaseContainer(id);
  }
}
