package org.spindle.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/** Thread pools sized from the role's vcores, in the server's and the sessions' config. */
class TfClusterTest {
  @Test
  void threadPoolsFollowTheVcoresUnlessConfigured() {
    assertArrayEquals(new int[] {1, 2}, TfCluster.threads(0, 0, 1), "1 vcore: 1 intra-op, inter-op at least 2");
    assertArrayEquals(new int[] {4, 4}, TfCluster.threads(0, 0, 4));
    assertArrayEquals(new int[] {0, 0}, TfCluster.threads(-1, -1, 4), "-1: TensorFlow's default (every core)");
    assertArrayEquals(new int[] {3, 1}, TfCluster.threads(3, 1, 4), "explicit values win");
  }

  @Test
  void serversAndSessionsGetTheThreadPools() {
    TfCluster c = new TfCluster(Map.of("ps", List.of("h:1"), "worker", List.of("h:2", "h:3"))).withThreads(1, 2);
    ConfigProto server = c.serverDef("worker", 1, true).getDefaultSessionConfig();
    assertEquals(1, server.getIntraOpParallelismThreads());
    assertEquals(2, server.getInterOpParallelismThreads());
    assertEquals("/job:worker/replica:0/task:0", server.getExperimental().getCollectiveGroupLeader());
    ConfigProto session = c.sessionConfig("worker", 1);
    assertEquals(List.of("/job:worker/task:1", "/job:ps"), session.getDeviceFiltersList());
    assertEquals(1, session.getIntraOpParallelismThreads());
    assertEquals(0, new TfCluster(Map.of("worker", List.of("h:2"))).sessionConfig("worker", 0)
        .getIntraOpParallelismThreads(), "unset: TensorFlow's default");
  }
}
