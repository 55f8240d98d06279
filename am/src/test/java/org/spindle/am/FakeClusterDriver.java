package org.spindle.am;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.api.records.Priority;
import org.apache.hadoop.yarn.api.records.Resource;
import org.spindle.am.yarn.ClusterDriver;
import org.spindle.am.yarn.ResourceProfiles;

/** Records what the policy asked YARN to do and hands out containers on demand. */
final class FakeClusterDriver implements ClusterDriver {
  static final ApplicationAttemptId ATTEMPT =
      ApplicationAttemptId.newInstance(ApplicationId.newInstance(1_700_000_000_000L, 7), 1);

  final Map<String, Integer> outstanding = new HashMap<>();
  final List<ContainerId> released = new ArrayList<>();
  final List<ContainerId> stopped = new ArrayList<>();
  final List<ContainerId> queried = new ArrayList<>();
  final Map<ContainerId, ContainerLaunchContext> started = new HashMap<>();
  final Map<String, ResourceProfiles.Profile> profiles = new HashMap<>();
  FinalApplicationStatus finalStatus;
  String finalDiagnostics;
  private long nextId = 1;

  @Override
  public void requestContainer(ResourceProfiles.Profile p) {
    profiles.put(p.role(), p);
    outstanding.merge(p.role(), 1, Integer::sum);
  }

  @Override
  public void cancelRequest(ResourceProfiles.Profile p) {
    outstanding.merge(p.role(), -1, Integer::sum);
  }

  @Override
  public void releaseContainer(ContainerId id) {
    released.add(id);
  }

  @Override
  public void startContainer(Container c, ContainerLaunchContext ctx) {
    started.put(c.getId(), ctx);
  }

  @Override
  public void stopContainer(ContainerId id, NodeId nodeId) {
    stopped.add(id);
  }

  @Override
  public void queryContainer(ContainerId id, NodeId nodeId) {
    queried.add(id);
  }

  final List<String> avoided = new ArrayList<>();
  int clusterNodes = 3;

  @Override
  public void avoidNodes(List<String> hosts) {
    avoided.addAll(hosts);
  }

  @Override
  public int clusterNodes() {
    return clusterNodes;
  }

  @Override
  public void finish(FinalApplicationStatus status, String diagnostics) {
    finalStatus = status;
    finalDiagnostics = diagnostics;
  }

  int outstanding(String role) {
    return outstanding.getOrDefault(role, 0);
  }

  /** A container as the RM would allocate it for the role's request. */
  Container container(String role) {
    ResourceProfiles.Profile p = profiles.get(role);
    Container c = Container.newInstance(ContainerId.newContainerId(ATTEMPT, nextId++),
        NodeId.newInstance("node" + (nextId % 3), 8041), "node:8042", p.toResource(), p.toPriority(), null);
    c.setAllocationRequestId(p.allocationRequestId());
    return c;
  }

  static Container containerWithUnknownId(long requestId) {
    Container c = Container.newInstance(ContainerId.newContainerId(ATTEMPT, 9999), NodeId.newInstance("n", 1), "n:2",
        Resource.newInstance(128, 1), Priority.newInstance(99), null);
    c.setAllocationRequestId(requestId);
    return c;
  }

  static ContainerStatus exit(ContainerId id, int code) {
    return ContainerStatus.newInstance(id, ContainerState.COMPLETE, "diag", code);
  }
}
