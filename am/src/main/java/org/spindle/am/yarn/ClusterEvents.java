package org.spindle.am.yarn;

import java.util.List;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerStatus;

/** What the YARN driver reports back to the policy. Implementations must not block. */
public interface ClusterEvents {
  void onAllocated(List<Container> containers);

  void onCompleted(List<ContainerStatus> statuses);

  void onStarted(ContainerId id);

  void onStartFailed(ContainerId id, Throwable error);

  void onFatalError(Throwable error);

  /**
   * The RM no longer takes this attempt as current (it started a newer attempt after losing this
   * one, or the application was killed): leave everything as it is and exit.
   */
  void onShutdownRequest();

  /** The RM's reports of nodes whose state changed (lost, decommissioned, unhealthy, back). */
  void onNodesUpdated(List<NodeReport> nodes);

  /** A NodeManager's answer to {@link ClusterDriver#queryContainer}. */
  void onContainerStatus(ContainerId id, ContainerState state);

  /** The NodeManager could not be asked about the container (unreachable, or it no longer knows it). */
  void onContainerStatusError(ContainerId id, Throwable error);
}
