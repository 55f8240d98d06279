package org.spindle.am.yarn;

/** Why a container ended, as far as the restart policy cares. */
public enum ExitKind {
  SUCCEEDED(false),
  /** Non-zero exit, memory limit, missed heartbeats: counts against max-restarts. */
  APP_FAILURE(true),
  /** Preempted by the scheduler: re-request, do not count. */
  PREEMPTED(false),
  /** The node was lost or the container aborted by the RM: re-request, do not count. */
  NODE_LOST(false),
  /** The NodeManager's disks failed: re-request, do not count. */
  DISK_FAILED(false),
  /** It ended while no ApplicationMaster was running, so its exit status is unknown: re-request, do not count. */
  ENDED_BETWEEN_AM_ATTEMPTS(false),
  /** We stopped or released it ourselves: ignore. */
  KILLED_BY_AM(false);

  private final boolean countsAgainstRestarts;

  ExitKind(boolean counts) {
    this.countsAgainstRestarts = counts;
  }

  public boolean countsAgainstRestarts() {
    return countsAgainstRestarts;
  }
}
