package org.spindle.conf;

import java.util.List;
import java.util.Map;

/**
 * Checks, at submit time, the combinations that TensorFlow roles cannot run with, so the job fails
 * with a fix instead of tasks that hang on a stale cluster.
 */
final class TensorFlowRules {
  static final String TF_MAIN_CLASS = "org.spindle.tensorflow.TfTaskMain";

  private TensorFlowRules() {}

  /**
   * The restart mode when the job sets none: gang when the TensorFlow roles form a static cluster (a ps,
   * or allreduce), which a task restarted alone could not rejoin; independent otherwise.
   */
  static RestartMode defaultRestartMode(String mode, Map<String, RoleSpec> roles) {
    List<String> training = trainingRoles(roles);
    boolean hasPs = training.contains("ps") && roles.get("ps").instances() > 0;
    return !training.isEmpty() && (mode.equals("allreduce") || hasPs) ? RestartMode.GANG : RestartMode.INDEPENDENT;
  }

  private static List<String> trainingRoles(Map<String, RoleSpec> roles) {
    return roles.values().stream().filter(r -> r.mainClass().equals(TF_MAIN_CLASS) && !r.name().equals("evaluator"))
        .map(RoleSpec::name).toList();
  }

  static void check(String mode, RestartMode restartMode, Map<String, RoleSpec> roles, List<String> problems) {
    if (!mode.equals("ps") && !mode.equals("allreduce")) {
      problems.add(ConfigKeys.TF_MODE + " must be ps or allreduce, got '" + mode + "'");
      return;
    }
    List<String> training = trainingRoles(roles);
    if (training.isEmpty()) {
      return;
    }
    boolean hasPs = training.contains("ps") && roles.get("ps").instances() > 0;
    if (mode.equals("allreduce") && hasPs) {
      problems.add(ConfigKeys.TF_MODE + "=allreduce trains on the workers only: remove the ps role "
          + "(spindle.role.ps.*) or set " + ConfigKeys.TF_MODE + "=ps");
    }
    // Workers that only read the feed (no ps, PS mode) may restart alone; a real TF cluster may not.
    if ((mode.equals("allreduce") || hasPs) && restartMode != RestartMode.GANG) {
      problems.add("roles " + training + " form a TensorFlow cluster (" + ConfigKeys.TF_MODE + "=" + mode + "), which is "
          + "static: a task restarted alone would not rejoin its peers" + (mode.equals("allreduce")
          ? " and the collective would wait for it forever" : "") + ". Set " + ConfigKeys.APP_RESTART_MODE + "=gang");
    }
  }
}
