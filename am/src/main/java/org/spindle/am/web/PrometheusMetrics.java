package org.spindle.am.web;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.spindle.am.JobStatusView;
import org.spindle.am.TaskView;

/**
 * The job's state for monitoring systems, in Prometheus text format, written by the Prometheus Java
 * client from one snapshot of the job per scrape: tasks by role and state, restarts, the gang attempt,
 * and each task's step, loss, examples/s, rows read from the feed and feed buffer use (as the tasks
 * last reported them).
 */
public final class PrometheusMetrics {
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Supplier<JobStatusView> status;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  /** The snapshot the callbacks read while a scrape runs (scrapes are serialized). */
  private JobStatusView current;

  public PrometheusMetrics(Supplier<JobStatusView> status) {
    this.status = status;
    GaugeWithCallback.builder().name("spindle_tasks").help("Tasks of the job by role and state")
        .labelNames("role", "state").callback(cb -> {
          Map<String, Integer> counts = new TreeMap<>();
          for (TaskView t : current.tasks()) {
            counts.merge(t.role() + "\u0000" + t.state(), 1, Integer::sum);
          }
          counts.forEach((k, n) -> cb.call(n, k.split("\u0000")));
        }).register(registry);
    GaugeWithCallback.builder().name("spindle_gang_attempt").help("The gang's attempt (bumped on every gang restart)")
        .callback(cb -> cb.call(current.gangAttempt())).register(registry);
    GaugeWithCallback.builder().name("spindle_job_running").help("1 while the job runs, 0 once it has ended")
        .callback(cb -> cb.call(current.state().equals("RUNNING") ? 1 : 0)).register(registry);
    CounterWithCallback.builder().name("spindle_task_restarts").help("Restarts of each task so far")
        .labelNames("role", "index").callback(cb -> {
          for (TaskView t : current.tasks()) {
            cb.call(t.restarts(), t.role(), Integer.toString(t.index()));
          }
        }).register(registry);
    perTask("spindle_task_step", "The training step the task last reported", null, false);
    perTask("spindle_task_loss", "The training loss the task last reported", "loss", false);
    perTask("spindle_task_examples_per_second", "Examples per second the task last reported", "examples_per_sec",
        false);
    perTask("spindle_feed_rows_read", "Rows the worker has read from the Spark feed, over all epochs",
        "feed.rows-read", true);
    perTask("spindle_feed_buffered_bytes", "Bytes of unread feed batches the worker holds (spindle.feed.buffer-bytes "
        + "bounds it)", "feed.buffered-bytes", false);
    perTask("spindle_feed_epochs_completed", "Feed epochs the worker has read completely", "feed.epochs-completed",
        false);
  }

  /** A per-task metric from the task's reported metric {@code key} (the step when key is null). */
  private void perTask(String name, String help, String key, boolean counter) {
    java.util.function.BiConsumer<TaskView, java.util.function.BiConsumer<Double, String[]>> each = (t, call) -> {
      Double v = key == null ? (t.step() > 0 ? (double) t.step() : null) : t.metrics().get(key);
      if (v != null) {
        call.accept(v, new String[] {t.role(), Integer.toString(t.index())});
      }
    };
    if (counter) {
      CounterWithCallback.builder().name(name).help(help).labelNames("role", "index")
          .callback(cb -> current.tasks().forEach(t -> each.accept(t, (v, l) -> cb.call(v, l)))).register(registry);
    } else {
      GaugeWithCallback.builder().name(name).help(help).labelNames("role", "index")
          .callback(cb -> current.tasks().forEach(t -> each.accept(t, (v, l) -> cb.call(v, l)))).register(registry);
    }
  }

  /** One scrape: the job's state now, in the text exposition format. */
  public synchronized byte[] scrape() throws IOException {
    current = status.get();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.write(out, registry.scrape());
    return out.toByteArray();
  }
}
