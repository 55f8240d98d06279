package org.spindle.feeder;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker's byte-bounded queue of unread batches. A producer (a Flight put handler) blocks
 * while adding would exceed the limit; the bytes come back when the consumer closes what it took.
 * One batch larger than the whole limit is admitted only into an empty buffer, so an oversized
 * batch slows feeding down instead of deadlocking it.
 */
public final class FeedBuffer {
  private final long limitBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition space = lock.newCondition();
  private final Condition items = lock.newCondition();
  private final Deque<FeedItem> queue = new ArrayDeque<>();
  private long usedBytes;
  private long peakBytes;
  private String failure;

  public FeedBuffer(long limitBytes) {
    if (limitBytes <= 0) {
      throw new IllegalArgumentException("spindle.feed.buffer-bytes must be positive, got " + limitBytes);
    }
    this.limitBytes = limitBytes;
  }

  /** Adds a batch, waiting for room; false if the buffer was failed while waiting. */
  public boolean putBatch(FeedItem.Batch b) throws InterruptedException {
    lock.lock();
    try {
      while (failure == null && usedBytes > 0 && usedBytes + b.bytes() > limitBytes) {
        space.await();
      }
      if (failure != null) {
        return false;
      }
      usedBytes += b.bytes();
      peakBytes = Math.max(peakBytes, usedBytes);
      queue.addLast(b);
      items.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Markers take no room. */
  public void putMarker(FeedItem marker) {
    lock.lock();
    try {
      queue.addLast(marker);
      items.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The next item, or null after {@code timeout}. Throws once the buffer failed. */
  public FeedItem poll(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (failure != null) {
          throw new IllegalStateException(failure);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        items.awaitNanos(left);
      }
      return queue.pollFirst();
    } finally {
      lock.unlock();
    }
  }

  /** The consumer is done with a batch it took: its bytes become free. */
  public void release(long bytes) {
    lock.lock();
    try {
      usedBytes -= bytes;
      space.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes everybody and makes further reads fail with {@code reason}. */
  public void fail(String reason) {
    lock.lock();
    try {
      if (failure == null) {
        failure = reason;
      }
      space.signalAll();
      items.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public long usedBytes() {
    lock.lock();
    try {
      return usedBytes;
    } finally {
      lock.unlock();
    }
  }

  /** The most bytes ever held at once. */
  public long peakBytes() {
    lock.lock();
    try {
      return peakBytes;
    } finally {
      lock.unlock();
    }
  }

  public long limitBytes() {
    return limitBytes;
  }

  /** Closes every batch still queued (worker shutdown). */
  public void drain() {
    lock.lock();
    try {
      for (FeedItem i : queue) {
        if (i instanceof FeedItem.Batch b) {
          b.batch().close();
          usedBytes -= b.bytes();
        }
      }
      queue.clear();
      space.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
