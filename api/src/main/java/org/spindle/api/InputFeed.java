package org.spindle.api;

/**
 * The batches Spark fed to this worker (the DataFrame {@code preTrain} returned), as dense
 * TensorFlow tensors by column name. Batches arrive in order, epoch by epoch; {@link #next()}
 * returns null once every epoch was read.
 *
 * <p>Allreduce mode keeps the workers in step: in each epoch every worker takes the same number of
 * batches, the smallest share of any worker; the rest of a larger share is skipped and counted in
 * {@link #skippedRows()} (and reported as the metric {@code feed.skipped-rows}), never silently.
 */
public interface InputFeed {
  /** The next batch, waiting for it; null once all epochs were fed and read. */
  FeedBatch next() throws InterruptedException;

  /** Epochs this worker has read completely. */
  int epochsCompleted();

  /** Rows skipped to keep allreduce workers in step (0 in PS mode). */
  long skippedRows();

  /** Rows read so far, over all epochs. */
  long rowsRead();

  /** The most bytes of unread batches this worker held at once (at most spindle.feed.buffer-bytes). */
  long peakBufferedBytes();

  /** Bytes of unread batches this worker holds now (reported as the metric {@code feed.buffered-bytes}). */
  default long bufferedBytes() {
    return 0;
  }
}
