package org.spindle.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.examples.LogisticRegressionJob;
import org.spindle.training.checkpoint.CheckpointStore;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.RemoteSessions;
import org.tensorflow.Result;
import org.tensorflow.Server;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Real TensorFlow distributed runtime in one JVM: a ps server and a worker server, the example job
 * trained between-graph through a gRPC session, variables proven to live on the ps, and a
 * checkpoint committed to a file:// data lake and restored by a fresh chief.
 */
class PsModeInProcessTest {
  private static TfCluster cluster;
  private static final List<Server> SERVERS = new ArrayList<>();

  @BeforeAll
  static void startServers() throws Exception {
    cluster = new TfCluster(Map.of("ps", List.of("localhost:" + freePort()),
        "worker", List.of("localhost:" + freePort())));
    for (String job : List.of("ps", "worker")) {
      Server s = new Server(cluster.serverDef(job, 0));
      s.start();
      SERVERS.add(s); // TF servers cannot be stopped; they end with the test JVM
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void trainsOnTheParameterServerCheckpointsAndRestores(@TempDir Path tmp) throws Exception {
    Path report = tmp.resolve("report.json");
    Path models = tmp.resolve("models");
    Map<String, String> conf = Map.of("example.steps", "200", "example.report", report.toString(),
        "example.checkpoint-every", "100", "spindle.model.export-dir", models.toUri().toString());
    CheckpointStore store = new CheckpointStore(new Configuration(),
        new org.apache.hadoop.fs.Path(tmp.resolve("lake").toUri()), 2, Clock.systemUTC());
    List<Long> reportedSteps = new ArrayList<>();
    TfTrainContext ctx = new TfTrainContext(new TfTrainContext.Identity("app", "worker", 0, 0, true), cluster,
        "grpc://" + cluster.address("worker", 0), conf, store, Files.createDirectories(tmp.resolve("work")),
        (step, m) -> reportedSteps.add(step), Duration.ofSeconds(30));
    new LogisticRegressionJob().train(ctx);
    ctx.close();

    String json = Files.readString(report);
    float loss = Float.parseFloat(json.replaceAll(".*\"heldout_loss\":([0-9.eE-]+).*\\s*", "$1"));
    assertTrue(loss < 0.35f, "held-out loss " + loss + " should fall well below log(2)=0.69: " + json);
    assertTrue(reportedSteps.contains(200L), "metrics reached the sink: " + reportedSteps);
    assertEquals(200, store.latest().orElseThrow().step());

    // The weights live on the ps: a fresh graph that only names the variable reads them there.
    float[] onPs = new float[LogisticRegressionJob.FEATURES];
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g).withDevice(DeviceSpec.newBuilder().job("ps").task(0).build());
      Variable<TFloat32> w = tf.withName("weights").variable(Shape.of(LogisticRegressionJob.FEATURES, 1),
          TFloat32.class);
      try (Session s = RemoteSessions.create(g, "grpc://" + cluster.address("ps", 0), cluster.sessionConfig("ps", 0))) {
        RemoteSessions.markInitialized(s);
        try (Result r = s.runner().fetch(w).run()) {
          for (int j = 0; j < onPs.length; j++) {
            onPs[j] = ((TFloat32) r.get(0)).getFloat(j, 0);
          }
        }
      }
    }
    assertTrue(json.contains("\"weights\":[" + onPs[0] + ","), "ps holds the trained weights: " + json
        + " vs " + onPs[0]);
    assertTrue(onPs[0] > 0.5f && onPs[1] < -0.5f, "weights point along the planted vector");

    // The exported SavedModel loads in plain local TF (no /job:ps devices) and scores fresh data.
    try (Predictor predictor = Predictor.load(models.resolve("logistic").toUri().toString())) {
      Map<String, org.tensorflow.Tensor> test = LogisticRegressionJob.batch(new java.util.Random(7), 1000);
      double accuracy;
      try (Result r = predictor.predict(Map.of("x", test.get("x")))) {
        accuracy = LogisticRegressionJob.accuracy((TFloat32) r.get("probability").orElseThrow(),
            (TFloat32) test.get("y"));
      } finally {
        test.values().forEach(org.tensorflow.Tensor::close);
      }
      assertTrue(accuracy > 0.9, "accuracy of the exported model: " + accuracy);
    }

    // A restarted chief restores the committed checkpoint and continues from its global step.
    TfTrainContext again = new TfTrainContext(new TfTrainContext.Identity("app", "worker", 0, 1, true), cluster,
        "grpc://" + cluster.address("worker", 0), Map.of("example.steps", "250"), store,
        Files.createDirectories(tmp.resolve("work2")), (step, m) -> reportedSteps.add(step), Duration.ofSeconds(30));
    reportedSteps.clear();
    new LogisticRegressionJob().train(again);
    again.close();
    assertTrue(reportedSteps.get(0) >= 200, "the global step continues from the checkpoint: " + reportedSteps);
    assertEquals(250, store.latest().orElseThrow().step());
    OptionalLong latest = again.latestCheckpointStep();
    assertEquals(250, latest.getAsLong());
  }

  @Test
  void aBusyPortFailsTheServerWithAnError() throws Exception {
    try (ServerSocket busy = new ServerSocket(0)) {
      TfCluster c = new TfCluster(Map.of("worker", List.of("localhost:" + busy.getLocalPort())));
      assertThrows(RuntimeException.class, () -> new Server(c.serverDef("worker", 0)).start());
    }
  }
}
