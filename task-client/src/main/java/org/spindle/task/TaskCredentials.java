package org.spindle.task;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.spindle.conf.SpindleEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delegation tokens the ApplicationMaster re-obtained from its keytab, on their way into a task: the
 * launcher gets them with a heartbeat, adds them to its own user and writes them (temp file, then rename)
 * to the file named by SPINDLE_CREDENTIALS_FILE; the task's JVM reloads that file into its user whenever it
 * changes. A token replaces the one of the same service, so HDFS and the rest pick up the fresh one.
 */
public final class TaskCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(TaskCredentials.class);
  /** The file's name in the container's working directory (a *.tokens file, like container_tokens). */
  public static final String FILE_NAME = "spindle-credentials.tokens";
  private static final long POLL_MS = 1_000;

  private TaskCredentials() {}

  public static Credentials parse(byte[] tokens) throws IOException {
    Credentials c = new Credentials();
    c.readTokenStorageStream(new DataInputStream(new ByteArrayInputStream(tokens)));
    return c;
  }

  /** Adds the tokens to this JVM's user and writes them to {@code file} atomically. */
  public static void accept(byte[] tokens, Path file) throws IOException {
    Credentials c = parse(tokens);
    UserGroupInformation.getCurrentUser().addCredentials(c);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, tokens);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    LOG.info("received {} fresh delegation token(s) from the ApplicationMaster", c.numberOfTokens());
  }

  /**
   * In a task's JVM: reloads SPINDLE_CREDENTIALS_FILE into this JVM's user each time the launcher rewrites
   * it. Nothing when the variable is unset (not in a Spindle container).
   */
  public static void watch() {
    watch(tokens -> { });
  }

  /**
   * As {@link #watch()}, then hands each reloaded set of tokens (Hadoop's token storage format) to
   * {@code then}: the Spark driver passes them on to its executors with Spark's own UpdateDelegationTokens.
   */
  public static void watch(java.util.function.Consumer<byte[]> then) {
    String name = System.getenv(SpindleEnv.CREDENTIALS_FILE);
    if (name == null || name.isEmpty()) {
      return;
    }
    Path file = Path.of(name);
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "spindle-credentials");
      t.setDaemon(true);
      return t;
    });
    FileTime[] seen = {FileTime.fromMillis(0)};
    s.scheduleWithFixedDelay(() -> {
      try {
        if (!Files.exists(file)) {
          return;
        }
        FileTime t = Files.getLastModifiedTime(file);
        if (t.equals(seen[0])) {
          return;
        }
        seen[0] = t;
        byte[] bytes = Files.readAllBytes(file);
        Credentials c = parse(bytes);
        UserGroupInformation.getCurrentUser().addCredentials(c);
        LOG.info("reloaded {} delegation token(s) the ApplicationMaster re-obtained", c.numberOfTokens());
        then.accept(bytes);
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not reload the delegation tokens in {}: {}", file, e.toString());
      }
    }, 0, POLL_MS, TimeUnit.MILLISECONDS);
  }
}
