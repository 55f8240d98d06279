package org.spindle.am;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeFailuresTest {
  @Test
  void aNodeIsAvoidedAfterMaxFailuresButNeverMoreThanAThirdOfTheCluster() {
    NodeFailures f = new NodeFailures(2);
    assertEquals(Optional.empty(), f.record("a", 6));
    assertEquals(Optional.of("a"), f.record("a", 6), "second failure on a");
    assertEquals(Optional.empty(), f.record("a", 6), "avoided once");
    f.record("b", 6);
    assertEquals(Optional.of("b"), f.record("b", 6));
    f.record("c", 6);
    assertEquals(Optional.empty(), f.record("c", 6), "a third node would exceed 6 / 3 = 2");
    assertEquals(Set.of("a", "b"), f.excluded());
    assertEquals(2, f.failures("c"));
  }

  @Test
  void offByDefaultAndNeverOnAClusterTooSmallToSpareANode() {
    NodeFailures off = new NodeFailures(0);
    for (int i = 0; i < 5; i++) {
      assertEquals(Optional.empty(), off.record("a", 30));
    }
    NodeFailures small = new NodeFailures(1);
    assertEquals(Optional.empty(), small.record("a", 2), "2 nodes: none can be spared");
    assertEquals(Optional.empty(), small.record(null, 30), "a task that never had a node");
  }
}
