package org.spindle.am.yarn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.RoleSpec;

/**
 * Decides up front whether the cluster can ever satisfy each role's container, so impossible asks
 * fail in seconds with a message naming the role, the ask and the largest node, instead of
 * pending forever.
 */
public final class AskFeasibility {

  /** A container or node size. gpus is -1 when the cluster does not know yarn.io/gpu. */
  public record Shape(long memoryMb, long vcores, long gpus) {
    @Override
    public String toString() {
      return "<memory:" + memoryMb + " MB, vCores:" + vcores
          + (gpus >= 0 ? ", yarn.io/gpu:" + (gpus == Long.MAX_VALUE ? "unbounded" : gpus) : "") + ">";
    }

    boolean fits(RoleSpec r) {
      return r.memoryMb() <= memoryMb && r.vcores() <= vcores && r.gpus() <= Math.max(gpus, 0);
    }
  }

  /** A node's capacity and labels. */
  public record Node(String id, Shape capacity, Set<String> labels) {}

  private AskFeasibility() {}

  /**
   * @param maxAllocation the RM's maximum container size, or null if unknown
   * @param nodes running nodes, empty if unknown
   * @param knownLabels the cluster's node labels, or null if unknown
   */
  public static List<String> check(Collection<RoleSpec> roles, Shape maxAllocation, List<Node> nodes,
                                   Set<String> knownLabels) {
    List<String> problems = new ArrayList<>();
    for (RoleSpec r : roles) {
      if (r.instances() == 0) {
        continue;
      }
      String ask = "role '" + r.name() + "' asks for " + r.shape();
      if (!r.nodeLabel().isEmpty() && knownLabels != null && !knownLabels.contains(r.nodeLabel())) {
        problems.add(ask + " on node label '" + r.nodeLabel() + "', which the cluster does not have (labels: "
            + knownLabels + "); fix " + ConfigKeys.roleKey(r.name(), ConfigKeys.ROLE_NODE_LABEL));
        continue;
      }
      if (r.gpus() > 0 && maxAllocation != null && maxAllocation.gpus() < 0) {
        problems.add(ask + " but the cluster does not schedule yarn.io/gpu; enable it in resource-types.xml "
            + "with the DominantResourceCalculator, or set " + ConfigKeys.roleKey(r.name(), ConfigKeys.ROLE_GPUS) + "=0");
        continue;
      }
      if (maxAllocation != null && !maxAllocation.fits(r)) {
        problems.add(ask + " but the largest container this cluster allows is " + maxAllocation
            + largestNodeNote(nodes, r) + "; lower the role's " + exceeded(r, maxAllocation)
            + " or raise the scheduler's maximum allocation");
        continue;
      }
      List<Node> eligible = nodes.stream()
          .filter(n -> r.nodeLabel().isEmpty() ? n.labels().isEmpty() : n.labels().contains(r.nodeLabel()))
          .toList();
      if (!nodes.isEmpty() && eligible.stream().noneMatch(n -> n.capacity().fits(r))) {
        problems.add(ask + " but no " + (r.nodeLabel().isEmpty() ? "" : "'" + r.nodeLabel() + "' ")
            + "node is that large" + largestNodeNote(eligible.isEmpty() ? nodes : eligible, r)
            + "; lower the role's " + exceeded(r, largest(eligible.isEmpty() ? nodes : eligible, r).capacity()));
      }
    }
    return problems;
  }

  private static String largestNodeNote(List<Node> nodes, RoleSpec r) {
    if (nodes.isEmpty()) {
      return "";
    }
    Node big = largest(nodes, r);
    return " (largest node " + big.id() + " has " + big.capacity() + ")";
  }

  /** The node closest to fitting: most GPUs if GPUs are asked, else most memory. */
  private static Node largest(List<Node> nodes, RoleSpec r) {
    Node best = nodes.get(0);
    for (Node n : nodes) {
      Shape a = n.capacity();
      Shape b = best.capacity();
      boolean better = r.gpus() > 0
          ? a.gpus() > b.gpus() || (a.gpus() == b.gpus() && a.memoryMb() > b.memoryMb())
          : a.memoryMb() > b.memoryMb() || (a.memoryMb() == b.memoryMb() && a.vcores() > b.vcores());
      if (better) {
        best = n;
      }
    }
    return best;
  }

  private static String exceeded(RoleSpec r, Shape limit) {
    List<String> keys = new ArrayList<>();
    if (r.memoryMb() > limit.memoryMb()) {
      keys.add(ConfigKeys.roleKey(r.name(), ConfigKeys.ROLE_MEMORY));
    }
    if (r.vcores() > limit.vcores()) {
      keys.add(ConfigKeys.roleKey(r.name(), ConfigKeys.ROLE_VCORES));
    }
    if (r.gpus() > Math.max(limit.gpus(), 0)) {
      keys.add(ConfigKeys.roleKey(r.name(), ConfigKeys.ROLE_GPUS));
    }
    return String.join(", ", keys);
  }
}
