package org.spindle.client;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.client.cli.LogsCLI;
import org.apache.hadoop.yarn.webapp.util.WebServiceClient;

/**
 * `spindle logs`: YARN's own log reader (aggregated or live NM logs), optionally narrowed to one
 * task. Each task container's log starts with the launcher's "task role:index" line, which is how
 * a role and index are matched to containers, restarts included.
 */
final class ContainerLogs {
  private ContainerLogs() {}

  static int print(Configuration conf, ApplicationId id, String role, Integer index, PrintStream out)
      throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    // LogsCLI reads live NodeManager logs over their web services; the client must be initialized first.
    WebServiceClient.initialize(conf);
    LogsCLI cli = new LogsCLI();
    cli.setConf(conf);
    PrintStream sysOut = System.out;
    int rc;
    try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      rc = cli.run(new String[] {"-applicationId", id.toString()});
    } finally {
      System.setOut(sysOut);
      WebServiceClient.destroy();
    }
    String all = buf.toString(StandardCharsets.UTF_8);
    if (role == null) {
      out.print(all);
      return rc;
    }
    String marker = "task " + role + ":" + (index == null ? "" : index + " ");
    List<String> matched = new ArrayList<>();
    for (String section : all.split("(?m)^(?=Container: )")) {
      if (section.contains(marker)) {
        matched.add(section);
      }
    }
    if (matched.isEmpty()) {
      out.println("no container logs found for " + role + (index == null ? "" : ":" + index) + " in " + id);
      return 1;
    }
    matched.forEach(out::print);
    return rc;
  }
}
