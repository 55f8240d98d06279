package org.spindle.am.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.util.resource.ResourceUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;

class ResourceProfilesTest {
  @BeforeAll
  static void gpuType() {
    Configuration c = new Configuration(false);
    c.set("yarn.resource-types", "yarn.io/gpu");
    ResourceUtils.resetResourceTypes(c);
  }

  @Test
  void everyRoleGetsItsOwnShapePriorityAndRequestId() {
    JobSpec spec = new JobConfLoader().load(List.of(), Map.of(
        "spindle.role.ps.command", "x", "spindle.role.ps.memory", "512",
        "spindle.role.worker.command", "x", "spindle.role.worker.memory", "1024", "spindle.role.worker.vcores", "2",
        "spindle.role.worker.gpus", "1", "spindle.role.worker.node-label", "gpu",
        "spindle.role.spark-executor.command", "x", "spindle.role.spark-executor.memory", "768"));
    ResourceProfiles p = new ResourceProfiles(spec);
    ResourceProfiles.Profile ps = p.forRole("ps");
    ResourceProfiles.Profile worker = p.forRole("worker");
    ResourceProfiles.Profile exec = p.forRole("spark-executor");
    assertNotEquals(ps.priority(), worker.priority());
    assertNotEquals(worker.allocationRequestId(), exec.allocationRequestId());
    Resource w = worker.toResource();
    assertEquals(1024, w.getMemorySize());
    assertEquals(2, w.getVirtualCores());
    assertEquals(1, w.getResourceValue("yarn.io/gpu"));
    assertEquals(0, ps.toResource().getResourceValue("yarn.io/gpu"));
    assertEquals("gpu", worker.nodeLabel());
    assertEquals("worker", p.forAllocationRequestId(worker.allocationRequestId()).role());
    assertEquals("spark-executor", p.forPriority(exec.priority()).role());
    assertNull(p.forAllocationRequestId(99));
  }
}
