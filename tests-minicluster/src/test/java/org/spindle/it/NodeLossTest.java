package org.spindle.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.client.SubmitResult;
import org.spindle.client.Submitter;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/**
 * A NodeManager stopped under a running job (its own cluster: the node does not come back). Two
 * workers, each too large to share a node with the other, run in independent restart mode; the
 * NodeManager of the worker that is not on the AM's node is stopped. With max-restarts=0 the job must
 * still succeed: the lost worker runs again on a live node without being counted, the other is left
 * alone, and the AM's log names the lost node. (With TensorFlow's gang the surviving peer fails too,
 * often before the AM hears of the node; the AM then asks the peers' NodeManagers before counting,
 * which JobControllerTest covers; a NodeManager stopped gracefully still answers while it shuts
 * down, so this cluster cannot show that case reliably.)
 */
class NodeLossTest {
  private static MiniClusterSupport mini;

  @BeforeAll
  static void startCluster() throws Exception {
    mini = new MiniClusterSupport("NodeLossTest");
  }

  @AfterAll
  static void stopCluster() {
    if (mini != null) {
      mini.close();
    }
  }

  @Test
  void aNodeManagerStoppedUnderARunningJobDoesNotFailItWithMaxRestartsZero() throws Exception {
    Path runs = mini.newRunsFile("node-loss.runs");
    Path done = mini.newRunsFile("node-loss.done");
    Map<String, String> k = new HashMap<>(mini.baseKeys());
    k.put("spindle.role.worker.instances", "2");
    // 4200 MB: two workers never share an 8192 MB node, so each lives on a node of its own
    k.put("spindle.role.worker.memory", "4200");
    k.put("spindle.role.worker.command", "echo \"worker $SPINDLE_INDEX $SPINDLE_GENERATION\" >> " + runs
        + "; for i in $(seq 1800); do [ -f " + done + " ] && exit 0; sleep 0.1; done; exit 1");
    Submitter.Submitted job = mini.start(k);
    mini.amAddress(job);
    await().atMost(Duration.ofMinutes(2)).until(() -> mini.jobStatus(job).getTasksList().stream()
        .filter(t -> t.getRole().equals("worker")).allMatch(t -> t.getState().equals("REGISTERED")));

    // The worker that does not share the AM's node loses its NodeManager.
    String amNode = amNode(job);
    JobStatusResponse st = mini.jobStatus(job);
    String lostNode = null;
    int victim = -1;
    for (int i = 0; i < 2 && lostNode == null; i++) {
      String node = nodeOf(mini.task(st, "worker", i));
      if (!node.equals(amNode)) {
        lostNode = node;
        victim = i;
      }
    }
    assertTrue(lostNode != null, "two 4200 MB workers cannot both share the AM's node");
    nodeManager(lostNode).stop();

    int lost = victim;
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
      TaskStatus w = mini.task(mini.jobStatus(job), "worker", lost);
      return w.getGeneration() >= 1 && w.getState().equals("REGISTERED");
    });
    TaskStatus moved = mini.task(mini.jobStatus(job), "worker", lost);
    assertEquals(0, moved.getRestarts(), "a lost node is not counted against the task: " + moved);
    assertNotEquals(lostNode, nodeOf(moved), "the worker runs on a live node");
    assertEquals(0, mini.task(mini.jobStatus(job), "worker", 1 - lost).getGeneration(), "the other worker stayed");
    Files.createFile(done);
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    assertTrue(MiniClusterSupport.lines(runs).contains("worker " + lost + " 1"), MiniClusterSupport.lines(runs).toString());
    String amLog = amLog(job);
    assertTrue(amLog.contains("NODE_LOST") && amLog.contains(lostNode), "the AM's log names the lost node:\n" + amLog);
  }

  /** The NodeManager (host:port) running the task's current container, as the RM reports it. */
  private static String nodeOf(TaskStatus t) throws Exception {
    try (YarnClient y = mini.cluster.yarnClient()) {
      return y.getContainerReport(org.apache.hadoop.yarn.api.records.ContainerId.fromString(t.getContainerId()))
          .getAssignedNode().toString();
    }
  }

  private static String amNode(Submitter.Submitted job) throws Exception {
    try (YarnClient y = mini.cluster.yarnClient()) {
      ApplicationReport app = y.getApplicationReport(job.appId());
      return y.getContainerReport(y.getApplicationAttemptReport(app.getCurrentApplicationAttemptId())
          .getAMContainerId()).getAssignedNode().toString();
    }
  }

  private static NodeManager nodeManager(String nodeId) {
    List<NodeManager> all = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      all.add(mini.cluster.yarn().getNodeManager(i));
    }
    all.add(mini.cluster.gpuNode());
    return all.stream().filter(n -> n.getNMContext().getNodeId().toString().equals(nodeId)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no NodeManager " + nodeId));
  }

  private static String amLog(Submitter.Submitted job) throws Exception {
    try (Stream<Path> files = Files.walk(mini.work.resolve("cluster"))) {
      Path log = files.filter(p -> p.getFileName().toString().equals("stderr")
          && p.getParent().getFileName().toString().endsWith("_01_000001")
          && p.toString().contains(job.appId().toString())).findFirst().orElseThrow();
      return Files.readString(log);
    }
  }
}
