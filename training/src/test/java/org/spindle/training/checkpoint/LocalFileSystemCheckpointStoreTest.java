package org.spindle.training.checkpoint;

import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** file:// data lake. */
class LocalFileSystemCheckpointStoreTest extends CheckpointStoreContract {
  @Override
  Configuration conf() {
    return new Configuration();
  }

  @Override
  Path newRoot() {
    return new Path(local.resolve("lake-" + UUID.randomUUID()).toUri());
  }
}
