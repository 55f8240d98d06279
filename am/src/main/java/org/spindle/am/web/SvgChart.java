package org.spindle.am.web;

import java.util.Locale;
import java.util.List;
import java.util.Map;

/** A line chart as inline SVG, drawn by the AM (no scripts, no CDN: the page works offline). */
final class SvgChart {
  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};

  private SvgChart() {}

  static String render(String title, String unit, Map<String, List<double[]>> series) {
    int w = 560;
    int h = 220;
    int left = 60;
    int bottom = 30;
    StringBuilder svg = new StringBuilder();
    svg.append("<figure><figcaption>").append(Html.escape(title)).append("</figcaption>");
    if (series.isEmpty()) {
      return svg.append("<p class=muted>no data yet</p></figure>").toString();
    }
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (List<double[]> s : series.values()) {
      for (double[] p : s) {
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    if (maxX == minX) {
      maxX = minX + 1;
    }
    if (maxY == minY) {
      maxY = minY + 1;
    }
    svg.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(w).append("' height='").append(h)
        .append("' role='img'><rect width='100%' height='100%' fill='#fff' stroke='#ccc'/>");
    svg.append(String.format(Locale.ROOT, "<text x='4' y='14' font-size='11'>%.4g %s</text>", maxY, Html.escape(unit)));
    svg.append(String.format(Locale.ROOT, "<text x='4' y='%d' font-size='11'>%.4g</text>", h - bottom, minY));
    svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='11'>%.0f s</text>", w - 50, h - 8, maxX));
    int i = 0;
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      String color = COLORS[i % COLORS.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : e.getValue()) {
        double x = left + (p[0] - minX) / (maxX - minX) * (w - left - 10);
        double y = 10 + (1 - (p[1] - minY) / (maxY - minY)) * (h - bottom - 10);
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      svg.append("<polyline fill='none' stroke='").append(color).append("' stroke-width='1.5' points='")
          .append(pts).append("'/>");
      svg.append("<text x='").append(left + 10).append("' y='").append(h - 8 - 0).append("' dx='").append(i * 110)
          .append("' font-size='11' fill='").append(color).append("'>").append(Html.escape(e.getKey())).append("</text>");
      i++;
    }
    return svg.append("</svg></figure>").toString();
  }
}
