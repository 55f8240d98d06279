package org.spindle.tensorflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.api.TrainContext;
import org.spindle.training.checkpoint.Checkpoint;
import org.spindle.training.checkpoint.CheckpointStore;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.RemoteSessions;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;

/** {@link TrainContext} for a TensorFlow task in PS mode, bound to this task's TF server. */
public final class TfTrainContext implements TrainContext {
  private static final Logger LOG = LoggerFactory.getLogger(TfTrainContext.class);

  /** Identity of the task; allReduce selects the collective (allreduce) mode over PS mode. */
  public record Identity(String appId, String role, int index, int attempt, boolean chief, boolean allReduce) {
    public Identity(String appId, String role, int index, int attempt, boolean chief) {
      this(appId, role, index, attempt, chief, false);
    }
  }

  private final Identity id;
  private final TfCluster cluster;
  private final String target;
  private final Map<String, String> conf;
  private final CheckpointStore checkpoints;
  private final Path workDir;
  private final BiConsumer<Long, Map<String, Double>> metricsSink;
  private final Duration chiefWait;
  private final Graph graph = new Graph();
  private final Ops ops = Ops.create(graph);
  private Session session;
  private org.spindle.api.InputFeed feed;

  public TfTrainContext(Identity id, TfCluster cluster, String target, Map<String, String> conf,
                        CheckpointStore checkpoints, Path workDir, BiConsumer<Long, Map<String, Double>> metricsSink,
                        Duration chiefWait) {
    this.id = id;
    this.cluster = cluster;
    this.target = target;
    this.conf = Map.copyOf(conf);
    this.checkpoints = checkpoints;
    this.workDir = workDir;
    this.metricsSink = metricsSink;
    this.chiefWait = chiefWait;
  }

  /** The feed this worker reads (set when the job feeds this role). */
  public void attachFeed(org.spindle.api.InputFeed feed) {
    this.feed = feed;
  }

  @Override
  public org.spindle.api.InputFeed inputFeed() {
    if (feed == null) {
      throw new IllegalStateException("nothing is fed to " + id.role() + ":" + id.index() + ": preTrain must return a "
          + "DataFrame, a spark-driver role must run it, and spindle.feed.roles must list '" + id.role() + "'");
    }
    return feed;
  }

  /** A checkpoint store for spindle.checkpoint.dir, or null when checkpoints are off. */
  public static CheckpointStore storeFor(Map<String, String> conf) throws IOException {
    String dir = conf.getOrDefault("spindle.checkpoint.dir", "");
    if (dir.isBlank()) {
      return null;
    }
    int keep = Integer.parseInt(conf.getOrDefault("spindle.checkpoint.keep", "3"));
    return new CheckpointStore(new Configuration(), new org.apache.hadoop.fs.Path(dir), keep, Clock.systemUTC());
  }

  @Override public String appId() { return id.appId(); }
  @Override public String role() { return id.role(); }
  @Override public int index() { return id.index(); }
  @Override public int attempt() { return id.attempt(); }
  @Override public boolean isChief() { return id.chief(); }
  @Override public Map<String, String> conf() { return conf; }
  @Override public Map<String, List<String>> clusterSpec() { return cluster.jobs(); }
  @Override public Graph graph() { return graph; }
  @Override public Ops ops() { return ops; }
  @Override public int numPs() { return id.allReduce() ? 0 : cluster.numPs(); }
  @Override public int allReduceGroupSize() { return id.allReduce() ? cluster.numWorkers() : 0; }

  @Override
  public DeviceSpec variableDevice(int shard) {
    if (numPs() == 0) {
      throw new IllegalStateException("no ps tasks in this cluster");
    }
    return DeviceSpec.newBuilder().job(TfCluster.PS).task(shard % numPs()).build();
  }

  @Override
  public synchronized Session session() {
    if (session == null) {
      // The evaluator has no TF server: it evaluates checkpoints in a local session.
      session = target == null ? new Session(graph, false)
          : RemoteSessions.create(graph, target, cluster.sessionConfig(id.role(), id.index()));
    }
    return session;
  }

