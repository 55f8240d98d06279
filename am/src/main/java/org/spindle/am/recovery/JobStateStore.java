package org.spindle.am.recovery;

import java.io.IOException;
import java.util.Optional;

/**
 * Keeps the job's state where the next ApplicationMaster attempt finds it, as YARN's RM state
 * store does for applications: in ZooKeeper when the job names an external ensemble, otherwise in
 * the application's staging directory on the cluster file system. Each save replaces the last one
 * atomically.
 */
public interface JobStateStore {
  Optional<JobSnapshot> load() throws IOException;

  void save(JobSnapshot snapshot) throws IOException;

  /** Where the state lives, for log lines. */
  String describe();

  /** Keeps nothing (unit tests of the policy). */
  JobStateStore NONE = new JobStateStore() {
    @Override
    public Optional<JobSnapshot> load() {
      return Optional.empty();
    }

    @Override
    public void save(JobSnapshot snapshot) {
    }

    @Override
    public String describe() {
      return "nowhere";
    }
  };
}
