package org.spindle.am.yarn;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.protocolrecords.RegisterApplicationMasterResponse;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.UpdatedContainer;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.client.api.async.AMRMClientAsync;
import org.apache.hadoop.yarn.client.api.async.NMClientAsync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Talks YARN: register, ask, release, launch, stop, unregister. All decisions are made elsewhere. */
public final class YarnClusterDriver implements ClusterDriver, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(YarnClusterDriver.class);
  static final int FAST_HEARTBEAT_MS = 200;
  static final int SLOW_HEARTBEAT_MS = 1000;

  private final AMRMClientAsync<ContainerRequest> rm;
  private final NMClientAsync nm;
  private final Map<Long, Deque<ContainerRequest>> outstanding = new ConcurrentHashMap<>();
  private final AtomicInteger pending = new AtomicInteger();
  /** Containers this attempt asked an NM to start; others were adopted from an earlier attempt. */
  private final java.util.Set<ContainerId> startedHere = ConcurrentHashMap.newKeySet();
  private volatile ClusterEvents events;

  public YarnClusterDriver(Configuration conf, YarnClientFactories.AmRmClientFactory rmFactory,
                           YarnClientFactories.NmClientFactory nmFactory) {
    this.rm = rmFactory.create(SLOW_HEARTBEAT_MS, new RmHandler());
    this.nm = nmFactory.create(new NmHandler());
    rm.init(conf);
    nm.init(nmClientConf(conf));
  }

  /**
   * The AM's own NM client connection retries: when a task stops heartbeating the AM asks its
   * NodeManager about the container, and a dead node must answer "unreachable" in about half a minute,
   * not after YARN's default of three minutes (measured: 195 s after the last heartbeat). Applied to
   * this client only; the cluster's value stays in force for everything else.
   */
  static Configuration nmClientConf(Configuration conf) {
    Configuration c = new Configuration(conf);
    c.setLong("yarn.client.nodemanager-connect.max-wait-ms", NM_CONNECT_MAX_WAIT_MS);
    c.setLong("yarn.client.nodemanager-connect.retry-interval-ms", 5_000);
    return c;
  }

  static final long NM_CONNECT_MAX_WAIT_MS = 30_000;

  public void bind(ClusterEvents events) {
    this.events = events;
  }

  public RegisterApplicationMasterResponse start(String host, int port, String trackingUrl) throws Exception {
    rm.start();
    nm.start();
    return rm.registerApplicationMaster(host, port, trackingUrl);
  }

  @Override
  public void requestContainer(ResourceProfiles.Profile p) {
    ContainerRequest.ContainerRequestBuilder b = ContainerRequest.newBuilder()
        .capability(p.toResource())
        .priority(p.toPriority())
        .allocationRequestId(p.allocationRequestId())
        .relaxLocality(true);
    if (!p.nodeLabel().isEmpty()) {
      b.nodeLabelsExpression(p.nodeLabel());
    }
    ContainerRequest req = b.build();
    outstanding.computeIfAbsent(p.allocationRequestId(), k -> new ArrayDeque<>()).add(req);
    rm.addContainerRequest(req);
    adjustHeartbeat(pending.incrementAndGet());
  }

  @Override
  public void cancelRequest(ResourceProfiles.Profile p) {
    Deque<ContainerRequest> q = outstanding.get(p.allocationRequestId());
    ContainerRequest req = q == null ? null : q.poll();
    if (req != null) {
      rm.removeContainerRequest(req);
      adjustHeartbeat(pending.decrementAndGet());
    }
  }

  @Override
  public void releaseContainer(ContainerId id) {
    rm.releaseAssignedContainer(id);
  }

  @Override
  public void startContainer(Container container, ContainerLaunchContext context) {
    startedHere.add(container.getId());
    nm.startContainerAsync(container, context);
  }

  /**
   * NMClientAsync stops only containers it started itself; a container adopted from an earlier AM
   * attempt is released instead, and the RM has its NodeManager kill it.
   */
  @Override
  public void stopContainer(ContainerId id, NodeId nodeId) {
    if (startedHere.remove(id)) {
      nm.stopContainerAsync(id, nodeId);
    } else {
      rm.releaseAssignedContainer(id);
    }
  }

  @Override
  public void queryContainer(ContainerId id, NodeId nodeId) {
    nm.getContainerStatusAsync(id, nodeId);
  }

  @Override
  public void avoidNodes(List<String> hosts) {
    rm.updateBlacklist(hosts, List.of());
  }

  @Override
  public int clusterNodes() {
    return rm.getClusterNodeCount();
  }

  @Override
  public void finish(FinalApplicationStatus status, String diagnostics) {
    try {
      rm.unregisterApplicationMaster(status, diagnostics, null);
      LOG.info("unregistered from the ResourceManager: {}", status);
    } catch (Exception e) {
      LOG.error("failed to unregister from the ResourceManager", e);
    }
  }

  private void adjustHeartbeat(int pendingNow) {
    rm.setHeartbeatInterval(pendingNow > 0 ? FAST_HEARTBEAT_MS : SLOW_HEARTBEAT_MS);
  }

  @Override
  public void close() {
    try {
      nm.stop();
    } finally {
      rm.stop();
    }
  }

  private final class RmHandler extends AMRMClientAsync.AbstractCallbackHandler {
    @Override
    public void onContainersAllocated(List<Container> containers) {
      events.onAllocated(containers);
    }

    @Override
    public void onContainersCompleted(List<ContainerStatus> statuses) {
      events.onCompleted(statuses);
    }

    @Override
    public void onContainersUpdated(List<UpdatedContainer> containers) {
      // container resizing is not used
    }

    @Override
    public void onShutdownRequest() {
      events.onShutdownRequest();
    }

    @Override
    public void onNodesUpdated(List<NodeReport> updatedNodes) {
      for (NodeReport n : updatedNodes) {
        LOG.info("node {} is {}{}", n.getNodeId(), n.getNodeState(),
            n.getHealthReport() == null || n.getHealthReport().isBlank() ? "" : ": " + n.getHealthReport());
      }
      events.onNodesUpdated(updatedNodes);
    }

    @Override
    public float getProgress() {
      return 0.5f;
    }

    @Override
    public void onError(Throwable e) {
      events.onFatalError(e);
    }
  }

  private final class NmHandler extends NMClientAsync.AbstractCallbackHandler {
    @Override
    public void onContainerStarted(ContainerId id, Map<String, ByteBuffer> serviceData) {
      events.onStarted(id);
    }

    @Override
    public void onContainerStatusReceived(ContainerId id, ContainerStatus status) {
      events.onContainerStatus(id, status.getState());
    }

    @Override
    public void onContainerStopped(ContainerId id) {
      LOG.debug("container {} stopped", id);
    }

    @Override
    public void onStartContainerError(ContainerId id, Throwable t) {
      events.onStartFailed(id, t);
    }

    @Override
    public void onContainerResourceIncreased(ContainerId id, Resource resource) {
    }

    @Override
    public void onContainerResourceUpdated(ContainerId id, Resource resource) {
    }

    @Override
    public void onGetContainerStatusError(ContainerId id, Throwable t) {
      events.onContainerStatusError(id, t);
    }

    @Override
    public void onIncreaseContainerResourceError(ContainerId id, Throwable t) {
    }

    @Override
    public void onUpdateContainerResourceError(ContainerId id, Throwable t) {
    }

    @Override
    public void onStopContainerError(ContainerId id, Throwable t) {
      LOG.debug("stopping container {} failed (it may have exited already): {}", id, t.toString());
    }
  }
}
