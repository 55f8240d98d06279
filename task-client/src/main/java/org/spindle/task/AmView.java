package org.spindle.task;

import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.spindle.conf.SpindleEnv;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/**
 * The job as the AM sees it, for code inside task containers (the Spark driver finding its
 * workers, executors finding their driver). JDK types only, so code outside spindle.jar can call
 * it whatever the jar relocated.
 */
public final class AmView implements AutoCloseable {
  private final ControlPlaneClient client;

  /** One task: its state, where it runs and the ports it registered. */
  public record TaskInfo(String role, int index, String state, String host, Map<String, Integer> ports,
                         int generation, int attempt, String containerId) {
    public boolean isRunning() {
      return state.equals("RUNNING") || state.equals("REGISTERED");
    }
  }

  public record JobInfo(String state, List<TaskInfo> tasks) {}

  private AmView(ControlPlaneClient client) {
    this.client = client;
  }

  public static AmView fromEnvironment(Map<String, String> env) throws IOException {
    return new AmView(new ControlPlaneClient(env.get(SpindleEnv.AM_ADDRESS), AppSecret.fromCurrentUser(),
        TlsIdentity.fromCurrentUser(), AmLocator.fromEnvironment(env), r -> { }));
  }

  /** The job's state and tasks; throws IOException when the AM cannot be reached. */
  public JobInfo job() throws IOException {
    try {
      JobStatusResponse r = client.call(30, TimeUnit.SECONDS, s -> s.getJobStatus(JobStatusRequest.getDefaultInstance()));
      List<TaskInfo> tasks = new ArrayList<>();
      for (TaskStatus t : r.getTasksList()) {
        tasks.add(new TaskInfo(t.getRole(), t.getIndex(), t.getState(), t.getHost(), Map.copyOf(t.getPortsMap()),
            t.getGeneration(), t.getAttempt(), t.getContainerId()));
      }
      return new JobInfo(r.getState(), tasks);
    } catch (StatusRuntimeException e) {
      throw new IOException("the ApplicationMaster did not answer: " + e.getStatus(), e);
    }
  }

  /** Elastic roles: asks for {@code instances} live tasks of the role; returns how many are live. */
  public int scaleRole(String role, int instances) throws IOException {
    try {
      return client.call(30, TimeUnit.SECONDS, s -> s.scaleRole(org.spindle.proto.ScaleRoleRequest.newBuilder()
          .setRole(role).setInstances(instances).build())).getLive();
    } catch (StatusRuntimeException e) {
      throw new IOException("the ApplicationMaster refused to scale " + role + ": " + e.getStatus(), e);
    }
  }

  /** Elastic roles: stops one task for good. */
  public void stopTask(String role, int index) throws IOException {
    try {
      client.call(30, TimeUnit.SECONDS, s -> s.stopTask(org.spindle.proto.StopTaskRequest.newBuilder()
          .setRole(role).setIndex(index).build()));
    } catch (StatusRuntimeException e) {
      throw new IOException("the ApplicationMaster refused to stop " + role + ":" + index + ": " + e.getStatus(), e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
