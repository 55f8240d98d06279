package org.spindle.am.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.spindle.am.JobStatusView;
import org.spindle.am.TaskView;

/** /metrics from a job snapshot: one line per task and role, values as the tasks reported them. */
class PrometheusMetricsTest {
  private static TaskView task(String role, int index, String state, int restarts, long step,
                               Map<String, Double> metrics) {
    return new TaskView(role, index, state, "container_1_0001_01_00000" + index, "h", restarts, 0, 0, step, metrics,
        Map.of(), "h:8042");
  }

  @Test
  void everyScrapeReadsTheJobNow() throws Exception {
    AtomicReference<JobStatusView> job = new AtomicReference<>(new JobStatusView("RUNNING", 1, List.of(
        task("worker", 0, "REGISTERED", 2, 120, Map.of("loss", 0.5, "examples_per_sec", 1000.0, "feed.rows-read",
            4096.0, "feed.buffered-bytes", 1024.0)),
        task("worker", 1, "RUNNING", 0, 0, Map.of()),
        task("ps", 0, "REGISTERED", 0, 0, Map.of())), ""));
    PrometheusMetrics m = new PrometheusMetrics(job::get);
    String text = new String(m.scrape(), StandardCharsets.UTF_8);
    for (String line : List.of(
        "# TYPE spindle_tasks gauge",
        "spindle_tasks{role=\"ps\",state=\"REGISTERED\"} 1.0",
        "spindle_tasks{role=\"worker\",state=\"REGISTERED\"} 1.0",
        "spindle_tasks{role=\"worker\",state=\"RUNNING\"} 1.0",
        "spindle_gang_attempt 1.0",
        "spindle_job_running 1.0",
        "# TYPE spindle_task_restarts_total counter",
        "spindle_task_restarts_total{index=\"0\",role=\"worker\"} 2.0",
        "spindle_task_step{index=\"0\",role=\"worker\"} 120.0",
        "spindle_task_loss{index=\"0\",role=\"worker\"} 0.5",
        "spindle_task_examples_per_second{index=\"0\",role=\"worker\"} 1000.0",
        "spindle_feed_rows_read_total{index=\"0\",role=\"worker\"} 4096.0",
        "spindle_feed_buffered_bytes{index=\"0\",role=\"worker\"} 1024.0")) {
      assertTrue(text.lines().anyMatch(line::equals), line + " in\n" + text);
    }
    assertTrue(text.lines().noneMatch(l -> l.startsWith("spindle_task_loss{index=\"1\"")), "no loss reported: no line");

    job.set(new JobStatusView("SUCCEEDED", 1, List.of(task("worker", 0, "SUCCEEDED", 2, 200, Map.of())), "done"));
    String after = new String(m.scrape(), StandardCharsets.UTF_8);
    assertTrue(after.contains("spindle_tasks{role=\"worker\",state=\"SUCCEEDED\"} 1.0"), after);
    assertTrue(after.contains("spindle_job_running 0.0"), after);
    assertEquals(0, after.lines().filter(l -> l.contains("state=\"REGISTERED\"")).count(), after);
  }
}
