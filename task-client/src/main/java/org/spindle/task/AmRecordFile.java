package org.spindle.task;

import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** The current AM attempt's {@link AmRecord}, as a file in the staging directory that every attempt replaces. */
public final class AmRecordFile {
  public static final String FILE_NAME = "am.json";

  private AmRecordFile() {}

  public static Path in(Path stagingDir) {
    return new Path(stagingDir, FILE_NAME);
  }

  public static void publish(Configuration conf, Path file, AmRecord record) throws IOException {
    StagingFiles.replace(conf, file, record.toJson());
  }

  public static Optional<AmRecord> read(Configuration conf, Path file) throws IOException {
    byte[] data = StagingFiles.read(conf, file);
    return data == null ? Optional.empty() : AmRecord.parse(data);
  }
}
