package org.spindle.task;

import com.google.gson.Gson;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The assembled endpoints of every gang task for one attempt. */
public record ClusterSpec(int attempt, List<Endpoint> endpoints) {
  /** The port name every task reserves for its main service. */
  public static final String TASK_PORT = "task";

  /** One task's address. */
  public record Endpoint(String role, int index, String host, Map<String, Integer> ports, int generation) {
    public String address() {
      Integer p = ports.get(TASK_PORT);
      if (p == null && !ports.isEmpty()) {
        p = ports.values().iterator().next();
      }
      return host + ":" + (p == null ? 0 : p);
    }
  }

  public ClusterSpec {
    List<Endpoint> sorted = new ArrayList<>(endpoints);
    sorted.sort(Comparator.comparing(Endpoint::role).thenComparingInt(Endpoint::index));
    endpoints = List.copyOf(sorted);
  }

  /** {"role": ["host:port", ...]} with each task at its index, as TF_CONFIG's "cluster" expects. */
  public String toJson() {
    Map<String, List<String>> cluster = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      List<String> addresses = cluster.computeIfAbsent(e.role(), r -> new ArrayList<>());
      while (addresses.size() <= e.index()) {
        addresses.add(null);
      }
      addresses.set(e.index(), e.address());
    }
    return new Gson().toJson(cluster);
  }
}
