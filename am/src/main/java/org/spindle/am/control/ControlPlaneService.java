package org.spindle.am.control;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.spindle.task.ClusterSpec;
import org.spindle.am.JobController;
import org.spindle.am.JobStatusView;
import org.spindle.am.TaskRejectedException;
import org.spindle.am.TaskView;
import org.spindle.conf.TaskRef;
import org.spindle.proto.Ack;
import org.spindle.proto.ClusterSpecRequest;
import org.spindle.proto.ClusterSpecResponse;
import org.spindle.proto.ExitReport;
import org.spindle.proto.HeartbeatRequest;
import org.spindle.proto.HeartbeatResponse;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.RegisterRequest;
import org.spindle.proto.RegisterResponse;
import org.spindle.proto.SpindleControlGrpc;
import org.spindle.proto.StatusReport;
import org.spindle.proto.TaskEndpoint;
import org.spindle.proto.TaskId;
import org.spindle.proto.TaskStatus;

/** The gRPC edge: maps proto messages to {@link JobController} calls and domain errors to gRPC status. */
public final class ControlPlaneService extends SpindleControlGrpc.SpindleControlImplBase {
  private final JobController controller;
  private final java.util.function.Supplier<org.spindle.am.security.TokenRenewal.Versioned> credentials;
  private final long heartbeatIntervalMs;

  private final org.spindle.am.web.MetricsHistory history;

  public ControlPlaneService(JobController controller, long heartbeatIntervalMs) {
    this(controller, heartbeatIntervalMs, null);
  }

  /** With a history, every reported metric is also kept for the tracking UI's charts. */
  public ControlPlaneService(JobController controller, long heartbeatIntervalMs,
                             org.spindle.am.web.MetricsHistory history) {
    this(controller, heartbeatIntervalMs, history, () -> org.spindle.am.security.TokenRenewal.Versioned.INITIAL);
  }

  /** With {@code credentials}: heartbeats hand a task the newest delegation tokens when it holds older ones. */
  public ControlPlaneService(JobController controller, long heartbeatIntervalMs,
                             org.spindle.am.web.MetricsHistory history,
                             java.util.function.Supplier<org.spindle.am.security.TokenRenewal.Versioned> credentials) {
    this.controller = controller;
    this.heartbeatIntervalMs = heartbeatIntervalMs;
    this.history = history;
    this.credentials = credentials;
  }

  private static TaskRef ref(TaskId id) {
    return new TaskRef(id.getRole(), id.getIndex());
  }

  @Override
  public void register(RegisterRequest req, StreamObserver<RegisterResponse> out) {
    TaskId id = req.getTask();
    reply(controller.register(ref(id), id.getAttempt(), id.getGeneration(), req.getHost(), req.getPortsMap()), out,
        inGang -> RegisterResponse.newBuilder().setHeartbeatIntervalMs(heartbeatIntervalMs).setInGang(inGang).build());
  }

  @Override
  public void heartbeat(HeartbeatRequest req, StreamObserver<HeartbeatResponse> out) {
    TaskId id = req.getTask();
    org.spindle.am.security.TokenRenewal.Versioned tokens = credentials.get();
    reply(controller.heartbeat(ref(id), id.getAttempt(), id.getGeneration()), out, stop -> {
      HeartbeatResponse.Builder b = HeartbeatResponse.newBuilder().setStopRequested(stop);
      if (tokens.version() > req.getCredentialsVersion()) {
        b.setCredentialsVersion(tokens.version()).setCredentials(com.google.protobuf.ByteString.copyFrom(tokens.forTasks()));
      }
      return b.build();
    });
  }

  @Override
  public void reportStatus(StatusReport req, StreamObserver<Ack> out) {
    TaskId id = req.getTask();
    controller.reportStatus(ref(id), id.getAttempt(), id.getGeneration(), req.getStep(), req.getMetricsMap());
    if (history != null) {
      history.record(id.getRole() + ":" + id.getIndex(), req.getStep(), req.getMetricsMap());
    }
    out.onNext(Ack.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void reportExit(ExitReport req, StreamObserver<Ack> out) {
    TaskId id = req.getTask();
    controller.reportExit(ref(id), id.getAttempt(), id.getGeneration(), req.getExitCode(), req.getDiagnostics());
    out.onNext(Ack.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void awaitClusterSpec(ClusterSpecRequest req, StreamObserver<ClusterSpecResponse> out) {
    TaskId id = req.getTask();
    reply(controller.awaitClusterSpec(ref(id), id.getAttempt()), out, ControlPlaneService::toProto);
  }

  @Override
  public void getJobStatus(JobStatusRequest req, StreamObserver<JobStatusResponse> out) {
    reply(controller.status(), out, ControlPlaneService::toProto);
  }

  @Override
  public void scaleRole(org.spindle.proto.ScaleRoleRequest req, StreamObserver<org.spindle.proto.ScaleRoleResponse> out) {
    reply(controller.scaleRole(req.getRole(), req.getInstances()), out,
        live -> org.spindle.proto.ScaleRoleResponse.newBuilder().setLive(live).build());
  }

  @Override
  public void stopTask(org.spindle.proto.StopTaskRequest req, StreamObserver<Ack> out) {
    reply(controller.stopTask(new TaskRef(req.getRole(), req.getIndex())), out, stopped -> Ack.getDefaultInstance());
  }

  static ClusterSpecResponse toProto(ClusterSpec spec) {
    ClusterSpecResponse.Builder b = ClusterSpecResponse.newBuilder().setAttempt(spec.attempt())
        .setClusterJson(spec.toJson());
    for (ClusterSpec.Endpoint e : spec.endpoints()) {
      b.addTasks(TaskEndpoint.newBuilder().setRole(e.role()).setIndex(e.index()).setHost(e.host())
          .putAllPorts(e.ports()).setGeneration(e.generation()));
    }
    return b.build();
  }

  static JobStatusResponse toProto(JobStatusView v) {
    JobStatusResponse.Builder b = JobStatusResponse.newBuilder().setState(v.state())
        .setGangAttempt(v.gangAttempt()).setDiagnostics(v.diagnostics());
    for (TaskView t : v.tasks()) {
      b.addTasks(TaskStatus.newBuilder().setRole(t.role()).setIndex(t.index()).setState(t.state())
          .setContainerId(t.containerId()).setHost(t.host()).setRestarts(t.restarts()).setAttempt(t.attempt())
          .setStep(t.step()).putAllMetrics(t.metrics()).putAllPorts(t.ports()).setGeneration(t.generation()));
    }
    return b.build();
  }

  private static <T, R> void reply(CompletableFuture<T> f, StreamObserver<R> out, Function<T, R> map) {
    f.whenComplete((v, err) -> {
      if (err == null) {
        out.onNext(map.apply(v));
        out.onCompleted();
        return;
      }
      Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      Status status;
      if (cause instanceof TaskRejectedException) {
        status = Status.FAILED_PRECONDITION;
      } else if (cause instanceof org.spindle.am.GangBarrierException g && g.isTimeout()) {
        status = Status.DEADLINE_EXCEEDED;
      } else {
        status = Status.ABORTED;
      }
      out.onError(status.withDescription(cause.getMessage()).asRuntimeException());
    });
  }
}
