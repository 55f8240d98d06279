package org.spindle.am.web;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The metrics each task reported over time, for the tracking UI's charts (bounded per task). */
public final class MetricsHistory {
  /** One report: when, at which step, what. */
  public record Point(long timeMs, long step, Map<String, Double> metrics) {}

  private final int perTask;
  private final Clock clock;
  private final Map<String, Deque<Point>> byTask = new LinkedHashMap<>();

  public MetricsHistory(int perTask, Clock clock) {
    this.perTask = perTask;
    this.clock = clock;
  }

  public synchronized void record(String task, long step, Map<String, Double> metrics) {
    if (metrics.isEmpty()) {
      return;
    }
    Deque<Point> points = byTask.computeIfAbsent(task, t -> new ArrayDeque<>());
    points.addLast(new Point(clock.millis(), step, Map.copyOf(metrics)));
    while (points.size() > perTask) {
      points.removeFirst();
    }
  }

  public synchronized Map<String, List<Point>> snapshot() {
    Map<String, List<Point>> out = new LinkedHashMap<>();
    byTask.forEach((t, points) -> out.put(t, new ArrayList<>(points)));
    return out;
  }

  /** Per task, the series of one metric as (seconds since the first report of any task, value). */
  public static Map<String, List<double[]>> series(Map<String, List<Point>> snapshot, String metric) {
    long t0 = snapshot.values().stream().flatMap(List::stream).mapToLong(Point::timeMs).min().orElse(0);
    Map<String, List<double[]>> out = new LinkedHashMap<>();
    snapshot.forEach((task, points) -> {
      List<double[]> s = new ArrayList<>();
      for (Point p : points) {
        Double v = p.metrics().get(metric);
        if (v != null && !v.isNaN() && !v.isInfinite()) {
          s.add(new double[] {(p.timeMs() - t0) / 1000.0, v});
        }
      }
      if (!s.isEmpty()) {
        out.put(task, s);
      }
    });
    return out;
  }
}
