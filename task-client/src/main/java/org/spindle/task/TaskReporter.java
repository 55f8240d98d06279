package org.spindle.task;

import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.conf.SpindleEnv;
import org.spindle.proto.StatusReport;
import org.spindle.proto.TaskId;

/**
 * Lets a task's own process (the user's code) report metrics to the AM. Its API uses only JDK
 * types, so code outside spindle.jar can call it whatever the jar relocated.
 */
public final class TaskReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskReporter.class);
  private final ControlPlaneClient client;
  private final TaskId id;

  private TaskReporter(ControlPlaneClient client, TaskId id) {
    this.client = client;
    this.id = id;
  }

  /** Built from the container's environment and credentials. */
  public static TaskReporter fromEnvironment(Map<String, String> env) throws IOException {
    TaskId id = TaskId.newBuilder().setRole(env.get(SpindleEnv.ROLE))
        .setIndex(Integer.parseInt(env.get(SpindleEnv.INDEX)))
        .setAttempt(Integer.parseInt(env.get(SpindleEnv.ATTEMPT)))
        .setGeneration(Integer.parseInt(env.get(SpindleEnv.GENERATION))).build();
    return new TaskReporter(new ControlPlaneClient(env.get(SpindleEnv.AM_ADDRESS), AppSecret.fromCurrentUser(),
        TlsIdentity.fromCurrentUser(), AmLocator.fromEnvironment(env), r -> { }), id);
  }

  public void reportMetrics(long step, Map<String, Double> metrics) {
    try {
      StatusReport report = StatusReport.newBuilder().setTask(id).setStep(step).putAllMetrics(metrics).build();
      client.call(10, TimeUnit.SECONDS, s -> s.reportStatus(report));
    } catch (StatusRuntimeException e) {
      LOG.warn("could not report metrics of step {}: {}", step, e.getStatus());
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
