package org.spindle.tensorflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.training.checkpoint.Checkpoint;
import org.spindle.training.checkpoint.CheckpointStore;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;

/**
 * Builds a SavedModel from a committed checkpoint in a fresh, device-free graph: the training
 * graph's /job:ps placements would make the model unloadable outside the cluster.
 */
public final class ServingExport {
  private static final Logger LOG = LoggerFactory.getLogger(ServingExport.class);

  private ServingExport() {}

  public static String export(CheckpointStore store, Function<Ops, Signature> servingGraph, Path localDir,
                              org.apache.hadoop.fs.Path dest) throws IOException {
    Path restoreDir = Files.createDirectories(localDir.resolve("checkpoint"));
    Path modelDir = localDir.resolve("saved_model");
    Checkpoint c;
    try (Graph g = new Graph()) {
      Signature signature = servingGraph.apply(Ops.create(g));
      try (Session s = new Session(g)) {
        c = store.restoreLatest(restoreDir).orElseThrow(() ->
            new IOException("no committed checkpoint in " + store.root() + " to export"));
        s.restore(restoreDir.resolve("model").toString());
        SavedModelBundle.exporter(modelDir.toString()).withSession(s).withSignature(signature).export();
      }
    }
    FileSystem fs = dest.getFileSystem(new Configuration());
    fs.delete(dest, true);
    fs.mkdirs(dest.getParent());
    fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(modelDir.toUri()), dest);
    String uri = fs.makeQualified(dest).toString();
    LOG.info("exported SavedModel of step {} to {}", c.step(), uri);
    return uri;
  }
}
