package org.spindle.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;

/**
 * Files mode: writes a partition once as an Arrow IPC stream shard in the data lake
 * ({@code dir/part-00007.arrows}), to a temporary name first and renamed into place, so a shard
 * that exists is complete. Returns "partition\tURI".
 */
final class ShardWriter implements Function2<Integer, Iterator<InternalRow>, Iterator<String>> {
  private static final long serialVersionUID = 1L;
  private final String dir;
  private final StructType schema;
  private final int batchRows;

  ShardWriter(String dir, StructType schema, int batchRows) {
    this.dir = dir;
    this.schema = schema;
    this.batchRows = batchRows;
  }

  static String name(int partition) {
    return String.format("part-%05d.arrows", partition);
  }

  @Override
  public Iterator<String> call(Integer partition, Iterator<InternalRow> rows) throws IOException {
    Path target = new Path(dir, name(partition));
    Path tmp = new Path(dir, "_tmp." + name(partition) + "." + System.nanoTime());
    FileSystem fs = target.getFileSystem(new Configuration());
    try (RootAllocator allocator = new RootAllocator();
         VectorSchemaRoot root = VectorSchemaRoot.create(ArrowUtils.toArrowSchema(schema, "UTC", true, false), allocator)) {
      try (OutputStream out = fs.create(tmp, true); ArrowStreamWriter w = new ArrowStreamWriter(root, null, out)) {
        w.start();
        try {
          new PartitionFeeder.RowFiller().fill(rows, root, batchRows, () -> {
            try {
              w.writeBatch();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
        } catch (java.io.UncheckedIOException e) {
          throw e.getCause();
        }
        w.end();
      }
    }
    fs.delete(target, false);
    if (!fs.rename(tmp, target)) {
      throw new IOException("could not rename " + tmp + " to " + target);
    }
    return List.of(partition + "\t" + fs.makeQualified(target).toUri()).iterator();
  }
}
