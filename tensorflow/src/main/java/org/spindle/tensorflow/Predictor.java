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

  /** The serving signature's input names, in signature order. */
  public java.util.List<String> inputNames() {
    return java.util.List.copyOf(serving.signature().inputNames());
  }

  /** Each input's TF dtype name (DT_FLOAT, DT_INT64, ...) and rank (-1 if unknown). */
  public Map<String, Map.Entry<String, Integer>> inputTypes() {
    Map<String, Map.Entry<String, Integer>> out = new java.util.LinkedHashMap<>();
    serving.signature().getInputs().forEach((name, d) ->
        out.put(name, Map.entry(d.dataType.name(), d.shape.isUnknown() ? -1 : d.shape.numDimensions())));
    return out;
  }

  /** The serving signature's output names. */
  public java.util.List<String> outputNames() {
    return java.util.List.copyOf(serving.signature().outputNames());
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
