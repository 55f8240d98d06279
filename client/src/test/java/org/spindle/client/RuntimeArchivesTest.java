package org.spindle.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.conf.SpindleConfigException;

/** The runtime cache on a real (local) Hadoop file system. */
class RuntimeArchivesTest {
  private static Path zip(Path dir, String name, long seed) throws Exception {
    byte[] b = new byte[256 * 1024];
    new Random(seed).nextBytes(b);
    return Files.write(Files.createDirectories(dir).resolve(name + ".zip"), b);
  }

  private static List<String> cacheFiles(Path cache) throws Exception {
    try (var s = Files.list(cache)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
    }
  }

  @Test
  void anArchiveIsUploadedOnceUnderItsContentHashAndReusedAfter(@TempDir Path tmp) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path cache = tmp.resolve("cache");
    Path tf = zip(tmp.resolve("runtimes"), "tensorflow-lib", 1);
    RuntimeArchives.Cached first = RuntimeArchives.cache(fs, new org.apache.hadoop.fs.Path(cache.toUri()),
        "tensorflow-lib", tf);
    assertEquals(Files.size(tf), first.uploadedBytes());
    String name = "tensorflow-lib-" + RuntimeArchives.sha256(tf).substring(0, 16) + ".zip";
    assertEquals(List.of(name), cacheFiles(cache), "only the final file, no temporary one");
    assertArrayEquals(Files.readAllBytes(tf), Files.readAllBytes(cache.resolve(name)));
    assertEquals(first.path() + "#tensorflow-lib", first.entry());

    RuntimeArchives.Cached again = RuntimeArchives.cache(fs, new org.apache.hadoop.fs.Path(cache.toUri()),
        "tensorflow-lib", tf);
    assertEquals(0, again.uploadedBytes(), "the second submission uploads nothing");
    assertEquals(first.path(), again.path());

    Path rebuilt = zip(tmp.resolve("runtimes2"), "tensorflow-lib", 2);
    RuntimeArchives.Cached other = RuntimeArchives.cache(fs, new org.apache.hadoop.fs.Path(cache.toUri()),
        "tensorflow-lib", rebuilt);
    assertEquals(Files.size(rebuilt), other.uploadedBytes(), "another build is another archive");
    assertEquals(2, cacheFiles(cache).size());
  }

  @Test
  void concurrentFirstSubmissionsLeaveOneWholeArchive(@TempDir Path tmp) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path cache = tmp.resolve("cache");
    Path spark = zip(tmp.resolve("runtimes"), "spark-lib", 3);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Callable<RuntimeArchives.Cached> submit = () -> RuntimeArchives.cache(fs,
          new org.apache.hadoop.fs.Path(cache.toUri()), "spark-lib", spark);
      List<Future<RuntimeArchives.Cached>> all = pool.invokeAll(List.of(submit, submit, submit, submit));
      for (Future<RuntimeArchives.Cached> f : all) {
        assertEquals(all.get(0).get().path(), f.get().path());
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> files = cacheFiles(cache);
    assertEquals(1, files.size(), files.toString());
    assertArrayEquals(Files.readAllBytes(spark), Files.readAllBytes(cache.resolve(files.get(0))));
  }

  @Test
  void rolesGetTheRuntimesTheyNeedAndAMissingRuntimeIsNamed(@TempDir Path tmp) throws Exception {
    JobConfLoader loader = new JobConfLoader();
    JobSpec commands = loader.load(List.of(), Map.of("spindle.role.worker.command", "python3 t.py"));
    assertEquals(List.of(), RuntimeArchives.needed(commands));
    JobSpec tf = loader.load(List.of(), Map.of("spindle.job.class", "x.Job", "spindle.role.worker.instances", "2"));
    assertEquals(List.of("tensorflow-lib"), RuntimeArchives.needed(tf));
    JobSpec withSpark = loader.load(List.of(), Map.of("spindle.job.class", "x.Job", "spindle.role.worker.instances",
        "2", "spindle.role.spark-driver.instances", "1"));
    assertEquals(List.of("spark-lib", "tensorflow-lib"), RuntimeArchives.needed(withSpark));
    assertTrue(RuntimeArchives.submitProvides(withSpark));
    assertTrue(!RuntimeArchives.submitProvides(loader.load(List.of(), Map.of("spindle.job.class", "x.Job",
        "spindle.role.worker.instances", "2", "spindle.container.archives", "hdfs:///apps/tf.zip"))),
        "the job's own archives win");

    // The distribution's layout: lib/spindle.jar and runtimes/ beside lib/.
    Path dist = tmp.resolve("spindle-1.0");
    Path jar = Files.createDirectories(dist.resolve("lib")).resolve("spindle.jar");
    Files.writeString(jar, "jar");
    zip(dist.resolve("runtimes"), "tensorflow-lib", 4);
    assertEquals(dist.resolve("runtimes"), RuntimeArchives.directory(jar).orElseThrow());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> RuntimeArchives.provide(withSpark,
        FileSystem.getLocal(new Configuration()), jar, new PrintStream(printed, true, StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("need the runtime archive(s) [spark-lib.zip]")
        && e.getMessage().contains("spindle.container.archives"), e.getMessage());
  }
}
