package org.spindle.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.hadoop.fs.FileSystem;
import org.spindle.conf.SpindleConfigException;
import org.spindle.conf.SpindleEnv;

/**
 * spindle-task.jar, what task containers run: built into spindle.jar (the build puts it at
 * {@link SpindleEnv#TASK_JAR_RESOURCE}) and staged from there beside spindle.jar, so a user keeps
 * carrying one jar while task containers never load the AM's or the client's classes.
 */
final class TaskJar {
  private TaskJar() {}

  static void stage(Path distJar, FileSystem fs, org.apache.hadoop.fs.Path to) throws IOException {
    try (ZipFile zip = new ZipFile(distJar.toFile())) {
      ZipEntry entry = zip.getEntry(SpindleEnv.TASK_JAR_RESOURCE);
      if (entry == null) {
        throw new SpindleConfigException(distJar + " has no " + SpindleEnv.TASK_JAR_RESOURCE + " inside, so task "
            + "containers would have nothing to run: it is not a spindle.jar built by this version's `mvn package` "
            + "(dist/target/spindle.jar); point " + org.spindle.conf.ConfigKeys.DIST_JAR + " at one that is");
      }
      try (InputStream in = zip.getInputStream(entry); OutputStream out = fs.create(to, true)) {
        in.transferTo(out);
      }
    }
  }
}
