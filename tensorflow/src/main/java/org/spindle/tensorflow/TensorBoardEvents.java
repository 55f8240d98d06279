package org.spindle.tensorflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * TensorBoard event files written with TF's own summary ops (CreateSummaryFileWriter,
 * WriteScalarSummary, FlushSummaryWriter), one scalar per metric a task reports: loss, examples/s,
 * learning rate, the evaluator's metrics. TF writes them into the container's working directory; they
 * are copied to spindle.tensorboard.dir/&lt;role&gt;-&lt;index&gt; on the job's file system (HDFS, S3, file://)
 * every {@link #UPLOAD_EVERY_MS} and when the task ends, so that `tensorboard --logdir` on that
 * directory shows one run per task. A small graph and session of its own: the training graph is untouched.
 */
final class TensorBoardEvents implements BiConsumer<Long, Map<String, Double>>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TensorBoardEvents.class);
  static final long UPLOAD_EVERY_MS = 30_000;
  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TInt64> step;
  private final Placeholder<TString> tag;
  private final Placeholder<TFloat32> value;
  private final String write;
  private final String flush;
  private final String close;
  private final Path localDir;
  private final org.apache.hadoop.fs.Path remoteDir;
  private final Configuration hadoop;
  private long lastUploadMs;

  private TensorBoardEvents(Path localDir, org.apache.hadoop.fs.Path remoteDir, Configuration hadoop) {
    this.localDir = localDir;
    this.remoteDir = remoteDir;
    this.hadoop = hadoop;
    Ops tf = Ops.create(graph);
    Operand<?> writer = tf.summary.summaryWriter();
    step = tf.placeholder(TInt64.class);
    tag = tf.placeholder(TString.class);
    value = tf.placeholder(TFloat32.class);
    String create = tf.summary.createSummaryFileWriter(writer, tf.constant(localDir.toString()), tf.constant(100),
        tf.constant(1000), tf.constant(".v2")).op().name();
    write = tf.summary.writeScalarSummary(writer, step, tag, value).op().name();
    flush = tf.summary.flushSummaryWriter(writer).op().name();
    close = tf.summary.closeSummaryWriter(writer).op().name();
    session = new Session(graph);
    session.runner().addTarget(create).run();
  }

  /**
   * For a task: spindle.tensorboard.dir, else "tensorboard" beside spindle.checkpoint.dir; null (no
   * event files) when neither is set.
   */
  static TensorBoardEvents forTask(Map<String, String> conf, String role, int index, Path workDir)
      throws IOException {
    String dir = org.spindle.conf.ConfigKeys.tensorboardDir(conf.get(org.spindle.conf.ConfigKeys.TENSORBOARD_DIR),
        conf.get(org.spindle.conf.ConfigKeys.CHECKPOINT_DIR));
    if (dir.isEmpty()) {
      return null;
    }
    Path local = Files.createDirectories(workDir.resolve("tensorboard"));
    org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(dir, role + "-" + index);
    LOG.info("TensorBoard event files of {}:{} go to {}", role, index, remote);
    return new TensorBoardEvents(local, remote, new Configuration());
  }

  /** Writes every metric as a scalar at this step. */
  @Override
  public synchronized void accept(Long atStep, Map<String, Double> metrics) {
    try (TInt64 s = TInt64.scalarOf(atStep)) {
      for (Map.Entry<String, Double> m : metrics.entrySet()) {
        if (m.getValue() == null || m.getValue().isNaN()) {
          continue;
        }
        try (TString t = TString.scalarOf(m.getKey()); TFloat32 v = TFloat32.scalarOf(m.getValue().floatValue())) {
          session.runner().feed(step, s).feed(tag, t).feed(value, v).addTarget(write).run();
        }
      }
    }
    long now = System.currentTimeMillis();
    if (now - lastUploadMs >= UPLOAD_EVERY_MS) {
      lastUploadMs = now;
      upload();
    }
  }

  /** Flushes TF's writer and copies the event files to the TensorBoard directory (whole files, replaced). */
  synchronized void upload() {
    try {
      session.runner().addTarget(flush).run();
      FileSystem fs = remoteDir.getFileSystem(hadoop);
      fs.mkdirs(remoteDir);
      try (var files = Files.list(localDir)) {
        for (Path f : files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).toList()) {
          fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()),
              new org.apache.hadoop.fs.Path(remoteDir, f.getFileName().toString()));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not copy the TensorBoard event files to {}: {}", remoteDir, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    upload();
    try {
      session.runner().addTarget(close).run();
    } catch (RuntimeException e) {
      LOG.debug("closing the summary writer: {}", e.toString());
    }
    session.close();
    graph.close();
  }
}
