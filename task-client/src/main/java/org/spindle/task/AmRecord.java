package org.spindle.task;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where one ApplicationMaster attempt can be reached: its control plane, the ZooKeeper its tasks
 * register in (the embedded one moves with the AM) and its tracking UI. Each attempt publishes it;
 * tasks that lose their AM read it to follow the next attempt.
 */
public record AmRecord(int attempt, String controlAddress, String zkConnect, String trackingUrl) {
  private static final Gson GSON = new Gson();

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  /** Empty for bytes that are not a complete record (a file caught while being replaced is never seen). */
  public static Optional<AmRecord> parse(byte[] json) {
    try {
      AmRecord r = GSON.fromJson(new String(json, StandardCharsets.UTF_8), AmRecord.class);
      return r == null || r.controlAddress() == null || r.controlAddress().isEmpty() ? Optional.empty() : Optional.of(r);
    } catch (JsonParseException e) {
      return Optional.empty();
    }
  }
}
