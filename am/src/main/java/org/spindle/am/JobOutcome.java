package org.spindle.am;

/**
 * How the job ended; the first reason wins. {@code superseded}: the ResourceManager made another
 * AM attempt current, so this one leaves the job (its containers, staging files and ZooKeeper
 * state) to that attempt.
 */
public record JobOutcome(boolean succeeded, String diagnostics, boolean superseded) {
  public JobOutcome(boolean succeeded, String diagnostics) {
    this(succeeded, diagnostics, false);
  }
}
