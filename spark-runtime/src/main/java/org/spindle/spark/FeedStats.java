package org.spindle.spark;

import java.io.Serializable;

/** What one feeding task did; {@code peakHeapBytes} is the executor heap's high-water mark while it sent. */
public record FeedStats(int epoch, int partition, String worker, long rows, int batches, int resumedBatches,
                        boolean alreadyComplete, long peakHeapBytes) implements Serializable {}
