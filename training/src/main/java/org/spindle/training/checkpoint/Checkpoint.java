package org.spindle.training.checkpoint;

import java.util.Map;
import org.apache.hadoop.fs.Path;

/** One committed checkpoint in the data lake: its global step, directory and file manifest. */
public record Checkpoint(long step, Path dir, Map<String, Manifest.FileEntry> files) {
  public Checkpoint {
    files = Map.copyOf(files);
  }
}
