package org.spindle.am.task;

import java.util.EnumSet;
import java.util.Set;

/** The lifecycle of one task (one role index). Every transition goes through {@link Task#transition}. */
public enum TaskState {
  /** Waiting for a container. */
  REQUESTED,
  /** A container was assigned; not yet started. */
  ALLOCATED,
  /** Start requested from the NodeManager. */
  LAUNCHED,
  /** The NodeManager confirmed the start. */
  RUNNING,
  /** The task registered its endpoints with the AM. */
  REGISTERED,
  SUCCEEDED,
  FAILED,
  /** Stopped by the AM (gang restart, job end). */
  KILLED;

  private Set<TaskState> next;

  static {
    REQUESTED.next = EnumSet.of(ALLOCATED, KILLED, FAILED);
    ALLOCATED.next = EnumSet.of(LAUNCHED, REQUESTED, KILLED, FAILED);
    LAUNCHED.next = EnumSet.of(RUNNING, REGISTERED, REQUESTED, SUCCEEDED, FAILED, KILLED);
    RUNNING.next = EnumSet.of(REGISTERED, REQUESTED, SUCCEEDED, FAILED, KILLED);
    REGISTERED.next = EnumSet.of(REQUESTED, SUCCEEDED, FAILED, KILLED);
    SUCCEEDED.next = EnumSet.noneOf(TaskState.class);
    FAILED.next = EnumSet.noneOf(TaskState.class);
    KILLED.next = EnumSet.of(REQUESTED);
  }

  public boolean canMoveTo(TaskState target) {
    return next.contains(target);
  }

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == KILLED;
  }

  /** Holds (or is about to hold) a container. */
  public boolean hasContainer() {
    return this == ALLOCATED || this == LAUNCHED || this == RUNNING || this == REGISTERED;
  }
}
