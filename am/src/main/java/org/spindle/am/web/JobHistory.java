package org.spindle.am.web;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The job history file (spindle.history.dir/appId.json) and the other file-system facts the UI shows. */
public final class JobHistory {
  private JobHistory() {}

  /** spindle.history.dir/appId.json, or ~/.spindle/history/appId.json on the default file system. */
  public static Path location(Configuration conf, String historyDir, String appId) throws IOException {
    Path dir = historyDir == null || historyDir.isBlank()
        ? new Path(FileSystem.get(conf).getHomeDirectory(), ".spindle/history") : new Path(historyDir);
    return new Path(dir, appId + ".json");
  }

  /** Written once, when the job ends: a temporary file renamed into place. */
  public static void write(Configuration conf, Path file, Map<String, Object> model) throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    fs.mkdirs(file.getParent());
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      out.write(new GsonBuilder().serializeSpecialFloatingPointValues().setPrettyPrinting().create().toJson(model)
          .getBytes(StandardCharsets.UTF_8));
    }
    fs.delete(file, false);
    if (!fs.rename(tmp, file)) {
      throw new IOException("could not rename " + tmp + " to " + file);
    }
  }

  public static String read(Configuration conf, Path file) throws IOException {
    try (InputStream in = file.getFileSystem(conf).open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The checkpoint directory's entries (committed checkpoints and the latest pointer), newest first. */
  public static List<String> checkpoints(Configuration conf, String checkpointDir) {
    List<String> out = new ArrayList<>();
    if (checkpointDir == null || checkpointDir.isBlank()) {
      return out;
    }
    try {
      Path dir = new Path(checkpointDir);
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(dir)) {
        return out;
      }
      FileStatus[] entries = fs.listStatus(dir);
      java.util.Arrays.sort(entries, (a, b) -> Long.compare(b.getModificationTime(), a.getModificationTime()));
      for (FileStatus s : entries) {
        if (!s.getPath().getName().startsWith(".") && !s.getPath().getName().startsWith("_")) {
          out.add(s.getPath().getName() + (s.isDirectory() ? "/" : "") + "  "
              + java.time.Instant.ofEpochMilli(s.getModificationTime()));
        }
      }
    } catch (IOException e) {
      out.add("cannot list " + checkpointDir + ": " + e.getMessage());
    }
    return out;
  }
}
