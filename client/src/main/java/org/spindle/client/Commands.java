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
  private Commands() {}

  static int submit(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of());
    if (a.jobXmls.isEmpty() && a.overrides.isEmpty()) {
      throw new SpindleCli.CliException("submit needs --conf job.xml (and/or --conf key=value)");
    }
    SubmitResult r = new SpindleClient(new YarnConfiguration(), out).submit(a.jobXmls,
        JobConfLoader.parseOverrides(a.overrides), a.jars, !a.flags.contains("--no-wait"));
    return r.finalStatus() == null || r.succeeded() ? 0 : 1;
  }

  static int runLocal(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of("--work-dir"));
    if (!a.flags.contains("--local")) {
      throw new SpindleCli.CliException("only `run --local` is supported; use `submit` for a real cluster");
    }
    Path work = Path.of(a.options.getOrDefault("--work-dir", "spindle-work")).toAbsolutePath();
    Files.createDirectories(work);
    out.println("starting an embedded YARN cluster (2 CPU nodes + 1 GPU node) under " + work);
    try (LocalCluster cluster = LocalCluster.start(work.resolve("cluster"), "spindle-local")) {
      Map<String, String> overrides = new LinkedHashMap<>();
      if (a.jobXmls.isEmpty()) {
        overrides.putAll(DemoJob.keys());
        out.println("no --conf given: running the demo job (1 ps + 2 GPU workers)");
      }
      overrides.putAll(cluster.containerKeys());
      overrides.putAll(JobConfLoader.parseOverrides(a.overrides));
      SubmitResult r = new SpindleClient(cluster.conf(), out).submit(a.jobXmls, overrides, a.jars, true);
      out.println("container logs: " + work.resolve("cluster"));
      return r.succeeded() ? 0 : 1;
    }
  }

  static int status(List<String> args, PrintStream out) throws Exception {
    ApplicationId id = appId(args);
    try (YarnClient yarn = yarn()) {
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
    ApplicationId id = appId(args);
    try (YarnClient yarn = yarn()) {
      yarn.killApplication(id, "killed with spindle kill");
      out.println("killed " + id);
      return 0;
    }
  }

  static int logs(List<String> args, PrintStream out) throws Exception {
    CliArgs a = CliArgs.parse(args, List.of("--role", "--index"));
    ApplicationId id = appId(a.positional);
    return ContainerLogs.print(new YarnConfiguration(), id, a.options.get("--role"),
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

  private static YarnClient yarn() {
    YarnClient y = YarnClient.createYarnClient();
    y.init(new YarnConfiguration());
    y.start();
    return y;
  }
}
