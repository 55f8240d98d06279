package org.spindle.client;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * `spindle` command line. Works under `yarn jar spindle.jar ...` (Hadoop's RunJar) and
 * `java -jar spindle.jar --help`; nothing Hadoop is loaded until a command needs it.
 */
public final class SpindleCli {
  static final String USAGE = String.join("\n",
      "usage: spindle <command> [options]",
      "",
      "commands:",
      "  submit --conf job.xml [--conf k=v ...] [--jars a.jar,b.jar] [--no-wait]",
      "                      submit a job to YARN and wait for it (exit code = final status)",
      "  run --local [--example fm-movielens|demo | --conf job.xml --jars a.jar] [--conf k=v ...]",
      "              [--work-dir dir] [--ratings n] [--epochs n] [--mode ps|allreduce]",
      "                      start an embedded YARN cluster (2 CPU nodes + 1 GPU node), embedded",
      "                      ZooKeeper and a file:// data lake, and run the job; without --conf the",
      "                      FM movie recommender on --ratings generated ratings (100000), trained",
      "                      with a parameter server (--mode ps, default) or allreduce",
      "  status <appId>      print the application's state, queue and diagnostics",
      "  kill <appId>        kill the application",
      "  logs <appId> [--role r --index i]",
      "                      print container logs (all containers, or one task's)",
      "  history <appId> [--history-dir dir]",
      "                      print the job's history (spec, tasks, metrics, checkpoints, outcome)",
      "  --help              this text",
      "",
      "options for submit, status, kill, logs and history:",
      "  --hadoop-conf dir   read core-site.xml/yarn-site.xml from dir instead of the classpath",
      "                      (under `yarn jar` the classpath already holds HADOOP_CONF_DIR)",
      "",
      "Every key is documented in conf/spindle-default.xml.");

  private static final List<String> COMMANDS = List.of("submit", "run", "status", "kill", "logs", "history");

  private SpindleCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * spindle.jar does not bundle Hadoop: the cluster's comes with `yarn jar`, and bin/spindle adds the
   * embedded cluster's for run --local. Run as `java -jar spindle.jar`, neither is there.
   */
  static String missingHadoop(String command) {
    try {
      Class.forName("org.apache.hadoop.conf.Configuration", false, SpindleCli.class.getClassLoader());
      return null;
    } catch (ClassNotFoundException | LinkageError e) {
      return "Hadoop's classes are not on the classpath (spindle.jar does not bundle them), so '" + command
          + "' cannot run this way. On a cluster run `yarn jar spindle.jar " + command + " ...` (it adds the "
          + "cluster's Hadoop and configuration); for the local quick start run `bin/spindle run --local` from "
          + "the source tree (it adds the embedded cluster's jars).";
    }
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      out.println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
    String missing = COMMANDS.contains(args[0]) ? missingHadoop(args[0]) : null;
    if (missing != null) {
      err.println("spindle: " + missing);
      return 2;
    }
    try {
      return switch (args[0]) {
        case "submit" -> Commands.submit(rest, out);
        case "run" -> Commands.runLocal(rest, out);
        case "status" -> Commands.status(rest, out);
        case "kill" -> Commands.kill(rest, out);
        case "logs" -> Commands.logs(rest, out);
        case "history" -> Commands.history(rest, out);
        default -> {
          err.println("unknown command '" + args[0] + "'\n" + USAGE);
          yield 2;
        }
      };
    } catch (CliException e) {
      err.println("spindle: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      if (e.getClass().getName().endsWith("SpindleConfigException")) {
        err.println("spindle: " + e.getMessage());
        return 2;
      }
      err.println("spindle: " + e);
      e.printStackTrace(err);
      return 1;
    } catch (Exception e) {
      err.println("spindle: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  /** Bad command-line usage. */
  static final class CliException extends RuntimeException {
    CliException(String message) {
      super(message);
    }
  }
}
