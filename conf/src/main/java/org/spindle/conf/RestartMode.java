package org.spindle.conf;

/** How failed tasks come back. */
public enum RestartMode {
  /** Restart only the failed task, same role and index, with a new generation. */
  INDEPENDENT,
  /** Stop the whole gang and start a new attempt (allreduce / MPI semantics). */
  GANG
}
