package org.spindle.am;

/** AwaitClusterSpec gave up: the gang timed out, was superseded by a new attempt, or the job ended. */
public class GangBarrierException extends RuntimeException {
  private final boolean timeout;

  public GangBarrierException(String message, boolean timeout) {
    super(message);
    this.timeout = timeout;
  }

  public boolean isTimeout() {
    return timeout;
  }
}
