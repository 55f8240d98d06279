package org.spindle.tensorflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;

/** Batch scoring with an exported SavedModel (from any Hadoop FileSystem URI or a local path). */
public final class Predictor implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final SessionFunction serving;

  private Predictor(SavedModelBundle bundle) {
    this.bundle = bundle;
    this.serving = bundle.function(org.tensorflow.Signature.DEFAULT_KEY);
  }

  public static Predictor load(String modelUri) throws IOException {
    org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(modelUri);
    FileSystem fs = src.getFileSystem(new Configuration());
    Path local = Files.createTempDirectory("spindle-model");
    fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(local.toUri()), true);
    Path modelDir = local.resolve(src.getName());
    return new Predictor(SavedModelBundle.load(modelDir.toString(), "serve"));
  }

  /** Runs the serving signature; the caller closes the result. */
  public Result predict(Map<String, Tensor> inputs) {
    return serving.call(inputs);
  }

  @Override
  public void close() {
    bundle.close();
  }
}
