package org.spindle.spark;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/** Bounded waits with a message that says what never happened. */
final class Waits {
  private Waits() {}

  @FunctionalInterface
  interface Probe<T> {
    Optional<T> check() throws IOException, InterruptedException;
  }

  static <T> T until(long timeoutMs, long everyMs, String what, Probe<T> probe)
      throws TimeoutException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    String last = "";
    while (true) {
      try {
        Optional<T> v = probe.check();
        if (v.isPresent()) {
          return v.get();
        }
      } catch (IOException e) {
        last = " (last error: " + e.getMessage() + ")";
      }
      if (System.currentTimeMillis() >= deadline) {
        throw new TimeoutException("gave up after " + timeoutMs / 1000 + " s waiting for " + what + last);
      }
      Thread.sleep(everyMs);
    }
  }
}
