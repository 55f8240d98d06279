package org.spindle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.spindle.client.SpindleCli;

/**
 * The README's first command at a smaller size: `spindle run --local` (no --conf) runs the FM movie
 * recommender on its own embedded cluster, and the FM beats both baselines on the test set. The tasks
 * run with an empty user.home, as on a fresh machine: JavaCPP's default cache would be cold there.
 */
class RunLocalFmTest {
  @Test
  void runLocalTrainsTheFmExampleWhichBeatsBothBaselines() throws Exception {
    runAndCheck("RunLocalFmTest");
  }

  /** The same product path with synchronous data-parallel training: 2 workers, CollectiveReduceV2, no ps. */
  @Test
  void inAllreduceModeTheFmAlsoBeatsBothBaselines() throws Exception {
    String printed = runAndCheck("RunLocalFmTest-allreduce", "--mode", "allreduce");
    assertTrue(printed.contains("2 allreduce workers"), printed);
  }

  /** Runs `spindle run --local` (60k ratings, 20 epochs) with the extra arguments; returns what it printed. */
  private static String runAndCheck(String dir, String... extra) throws Exception {
    Path work = Path.of(System.getProperty("spindle.test.work", "target/minicluster")).resolve(dir).toAbsolutePath();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    // Every task JVM gets a user.home nothing was ever cached in (JavaCPP's default cache lives there):
    // the first run on a fresh machine must not depend on it, nor leave anything in it.
    Path coldHome = work.resolve("cold-home");
    if (Files.exists(coldHome)) {
      try (java.util.stream.Stream<Path> old = Files.walk(coldHome)) {
        for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(coldHome);
    List<String> args = new ArrayList<>(List.of("run", "--local", "--work-dir",
        work.toString(), "--ratings", "60000", "--epochs", "20", "--conf",
        "spindle.dist.jar=" + System.getProperty("spindle.dist.jar"), "--conf",
        "spindle.role.{role}.java-opts=-Duser.home=" + coldHome));
    args.addAll(List.of(extra));
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      code = SpindleCli.run(args.toArray(new String[0]), out, out);
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);
    Files.writeString(work.resolve("cli.out"), printed);
    // run --local keeps the uploaded runtimes (about 1 GB) for the next run; this test runs once.
    MiniClusterSupport.deleteTree(work.resolve("archive-cache"));
    assertEquals(0, code, printed);
    try (java.util.stream.Stream<Path> left = Files.list(coldHome)) {
      assertEquals(List.of(), left.toList(), "the tasks wrote into their user.home");
    }
    double fmRmse = metric(printed, "FM", 1);
    double biasRmse = metric(printed, "user\\+item bias", 1);
    double meanRmse = metric(printed, "global mean", 1);
    double fmAuc = metric(printed, "FM", 2);
    double biasAuc = metric(printed, "user\\+item bias", 2);
    assertTrue(fmRmse < biasRmse && biasRmse < meanRmse, "RMSE: " + printed);
    assertTrue(fmAuc > biasAuc && biasAuc > 0.5, "AUC: " + printed);
    assertTrue(Files.exists(work.resolve("lake/models/fm/saved_model.pb")), "the SavedModel exists");
    try (java.util.stream.Stream<Path> parts = Files.list(work.resolve("lake/output/predictions"))) {
      assertTrue(parts.anyMatch(p -> p.getFileName().toString().endsWith(".parquet")), "Parquet predictions");
    }
    return printed;
  }

  /** Column {@code group} (1 = RMSE, 2 = AUC) of the printed row starting with {@code label}. */
  private static double metric(String printed, String label, int group) {
    Matcher m = Pattern.compile("(?m)^" + label + "\\s+([0-9.]+)\\s+([0-9.]+)").matcher(printed);
    assertTrue(m.find(), "no '" + label + "' row in:\n" + printed);
    return Double.parseDouble(m.group(group));
  }
}
