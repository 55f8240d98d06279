package org.spindle.bench.amscale;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.client.api.async.NMClientAsync;
import org.apache.hadoop.yarn.server.resourcemanager.MockNM;
import org.spindle.am.JobController;
import org.spindle.am.task.Task;
import org.spindle.conf.TaskRef;

/**
 * The NodeManagers' side, simulated above Hadoop's MockNM: each node heartbeats the real ResourceManager
 * once a second and reports every container it runs (RUNNING) and every one that ended (COMPLETE with its
 * exit status), as a NodeManager does. A started container's task registers with the AM as a task
 * launcher would. Containers are killed from outside (exit 137), or stopped by the AM.
 */
final class SimulatedNodeManagers {
  private final Map<NodeId, MockNM> nodes = new ConcurrentHashMap<>();
  private final Map<NodeId, Map<ContainerId, ContainerStatus>> running = new ConcurrentHashMap<>();
  private final Map<NodeId, List<ContainerStatus>> ended = new ConcurrentHashMap<>();
  private final Map<String, Container> byId = new ConcurrentHashMap<>();
  private final ApplicationAttemptId amAttempt;
  private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, "nm-callbacks"));
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
      r -> new Thread(r, "nm-heartbeats"));
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong firstStart = new AtomicLong();
  private final AtomicLong lastStart = new AtomicLong();
  private volatile JobController controller;
  private volatile NMClientAsync.AbstractCallbackHandler handler;

  SimulatedNodeManagers(List<MockNM> mockNms, ApplicationAttemptId amAttempt) {
    for (MockNM nm : mockNms) {
      nodes.put(nm.getNodeId(), nm);
      running.put(nm.getNodeId(), new ConcurrentHashMap<>());
      ended.put(nm.getNodeId(), java.util.Collections.synchronizedList(new ArrayList<>()));
    }
    this.amAttempt = amAttempt;
  }

  void bind(JobController c) {
    this.controller = c;
  }

  /** The launch context a task launcher would read its identity from. */
  static ContainerLaunchContext launchContext(Task t, boolean chief) {
    return ContainerLaunchContext.newInstance(Map.of(), Map.of("ROLE", t.role(), "INDEX", "" + t.index(),
        "ATTEMPT", "" + t.attempt(), "GENERATION", "" + t.generation()), List.of(), null, null, null);
  }

  NMClientAsync client(NMClientAsync.AbstractCallbackHandler h) {
    this.handler = h;
    return new NMClientAsync("simulated-nm", h) {
      @Override
      public void startContainerAsync(Container c, ContainerLaunchContext ctx) {
        long now = System.currentTimeMillis();
        firstStart.compareAndSet(0, now);
        lastStart.set(now);
        started.incrementAndGet();
        byId.put(c.getId().toString(), c);
        running.get(c.getNodeId()).put(c.getId(), ContainerStatus.newInstance(c.getId(), ContainerState.RUNNING, "", 0));
        Map<String, String> env = ctx.getEnvironment();
        callbacks.execute(() -> {
          handler.onContainerStarted(c.getId(), Map.<String, ByteBuffer>of());
          controller.register(new TaskRef(env.get("ROLE"), Integer.parseInt(env.get("INDEX"))),
              Integer.parseInt(env.get("ATTEMPT")), Integer.parseInt(env.get("GENERATION")), c.getNodeId().getHost(),
              Map.of("task", 2222));
        });
      }

      @Override
      public void stopContainerAsync(ContainerId id, NodeId nodeId) {
        end(id, nodeId, ContainerExitStatus.KILLED_BY_APPMASTER, "stopped by the AM");
        callbacks.execute(() -> handler.onContainerStopped(id));
      }

      @Override
      public void getContainerStatusAsync(ContainerId id, NodeId nodeId) {
        ContainerStatus s = running.get(nodeId).get(id);
        callbacks.execute(() -> handler.onContainerStatusReceived(id, s != null ? s
            : ContainerStatus.newInstance(id, ContainerState.COMPLETE, "", ContainerExitStatus.ABORTED)));
      }

      @Override
      public void increaseContainerResourceAsync(Container container) {
      }

      @Override
      public void updateContainerResourceAsync(Container container) {
      }

      @Override
      public void reInitializeContainerAsync(ContainerId id, ContainerLaunchContext ctx, boolean autoCommit) {
      }

      @Override
      public void restartContainerAsync(ContainerId id) {
      }

      @Override
      public void rollbackLastReInitializationAsync(ContainerId id) {
      }

      @Override
      public void commitLastReInitializationAsync(ContainerId id) {
      }
    };
  }

  private void end(ContainerId id, NodeId nodeId, int exit, String diagnostics) {
    if (running.get(nodeId).remove(id) != null) {
      ended.get(nodeId).add(ContainerStatus.newInstance(id, ContainerState.COMPLETE, diagnostics, exit));
    }
  }

  /** kill -9 of a container's process: the NodeManager reports it COMPLETE with exit code 137. */
  void kill(String containerId) {
    Container c = byId.get(containerId);
    end(c.getId(), c.getNodeId(), 137, "killed by SIGKILL");
  }

  /** Every node heartbeats once per round, a round every {@code intervalMs} (a NodeManager's default: 1000). */
  void startHeartbeats(long intervalMs) {
    heartbeats.scheduleWithFixedDelay(() -> {
      rounds.incrementAndGet();
      for (Map.Entry<NodeId, MockNM> e : nodes.entrySet()) {
        List<ContainerStatus> report = new ArrayList<>(running.get(e.getKey()).values());
        List<ContainerStatus> done = ended.get(e.getKey());
        synchronized (done) {
          report.addAll(done);
          done.clear();
        }
        try {
          e.getValue().nodeHeartbeat(report, true);
        } catch (Exception ex) {
          throw new IllegalStateException("NodeManager heartbeat failed: " + e.getKey(), ex);
        }
      }
    }, 0, intervalMs, TimeUnit.MILLISECONDS);
  }

  /** NodeManager heartbeat rounds so far (every node heartbeats once per round). */
  long rounds() {
    return rounds.get();
  }

  int started() {
    return started.get();
  }

  long firstStartMs() {
    return firstStart.get();
  }

  long lastStartMs() {
    return lastStart.get();
  }

  void stop() {
    heartbeats.shutdownNow();
    callbacks.shutdownNow();
  }

  ApplicationAttemptId amAttempt() {
    return amAttempt;
  }
}
