package org.spindle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `run --local` rejects bad options with exit code 2 before it starts (or creates) anything. */
class RunLocalArgsTest {
  private static String run(Path work, String... extra) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String[] args = new String[extra.length + 4];
    args[0] = "run";
    args[1] = "--local";
    args[2] = "--work-dir";
    args[3] = work.toString();
    System.arraycopy(extra, 0, args, 4, extra.length);
    int code;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      code = SpindleCli.run(args, out, out);
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, printed);
    return printed;
  }

  @Test
  void anUnknownOptionIsAnErrorNamingTheOptionsTheCommandTakes(@TempDir Path tmp) {
    Path work = tmp.resolve("work");
    String printed = run(work, "--epoch", "3");
    assertTrue(printed.contains("unknown option '--epoch'") && printed.contains("--epochs"), printed);
    assertFalse(Files.exists(work), "nothing was created");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      assertEquals(2, SpindleCli.run(new String[] {"submit", "--conf", "a=b", "--nowait"}, out, out));
    }
    assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("unknown option '--nowait'"), bytes.toString());
  }

  @Test
  void badModeOrExampleFailsBeforeAnyClusterStarts(@TempDir Path tmp) {
    Path work = tmp.resolve("work");
    assertTrue(run(work, "--mode", "horovod").contains("--mode must be ps or allreduce, got 'horovod'"));
    assertTrue(run(work, "--example", "demo", "--mode", "allreduce").contains("--mode applies to the FM example"));
    assertTrue(run(work, "--example", "mnist").contains("unknown example 'mnist'; examples: fm-movielens, demo"));
    assertFalse(Files.exists(work), "nothing was created");
  }
}
