package org.spindle.feeder;

import java.io.IOException;
import java.io.InputStream;

/** Opens an Arrow IPC shard in the data lake (files mode); the worker provides it (Hadoop FileSystem). */
@FunctionalInterface
public interface ShardSource {
  InputStream open(String uri) throws IOException;
}
