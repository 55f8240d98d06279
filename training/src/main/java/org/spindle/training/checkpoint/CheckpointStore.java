package org.spindle.training.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints in any Hadoop FileSystem (hdfs://, s3a://, oss://, file://). A commit uploads into a
 * private temporary directory, writes MANIFEST.json last, renames the directory to
 * {@code ckpt-<step>} and then replaces the {@code latest} pointer by rename; a reader therefore
 * never sees a half-written checkpoint as committed. Restores verify sizes and CRC32s and fall back
 * to the previous checkpoint, with a warning, when the newest is partial or corrupt.
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  static final String LATEST = "latest";
  static final String TMP = "_tmp";
  private static final Pattern CKPT = Pattern.compile("ckpt-(\\d{12})");

  private final Configuration conf;
  private final FileSystem fs;
  private final Path root;
  private final int keep;
  private final Clock clock;

  public CheckpointStore(Configuration conf, Path root, int keep, Clock clock) throws IOException {
    if (keep < 1) {
      throw new IllegalArgumentException("must keep at least one checkpoint, got " + keep);
    }
    this.conf = conf;
    FileSystem f = root.getFileSystem(conf);
    // file:// goes through the raw local file system: the manifest carries our own CRCs, and the
    // checksumming wrapper's .crc side files cannot be renamed atomically with their data files
    // (a reader racing a pointer swap would see a checksum error).
    this.fs = f instanceof LocalFileSystem local ? local.getRawFileSystem() : f;
    this.root = fs.makeQualified(root);
    this.keep = keep;
    this.clock = clock;
  }

  public Path root() {
    return root;
  }

  static String dirName(long step) {
    return String.format("ckpt-%012d", step);
  }

  /** Uploads every regular file of {@code localDir} as the checkpoint of {@code step} and commits it. */
  public Checkpoint commit(long step, java.nio.file.Path localDir) throws IOException {
    Path tmp = new Path(new Path(root, TMP), dirName(step) + "-" + UUID.randomUUID());
    Map<String, Manifest.FileEntry> files = new LinkedHashMap<>();
    try (Stream<java.nio.file.Path> s = Files.list(localDir)) {
      for (java.nio.file.Path f : s.filter(Files::isRegularFile).sorted().toList()) {
        files.put(f.getFileName().toString(), upload(f, new Path(tmp, f.getFileName().toString())));
      }
    }
    Manifest manifest = new Manifest(step, clock.millis(), files);
    try (OutputStream out = fs.create(new Path(tmp, Manifest.NAME), false)) {
      out.write(manifest.toJson());
    }
    Path target = new Path(root, dirName(step));
    if (fs.exists(target)) {
      // A restarted chief may save the same step again; an intact committed copy wins.
      if (verifySizes(target).isPresent()) {
        fs.delete(tmp, true);
        pointLatestAt(step);
        return new Checkpoint(step, target, files);
      }
      LOG.warn("replacing broken checkpoint {}", target);
      fs.delete(target, true);
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("could not commit checkpoint: rename " + tmp + " -> " + target + " failed");
    }
    pointLatestAt(step);
    LOG.info("committed checkpoint step {} ({} files) to {}", step, files.size(), target);
    prune();
    return new Checkpoint(step, target, files);
  }

  private Manifest.FileEntry upload(java.nio.file.Path local, Path remote) throws IOException {
    CRC32 crc = new CRC32();
    long size = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(local); OutputStream out = fs.create(remote, false)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        crc.update(buf, 0, n);
        out.write(buf, 0, n);
        size += n;
      }
    }
    return new Manifest.FileEntry(size, crc.getValue());
  }

  private void pointLatestAt(long step) throws IOException {
    Path tmp = new Path(new Path(root, TMP), LATEST + "-" + UUID.randomUUID());
    try (OutputStream out = fs.create(tmp, false)) {
      out.write(dirName(step).getBytes(StandardCharsets.UTF_8));
    }
    Path latest = new Path(root, LATEST);
    if (fs instanceof RawLocalFileSystem) {
      Files.move(java.nio.file.Path.of(tmp.toUri()), java.nio.file.Path.of(latest.toUri()),
          StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } else {
      FileContext.getFileContext(root.toUri(), conf).rename(tmp, latest, Options.Rename.OVERWRITE);
    }
  }

  /** Keeps the newest {@code keep} checkpoints. */
  private void prune() throws IOException {
    List<Long> steps = committedSteps();
    for (int i = keep; i < steps.size(); i++) {
      Path old = new Path(root, dirName(steps.get(i)));
      LOG.info("removing old checkpoint {}", old);
      fs.delete(old, true);
    }
  }

  /** Steps of every ckpt-* directory, newest first (committed or not; validity is checked on read). */
  public List<Long> committedSteps() throws IOException {
    List<Long> steps = new ArrayList<>();
    if (!fs.exists(root)) {
      return steps;
    }
    for (FileStatus st : fs.listStatus(root)) {
      Matcher m = CKPT.matcher(st.getPath().getName());
      if (st.isDirectory() && m.matches()) {
        steps.add(Long.parseLong(m.group(1)));
      }
    }
    steps.sort(Comparator.reverseOrder());
    return steps;
  }

  /** The newest checkpoint whose files are all present with the manifest's sizes. */
  public Optional<Checkpoint> latest() throws IOException {
    for (Path candidate : candidates()) {
      Optional<Checkpoint> c = verifySizes(candidate);
      if (c.isPresent()) {
        return c;
      }
      LOG.warn("skipping partial or corrupt checkpoint {}", candidate);
    }
    return Optional.empty();
  }

  /**
   * Downloads the newest intact checkpoint into {@code localDir}, verifying CRC32s; a corrupt one is
   * skipped with a warning in favour of the previous one. Empty when there is none.
   */
  public Optional<Checkpoint> restoreLatest(java.nio.file.Path localDir) throws IOException {
    for (Path candidate : candidates()) {
      Optional<Checkpoint> c = verifySizes(candidate);
      if (c.isEmpty()) {
        LOG.warn("skipping partial or corrupt checkpoint {}", candidate);
        continue;
      }
      try {
        download(c.get(), localDir);
        return c;
      } catch (CorruptCheckpointException e) {
        LOG.warn("skipping corrupt checkpoint {}: {}", candidate, e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The pointer's target first, then every ckpt-* directory, newest first. */
  private List<Path> candidates() throws IOException {
    List<Path> out = new ArrayList<>();
    Path pointer = new Path(root, LATEST);
    if (fs.exists(pointer)) {
      try (InputStream in = fs.open(pointer)) {
        out.add(new Path(root, new String(in.readAllBytes(), StandardCharsets.UTF_8).trim()));
      } catch (IOException e) {
        LOG.warn("cannot read {} ({}); scanning for checkpoints instead", pointer, e.toString());
      }
    }
    for (long step : committedSteps()) {
      Path p = new Path(root, dirName(step));
      if (!out.contains(p)) {
        out.add(p);
      }
    }
    return out;
  }

  private Optional<Checkpoint> verifySizes(Path dir) throws IOException {
    Path manifestPath = new Path(dir, Manifest.NAME);
    if (!fs.exists(manifestPath)) {
      return Optional.empty();
    }
    Manifest m;
    try (InputStream in = fs.open(manifestPath)) {
      m = Manifest.fromJson(in.readAllBytes());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    for (Map.Entry<String, Manifest.FileEntry> e : m.files().entrySet()) {
      Path f = new Path(dir, e.getKey());
      if (!fs.exists(f) || fs.getFileStatus(f).getLen() != e.getValue().size()) {
        return Optional.empty();
      }
    }
    return Optional.of(new Checkpoint(m.step(), dir, m.files()));
  }

  private void download(Checkpoint c, java.nio.file.Path localDir) throws IOException {
    Files.createDirectories(localDir);
    byte[] buf = new byte[1 << 16];
    for (Map.Entry<String, Manifest.FileEntry> e : c.files().entrySet()) {
      CRC32 crc = new CRC32();
      try (InputStream in = fs.open(new Path(c.dir(), e.getKey()));
           OutputStream out = Files.newOutputStream(localDir.resolve(e.getKey()))) {
        int n;
        while ((n = in.read(buf)) > 0) {
          crc.update(buf, 0, n);
          out.write(buf, 0, n);
        }
      }
      if (crc.getValue() != e.getValue().crc32()) {
        throw new CorruptCheckpointException(e.getKey() + " has CRC32 " + crc.getValue() + ", manifest says "
            + e.getValue().crc32());
      }
    }
  }
}
