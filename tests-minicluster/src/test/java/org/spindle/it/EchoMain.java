package org.spindle.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A user main class shipped with --jars: appends its args and role to a file. */
public final class EchoMain {
  private EchoMain() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    String line = System.getenv("SPINDLE_ROLE") + " " + System.getenv("SPINDLE_INDEX") + " " + args[1]
        + " " + System.getenv("GREETING") + "\n";
    Files.writeString(out, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
