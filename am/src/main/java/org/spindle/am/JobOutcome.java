package org.spindle.am;

/** How the job ended; the first reason wins. */
public record JobOutcome(boolean succeeded, String diagnostics) {}
