package org.spindle.feeder;

/** Feeding failed: the message says which partition, which worker and why. */
public class FeedException extends RuntimeException {
  public FeedException(String message) {
    super(message);
  }

  public FeedException(String message, Throwable cause) {
    super(message, cause);
  }
}
