package org.spindle.am.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;

class AskFeasibilityTest {
  private static final AskFeasibility.Shape MAX = new AskFeasibility.Shape(8192, 8, Long.MAX_VALUE);
  private static final List<AskFeasibility.Node> NODES = List.of(
      new AskFeasibility.Node("cpu1:1", new AskFeasibility.Shape(6144, 8, 0), Set.of()),
      new AskFeasibility.Node("gpu1:1", new AskFeasibility.Shape(6144, 8, 2), Set.of()));

  private static List<String> check(Map<String, String> keys, AskFeasibility.Shape max, Set<String> labels) {
    JobSpec spec = new JobConfLoader().load(List.of(), keys);
    return AskFeasibility.check(spec.roles().values(), max, NODES, labels);
  }

  @Test
  void feasibleJobPasses() {
    assertEquals(List.of(), check(Map.of("spindle.role.worker.command", "x", "spindle.role.worker.gpus", "2"),
        MAX, Set.of()));
  }

  @Test
  void moreGpusThanAnyNodeNamesRoleAskAndLargestNode() {
    // The RM may report gpu=Long.MAX as the maximum allocation: node reports must still catch it.
    List<String> p = check(Map.of("spindle.role.worker.command", "x", "spindle.role.worker.gpus", "3"), MAX, Set.of());
    assertEquals(1, p.size());
    assertTrue(p.get(0).contains("role 'worker' asks for <1024 MB, 1 vcores, 3 gpu>"), p.get(0));
    assertTrue(p.get(0).contains("largest node gpu1:1 has <memory:6144 MB, vCores:8, yarn.io/gpu:2>"), p.get(0));
    assertTrue(p.get(0).contains("spindle.role.worker.gpus"), p.get(0));
  }

  @Test
  void moreMemoryThanTheMaximumAllocation() {
    List<String> p = check(Map.of("spindle.role.ps.command", "x", "spindle.role.ps.memory", "9000"),
        new AskFeasibility.Shape(8192, 8, 2), Set.of());
    assertTrue(p.get(0).contains("largest container this cluster allows is <memory:8192 MB"), p.get(0));
    assertTrue(p.get(0).contains("spindle.role.ps.memory"), p.get(0));
  }

  @Test
  void unknownNodeLabel() {
    List<String> p = check(Map.of("spindle.role.ps.command", "x", "spindle.role.ps.node-label", "fpga"),
        MAX, Set.of("gpu"));
    assertTrue(p.get(0).contains("node label 'fpga', which the cluster does not have"), p.get(0));
  }

  @Test
  void gpusOnAClusterWithoutGpuScheduling() {
    List<String> p = check(Map.of("spindle.role.w.command", "x", "spindle.role.w.gpus", "1"),
        new AskFeasibility.Shape(8192, 8, -1), Set.of());
    assertTrue(p.get(0).contains("does not schedule yarn.io/gpu"), p.get(0));
  }
}
