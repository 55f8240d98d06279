package org.spindle.am;

/** Told whenever the cluster spec of the current attempt changes (the ZooKeeper registry publishes it). */
public interface SpecListener {
  void specChanged(ClusterSpec spec);
}
