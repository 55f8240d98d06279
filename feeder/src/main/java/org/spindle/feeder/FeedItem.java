package org.spindle.feeder;

import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/** What a worker's feed buffer holds, in arrival order. */
public sealed interface FeedItem {
  /** One record batch of a partition; {@code bytes} is what it counts against the buffer. */
  record Batch(int epoch, int partition, ArrowRecordBatch batch, long bytes) implements FeedItem {}

  /**
   * Comes before the epoch's first batch: at most {@code maxBatches} of its batches are to be
   * trained on (-1: all), the allreduce policy that keeps workers in step.
   */
  record EpochBegin(int epoch, long maxBatches) implements FeedItem {}

  /** Every partition this worker gets in {@code epoch} has arrived before this marker. */
  record EpochEnd(int epoch, long rows) implements FeedItem {}

  /** No more data: the feeding side finished all epochs. */
  record End(int epochs) implements FeedItem {}
}
