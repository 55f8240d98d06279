package org.spindle.am.yarn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.yarn.api.records.NodeLabel;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.ResourceInformation;
import org.apache.hadoop.yarn.client.api.YarnClient;

/** Reads what {@link AskFeasibility} needs from the ResourceManager. */
public final class ClusterLimits {
  private ClusterLimits() {}

  public static AskFeasibility.Shape shape(Resource r) {
    long gpus = -1;
    for (ResourceInformation ri : r.getResources()) {
      if (ri.getName().equals(ResourceInformation.GPU_URI)) {
        gpus = ri.getValue();
      }
    }
    return new AskFeasibility.Shape(r.getMemorySize(), r.getVirtualCores(), gpus);
  }

  public static List<AskFeasibility.Node> runningNodes(YarnClient yarn) throws Exception {
    List<AskFeasibility.Node> nodes = new ArrayList<>();
    for (NodeReport n : yarn.getNodeReports(NodeState.RUNNING)) {
      Set<String> labels = n.getNodeLabels() == null ? Set.of() : Set.copyOf(n.getNodeLabels());
      nodes.add(new AskFeasibility.Node(n.getNodeId().toString(), shape(n.getCapability()), labels));
    }
    return nodes;
  }

  /** The cluster's node labels, or an empty set when labels are disabled. */
  public static Set<String> labels(YarnClient yarn) {
    try {
      Set<String> out = new HashSet<>();
      for (NodeLabel l : yarn.getClusterNodeLabels()) {
        out.add(l.getName());
      }
      return out;
    } catch (Exception e) {
      return Set.of();
    }
  }
}
