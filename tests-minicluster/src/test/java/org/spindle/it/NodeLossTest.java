package org.spindle.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
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
import org.spindle.training.checkpoint.CheckpointStore;

/**
 * A NodeManager stopped in the middle of training (its own cluster: the node does not come back).
 * Two allreduce workers, each too large to share a node with the other, train with checkpoints;
 * the NodeManager of the worker that is not on the AM's node is stopped. With max-restarts=0 the job
 * must still succeed: the lost worker is not counted, the gang runs again on the nodes left and
 * resumes from the latest checkpoint, and the AM's log says the node was lost.
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
  void aNodeManagerStoppedDuringTrainingDoesNotFailTheJobWithMaxRestartsZero() throws Exception {
    Path lake = mini.work.resolve("lake-" + System.nanoTime());
    Map<String, String> k = new HashMap<>(mini.baseKeys());
    k.put("spindle.container.task-classpath", Path.of(System.getProperty("spindle.tensorflow.lib")).toAbsolutePath() + "/*");
    k.put("spindle.job.class", "org.spindle.examples.LogisticRegressionJob");
    k.put("spindle.checkpoint.dir", lake.toUri().toString());
    k.put("spindle.tensorflow.mode", "allreduce");
    k.put("spindle.app.restart-mode", "gang");
    k.put("spindle.task.registration-timeout", "3m");
    k.put("spindle.role.worker.instances", "2");
    k.put("spindle.role.worker.main-class", "org.spindle.tensorflow.TfTaskMain");
    // 4200 MB: two workers never share an 8192 MB node, so each lives on a node of its own
    k.put("spindle.role.worker.memory", "4200");
    k.put("spindle.role.worker.env.TF_CPP_MIN_LOG_LEVEL", "2");
    k.put("example.steps", "1500");
    k.put("example.step-delay-ms", "15");
    k.put("example.report", mini.newRunsFile("node-loss.report").toString());
    Submitter.Submitted job = mini.client().start(List.of(), k,
        List.of(Path.of(System.getProperty("spindle.examples.jar"))));
    mini.amAddress(job);
    CheckpointStore store = new CheckpointStore(new Configuration(), new org.apache.hadoop.fs.Path(lake.toUri()), 3,
        Clock.systemUTC());
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
        .until(() -> store.latest().map(c -> c.step() >= 100).orElse(false));
    long checkpointed = store.latest().orElseThrow().step();

    // The worker that does not share the AM's node loses its NodeManager.
    String amNode = amNode(job);
    JobStatusResponse st = mini.jobStatus(job);
    String lostNode = null;
    for (int i = 0; i < 2 && lostNode == null; i++) {
      String node = nodeOf(mini.task(st, "worker", i));
      lostNode = node.equals(amNode) ? null : node;
    }
    assertTrue(lostNode != null, "two 4200 MB workers cannot both share the AM's node");
    nodeManager(lostNode).stop();

    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
      JobStatusResponse now = mini.jobStatus(job);
      return now.getGangAttempt() >= 1 && mini.task(now, "worker", 0).getStep() > 0
          && mini.task(now, "worker", 1).getStep() > 0;
    });
    JobStatusResponse after = mini.jobStatus(job);
    for (int i = 0; i < 2; i++) {
      TaskStatus w = mini.task(after, "worker", i);
      assertEquals(0, w.getRestarts(), "a lost node is not counted against the task: " + w);
      assertTrue(w.getStep() >= checkpointed, "worker " + i + " resumed at " + w.getStep() + " < " + checkpointed);
      assertNotEquals(lostNode, nodeOf(w), "worker " + i + " runs on a live node");
    }
    SubmitResult r = mini.await(job);
    assertEquals(FinalApplicationStatus.SUCCEEDED, r.finalStatus(), r.diagnostics());
    String amLog = amLog(job);
    assertTrue(amLog.contains("NODE_LOST"), "the AM's log says the node was lost:\n" + amLog);
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
