package org.spindle.am;

import org.spindle.task.ClusterSpec;

/**
 * Told whenever the cluster spec of the current attempt changes, and when a task's container ended
 * (the ZooKeeper registry publishes the one and removes the ended task's node for the other).
 */
public interface SpecListener {
  void specChanged(ClusterSpec spec);

  /** A container of task role:index ended; its node, if it is still there, no longer says where the task is. */
  default void containerEnded(String role, int index, String containerId) {}
}
