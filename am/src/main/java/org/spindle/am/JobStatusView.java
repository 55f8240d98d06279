package org.spindle.am;

import java.util.List;

/** A read-only snapshot of the job. */
public record JobStatusView(String state, int gangAttempt, List<TaskView> tasks, String diagnostics) {}
