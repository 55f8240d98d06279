package org.spindle.training.checkpoint;

import com.google.gson.Gson;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** MANIFEST.json: written last into a checkpoint before it is committed; lists every file with size and CRC32. */
public record Manifest(long step, long createdMs, Map<String, FileEntry> files) {
  public static final String NAME = "MANIFEST.json";

  /** One file of the checkpoint. */
  public record FileEntry(long size, long crc32) {}

  public Manifest {
    files = new TreeMap<>(files);
  }

  byte[] toJson() {
    return new Gson().toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  static Manifest fromJson(byte[] json) {
    Manifest m = new Gson().fromJson(new String(json, StandardCharsets.UTF_8), Manifest.class);
    if (m == null || m.files() == null) {
      throw new IllegalArgumentException("empty manifest");
    }
    return m;
  }
}
