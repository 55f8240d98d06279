package org.spindle.client;

import java.util.Locale;
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
import org.spindle.task.ControlPlaneClient;
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
    String lastTraining = "";
    long lastTrainingPrint = 0;
    boolean tty = System.console() != null && out == System.out;
    ControlPlaneClient am = null;
    String amAddress = "";
    int amAttempt = 1;
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
        int attempt = r.getCurrentApplicationAttemptId() == null ? 1 : r.getCurrentApplicationAttemptId().getAttemptId();
        if (attempt != amAttempt) {
          out.println(job.appId() + " ApplicationMaster attempt " + attempt + " took over" + previousAttemptEnd(r));
          amAttempt = attempt;
        }
        String address = r.getHost() + ":" + r.getRpcPort();
        if (lastState == YarnApplicationState.RUNNING && r.getRpcPort() > 0) {
          if (am == null || !address.equals(amAddress)) {
            if (am != null) {
              am.close();
            }
            am = new ControlPlaneClient(address, job.secret(), job.tls());
            amAddress = address;
          }
          JobStatusResponse st = status(am);
          String progress = st == null ? "" : summarize(st);
          String training = st == null ? "" : training(st);
          long now = System.currentTimeMillis();
          if (tty && !progress.isEmpty()) {
            out.print("\r" + progress + training + "   "); // one line, updated in place
          } else if (!progress.isEmpty() && !progress.equals(lastProgress)) {
            out.println(progress + training);
            lastProgress = progress;
            lastTraining = training;
            lastTrainingPrint = now;
          } else if (!training.equals(lastTraining) && now - lastTrainingPrint >= 15_000) {
            out.println(progress + training);
            lastTraining = training;
            lastTrainingPrint = now;
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

  /** ": attempt N ended: <why>" from the RM's report of the attempt before the current one, or "". */
  private String previousAttemptEnd(ApplicationReport r) {
    org.apache.hadoop.yarn.api.records.ApplicationAttemptId current = r.getCurrentApplicationAttemptId();
    try {
      org.apache.hadoop.yarn.api.records.ApplicationAttemptReport prev = yarn.getApplicationAttemptReport(
          org.apache.hadoop.yarn.api.records.ApplicationAttemptId.newInstance(r.getApplicationId(),
              current.getAttemptId() - 1));
      String why = prev.getDiagnostics() == null ? "" : prev.getDiagnostics().strip();
      int cut = why.indexOf('\n');
      return ": attempt " + (current.getAttemptId() - 1) + " ended"
          + (why.isEmpty() ? "" : ": " + (cut > 0 ? why.substring(0, cut) : why));
    } catch (Exception e) {
      return "";
    }
  }

  static JobStatusResponse status(ControlPlaneClient am) {
    try {
      return am.stub(5, TimeUnit.SECONDS).getJobStatus(JobStatusRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      return null;
    }
  }

  /** " | step S, loss L, E ex/s, fed R rows (epochs N)" from the tasks' latest metrics, or "". */
  static String training(JobStatusResponse s) {
    long step = 0;
    double lossSum = 0;
    int losses = 0;
    double examples = 0;
    double fed = 0;
    double epochs = 0;
    String feeding = "";
    for (TaskStatus t : s.getTasksList()) {
      if (!t.getState().equals("REGISTERED")) {
        continue;
      }
      Map<String, Double> dm = t.getMetricsMap();
      if (dm.containsKey("feed.partitions") && dm.containsKey("feed.epoch") && !dm.containsKey("feed.rows")) {
        feeding = String.format(Locale.ROOT, ", feeding epoch %.0f: %.0f/%.0f partitions", dm.get("feed.epoch"),
            dm.getOrDefault("feed.partitions-fed", 0.0), dm.get("feed.partitions"));
      }
      step = Math.max(step, t.getStep());
      Map<String, Double> m = t.getMetricsMap();
      if (m.containsKey("loss")) {
        lossSum += m.get("loss");
        losses++;
      }
      examples += m.getOrDefault("examples_per_sec", 0.0);
      fed += m.getOrDefault("feed.rows-read", 0.0);
      epochs = Math.max(epochs, m.getOrDefault("feed.epochs-completed", 0.0));
    }
    if (losses == 0 && fed == 0) {
      return feeding.isEmpty() ? "" : " |" + feeding.substring(1);
    }
    StringBuilder b = new StringBuilder(" | step ").append(step);
    if (losses > 0) {
      b.append(String.format(Locale.ROOT, ", loss %.4f", lossSum / losses));
    }
    if (examples > 0) {
      b.append(String.format(Locale.ROOT, ", %.0f ex/s", examples));
    }
    if (fed > 0) {
      b.append(String.format(Locale.ROOT, ", fed %.0f rows (%.0f epochs done)", fed, epochs));
    }
    return b.append(feeding).toString();
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
