package org.spindle.am;

/** A control-plane call the AM refuses: unknown task, or a stale attempt/generation. */
public class TaskRejectedException extends RuntimeException {
  public TaskRejectedException(String message) {
    super(message);
  }
}
