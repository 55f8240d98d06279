package org.spindle.am.recovery;

import com.google.gson.Gson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What a new ApplicationMaster attempt needs to carry on the job: every task with its generation,
 * gang attempt, restart count, container and endpoints, and the job's own gang attempt and start
 * time. Feed progress is not here: the Spark driver that owns it is a task container and is kept.
 */
public record JobSnapshot(int amAttempt, long startedMs, int gangAttempt, List<TaskSnapshot> tasks) {
  private static final Gson GSON = new Gson();

  public JobSnapshot {
    tasks = List.copyOf(tasks);
  }

  /** One task as the AM last knew it. Container and node are YARN's string forms ("" when none). */
  public record TaskSnapshot(String role, int index, String state, int attempt, int generation, int restarts,
                             String containerId, String nodeId, String nodeHttpAddress, String host,
                             Map<String, Integer> ports) {
    public TaskSnapshot {
      ports = Map.copyOf(ports);
    }
  }

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  public static JobSnapshot fromJson(byte[] json) {
    JobSnapshot s = GSON.fromJson(new String(json, StandardCharsets.UTF_8), JobSnapshot.class);
    if (s == null || s.tasks() == null) {
      throw new IllegalArgumentException("not a Spindle job snapshot");
    }
    return s;
  }
}
