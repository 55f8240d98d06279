package org.spindle.api;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;

/**
 * Everything a training task needs: its identity and cluster spec, the graph and a session bound to
 * this task's TensorFlow server, where to put variables, checkpoints in the data lake, metrics and
 * export.
 */
public interface TrainContext extends JobContext {
  /** The TensorFlow cluster: job name to "host:port" addresses, by task index. */
  Map<String, List<String>> clusterSpec();

  Graph graph();

  /** Ops for the graph; in PS mode build variables under {@link #variableDevice(int)}. */
  Ops ops();

  /** Number of parameter-server tasks (0 in allreduce mode). */
  int numPs();

  /**
   * Allreduce mode: the number of workers that average gradients with TF collective ops (each holds
   * a full replica of the variables); 0 in PS mode.
   */
  int allReduceGroupSize();

  /** The device for the variable shard {@code shard} ({@code /job:ps/task:shard % numPs}). */
  DeviceSpec variableDevice(int shard);

  /**
   * The session, created on first use against this task's TensorFlow server (PS mode) or in
   * process (allreduce mode). Build the graph before calling it.
   */
  Session session();

  /**
   * Makes the variables usable: the chief restores the latest committed checkpoint or initializes;
   * other workers wait until the chief has done so. Returns the restored global step, if any.
   */
  OptionalLong initializeOrRestore() throws IOException;

  /** Saves the variables and commits them atomically as the checkpoint of {@code step} (chief only). */
  void saveCheckpoint(long step) throws IOException;

  /** The latest committed checkpoint's step in the data lake, if any. */
  OptionalLong latestCheckpointStep() throws IOException;

  /**
   * The DataFrame {@code preTrain} returned, streamed from Spark to this worker as Arrow batches
   * (spindle.feed.*). Throws if the job feeds nothing to this role.
   */
  InputFeed inputFeed();

  /** Sends metrics to the AM (and from there to the client); never throws for a lost message. */
  @Override
  void reportMetrics(long step, Map<String, Double> metrics);

  /**
   * Exports a SavedModel to spindle.model.export-dir/{@code name}: {@code servingGraph} builds a
   * device-free serving graph whose variables have the training names, the latest committed
   * checkpoint is restored into it, and the result is exported with the returned signature (so the
   * model loads anywhere, not only beside the ps). Returns the export URI.
   */
  String exportSavedModel(String name, java.util.function.Function<Ops, Signature> servingGraph) throws IOException;
}
