package org.spindle.am;

import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.spindle.am.task.Task;

/** Builds the launch context (command, env, files, credentials) for one task's container. */
public interface LaunchContextFactory {
  ContainerLaunchContext build(Task task, boolean isChief);
}
