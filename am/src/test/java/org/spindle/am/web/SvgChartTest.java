package org.spindle.am.web;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart's numbers are SVG syntax, not prose: the same in every JVM locale. */
class SvgChartTest {
  @Test
  void coordinatesUseADotWhateverTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY); // formats 1.5 as "1,5"
      String svg = SvgChart.render("loss", "", Map.of("worker:0", List.of(new double[] {0.5, 1.25},
          new double[] {10.5, 0.75})));
      String points = svg.replaceAll("(?s).*points='([^']*)'.*", "$1");
      assertTrue(points.trim().matches("(-?[0-9]+\\.[0-9],-?[0-9]+\\.[0-9] ?)+"), points);
      assertTrue(svg.contains(">1.250 <") || svg.contains(">1.250<"), svg);
    } finally {
      Locale.setDefault(before);
    }
  }
}
