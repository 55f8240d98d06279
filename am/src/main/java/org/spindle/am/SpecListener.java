package org.spindle.am;

import org.spindle.task.ClusterSpec;
/** Told whenever the cluster spec of the current attempt changes (the ZooKeeper registry publishes it). */
public interface SpecListener {
  void specChanged(ClusterSpec spec);
}
