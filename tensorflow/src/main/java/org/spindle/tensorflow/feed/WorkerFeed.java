package org.spindle.tensorflow.feed;

import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.api.FeedBatch;
import org.spindle.api.InputFeed;
import org.spindle.feeder.FeedReader;
import org.spindle.feeder.FeedServer;
import org.tensorflow.Tensor;

/**
 * A worker's {@link InputFeed}: reads its feed endpoint, turns batches into tensors, and applies
 * the per-epoch batch limit the feeding side sent (allreduce: every worker the same number).
 */
public final class WorkerFeed implements InputFeed {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerFeed.class);

  private final FeedReader reader;
  private final FeedServer server;
  private final String labelColumn;
  private final ArrowTensors tensors = new ArrowTensors();
  private long limit = -1;
  private long taken;
  private int epochsCompleted;
  private long skippedRows;
  private long rowsRead;
  private boolean ended;

  public WorkerFeed(FeedServer server, BufferAllocator allocator, String labelColumn) {
    this.reader = new FeedReader(server, allocator);
    this.server = server;
    this.labelColumn = labelColumn;
  }

  @Override
  public FeedBatch next() throws InterruptedException {
    long waitedMinutes = 0;
    while (!ended) {
      FeedReader.FeedRecord r = reader.next(1, TimeUnit.MINUTES);
      if (r == null) {
        LOG.info("no data from the feeder for {} min (is the Spark side still computing?)", ++waitedMinutes);
        continue;
      }
      switch (r.kind()) {
        case EPOCH_BEGIN -> {
          limit = r.rows();
          taken = 0;
        }
        case EPOCH_END -> {
          epochsCompleted++;
          LOG.info("epoch {} read: {} rows on this worker", r.epoch(), r.rows());
        }
        case END -> ended = true;
        case BATCH -> {
          if (limit >= 0 && taken >= limit) {
            skippedRows += r.rows();
            r.close();
            continue;
          }
          taken++;
          rowsRead += r.rows();
          try {
            return new Batch(r, tensors.convert(r.root()));
          } catch (RuntimeException e) {
            r.close();
            throw e;
          }
        }
        default -> throw new IllegalStateException(String.valueOf(r.kind()));
      }
    }
    return null;
  }

  @Override
  public int epochsCompleted() {
    return epochsCompleted;
  }

  @Override
  public long skippedRows() {
    return skippedRows;
  }

  @Override
  public long rowsRead() {
    return rowsRead;
  }

  @Override
  public long peakBufferedBytes() {
    return server.buffer().peakBytes();
  }

  @Override
  public long bufferedBytes() {
    return server.buffer().usedBytes();
  }

  /** Columns wrapped without a copy so far (64-byte aligned Arrow buffers). */
  public long zeroCopyColumns() {
    return tensors.wrapped();
  }

  public long copiedColumns() {
    return tensors.copied();
  }

  private final class Batch implements FeedBatch {
    private final FeedReader.FeedRecord record;
    private final Map<String, Tensor> columns;

    Batch(FeedReader.FeedRecord record, Map<String, Tensor> columns) {
      this.record = record;
      this.columns = columns;
    }

    @Override
    public int epoch() {
      return record.epoch();
    }

    @Override
    public long rows() {
      return record.rows();
    }

    @Override
    public Map<String, Tensor> columns() {
      return columns;
    }

    @Override
    public Tensor column(String name) {
      Tensor t = columns.get(name);
      if (t == null) {
        throw new IllegalArgumentException("the fed DataFrame has no column '" + name + "'; it has "
            + new ArrayList<>(columns.keySet()));
      }
      return t;
    }

    @Override
    public Tensor label() {
      if (labelColumn == null || labelColumn.isBlank()) {
        throw new IllegalStateException("spindle.feed.label-column is not set");
      }
      return column(labelColumn);
    }

    @Override
    public void close() {
      columns.values().forEach(Tensor::close);
      record.close();
    }
  }
}
