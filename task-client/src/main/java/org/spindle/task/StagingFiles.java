package org.spindle.task;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.EnumSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;

/** Small files in the application's staging directory, replaced atomically (write aside, then rename over). */
public final class StagingFiles {
  private StagingFiles() {}

  public static void replace(Configuration conf, Path file, byte[] data) throws IOException {
    FileContext fc = FileContext.getFileContext(file.toUri(), conf);
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp-" + System.nanoTime());
    try (FSDataOutputStream out = fc.create(tmp, EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE),
        Options.CreateOpts.createParent())) {
      out.write(data);
    }
    try {
      fc.rename(tmp, file, Options.Rename.OVERWRITE);
    } catch (IOException e) {
      fc.delete(tmp, false);
      throw e;
    }
  }

  /** The file's bytes, or null when it does not exist. */
  public static byte[] read(Configuration conf, Path file) throws IOException {
    FileContext fc = FileContext.getFileContext(file.toUri(), conf);
    try (var in = fc.open(file)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      IOUtils.copyBytes(in, out, 8192, false);
      return out.toByteArray();
    } catch (FileNotFoundException e) {
      return null;
    }
  }
}
