package org.spindle.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.examples.LogisticRegressionJob;
import org.tensorflow.Server;

/** Two replicas average gradients with CollectiveReduceV2 over TF's gRPC runtime and end identical. */
class AllReduceInProcessTest {
  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void replicasEndWithIdenticalWeightsAndALowLoss(@TempDir Path tmp) throws Exception {
    // the thread pools of 1-vcore containers: the collective must not need more
    TfCluster cluster = new TfCluster(Map.of("worker", List.of("localhost:" + freePort(), "localhost:" + freePort())))
        .withThreads(1, 2);
    for (int i = 0; i < 2; i++) {
      new Server(cluster.serverDef("worker", i, true)).start();
    }
    Path report = tmp.resolve("report.json");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> runs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      int index = i;
      runs.add(pool.submit(() -> {
        TfTrainContext ctx = new TfTrainContext(new TfTrainContext.Identity("app", "worker", index, 0, index == 0, true),
            cluster, "grpc://" + cluster.address("worker", index),
            Map.of("example.steps", "150", "example.report", report.toString()), null,
            Files.createDirectories(tmp.resolve("w" + index)), (s, m) -> { }, Duration.ofSeconds(30));
        new LogisticRegressionJob().train(ctx);
        ctx.close();
        return null;
      }));
    }
    for (Future<?> f : runs) {
      f.get(3, TimeUnit.MINUTES);
    }
    pool.shutdownNow();
    List<String> lines = Files.readAllLines(report);
    assertEquals(2, lines.size(), lines.toString());
    // the same averaged gradients, with Adam's state updates ordered, give the same bits
    assertArrayEquals(LogisticRegressionJob.reportedWeights(lines.get(0)),
        LogisticRegressionJob.reportedWeights(lines.get(1)), "the replicas differ: " + lines);
    float loss = Float.parseFloat(lines.get(0).replaceAll(".*\"heldout_loss\":([0-9.eE-]+).*", "$1"));
    assertTrue(loss < 0.35f, "loss fell: " + loss);
  }
}
