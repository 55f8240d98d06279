package org.spindle.client;

import java.util.Locale;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `run --local` without --conf (or with --example fm-movielens): the FM movie recommender on
 * generated MovieLens-schema data (bin/spindle passes where the examples jar is; the runtimes are the
 * distribution's archives, which submit uploads).
 */
final class FmExample {
  static final String NAME = "fm-movielens";
  static final String EXAMPLES_JAR = "spindle.examples.jar";

  private FmExample() {}

  /** Where the build put the runtimes; a clear error when it has not run. */
  static Path required(String property, String what) {
    String v = System.getProperty(property);
    if (v == null || !Files.exists(Path.of(v))) {
      throw new SpindleCli.CliException(what + " not found (" + property + "=" + v + "); build first: "
          + "mvn -B -q package -DskipTests, and run through bin/spindle");
    }
    return Path.of(v).toAbsolutePath();
  }

  static Path examplesJar() {
    return required(EXAMPLES_JAR, "the examples jar");
  }

  /** Writes the data with the examples jar's generator; returns the data folder. */
  static Path generate(Path work, int ratings, PrintStream out) throws Exception {
    Path data = work.resolve("movielens");
    if (Files.exists(data.resolve("ratings.csv")) && Files.exists(data.resolve("movies.csv"))
        && Files.readAllLines(data.resolve("ratings.csv")).size() == ratings + 1) {
      return data;
    }
    out.println("generating " + ratings + " MovieLens-schema ratings under " + data);
    try (URLClassLoader cl = new URLClassLoader(new URL[] {examplesJar().toUri().toURL()},
        FmExample.class.getClassLoader())) {
      Method write = cl.loadClass("org.spindle.examples.movielens.MovieLensGenerator")
          .getMethod("write", Path.class, int.class, long.class);
      write.invoke(null, data, ratings, 7L);
    }
    return data;
  }

  /**
   * The job's keys: spark-driver, 2 executors, 2 workers (plus 1 ps in PS mode; mode "allreduce"
   * has none), checkpoints and outputs under work.
   */
  static Map<String, String> keys(Path work, Path data, int epochs, String mode) {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("spindle.app.name", "fm-movielens");
    k.put("spindle.job.class", "org.spindle.examples.movielens.FmMovieLensJob");
    k.put("spindle.app.restart-mode", "gang");
    k.put("spindle.task.registration-timeout", "5m");
    k.put("spindle.role.spark-driver.instances", "1");
    k.put("spindle.role.spark-driver.memory", "1536");
    k.put("spindle.role.spark-executor.instances", "2");
    k.put("spindle.role.spark-executor.memory", "1280");
    List<String> tfRoles = mode.equals("allreduce") ? List.of("worker") : List.of("ps", "worker");
    k.put("spindle.tensorflow.mode", mode);
    if (tfRoles.contains("ps")) {
      k.put("spindle.app.untracked-roles", "ps");
      k.put("spindle.role.ps.instances", "1");
    }
    k.put("spindle.role.worker.instances", "2");
    for (String role : tfRoles) {
      k.put("spindle.role." + role + ".memory", "1024");
      k.put("spindle.role." + role + ".env.TF_CPP_MIN_LOG_LEVEL", "2");
    }
    k.put("spindle.checkpoint.dir", work.resolve("lake/checkpoints").toUri().toString());
    k.put("spindle.model.export-dir", work.resolve("lake/models").toUri().toString());
    k.put("spindle.feed.epochs", Integer.toString(epochs));
    k.put("spindle.feed.batch-rows", "1024");
    k.put("spindle.spark.conf.spark.sql.shuffle.partitions", "8");
    k.put("example.data-dir", data.toUri().toString());
    k.put("example.output-dir", work.resolve("lake/output").toUri().toString());
    return k;
  }

  /** Prints the job's report: test RMSE and AUC of the FM and both baselines, where the outputs are. */
  static void printReport(Path work, PrintStream out) throws Exception {
    Path report = work.resolve("lake/output/report.json");
    if (!Files.exists(report)) {
      out.println("no report at " + report);
      return;
    }
    com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(Files.readString(report)).getAsJsonObject();
    out.println();
    out.println("test set          RMSE      AUC");
    for (String[] row : new String[][] {{"FM", "fm"}, {"user+item bias", "baseline.bias"}, {"global mean", "baseline.mean"}}) {
      out.printf(Locale.ROOT, "%-16s  %6.4f    %6.4f%n", row[0], value(json, row[1] + ".rmse"),
          value(json, row[1] + ".auc"));
    }
    out.println("model:        " + text(json, "model"));
    out.println("predictions:  " + text(json, "predictions") + " (Parquet)");
  }

  private static double value(com.google.gson.JsonObject json, String key) {
    return json.has(key) ? json.get(key).getAsDouble() : Double.NaN;
  }

  private static String text(com.google.gson.JsonObject json, String key) {
    return json.has(key) ? json.get(key).getAsString() : "?";
  }
}
