package org.spindle.am.task;

import java.util.Map;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.conf.TaskRef;

/** One task of one role. Mutated only on the AM's state thread. */
public final class Task {
  private static final Logger LOG = LoggerFactory.getLogger(Task.class);

  private final TaskRef ref;
  private TaskState state = TaskState.REQUESTED;
  private long stateSinceMs;
  private int attempt;
  private int generation;
  private int restarts;
  private ContainerId containerId;
  private NodeId nodeId;
  private String host = "";
  private Map<String, Integer> ports = Map.of();
  private long lastHeartbeatMs;
  private long step;
  private Map<String, Double> metrics = Map.of();
  private String lastDiagnostics = "";

  public Task(TaskRef ref, long nowMs) {
    this.ref = ref;
    this.stateSinceMs = nowMs;
  }

  /** A task as a previous ApplicationMaster attempt saved it. */
  public static Task restore(org.spindle.am.recovery.JobSnapshot.TaskSnapshot s, long nowMs) {
    Task t = new Task(new TaskRef(s.role(), s.index()), nowMs);
    t.state = TaskState.valueOf(s.state());
    t.attempt = s.attempt();
    t.generation = s.generation();
    t.restarts = s.restarts();
    t.containerId = s.containerId().isEmpty() ? null : ContainerId.fromString(s.containerId());
    t.nodeId = s.nodeId().isEmpty() ? null : NodeId.fromString(s.nodeId());
    t.nodeHttpAddress = s.nodeHttpAddress();
    t.host = s.host();
    t.ports = Map.copyOf(s.ports());
    t.lastHeartbeatMs = nowMs; // a grace period to find the new AM
    return t;
  }

  /** What a new ApplicationMaster attempt needs to know about this task. */
  public org.spindle.am.recovery.JobSnapshot.TaskSnapshot snapshot() {
    return new org.spindle.am.recovery.JobSnapshot.TaskSnapshot(ref.role(), ref.index(), state.name(), attempt,
        generation, restarts, containerId == null ? "" : containerId.toString(), nodeId == null ? "" : nodeId.toString(),
        nodeHttpAddress, host, ports);
  }

  public void transition(TaskState target, long nowMs, String why) {
    if (state == target) {
      return;
    }
    if (!state.canMoveTo(target)) {
      throw new IllegalStateException("task " + ref + ": illegal transition " + state + " -> " + target + " (" + why + ")");
    }
    LOG.info("task {} (attempt {}, generation {}): {} -> {} ({})", ref, attempt, generation, state, target, why);
    state = target;
    stateSinceMs = nowMs;
  }

  /** Back to REQUESTED for a new container, forgetting the old one. */
  public void resetForRestart(long nowMs, int newAttempt, int newGeneration, String why) {
    transition(TaskState.REQUESTED, nowMs, why);
    attempt = newAttempt;
    generation = newGeneration;
    containerId = null;
    nodeId = null;
    host = "";
    ports = Map.of();
    step = 0;
    lastProgressMs = 0;
    metrics = Map.of();
  }

  public void assign(ContainerId id, NodeId node) {
    this.containerId = id;
    this.nodeId = node;
  }

  private String nodeHttpAddress = "";

  /** The NodeManager's web address (for container log links). */
  public void nodeHttpAddress(String address) {
    this.nodeHttpAddress = address == null ? "" : address;
  }

  public String nodeHttpAddress() {
    return nodeHttpAddress;
  }

  public void registered(String host, Map<String, Integer> ports, long nowMs) {
    this.host = host;
    this.ports = Map.copyOf(ports);
    this.lastHeartbeatMs = nowMs;
  }

  public TaskRef ref() { return ref; }
  public String role() { return ref.role(); }
  public int index() { return ref.index(); }
  public TaskState state() { return state; }
  public long stateSinceMs() { return stateSinceMs; }
  public int attempt() { return attempt; }
  public int generation() { return generation; }
  public int restarts() { return restarts; }
  public void countRestart() { restarts++; }
  public ContainerId containerId() { return containerId; }
  public NodeId nodeId() { return nodeId; }
  public String host() { return host; }
  public Map<String, Integer> ports() { return ports; }
  public long lastHeartbeatMs() { return lastHeartbeatMs; }
  public void heartbeat(long nowMs) { lastHeartbeatMs = nowMs; }
  public long step() { return step; }
  public Map<String, Double> metrics() { return metrics; }
  /** The task's latest metrics; a step beyond the previous one is progress. */
  public void metrics(long step, Map<String, Double> metrics, long nowMs) {
    if (step > this.step) {
      lastProgressMs = nowMs;
    }
    this.step = step;
    this.metrics = Map.copyOf(metrics);
  }

  private long lastProgressMs;

  /** When the step last advanced (0 before the first step). */
  public long lastProgressMs() { return lastProgressMs; }
  public String lastDiagnostics() { return lastDiagnostics; }
  public void lastDiagnostics(String d) { lastDiagnostics = d == null ? "" : d; }
}
