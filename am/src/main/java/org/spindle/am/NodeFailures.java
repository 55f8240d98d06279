package org.spindle.am;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Task failures per node, and which nodes the AM stops asking YARN for (its blacklist), as MapReduce's
 * and Spark's AMs keep them. A node is avoided after {@code maxFailures} failures, but never more than
 * a third of the cluster's nodes are, so a small cluster cannot exclude itself out of capacity (the
 * bound MapReduce's node-blacklisting ignore threshold sets by default). Plain state, owned by the AM's
 * state thread.
 */
final class NodeFailures {
  private final int maxFailures;
  private final Map<String, Integer> failures = new HashMap<>();
  private final Set<String> excluded = new LinkedHashSet<>();

  /** @param maxFailures failures after which a node is avoided; 0 turns avoidance off */
  NodeFailures(int maxFailures) {
    this.maxFailures = maxFailures;
  }

  /** Counts a failure on host; returns the host when the AM should avoid it from now on. */
  Optional<String> record(String host, int clusterNodes) {
    if (maxFailures <= 0 || host == null || host.isEmpty()) {
      return Optional.empty();
    }
    int n = failures.merge(host, 1, Integer::sum);
    if (n < maxFailures || excluded.contains(host) || excluded.size() + 1 > clusterNodes / 3) {
      return Optional.empty();
    }
    excluded.add(host);
    return Optional.of(host);
  }

  int failures(String host) {
    return failures.getOrDefault(host, 0);
  }

  Set<String> excluded() {
    return Set.copyOf(excluded);
  }
}
