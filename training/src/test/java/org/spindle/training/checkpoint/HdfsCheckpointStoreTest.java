package org.spindle.training.checkpoint;

import java.nio.file.Files;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** hdfs:// data lake on a real MiniDFSCluster. */
class HdfsCheckpointStoreTest extends CheckpointStoreContract {
  private static MiniDFSCluster dfs;

  @BeforeAll
  static void startDfs() throws Exception {
    Configuration c = new Configuration();
    c.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR,
        Files.createTempDirectory("minidfs").toAbsolutePath().toString());
    dfs = new MiniDFSCluster.Builder(c).numDataNodes(1).build();
    dfs.waitActive();
  }

  @AfterAll
  static void stopDfs() {
    if (dfs != null) {
      dfs.shutdown();
    }
  }

  @Override
  Configuration conf() {
    return dfs.getConfiguration(0);
  }

  @Override
  Path newRoot() {
    return new Path(dfs.getURI().toString() + "/lake/" + UUID.randomUUID());
  }
}
