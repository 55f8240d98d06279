package org.spindle.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.SpindleEnv;

/** The job's keys as this container sees them (spindle-default.xml, the job XML, --conf). */
final class JobConf {
  private final Map<String, String> keys;

  JobConf(Map<String, String> keys) {
    this.keys = Map.copyOf(keys);
  }

  static JobConf inContainer() {
    Path xml = Path.of(SpindleEnv.JOB_XML_NAME);
    Configuration c = new JobConfLoader().layer(Files.exists(xml) ? List.of(xml) : List.of(), Map.of());
    return new JobConf(new HashMap<>(c.getPropsWithPrefix("")));
  }

  Map<String, String> all() {
    return keys;
  }

  String get(String key, String dflt) {
    String v = keys.get(key);
    return v == null || v.isBlank() ? dflt : v.trim();
  }

  long millis(String key, String dflt) {
    Configuration c = new Configuration(false);
    c.set(key, get(key, dflt));
    return c.getTimeDuration(key, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  long bytes(String key, String dflt) {
    Configuration c = new Configuration(false);
    c.set(key, get(key, dflt));
    return c.getLongBytes(key, 0);
  }

  int integer(String key, int dflt) {
    return Integer.parseInt(get(key, Integer.toString(dflt)));
  }

  List<String> list(String key, String dflt) {
    return List.of(get(key, dflt).split("\\s*,\\s*"));
  }
}
