package org.spindle.client;

import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.spindle.am.control.ControlPlaneClient;
import org.spindle.proto.JobStatusRequest;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/** Waits for a job, printing one progress line per change: app state, tasks by role and state, restarts. */
public final class JobMonitor {
  private static final EnumSet<YarnApplicationState> DONE =
      EnumSet.of(YarnApplicationState.FINISHED, YarnApplicationState.FAILED, YarnApplicationState.KILLED);

  private final YarnClient yarn;
  private final PrintStream out;
  private final long pollMs;

  public JobMonitor(YarnClient yarn, PrintStream out, long pollMs) {
    this.yarn = yarn;
    this.out = out;
    this.pollMs = pollMs;
  }

  public SubmitResult waitFor(Submitter.Submitted job) throws Exception {
    YarnApplicationState lastState = null;
    String lastProgress = "";
    ControlPlaneClient am = null;
    try {
      while (true) {
        ApplicationReport r = yarn.getApplicationReport(job.appId());
        if (r.getYarnApplicationState() != lastState) {
          lastState = r.getYarnApplicationState();
          out.println(job.appId() + " " + lastState + (lastState == YarnApplicationState.ACCEPTED
              && !r.getDiagnostics().isEmpty() ? " (" + r.getDiagnostics().strip() + ")" : ""));
        }
        if (DONE.contains(lastState)) {
          String diag = r.getDiagnostics() == null ? "" : r.getDiagnostics().strip();
          out.println(job.appId() + " finished: " + r.getFinalApplicationStatus()
              + (diag.isEmpty() ? "" : "\ndiagnostics: " + diag));
          return new SubmitResult(job.appId(), lastState, r.getFinalApplicationStatus(), diag, r.getQueue());
        }
        if (lastState == YarnApplicationState.RUNNING && r.getRpcPort() > 0) {
          if (am == null) {
            am = new ControlPlaneClient(r.getHost() + ":" + r.getRpcPort(), job.secret());
          }
          String progress = progress(am);
          if (!progress.isEmpty() && !progress.equals(lastProgress)) {
            out.println(progress);
            lastProgress = progress;
          }
        }
        Thread.sleep(pollMs);
      }
    } finally {
      if (am != null) {
        am.close();
      }
    }
  }

  static String progress(ControlPlaneClient am) {
    try {
      JobStatusResponse s = am.stub(5, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance());
      return summarize(s);
    } catch (StatusRuntimeException e) {
      return "";
    }
  }

  static String summarize(JobStatusResponse s) {
    Map<String, Map<String, Integer>> byRole = new TreeMap<>();
    int restarts = 0;
    for (TaskStatus t : s.getTasksList()) {
      byRole.computeIfAbsent(t.getRole(), k -> new TreeMap<>()).merge(t.getState(), 1, Integer::sum);
      restarts += t.getRestarts();
    }
    String roles = byRole.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue().entrySet().stream()
            .map(x -> x.getValue() + " " + x.getKey()).collect(Collectors.joining(", ")))
        .collect(Collectors.joining(" | "));
    return "tasks: " + roles + " | restarts: " + restarts + " | gang attempt: " + s.getGangAttempt();
  }
}
