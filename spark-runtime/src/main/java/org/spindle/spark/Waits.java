package org.spindle.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/** Bounded waits with a message that says what never happened. */
final class Waits {
  private Waits() {}

  @FunctionalInterface
  interface Probe<T> {
    Optional<T> check() throws IOException;
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

  /** Until something accepts TCP connections on host:port. */
  static void forPort(String host, int port, long timeoutMs, String what) throws TimeoutException, InterruptedException {
    until(timeoutMs, 200, what + " to listen on " + host + ":" + port, () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 2000);
        return Optional.of(Boolean.TRUE);
      }
    });
  }
}
