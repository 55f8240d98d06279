package org.spindle.am;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.registry.ZkRegistry;

/**
 * What a job leaves behind, removed when the AM ends it (after unregistering, YARN starts no other
 * attempt): the staging directory (spindle.jar, job XML, user jars, uploaded archives, and files mode's
 * default shard folder), an explicit spindle.feed.files-dir's shards of this application, checkpoint
 * uploads that never committed (the checkpoint directory's _tmp) and the application's ZooKeeper
 * subtree. Committed checkpoints, exports and the job history stay. Best effort: a leftover is logged,
 * never a reason to change the job's outcome.
 */
final class JobCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(JobCleanup.class);
  /** CheckpointStore's folder for uploads in progress. */
  static final String CHECKPOINT_TMP = "_tmp";

  private JobCleanup() {}

  static void run(Configuration conf, String stagingDir, String filesDir, String checkpointDir, String appId,
                  ZkRegistry registry) {
    delete(conf, stagingDir, "staging directory");
    if (!filesDir.isBlank()) {
      delete(conf, filesDir + "/" + appId, "feed shards");
    }
    if (!checkpointDir.isBlank()) {
      delete(conf, checkpointDir + "/" + CHECKPOINT_TMP, "uncommitted checkpoint uploads");
    }
    try {
      registry.deleteAppTree();
      LOG.info("deleted the application's ZooKeeper subtree {}", registry.appPath());
    } catch (Exception e) {
      LOG.warn("could not delete the ZooKeeper subtree {}: {}", registry.appPath(), e.toString());
    }
  }

  private static void delete(Configuration conf, String location, String what) {
    if (location == null || location.isBlank()) {
      return;
    }
    try {
      Path p = new Path(location);
      if (p.getFileSystem(conf).delete(p, true)) {
        LOG.info("deleted the {} {}", what, p);
      }
    } catch (Exception e) {
      LOG.warn("could not delete the {} {}: {}", what, location, e.toString());
    }
  }
}
