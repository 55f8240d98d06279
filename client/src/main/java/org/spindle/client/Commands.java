package org.spindle.client;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.spindle.client.local.LocalCluster;
import org.spindle.conf.JobConfLoader;

/** The subcommands; loaded only when one runs, so `--help` needs no Hadoop on the classpath. */
final class Commands {
  static final String HADOOP_CONF = "--hadoop-conf";

  private Commands() {}

  static int submit(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of(HADOOP_CONF), List.of("--no-wait"));
    if (a.jobXmls.isEmpty() && a.overrides.isEmpty()) {
      throw new SpindleCli.CliException("submit needs --conf job.xml (and/or --conf key=value)");
    }
    SubmitResult r = new SpindleClient(clusterConf(a), out).submit(a.jobXmls,
        JobConfLoader.parseOverrides(a.overrides), a.jars, !a.flags.contains("--no-wait"));
    return r.finalStatus() == null || r.succeeded() ? 0 : 1;
  }

  static int runLocal(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of("--work-dir", "--example", "--ratings", "--epochs", "--mode"),
        List.of("--local"));
    if (!a.flags.contains("--local")) {
      throw new SpindleCli.CliException("only `run --local` is supported; use `submit` for a real cluster");
    }
    String example = a.options.getOrDefault("--example", a.jobXmls.isEmpty() ? FmExample.NAME : "");
    if (!example.isEmpty() && !example.equals(FmExample.NAME) && !example.equals("demo")) {
      throw new SpindleCli.CliException("unknown example '" + example + "'; examples: " + FmExample.NAME + ", demo");
    }
    String mode = a.options.getOrDefault("--mode", "ps");
    if (!mode.equals("ps") && !mode.equals("allreduce")) {
      throw new SpindleCli.CliException("--mode must be ps or allreduce, got '" + mode + "'");
    }
    if (a.options.containsKey("--mode") && !example.equals(FmExample.NAME)) {
      throw new SpindleCli.CliException("--mode applies to the FM example; for your own job set "
          + "spindle.tensorflow.mode (and its roles) in the job XML");
    }
    Path work = Path.of(a.options.getOrDefault("--work-dir", "spindle-work")).toAbsolutePath();
    Files.createDirectories(work);
    out.println("starting an embedded YARN cluster (2 CPU nodes + 1 GPU node) under " + work);
    Path data = null;
    List<Path> jars = new java.util.ArrayList<>(a.jars);
    if (example.equals(FmExample.NAME)) {
      data = FmExample.generate(work, Integer.parseInt(a.options.getOrDefault("--ratings", "100000")), out);
      jars.add(FmExample.examplesJar());
    }
    try (LocalCluster cluster = LocalCluster.start(work.resolve("cluster"), "spindle-local")) {
      Map<String, String> overrides = new LinkedHashMap<>(cluster.containerKeys());
      // The tasks get the distribution's TensorFlow and Spark runtimes as archives, as on a real cluster;
      // the embedded cluster's file system is the work dir, so they are cached there (once per build).
      overrides.put(org.spindle.conf.ConfigKeys.ARCHIVE_CACHE_DIR, work.resolve("archive-cache").toUri().toString());
      if (example.equals("demo")) {
        overrides.putAll(DemoJob.keys());
        out.println("running the demo job (1 ps + 2 GPU workers)");
      } else if (example.equals(FmExample.NAME)) {
        overrides.putAll(FmExample.keys(work, data, Integer.parseInt(a.options.getOrDefault("--epochs", "10")), mode));
        out.println("running the FM movie recommender: Spark feature engineering on 2 executors, "
            + "TensorFlow FM training on " + (mode.equals("ps") ? "1 ps + 2 workers" : "2 allreduce workers")
            + ", batch scoring back in Spark");
      }
      overrides.putAll(JobConfLoader.parseOverrides(a.overrides));
      SubmitResult r = new SpindleClient(cluster.conf(), out).submit(a.jobXmls, overrides, jars, true);
      out.println("container logs: " + work.resolve("cluster"));
      if (r.succeeded() && example.equals(FmExample.NAME)) {
        FmExample.printReport(work, out);
      }
      return r.succeeded() ? 0 : 1;
    }
  }

  static int status(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of(HADOOP_CONF), List.of());
    ApplicationId id = appId(a.positional);
    try (YarnClient yarn = yarn(clusterConf(a))) {
      ApplicationReport r = yarn.getApplicationReport(id);
      out.println(id + " " + r.getName());
      out.println("  state:        " + r.getYarnApplicationState() + " / " + r.getFinalApplicationStatus());
      out.println("  queue:        " + r.getQueue());
      out.println("  am:           " + r.getHost() + ":" + r.getRpcPort());
      out.println("  tracking url: " + r.getTrackingUrl());
      out.println("  diagnostics:  " + r.getDiagnostics());
      return 0;
    }
  }

  static int kill(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of(HADOOP_CONF), List.of());
    ApplicationId id = appId(a.positional);
    try (YarnClient yarn = yarn(clusterConf(a))) {
      yarn.killApplication(id, "killed with spindle kill");
      out.println("killed " + id);
      return 0;
    }
  }

  /** Prints the job history file the AM wrote when the application ended. */
  static int history(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of(HADOOP_CONF, "--history-dir"), List.of());
    ApplicationId id = appId(a.positional);
    YarnConfiguration conf = clusterConf(a);
    org.apache.hadoop.fs.Path file = org.spindle.am.web.JobHistory.location(conf,
        a.options.getOrDefault("--history-dir", ""), id.toString());
    if (!file.getFileSystem(conf).exists(file)) {
      throw new SpindleCli.CliException("no history for " + id + " at " + file + " (the AM writes it when the "
          + "application ends; pass --history-dir if the job set spindle.history.dir)");
    }
    out.println(org.spindle.am.web.JobHistory.read(conf, file));
    return 0;
  }

  static int logs(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of("--role", "--index", HADOOP_CONF), List.of());
    ApplicationId id = appId(a.positional);
    return ContainerLogs.print(clusterConf(a), id, a.options.get("--role"),
        a.options.containsKey("--index") ? Integer.parseInt(a.options.get("--index")) : null, out);
  }

  private static ApplicationId appId(List<String> args) {
    if (args.isEmpty()) {
      throw new SpindleCli.CliException("expected an application id (application_<ts>_<n>)");
    }
    try {
      return ApplicationId.fromString(args.get(0));
    } catch (IllegalArgumentException e) {
      throw new SpindleCli.CliException("'" + args.get(0) + "' is not an application id (application_<ts>_<n>)");
    }
  }

  /**
   * The cluster's configuration: core-site.xml and yarn-site.xml from the classpath (HADOOP_CONF_DIR
   * under `yarn jar`), or from --hadoop-conf dir.
   */
  static YarnConfiguration clusterConf(CliArgs a) {
    YarnConfiguration conf = new YarnConfiguration();
    String dir = a.options.get(HADOOP_CONF);
    if (dir != null) {
      Path d = Path.of(dir);
      if (!Files.isDirectory(d)) {
        throw new SpindleCli.CliException(HADOOP_CONF + " " + dir + ": not a directory");
      }
      for (String f : List.of("core-site.xml", "hdfs-site.xml", "yarn-site.xml")) {
        if (Files.isRegularFile(d.resolve(f))) {
          conf.addResource(new org.apache.hadoop.fs.Path(d.resolve(f).toUri()));
        }
      }
    }
    return conf;
  }

  private static YarnClient yarn(YarnConfiguration conf) {
    YarnClient y = YarnClient.createYarnClient();
    y.init(conf);
    y.start();
    return y;
  }
}
