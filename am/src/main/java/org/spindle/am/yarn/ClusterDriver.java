package org.spindle.am.yarn;

import java.util.List;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NodeId;

/**
 * The YARN protocol side of the AM: ask, release, start, stop, unregister. It holds no policy;
 * the {@link org.spindle.am.JobController} decides what to call. Implemented for real by
 * {@link YarnClusterDriver} and by fakes in unit tests.
 */
public interface ClusterDriver {
  /** Adds one container request for the role's profile. */
  void requestContainer(ResourceProfiles.Profile profile);

  /** Removes one outstanding request of the profile (after a match, or when it is no longer needed). */
  void cancelRequest(ResourceProfiles.Profile profile);

  /** Gives back an allocated container that was never launched. */
  void releaseContainer(ContainerId id);

  void startContainer(Container container, ContainerLaunchContext context);

  void stopContainer(ContainerId id, NodeId nodeId);

  /** Asks the container's NodeManager for its state; the answer arrives as a {@link ClusterEvents} call. */
  void queryContainer(ContainerId id, NodeId nodeId);

  /** Asks YARN for no more containers on these hosts (the AM's blacklist). */
  void avoidNodes(List<String> hosts);

  /** Nodes in the cluster, as the RM last reported (0 before the first heartbeat). */
  int clusterNodes();

  /** Unregisters from the RM with the final status. */
  void finish(FinalApplicationStatus status, String diagnostics);
}
