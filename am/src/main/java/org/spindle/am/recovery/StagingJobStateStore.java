package org.spindle.am.recovery;

import org.spindle.task.StagingFiles;
import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** The job state as one file in the staging directory (the default, with the embedded ZooKeeper). */
public final class StagingJobStateStore implements JobStateStore {
  public static final String FILE_NAME = "job-state.json";
  private final Configuration conf;
  private final Path file;

  public StagingJobStateStore(Configuration conf, Path stagingDir) {
    this.conf = conf;
    this.file = new Path(stagingDir, FILE_NAME);
  }

  @Override
  public Optional<JobSnapshot> load() throws IOException {
    byte[] data = StagingFiles.read(conf, file);
    return data == null ? Optional.empty() : Optional.of(JobSnapshot.fromJson(data));
  }

  @Override
  public void save(JobSnapshot snapshot) throws IOException {
    StagingFiles.replace(conf, file, snapshot.toJson());
  }

  @Override
  public String describe() {
    return file.toString();
  }
}
