package org.spindle.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint store's contract, run against each data-lake file system. */
abstract class CheckpointStoreContract {
  @TempDir
  java.nio.file.Path local;

  abstract Configuration conf();

  abstract Path newRoot();

  private CheckpointStore store(Path root, int keep) throws Exception {
    return new CheckpointStore(conf(), root, keep, Clock.systemUTC());
  }

  private java.nio.file.Path save(String tag) throws Exception {
    java.nio.file.Path d = Files.createDirectories(local.resolve("save-" + UUID.randomUUID()));
    Files.writeString(d.resolve("model.index"), "index " + tag);
    Files.write(d.resolve("model.data-00000-of-00001"), ("weights of " + tag).repeat(1000)
        .getBytes(StandardCharsets.UTF_8));
    return d;
  }

  @Test
  void commitsRestoresAndKeepsTheLastK() throws Exception {
    Path root = newRoot();
    CheckpointStore s = store(root, 2);
    assertTrue(s.latest().isEmpty());
    s.commit(100, save("a"));
    s.commit(200, save("b"));
    s.commit(300, save("c"));
    assertEquals(List.of(300L, 200L), s.committedSteps(), "only the newest 2 are kept");
    java.nio.file.Path into = local.resolve("restore");
    Checkpoint c = s.restoreLatest(into).orElseThrow();
    assertEquals(300, c.step());
    assertEquals("index c", Files.readString(into.resolve("model.index")));
    // a fresh store (a restarted task) sees the same latest
    assertEquals(300, store(root, 2).latest().orElseThrow().step());
    FileSystem fs = root.getFileSystem(conf());
    assertFalse(fs.listStatus(new Path(s.root(), CheckpointStore.TMP)).length > 0, "no temporary files are left");
  }

  @Test
  void aCorruptNewestCheckpointFallsBackToThePreviousOne() throws Exception {
    Path root = newRoot();
    CheckpointStore s = store(root, 3);
    s.commit(10, save("good"));
    Checkpoint bad = s.commit(20, save("soon-bad"));
    // flip bytes without changing the size: only the CRC check can notice
    FileSystem fs = root.getFileSystem(conf());
    Path data = new Path(bad.dir(), "model.data-00000-of-00001");
    byte[] bytes = fs.open(data).readAllBytes();
    bytes[5] ^= 0x55;
    fs.delete(data, false);
    try (OutputStream out = fs.create(data)) {
      out.write(bytes);
    }
    java.nio.file.Path into = local.resolve("restore");
    assertEquals(10, s.restoreLatest(into).orElseThrow().step());
    assertEquals("index good", Files.readString(into.resolve("model.index")));
  }

  @Test
  void partialUploadsAreNeverTakenForCheckpoints() throws Exception {
    Path root = newRoot();
    CheckpointStore s = store(root, 3);
    s.commit(5, save("ok"));
    FileSystem fs = root.getFileSystem(conf());
    // a crash mid-upload leaves files in _tmp, and a hand-made ckpt dir without manifest
    fs.mkdirs(new Path(new Path(s.root(), CheckpointStore.TMP), "ckpt-000000000009-x"));
    fs.mkdirs(new Path(s.root(), CheckpointStore.dirName(9)));
    try (OutputStream out = fs.create(new Path(new Path(s.root(), CheckpointStore.dirName(9)), "model.index"))) {
      out.write(1);
    }
    assertEquals(5, s.latest().orElseThrow().step());
    // a truncated file in the newest committed one is caught by the size check
    Checkpoint seven = s.commit(7, save("seven"));
    Path idx = new Path(seven.dir(), "model.index");
    fs.delete(idx, false);
    fs.create(idx).close();
    assertEquals(5, s.latest().orElseThrow().step());
  }

  @Test
  void recommittingTheSameStepIsIdempotent() throws Exception {
    Path root = newRoot();
    CheckpointStore s = store(root, 3);
    s.commit(42, save("first"));
    s.commit(42, save("second"));
    java.nio.file.Path into = local.resolve("restore");
    assertEquals(42, s.restoreLatest(into).orElseThrow().step());
    assertArrayEquals("index first".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(into.resolve("model.index")));
  }
}
