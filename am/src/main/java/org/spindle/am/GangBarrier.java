package org.spindle.am;

import org.spindle.task.ClusterSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.spindle.conf.TaskRef;

/** Tasks waiting in AwaitClusterSpec. Touched only on the AM's state thread. */
final class GangBarrier {
  private record Waiter(TaskRef task, int attempt, long sinceMs, CompletableFuture<ClusterSpec> future) {}

  private final List<Waiter> waiters = new ArrayList<>();

  void add(TaskRef task, int attempt, long nowMs, CompletableFuture<ClusterSpec> future) {
    waiters.add(new Waiter(task, attempt, nowMs, future));
  }

  /** Completes every waiter of this attempt. */
  void release(ClusterSpec spec) {
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.attempt() == spec.attempt()) {
        w.future().complete(spec);
        it.remove();
      }
    }
  }

  /** Fails waiters of older attempts, after a gang restart. */
  void supersede(int currentAttempt) {
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.attempt() < currentAttempt) {
        w.future().completeExceptionally(new GangBarrierException(
            "attempt " + w.attempt() + " was superseded by gang attempt " + currentAttempt, false));
        it.remove();
      }
    }
  }

  /** Fails waiters that waited longer than the timeout; returns how many. */
  int expire(long nowMs, long timeoutMs, String missing) {
    int n = 0;
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (timeoutMs > 0 && nowMs - w.sinceMs() >= timeoutMs) {
        w.future().completeExceptionally(new GangBarrierException("gang did not assemble within "
            + timeoutMs / 1000 + "s (spindle.task.registration-timeout); not registered: " + missing, true));
        it.remove();
        n++;
      }
    }
    return n;
  }

  void failAll(String why) {
    for (Waiter w : waiters) {
      w.future().completeExceptionally(new GangBarrierException(why, false));
    }
    waiters.clear();
  }
}
