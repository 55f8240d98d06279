package org.spindle.launcher;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables other frameworks read to find their peers, derived from the gang's cluster spec, for
 * {@code command} roles that run them (spindle.role.&lt;r&gt;.framework):
 * <ul>
 *   <li>{@code tensorflow}: TF_CONFIG {"cluster": the spec, "task": {"type", "index"}}, which Python TF's
 *   TFConfigClusterResolver reads (MultiWorkerMirroredStrategy, ParameterServerStrategy);</li>
 *   <li>{@code pytorch}: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE as
 *   torchrun sets them for the env:// rendezvous. The world is the gang's tasks of the job's pytorch roles
 *   (a TensorFlow ps in the same gang is not in it). Rank 0 is the first chief (or master) task, then the
 *   roles in the spec's order, index by index; one process per container, so LOCAL_RANK is 0;</li>
 *   <li>{@code none}: nothing.</li>
 * </ul>
 */
final class FrameworkEnv {
  static final List<String> FRAMEWORKS = org.spindle.conf.RoleSpec.FRAMEWORKS;
  private static final Gson GSON = new Gson();

  private FrameworkEnv() {}

  static Map<String, String> of(String framework, String clusterJson, String role, int index,
                                java.util.Set<String> pytorchRoles) {
    Map<String, List<String>> cluster = GSON.fromJson(clusterJson, new TypeToken<LinkedHashMap<String, List<String>>>() {
    }.getType());
    if (framework.equals("pytorch")) {
      cluster.keySet().retainAll(pytorchRoles);
    }
    Map<String, String> env = new LinkedHashMap<>();
    switch (framework) {
      case "tensorflow" -> {
        Map<String, Object> tfConfig = new LinkedHashMap<>();
        tfConfig.put("cluster", cluster);
        tfConfig.put("task", Map.of("type", role, "index", index));
        env.put("TF_CONFIG", GSON.toJson(tfConfig));
      }
      case "pytorch" -> {
        List<String> ranks = new ArrayList<>();
        for (String first : List.of("chief", "master")) {
          ranks.addAll(slots(cluster, first));
        }
        cluster.keySet().stream().filter(r -> !r.equals("chief") && !r.equals("master"))
            .forEach(r -> ranks.addAll(slots(cluster, r)));
        String master = cluster.get(ranks.get(0).split(":")[0]).get(Integer.parseInt(ranks.get(0).split(":")[1]));
        int colon = master.lastIndexOf(':');
        env.put("MASTER_ADDR", master.substring(0, colon));
        env.put("MASTER_PORT", master.substring(colon + 1));
        env.put("RANK", Integer.toString(ranks.indexOf(role + ":" + index)));
        env.put("WORLD_SIZE", Integer.toString(ranks.size()));
        env.put("LOCAL_RANK", "0");
        env.put("LOCAL_WORLD_SIZE", "1");
      }
      case "none" -> { }
      default -> throw new IllegalArgumentException("unknown framework '" + framework + "'; one of " + FRAMEWORKS);
    }
    return env;
  }

  private static List<String> slots(Map<String, List<String>> cluster, String role) {
    List<String> out = new ArrayList<>();
    List<String> addresses = cluster.getOrDefault(role, List.of());
    for (int i = 0; i < addresses.size(); i++) {
      out.add(role + ":" + i);
    }
    return out;
  }
}
