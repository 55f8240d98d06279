package org.spindle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.spindle.proto.JobStatusResponse;
import org.spindle.proto.TaskStatus;

/** The progress line: tasks by role and state, then training and feeding figures. */
class JobMonitorTest {
  private static TaskStatus task(String role, int index, String state, long step) {
    return TaskStatus.newBuilder().setRole(role).setIndex(index).setState(state).setStep(step).build();
  }

  @Test
  void summarizesTasksTrainingAndFeeding() {
    JobStatusResponse s = JobStatusResponse.newBuilder().setGangAttempt(1)
        .addTasks(task("spark-driver", 0, "REGISTERED", 0).toBuilder()
            .putMetrics("feed.epoch", 1).putMetrics("feed.partitions-fed", 3).putMetrics("feed.partitions", 8))
        .addTasks(task("worker", 0, "REGISTERED", 120).toBuilder().setRestarts(1)
            .putMetrics("loss", 0.5).putMetrics("examples_per_sec", 1000).putMetrics("feed.rows-read", 4096)
            .putMetrics("feed.epochs-completed", 1))
        .addTasks(task("worker", 1, "REGISTERED", 118).toBuilder()
            .putMetrics("loss", 0.7).putMetrics("examples_per_sec", 500).putMetrics("feed.rows-read", 2048))
        .addTasks(task("ps", 0, "REQUESTED", 0))
        .build();
    assertEquals("tasks: ps 1 REQUESTED | spark-driver 1 REGISTERED | worker 2 REGISTERED | restarts: 1 | gang attempt: 1",
        JobMonitor.summarize(s));
    assertEquals(" | step 120, loss 0.6000, 1500 ex/s, fed 6144 rows (1 epochs done), feeding epoch 1: 3/8 partitions",
        JobMonitor.training(s));
    JobStatusResponse early = JobStatusResponse.newBuilder().addTasks(task("worker", 0, "RUNNING", 0)).build();
    assertEquals("", JobMonitor.training(early), "nothing to say before anyone reports");
  }
}
