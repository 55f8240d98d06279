package org.spindle.feeder;

import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The trainer's side of a worker's feed: batches in arrival order, an epoch marker once all of
 * an epoch's partitions arrived, and an end marker. Closing a record frees its Arrow memory and
 * its bytes in the buffer.
 */
public final class FeedReader {
  private final FeedServer server;
  private final BufferAllocator allocator;

  public FeedReader(FeedServer server, BufferAllocator allocator) {
    this.server = server;
    this.allocator = allocator;
  }

  public enum Kind { EPOCH_BEGIN, BATCH, EPOCH_END, END }

  /** One event; for {@link Kind#BATCH} the caller must close it. */
  public static final class FeedRecord implements AutoCloseable {
    private final Kind kind;
    private final int epoch;
    private final long rows;
    private final VectorSchemaRoot root;
    private final Runnable release;
    private boolean closed;

    FeedRecord(Kind kind, int epoch, long rows, VectorSchemaRoot root, Runnable release) {
      this.kind = kind;
      this.epoch = epoch;
      this.rows = rows;
      this.root = root;
      this.release = release;
    }

    public Kind kind() {
      return kind;
    }

    /** The epoch of the batch or marker (for END: the number of epochs fed). */
    public int epoch() {
      return epoch;
    }

    /** Rows in the batch, rows of the whole epoch at its end, the batch limit at its beginning. */
    public long rows() {
      return rows;
    }

    /** The batch's columns (BATCH only). */
    public VectorSchemaRoot root() {
      return root;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        if (root != null) {
          root.close();
        }
        release.run();
      }
    }
  }

  /** The next record, or null if nothing arrived within the timeout. */
  public FeedRecord next(long timeout, TimeUnit unit) throws InterruptedException {
    FeedItem item = server.buffer().poll(timeout, unit);
    if (item == null) {
      return null;
    }
    if (item instanceof FeedItem.EpochBegin e) {
      return new FeedRecord(Kind.EPOCH_BEGIN, e.epoch(), e.maxBatches(), null, () -> { });
    }
    if (item instanceof FeedItem.EpochEnd e) {
      return new FeedRecord(Kind.EPOCH_END, e.epoch(), e.rows(), null, () -> { });
    }
    if (item instanceof FeedItem.End e) {
      return new FeedRecord(Kind.END, e.epochs(), 0, null, () -> { });
    }
    FeedItem.Batch b = (FeedItem.Batch) item;
    Schema schema = server.schema();
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    try {
      new VectorLoader(root).load(b.batch());
    } catch (RuntimeException e) {
      root.close();
      b.batch().close();
      server.buffer().release(b.bytes());
      throw e;
    }
    b.batch().close();
    return new FeedRecord(Kind.BATCH, b.epoch(), root.getRowCount(), root,
        () -> server.buffer().release(b.bytes()));
  }
}
