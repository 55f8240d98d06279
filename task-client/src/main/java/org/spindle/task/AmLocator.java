package org.spindle.task;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.AmRecord;
import org.spindle.task.AmRecordFile;
import org.spindle.conf.SpindleEnv;

/** Finds the ApplicationMaster attempt that is current now (a task's AM may have been replaced). */
public interface AmLocator {
  Logger LOG = LoggerFactory.getLogger(AmLocator.class);

  /** The latest published attempt, or empty when none can be read right now. */
  Optional<AmRecord> locate();

  /** A fixed address that never moves (clients that follow attempts through the RM themselves). */
  AmLocator NONE = Optional::empty;

  /** Reads the record file the AM named in the container's environment, with the container's credentials. */
  static AmLocator fromEnvironment(Map<String, String> env) {
    String file = env.get(SpindleEnv.AM_RECORD);
    if (file == null || file.isEmpty()) {
      return NONE;
    }
    Path path = new Path(file);
    Configuration conf = new Configuration();
    return () -> {
      try {
        return AmRecordFile.read(conf, path);
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot read the ApplicationMaster record {}: {}", path, e.toString());
        return Optional.empty();
      }
    };
  }
}
