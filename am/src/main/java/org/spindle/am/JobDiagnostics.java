package org.spindle.am;

import java.util.Collection;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.spindle.am.task.Task;
import org.spindle.am.task.TaskState;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.JobSpec;

/** Messages and snapshots derived from the task table; pure functions, no state. */
final class JobDiagnostics {
  private JobDiagnostics() {}

  static String missingFromGang(Collection<Task> tasks, Predicate<Task> inGang) {
    return tasks.stream()
        .filter(t -> inGang.test(t) && t.state() != TaskState.REGISTERED && t.state() != TaskState.SUCCEEDED)
        .map(t -> t.ref() + " (" + t.state() + ")").collect(Collectors.joining(", "));
  }

  static String pendingRoles(Collection<Task> tasks, JobSpec spec) {
    String roles = tasks.stream().filter(t -> t.state() == TaskState.REQUESTED)
        .map(Task::role).distinct().map(r -> r + " " + spec.role(r).shape()).collect(Collectors.joining(", "));
    return roles.isEmpty() ? "" : " (pending requests: " + roles + ")";
  }

  static String allocationTimeout(Map<String, Long> stuckByRole, JobSpec spec) {
    String roles = stuckByRole.entrySet().stream()
        .map(e -> e.getValue() + " '" + e.getKey() + "' container(s) " + spec.role(e.getKey()).shape())
        .collect(Collectors.joining(", "));
    return "waited " + spec.allocationTimeoutMs() / 1000 + "s (" + ConfigKeys.ALLOCATION_TIMEOUT + ") for " + roles
        + " in queue '" + spec.queue() + "'. The queue may be full, or its user limit (CapacityScheduler "
        + "user-limit-factor) may be smaller than the gang; check the queue's capacity and limits";
  }

  static TaskView view(Task t) {
    return new TaskView(t.role(), t.index(), t.state().name(),
        t.containerId() == null ? "" : t.containerId().toString(), t.host(), t.restarts(), t.attempt(),
        t.generation(), t.step(), t.metrics(), t.ports(), t.nodeHttpAddress());
  }
}
