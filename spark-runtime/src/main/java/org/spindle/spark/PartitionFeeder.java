package org.spindle.spark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;
import org.spindle.task.AppSecret;
import org.spindle.feeder.FeedClient;
import org.spindle.feeder.FeedException;

/**
 * Runs inside a Spark task: fills Arrow batches from its partition with a {@link Filler} (rows with Spark's
 * own ArrowWriter, or Spark's ColumnarBatches copied column by column) and puts them, batch by batch, to the
 * worker that owns the partition (partition mod workers). Blocks while the worker's buffer is full.
 */
final class PartitionFeeder<T> implements Function2<Integer, Iterator<T>, Iterator<FeedStats>> {
  private static final long serialVersionUID = 1L;

  /** Turns a partition's elements into Arrow batches of {@code batchRows} rows, calling {@code send} after each. */
  interface Filler<T> extends java.io.Serializable {
    /** Returns the rows written. */
    long fill(Iterator<T> in, VectorSchemaRoot root, int batchRows, Runnable send);
  }

  /** The row path: InternalRows straight into the vectors with Spark's ArrowWriter. */
  static final class RowFiller implements Filler<InternalRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public long fill(Iterator<InternalRow> rows, VectorSchemaRoot root, int batchRows, Runnable send) {
      ArrowWriter writer = ArrowWriter.create(root);
      long count = 0;
      int inBatch = 0;
      while (rows.hasNext()) {
        writer.write(rows.next());
        count++;
        if (++inBatch == batchRows) {
          writer.finish();
          send.run();
          writer.reset();
          inBatch = 0;
        }
      }
      if (inBatch > 0) {
        writer.finish();
        send.run();
        writer.reset();
      }
      return count;
    }
  }

  private final Filler<T> filler;

  private final int epoch;
  private final StructType schema;
  private final int batchRows;
  private final Set<Integer> only;
  private final WorkerDirectory workers;
  private final org.apache.spark.util.LongAccumulator fed;

  PartitionFeeder(Filler<T> filler, int epoch, StructType schema, int batchRows, Set<Integer> only,
                  WorkerDirectory workers, org.apache.spark.util.LongAccumulator fed) {
    this.filler = filler;
    this.epoch = epoch;
    this.schema = schema;
    this.batchRows = batchRows;
    this.only = Set.copyOf(only);
    this.workers = workers;
    this.fed = fed;
  }

  static int workerOf(int partition, int workers) {
    return partition % workers;
  }

  @Override
  public Iterator<FeedStats> call(Integer partition, Iterator<T> rows)
      throws IOException, TimeoutException, InterruptedException {
    if (!only.contains(partition)) {
      return Collections.emptyIterator();
    }
    WorkerDirectory.Endpoint to = workers.resolve(workerOf(partition, workers.size()));
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long peak = memory.getHeapMemoryUsage().getUsed();
    try (RootAllocator allocator = new RootAllocator();
         VectorSchemaRoot root = VectorSchemaRoot.create(ArrowUtils.toArrowSchema(schema, "UTC", true, false), allocator);
         FeedClient client = new FeedClient(allocator, to.host(), to.port(), AppSecret.fromCurrentUser().reveal(),
             org.spindle.task.TlsIdentity.fromCurrentUser());
         FeedClient.PartitionPut put = client.openPartition(epoch, partition, root)) {
      if (put.alreadyComplete()) {
        return List.of(new FeedStats(epoch, partition, to.task(), 0, 0, 0, true, peak)).iterator();
      }
      int[] batches = {0};
      long[] peakSeen = {peak};
      long count = filler.fill(rows, root, batchRows, () -> {
        put.send();
        batches[0]++;
        peakSeen[0] = Math.max(peakSeen[0], memory.getHeapMemoryUsage().getUsed());
      });
      peak = peakSeen[0];
      put.complete();
      if (fed != null) {
        fed.add(1);
      }
      return List.of(new FeedStats(epoch, partition, to.task(), count, batches[0], put.resumedBatches(), false,
          Math.max(peak, memory.getHeapMemoryUsage().getUsed()))).iterator();
    } catch (FeedException | org.apache.arrow.flight.FlightRuntimeException e) {
      throw new FeedException("feeding partition " + partition + " of epoch " + epoch + " to worker " + to
          + " failed (the partition is fed again when Spark retries this task): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw e;
    }
  }
}
