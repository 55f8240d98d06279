package org.spindle.client;

import java.util.LinkedHashMap;
import java.util.Map;

/** The job `run --local` runs without --conf: one ps and two GPU workers that read the cluster spec. */
final class DemoJob {
  private DemoJob() {}

  static Map<String, String> keys() {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("spindle.app.name", "spindle-demo");
    k.put("spindle.role.ps.instances", "1");
    k.put("spindle.role.ps.memory", "512");
    k.put("spindle.role.ps.command", "echo \"ps $SPINDLE_INDEX serving on port $SPINDLE_TASK_PORT\"; sleep 600");
    k.put("spindle.role.worker.instances", "2");
    k.put("spindle.role.worker.memory", "768");
    k.put("spindle.role.worker.gpus", "1");
    k.put("spindle.role.worker.command",
        "echo \"worker $SPINDLE_INDEX (chief=$SPINDLE_IS_CHIEF) sees cluster $SPINDLE_CLUSTER_SPEC\"; sleep 3");
    return k;
  }
}
