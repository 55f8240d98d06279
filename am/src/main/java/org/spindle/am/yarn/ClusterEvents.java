package org.spindle.am.yarn;

import java.util.List;
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
}
