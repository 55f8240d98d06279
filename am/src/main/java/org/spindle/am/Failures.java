package org.spindle.am;

import org.spindle.am.task.Task;

/** How the controller judges a task's end; the helpers that detect one call back through this. */
interface Failures {
  /** The task's own fault: counted against its max-restarts. */
  void appFailure(Task t, String reason);

  /** Its node is gone: run it elsewhere, uncounted. */
  void nodeLost(Task t, String why);
}
