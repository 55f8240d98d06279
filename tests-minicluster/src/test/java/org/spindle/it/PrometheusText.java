package org.spindle.it;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be a
 * HELP, a TYPE or a sample of a family whose TYPE came first, with valid metric and label names,
 * escaped label values and a float value; no sample twice. Returns the samples, keyed
 * {@code name{label="value",...}} as written.
 */
final class PrometheusText {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(?:" + LABEL + "(?:," + LABEL + ")*,?)?\\})? "
      + "(\\S+)( -?\\d+)?");
  private static final Set<String> SUFFIXES = Set.of("", "_total", "_created", "_count", "_sum", "_bucket");

  private PrometheusText() {}

  static Map<String, Double> parse(String text) {
    Map<String, String> types = new HashMap<>();
    Map<String, Double> samples = new LinkedHashMap<>();
    List<String> lines = text.lines().toList();
    if (!text.endsWith("\n")) {
      throw new AssertionError("the exposition does not end with a line feed");
    }
    for (String line : lines) {
      if (line.isEmpty()) {
        continue;
      }
      Matcher m;
      if ((m = TYPE.matcher(line)).matches()) {
        if (types.put(m.group(1), m.group(2)) != null) {
          throw new AssertionError("TYPE twice for " + m.group(1));
        }
      } else if (HELP.matcher(line).matches()) {
        continue;
      } else if (line.startsWith("#")) {
        throw new AssertionError("not a HELP or TYPE comment: " + line);
      } else if ((m = SAMPLE.matcher(line)).matches()) {
        String name = m.group(1);
        String family = SUFFIXES.stream().filter(s -> name.endsWith(s)
            && types.containsKey(name.substring(0, name.length() - s.length())))
            .map(s -> name.substring(0, name.length() - s.length())).findFirst()
            .orElseThrow(() -> new AssertionError("sample before its TYPE: " + line));
        if (types.get(family).equals("counter") && !name.endsWith("_total") && !name.endsWith("_created")) {
          throw new AssertionError("a counter sample must end in _total: " + line);
        }
        String key = name + (m.group(2) == null ? "" : m.group(2));
        if (samples.put(key, value(m.group(3), line)) != null) {
          throw new AssertionError("sample twice: " + key);
        }
      } else {
        throw new AssertionError("not a valid exposition line: " + line);
      }
    }
    return samples;
  }

  private static double value(String v, String line) {
    switch (v) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new AssertionError("not a float value: " + line);
        }
    }
  }
}
