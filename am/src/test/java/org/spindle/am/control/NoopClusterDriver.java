package org.spindle.am.control;

import java.util.List;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.spindle.am.yarn.ClusterDriver;
import org.spindle.am.yarn.ResourceProfiles;

/** A driver that asks YARN for nothing: control-plane tests only need the controller's answers. */
final class NoopClusterDriver implements ClusterDriver {
  public void requestContainer(ResourceProfiles.Profile p) { }
  public void cancelRequest(ResourceProfiles.Profile p) { }
  public void releaseContainer(ContainerId id) { }
  public void startContainer(Container c, ContainerLaunchContext x) { }
  public void stopContainer(ContainerId id, NodeId n) { }
  public void queryContainer(ContainerId id, NodeId n) { }
  public void avoidNodes(List<String> hosts) { }
  public int clusterNodes() { return 0; }
  public void finish(FinalApplicationStatus s, String d) { }
}
