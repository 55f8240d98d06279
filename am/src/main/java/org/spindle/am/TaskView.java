package org.spindle.am;

import java.util.Map;

/** A read-only snapshot of one task, for the client and UI. */
public record TaskView(String role, int index, String state, String containerId, String host, int restarts,
                       int attempt, int generation, long step, Map<String, Double> metrics,
                       Map<String, Integer> ports, String nodeHttpAddress) {}
