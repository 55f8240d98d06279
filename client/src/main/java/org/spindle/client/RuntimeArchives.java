package org.spindle.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.spindle.conf.JobSpec;
import org.spindle.conf.RoleDefaults;
import org.spindle.conf.RoleSpec;
import org.spindle.conf.SpindleConfigException;

/**
 * The TensorFlow and Spark runtimes the distribution ships, uploaded by submit to a cache on the
 * cluster's file system, as Spark ships spark.yarn.archive and Flink reuses yarn.provided.lib.dirs:
 * each archive is named by its content hash, so it is uploaded once per build and every later
 * submission reuses it (0 bytes uploaded). An upload goes to a temporary name first and is renamed
 * into place, so concurrent first submissions never leave a torn file under the final name.
 */
final class RuntimeArchives {
  /** Where the runtime archives lie, overriding the places next to spindle.jar (bin/spindle sets it). */
  static final String DIR_PROPERTY = "spindle.runtimes.dir";
  private static final int HASH_CHARS = 16;

  /** What submit did for one runtime: where it is on the cluster, and how many bytes it uploaded. */
  record Cached(String runtime, Path path, long uploadedBytes) {
    String entry() {
      return path + "#" + runtime;
    }
  }

  private RuntimeArchives() {}

  /** The runtimes the job's roles need, in a stable order; empty for a job of command roles. */
  static List<String> needed(JobSpec spec) {
    TreeSet<String> out = new TreeSet<>();
    for (RoleSpec r : spec.roles().values()) {
      out.addAll(RoleDefaults.runtimes(r));
    }
    return List.copyOf(out);
  }

  /** Whether submit should provide the runtimes: the job names none of its own. */
  static boolean submitProvides(JobSpec spec) {
    return spec.containerArchives().isEmpty() && spec.containerTaskClasspath().isEmpty()
        && spec.runtimeArchives().isEmpty();
  }

  /**
   * The directory holding tensorflow-lib.zip and spark-lib.zip: the system property, else runtimes/
   * beside the distribution's lib/ (lib/spindle.jar), else beside spindle.jar itself (dist/target).
   */
  static Optional<java.nio.file.Path> directory(java.nio.file.Path distJar) {
    List<java.nio.file.Path> candidates = new ArrayList<>();
    String prop = System.getProperty(DIR_PROPERTY, "");
    if (!prop.isEmpty()) {
      candidates.add(java.nio.file.Path.of(prop));
    }
    java.nio.file.Path jarDir = distJar.toAbsolutePath().getParent();
    if (jarDir != null) {
      if (jarDir.getParent() != null) {
        candidates.add(jarDir.getParent().resolve("runtimes"));
      }
      candidates.add(jarDir.resolve("runtimes"));
    }
    return candidates.stream().filter(Files::isDirectory).findFirst();
  }

  /** Uploads (or finds) every runtime the job needs and returns where each is on the cluster. */
  static List<Cached> provide(JobSpec spec, FileSystem fs, java.nio.file.Path distJar, PrintStream out)
      throws IOException {
    List<String> needed = needed(spec);
    if (needed.isEmpty()) {
      return List.of();
    }
    Optional<java.nio.file.Path> dir = directory(distJar);
    Map<String, java.nio.file.Path> zips = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String runtime : needed) {
      java.nio.file.Path zip = dir.map(d -> d.resolve(runtime + ".zip")).orElse(null);
      if (zip == null || !Files.isRegularFile(zip)) {
        missing.add(runtime + ".zip");
      } else {
        zips.put(runtime, zip);
      }
    }
    if (!missing.isEmpty()) {
      throw new SpindleConfigException("this job's roles need the runtime archive(s) " + missing + " but they are not "
          + dir.map(d -> "in " + d).orElse("beside " + distJar + " (runtimes/)") + ": run the distribution's "
          + "bin/spindle or `yarn jar lib/spindle.jar` from the unpacked spindle-*-bin.tar.gz, build them with "
          + "`mvn package` (dist/target/runtimes), or name uploaded runtimes in spindle.container.archives");
    }
    Path cacheDir = spec.archiveCacheDir().isEmpty() ? new Path(fs.getHomeDirectory(), ".spindle/archives")
        : new Path(spec.archiveCacheDir());
    List<Cached> cached = new ArrayList<>();
    for (Map.Entry<String, java.nio.file.Path> e : zips.entrySet()) {
      Cached c = cache(fs, cacheDir, e.getKey(), e.getValue());
      out.println("runtime " + e.getKey() + ": " + (c.uploadedBytes() == 0 ? "reusing " + c.path() + " (0 bytes uploaded)"
          : "uploaded " + c.uploadedBytes() + " bytes to " + c.path()));
      cached.add(c);
    }
    return cached;
  }

  /** The archive under its content-hash name in cacheDir, uploading it first when it is not there. */
  static Cached cache(FileSystem fs, Path cacheDir, String runtime, java.nio.file.Path zip) throws IOException {
    String name = runtime + "-" + sha256(zip).substring(0, HASH_CHARS) + ".zip";
    Path target = fs.makeQualified(new Path(cacheDir, name));
    long size = Files.size(zip);
    if (present(fs, target, size)) {
      return new Cached(runtime, target, 0);
    }
    fs.mkdirs(cacheDir, new FsPermission((short) 0700));
    Path tmp = new Path(cacheDir, "." + name + "." + UUID.randomUUID() + ".tmp");
    try (InputStream in = Files.newInputStream(zip); OutputStream os = fs.create(tmp, false)) {
      in.transferTo(os);
    }
    boolean renamed = fs.rename(tmp, target);
    if (!renamed) {
      fs.delete(tmp, false);
      if (!present(fs, target, size)) { // rename fails when another submission put it in place first
        throw new IOException("could not move the uploaded runtime " + tmp + " to " + target);
      }
      return new Cached(runtime, target, 0);
    }
    return new Cached(runtime, target, size);
  }

  private static boolean present(FileSystem fs, Path p, long size) throws IOException {
    if (!fs.exists(p)) {
      return false;
    }
    FileStatus st = fs.getFileStatus(p);
    return st.isFile() && st.getLen() == size;
  }

  static String sha256(java.nio.file.Path file) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