  @Override
  public OptionalLong initializeOrRestore() throws IOException {
    Session s = session();
    if (!isChief() && !id.allReduce()) {
      // This worker must never run initializers: they would reset the chief's variables on the ps.
      RemoteSessions.markInitialized(s);
      awaitChiefInitialized(s);
      int local = RemoteSessions.initializeLocalVariables(s, graph);
      LOG.info("the chief's variables are ready on the ps; initialized {} local variable(s)", local);
      return OptionalLong.empty();
    }
    OptionalLong restored = restoreLatest();
    if (restored.isPresent()) {
      return restored;
    }
    // In allreduce mode every replica restores or initializes its own copy (identical initializers).
    s.initialize();
    LOG.info("initialized variables (no checkpoint to restore)");
    return OptionalLong.empty();
  }

  /** Non-chief workers wait (bounded) until every variable placed on the ps tasks is initialized. */
  private void awaitChiefInitialized(Session s) {
    List<Operand<TBool>> checks = new ArrayList<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.type().equals("VariableV2") && op.device().contains("/job:ps")) {
        checks.add(ops.withDevice(DeviceSpec.newBuilder().build()).isVariableInitialized(op.output(0)));
      }
    }
    long deadline = System.nanoTime() + chiefWait.toNanos();
    while (true) {
      Session.Runner r = s.runner();
      checks.forEach(r::fetch);
      boolean all = true;
      try (Result res = r.run()) {
        for (int i = 0; i < checks.size(); i++) {
          all &= ((TBool) res.get(i)).getBoolean();
        }
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the chief did not initialize the variables within " + chiefWait.toSeconds()
            + "s; check the chief's log");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void saveCheckpoint(long step) throws IOException {
    if (!isChief()) {
      throw new IllegalStateException("only the chief saves checkpoints");
    }
    if (checkpoints == null) {
      return;
    }
    Path local = Files.createDirectories(workDir.resolve("save-" + step + "-" + System.nanoTime()));
    session().save(local.resolve("model").toString());
    checkpoints.commit(step, local);
    deleteTree(local);
  }

  /** Restores the newest committed checkpoint into the session; its step, or empty when there is none. */
  public OptionalLong restoreLatest() throws IOException {
    if (checkpoints == null) {
      return OptionalLong.empty();
    }
    Path local = Files.createDirectories(workDir.resolve("restore-" + System.nanoTime()));
    java.util.Optional<Checkpoint> c = checkpoints.restoreLatest(local);
    if (c.isEmpty()) {
      return OptionalLong.empty();
    }
    session().restore(local.resolve("model").toString());
    deleteTree(local);
    LOG.info("restored checkpoint of step {} from {}", c.get().step(), c.get().dir());
    return OptionalLong.of(c.get().step());
  }

  @Override
  public OptionalLong latestCheckpointStep() throws IOException {
    if (checkpoints == null) {
      return OptionalLong.empty();
    }
    return checkpoints.latest().map(c -> OptionalLong.of(c.step())).orElse(OptionalLong.empty());
  }

  @Override
  public void reportMetrics(long step, Map<String, Double> metrics) {
    metricsSink.accept(step, metrics);
  }

  @Override
  public String exportSavedModel(String name, java.util.function.Function<Ops, Signature> servingGraph)
      throws IOException {
    String exportDir = conf.getOrDefault("spindle.model.export-dir", "");
    if (exportDir.isBlank()) {
      throw new IllegalStateException("set spindle.model.export-dir to export a SavedModel");
    }
    if (checkpoints == null) {
      throw new IllegalStateException("set spindle.checkpoint.dir: the export is built from the latest checkpoint");
    }
    return ServingExport.export(checkpoints, servingGraph, workDir.resolve("export-" + name),
        new org.apache.hadoop.fs.Path(exportDir, name));
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }

  public void close() {
    if (session != null) {
      session.close();
    }
    graph.close();
  }
}
