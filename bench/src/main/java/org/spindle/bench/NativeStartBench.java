package org.spindle.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * TF task start-up on a node: JVM launch to TF loaded (the child exits right after loading TF and
 * listing its devices, as a TF task does first), for N task JVMs started together, per variant:
 * <ul>
 *   <li>{@code home-cache-cold}: before the fix, JavaCPP's shared cache in the user's home, empty
 *       (a node's first TF job);</li>
 *   <li>{@code home-cache-warm}: before the fix, the same cache on a later job;</li>
 *   <li>{@code archive-natives}: after the fix, the natives unpacked in the TF runtime archive, loaded
 *       in place (pathsFirst), nothing extracted.</li>
 * </ul>
 * Also reports the disk each variant needs per node. Usage: {@code bench/run.sh natives [jvms] [reps]}.
 */
public final class NativeStartBench {
  private NativeStartBench() {}

  public static void main(String[] args) throws Exception {
    int jvms = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path tfLib = Path.of(System.getProperty("spindle.tensorflow.lib")).toAbsolutePath();
    Path natives = tfLib.resolve("natives/org/tensorflow/internal/c_api/linux-x86_64");
    String nativeJar = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> e.endsWith("tensorflow-core-native-1.1.0-linux-x86_64.jar")).findFirst().orElseThrow();
    String classes = Path.of(NativeStartBench.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
    String withJar = classes + File.pathSeparator + tfLib + "/*" + File.pathSeparator + nativeJar;
    String withNatives = classes + File.pathSeparator + tfLib + "/*";
    Path work = Files.createTempDirectory("spindle-native-bench");
    Map<String, List<Long>> times = new LinkedHashMap<>();
    for (int rep = 0; rep < reps; rep++) {
      Path home = work.resolve("home-" + rep);
      // home-cache-cold then -warm share one cache, as the first and a later job on a node do
      times.computeIfAbsent("home-cache-cold", k -> new ArrayList<>()).addAll(round(jvms, withJar,
          List.of("-Dorg.bytedeco.javacpp.cachedir=" + home.resolve(".javacpp/cache")), work));
      times.computeIfAbsent("home-cache-warm", k -> new ArrayList<>()).addAll(round(jvms, withJar,
          List.of("-Dorg.bytedeco.javacpp.cachedir=" + home.resolve(".javacpp/cache")), work));
      times.computeIfAbsent("archive-natives", k -> new ArrayList<>()).addAll(round(jvms, withNatives,
          List.of("-Dorg.bytedeco.javacpp.cachedir=" + work.resolve("container-cache-" + rep),
              "-Dorg.bytedeco.javacpp.pathsFirst=true", "-Djava.library.path=" + natives), work));
    }
    long cacheBytes = size(work.resolve("home-0/.javacpp/cache"));
    long containerCacheBytes = size(work.resolve("container-cache-0"));
    System.out.printf("%d TF task JVMs started together, %d reps: JVM launch -> TF loaded (ms)%n", jvms, reps);
    long baseline = median(times.get("archive-natives"));
    for (Map.Entry<String, List<Long>> e : times.entrySet()) {
      long m = median(e.getValue());
      System.out.printf("%-16s median %6d ms  (%.2fx archive-natives)  all %s%n", e.getKey(), m,
          (double) m / baseline, e.getValue());
    }
    System.out.printf("disk per node: native jar %d MB + home cache %d MB (before); unpacked natives %d MB + "
        + "container cache %d MB (after)%n", mb(Files.size(Path.of(nativeJar))), mb(cacheBytes), mb(size(natives)),
        mb(containerCacheBytes));
    deleteTree(work);
  }

  /** Starts n JVMs at once; returns each one's wall time from launch to exit. */
  private static List<Long> round(int n, String classpath, List<String> opts, Path work) throws Exception {
    List<Process> ps = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m"));
      cmd.addAll(opts);
      cmd.addAll(List.of("-cp", classpath, LoadTf.class.getName()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("out.txt").toFile()));
      pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
      starts.add(System.nanoTime());
      ps.add(pb.start());
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!ps.get(i).waitFor(300, TimeUnit.SECONDS) || ps.get(i).exitValue() != 0) {
        throw new IllegalStateException("a TF JVM failed: see " + work.resolve("out.txt"));
      }
      out.add((System.nanoTime() - starts.get(i)) / 1_000_000);
    }
    return out;
  }

  /** The child: load TF and list its devices, as a TF task does first. */
  public static final class LoadTf {
    public static void main(String[] args) {
      System.out.println(org.spindle.tensorflow.TfDevices.list());
    }
  }

  private static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(Comparator.naturalOrder());
    return s.get(s.size() / 2);
  }

  private static long mb(long bytes) {
    return bytes / (1024 * 1024);
  }

  private static long size(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
