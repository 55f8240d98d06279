package org.spindle.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.spindle.conf.SpindleEnv;

/**
 * What the client sees when a task's main fails: the exception's message and its root cause, and for the
 * causes with a known remedy, the remedy. Written to the diagnostics file the launcher passes on in its exit
 * report, so the job's diagnostics say it instead of "main class exited 1".
 */
public final class TaskFailure {
  static final String EXPIRED_TOKEN_HINT = " (the job outlived its delegation tokens: on a Kerberos cluster, submit with"
      + " spindle.kerberos.principal and spindle.kerberos.keytab so that the ApplicationMaster re-obtains them)";

  private TaskFailure() {}

  public static String describe(Throwable t) {
    Throwable root = t;
    boolean expiredToken = false;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      root = c;
      String m = String.valueOf(c.getMessage());
      if ((m.contains("InvalidToken") || c.getClass().getName().endsWith("InvalidToken") || m.startsWith("Token "))
          && (m.contains("has expired") || m.contains("is expired") || m.contains("can't be found in cache"))) {
        expiredToken = true;
      }
    }
    String text = root == t ? String.valueOf(t.getMessage()) : t.getMessage() + " / cause: " + root.getMessage();
    return expiredToken ? text + EXPIRED_TOKEN_HINT : text;
  }

  /** {@link #describe} into the working directory's diagnostics file (best effort: the log has it too). */
  public static void report(Throwable t) {
    report(describe(t));
  }

  public static void report(String message) {
    try {
      Files.writeString(Path.of(SpindleEnv.DIAGNOSTICS_FILE), message, StandardCharsets.UTF_8);
    } catch (IOException ignored) {
      // the task's log has the stack trace
    }
  }
}
