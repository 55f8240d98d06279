package org.spindle.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.feeder.FeedClient;
import org.spindle.feeder.FeedException;
import org.spindle.feeder.FeedProtocol;

/**
 * Streams a persisted DataFrame to the workers, epoch by epoch. Partition p goes to worker p mod
 * n. After each epoch's Spark job it asks every worker which of its partitions it holds: a worker
 * that restarted (new incarnation) or a partition whose tasks kept failing is fed again, so every
 * worker ends each epoch with its whole share exactly once. Only then is the epoch closed.
 */
public final class DataFrameFeeder {
  private static final Logger LOG = LoggerFactory.getLogger(DataFrameFeeder.class);

  /** How the feed runs: epochs, rows per batch, whether workers must take equal steps (allreduce). */
  public record Settings(int epochs, int batchRows, boolean equalSteps, int maxRounds, long workerWaitMs,
                         String filesDir) {
    public Settings(int epochs, int batchRows, boolean equalSteps, int maxRounds, long workerWaitMs) {
      this(epochs, batchRows, equalSteps, maxRounds, workerWaitMs, null);
    }

    /** Files mode: shards are written once under filesDir and the workers read them. */
    boolean filesMode() {
      return filesDir != null && !filesDir.isBlank();
    }
  }

  /** Totals over the whole feed. */
  /** {@code columnar}: the batches came from Spark's ColumnarBatches (ColumnarSource), not from rows. */
  public record Report(long rows, long batches, long resumedBatches, long refedPartitions, long peakExecutorHeap,
                       long maxBatchesPerWorker, boolean columnar) {}

  private final WorkerDirectory workers;
  private final String secret;
  private final java.util.Optional<org.spindle.task.TlsIdentity> tls;
  private final Settings settings;
  /** Progress for the client: the epoch being fed and partitions fed so far in it. */
  private volatile int currentEpoch = -1;
  private volatile int partitionsTotal;
  private volatile long fedAtEpochStart;
  private org.apache.spark.util.LongAccumulator fed;

  /** Where the feed is: epoch, partitions fed in it, partitions per epoch (for progress reports). */
  public record Progress(int epoch, long partitionsFed, int partitionsPerEpoch) {}

  public Progress progress() {
    long now = fed == null ? 0 : fed.value();
    return new Progress(currentEpoch, now - fedAtEpochStart, partitionsTotal);
  }
  private JavaRDD<InternalRow> rdd;
  /** Spark's own ColumnarBatches of the DataFrame, when it holds it as columns; null: the row path. */
  private JavaRDD<org.apache.spark.sql.vectorized.ColumnarBatch> columnar;
  private StructType schema;
  private List<List<Integer>> shares;
  private long maxBatches = -1;
  private long rows;
  private long batches;
  private long resumed;
  private long refed;
  private long peakHeap;
  /** Files mode: partition to shard URI. */
  private final Map<Integer, String> shardFiles = new java.util.TreeMap<>();

  public DataFrameFeeder(WorkerDirectory workers, String secret, Settings settings) {
    this(workers, secret, java.util.Optional.empty(), settings);
  }

  /**
   * {@code tls}: the application's TLS identity when encryption is on. The driver's own calls use it here;
   * the executors, which send the rows, read it from their credentials.
   */
  public DataFrameFeeder(WorkerDirectory workers, String secret, java.util.Optional<org.spindle.task.TlsIdentity> tls,
                         Settings settings) {
    this.workers = workers;
    this.secret = secret;
    this.tls = tls;
    this.settings = settings;
  }

  /** Feeds every epoch of {@code prepared} (already checked by FeedColumns and persisted). */
  public Report feed(Dataset<Row> prepared) throws IOException, TimeoutException, InterruptedException {
    schema = prepared.schema();
    rdd = prepared.queryExecution().toRdd().toJavaRDD();
    if (!settings.filesMode()) {
      ColumnarSource source = ColumnarSource.of(prepared);
      columnar = source.batches().orElse(null);
      LOG.info("feeding {}: {}", columnar != null ? "Spark's ColumnarBatches, copied column by column into Arrow"
          : "row by row (Spark's ArrowWriter)", source.why());
    }
    fed = prepared.sparkSession().sparkContext().longAccumulator("spindle.feed.partitions");
    int n = workers.size();
    int partitions = rdd.getNumPartitions();
    partitionsTotal = partitions;
    shares = new ArrayList<>();
    for (int w = 0; w < n; w++) {
      shares.add(new ArrayList<>());
    }
    for (int p = 0; p < partitions; p++) {
      shares.get(PartitionFeeder.workerOf(p, n)).add(p);
    }
    if (partitions < n) {
      LOG.warn("the DataFrame has {} partitions for {} workers: some workers get no data (repartition in preTrain)",
          partitions, n);
    }
    if (settings.equalSteps()) {
      maxBatches = equalSteps(partitions, n);
    }
    if (settings.filesMode()) {
      for (String line : rdd.mapPartitionsWithIndex(new ShardWriter(settings.filesDir(), schema, settings.batchRows()),
          false).collect()) {
        String[] kv = line.split("\t", 2);
        shardFiles.put(Integer.parseInt(kv[0]), kv[1]);
      }
      rows = prepared.count() * settings.epochs();
      LOG.info("files mode: {} Arrow IPC shards written under {}", shardFiles.size(), settings.filesDir());
    }
    for (int e = 0; e < settings.epochs(); e++) {
      fedAtEpochStart = fed.value();
      currentEpoch = e;
      if (settings.filesMode()) {
        loadEpochFromFiles(e);
      } else {
        feedEpoch(e, allPartitions(partitions));
      }
    }
    finishAll(settings.epochs());
    return report();
  }

  /** Tells every worker that no more data comes after {@code epochs} epochs. */
  public void finishAll(int epochs) throws IOException, TimeoutException, InterruptedException {
    for (int w = 0; w < workers.size(); w++) {
      callWorker(w, "finish", c -> c.finish(epochs));
    }
  }

  @FunctionalInterface
  interface WorkerCall<T> {
    T call(FeedClient c);
  }

  /**
   * A control call to worker w; while it fails (the worker died and is being restarted) the call
   * is retried against wherever the worker is now, up to spindle.feed.worker-wait.
   */
  <T> T callWorker(int w, String what, WorkerCall<T> call) throws IOException, TimeoutException, InterruptedException {
    long deadline = System.currentTimeMillis() + settings.workerWaitMs();
    while (true) {
      try (FeedClient c = client(w)) {
        return call.call(c);
      } catch (org.apache.arrow.flight.FlightRuntimeException e) {
        if (e.status().code() != org.apache.arrow.flight.FlightStatusCode.UNAVAILABLE
            || System.currentTimeMillis() > deadline) {
          throw new FeedException("feed worker " + w + " (" + what + ") failed: " + e.getMessage(), e);
        }
        LOG.info("feed worker {} unreachable ({}); waiting for it to come back", w, e.getMessage());
        Thread.sleep(1000);
      }
    }
  }

  public Report report() {
    return new Report(rows, batches, resumed, refed, peakHeap, maxBatches, columnar != null);
  }

  /** Allreduce: every worker trains on as many batches as the smallest share has. */
  private long equalSteps(int partitions, int n) {
    List<Long> counts = rdd.mapPartitionsWithIndex((p, it) -> {
      long c = 0;
      while (it.hasNext()) {
        it.next();
        c++;
      }
      return List.of(((long) p << 40) | c).iterator();
    }, false).collect();
    long[] perWorker = new long[n];
    for (long packed : counts) {
      int p = (int) (packed >>> 40);
      long c = packed & ((1L << 40) - 1);
      perWorker[PartitionFeeder.workerOf(p, n)] += (c + settings.batchRows() - 1) / settings.batchRows();
    }
    long min = Long.MAX_VALUE;
    for (long b : perWorker) {
      min = Math.min(min, b);
    }
    LOG.info("allreduce: batches per worker {}; each worker trains on {} per epoch, the rest is skipped and counted",
        java.util.Arrays.toString(perWorker), min);
    return min;
  }

  private static Set<Integer> allPartitions(int partitions) {
    Set<Integer> all = new TreeSet<>();
    for (int p = 0; p < partitions; p++) {
      all.add(p);
    }
    return all;
  }

  /** Feeds {@code todo} of epoch {@code e} until every worker holds its whole share, then closes the epoch. */
  void feedEpoch(int e, Set<Integer> todo) throws IOException, TimeoutException, InterruptedException {
    for (int round = 1; ; round++) {
      for (int w = 0; w < workers.size(); w++) {
        callWorker(w, "begin epoch " + e, c -> {
          c.beginEpoch(e, maxBatches);
          return null;
        });
      }
      try {
        List<FeedStats> stats = columnar != null
            ? columnar.mapPartitionsWithIndex(new PartitionFeeder<>(new ColumnarArrowCopy(), e, schema,
                settings.batchRows(), todo, workers, fed), false).collect()
            : rdd.mapPartitionsWithIndex(new PartitionFeeder<>(new PartitionFeeder.RowFiller(), e, schema,
                settings.batchRows(), todo, workers, fed), false).collect();
        for (FeedStats s : stats) {
          rows += s.rows();
          batches += s.batches();
          resumed += s.resumedBatches();
          peakHeap = Math.max(peakHeap, s.peakHeapBytes());
        }
      } catch (Exception ex) { // SparkException is checked in Java's eyes but thrown undeclared
        if (ex instanceof InterruptedException ie) {
          throw ie;
        }
        LOG.warn("epoch {} round {}: the feeding job failed; checking what the workers hold: {}", e, round,
            rootMessage(ex));
      }
      Set<Integer> missing = closeCompleteWorkers(e);
      if (missing.isEmpty()) {
        LOG.info("epoch {} fed in {} round(s)", e, round);
        return;
      }
      if (round >= settings.maxRounds()) {
        throw new FeedException("epoch " + e + ": partitions " + missing + " did not reach their workers after "
            + round + " rounds; see the feeding tasks' errors above");
      }
      LOG.warn("epoch {}: partitions {} are missing on their workers (restarted worker or failed tasks); feeding "
          + "them again", e, missing);
      refed += missing.size();
      todo = missing;
    }
  }

  /**
   * Files mode: every worker reads its shards of epoch e from the data lake. The driver waits until
   * each holds its whole share (a restarted worker is told again), then closes the epoch. No Spark
   * job runs: the executors may already be gone.
   */
  void loadEpochFromFiles(int e) throws IOException, TimeoutException, InterruptedException {
    String[] told = new String[workers.size()];
    while (true) {
      Set<Integer> missing = new TreeSet<>();
      for (int w = 0; w < workers.size(); w++) {
        int worker = w;
        FeedProtocol.Status st = callWorker(w, "status", FeedClient::status);
        if (st.loadError() != null) {
          throw new FeedException("feed worker " + w + " could not read its shards: " + st.loadError());
        }
        Set<Integer> have = new HashSet<>(st.completePartitions() == null ? List.of()
            : st.completePartitions().getOrDefault(e, List.of()));
        List<Integer> lacking = shares.get(w).stream().filter(p -> !have.contains(p)).toList();
        if (!st.incarnation().equals(told[w])) {
          if (told[w] != null) {
            refed += lacking.size();
            LOG.warn("feed worker {} restarted during epoch {}: telling it to read shards {} again", w, e, lacking);
          }
          Map<Integer, String> files = new java.util.TreeMap<>();
          lacking.forEach(p -> files.put(p, shardFiles.get(p)));
          callWorker(w, "load epoch " + e, c -> {
            c.beginEpoch(e, maxBatches);
            return c.loadFiles(e, files);
          });
          told[w] = st.incarnation();
        }
        if (lacking.isEmpty()) {
          callWorker(worker, "close epoch " + e, c -> c.endEpoch(e, shares.get(worker)));
        } else {
          missing.addAll(lacking);
        }
      }
      if (missing.isEmpty()) {
        LOG.info("epoch {} read from files by every worker", e);
        return;
      }
      Thread.sleep(500);
    }
  }

  /** Ends epoch e on every worker that holds its whole share; returns the partitions still missing. */
  private Set<Integer> closeCompleteWorkers(int e) throws IOException, TimeoutException, InterruptedException {
    Set<Integer> missing = new TreeSet<>();
    for (int w = 0; w < workers.size(); w++) {
      int worker = w;
      missing.addAll(callWorker(w, "close epoch " + e, c -> {
        FeedProtocol.Status st = c.status();
        Map<Integer, List<Integer>> complete = st.completePartitions();
        Set<Integer> have = new HashSet<>(complete == null ? List.of() : complete.getOrDefault(e, List.of()));
        List<Integer> lacking = shares.get(worker).stream().filter(p -> !have.contains(p)).toList();
        if (lacking.isEmpty()) {
          c.endEpoch(e, shares.get(worker));
        }
        return lacking;
      }));
    }
    return missing;
  }

  /**
   * Whether worker w's current incarnation has received the end of the feed. A worker with no endpoint
   * now (its task ended, or is restarting and will be asked again once it registers) has nothing to be fed.
   */
  boolean hasFinished(int w) throws IOException, TimeoutException, InterruptedException {
    java.util.Optional<WorkerDirectory.Endpoint> ep = workers.current(w);
    if (ep.isEmpty()) {
      return true;
    }
    try (FeedClient c = new FeedClient(ALLOCATOR, ep.get().host(), ep.get().port(), secret, tls)) {
      return c.status().finished();
    }
  }

  /** A worker that restarted after the feed ended gets the last epoch's share again, then the end. */
  void refeedLastEpoch(int w) throws IOException, TimeoutException, InterruptedException {
    int last = settings.epochs() - 1;
    LOG.warn("feed worker {} restarted after the feed ended: feeding it epoch {} again", w, last);
    if (settings.filesMode()) {
      loadEpochFromFiles(last);
    } else {
      feedEpoch(last, new TreeSet<>(shares.get(w)));
    }
    callWorker(w, "finish", c -> c.finish(settings.epochs()));
  }

  private FeedClient client(int w) throws IOException, TimeoutException, InterruptedException {
    WorkerDirectory.Endpoint ep = workers.resolve(w);
    return new FeedClient(ALLOCATOR, ep.host(), ep.port(), secret, tls);
  }

  private static final RootAllocator ALLOCATOR = new RootAllocator();

  static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + " / cause: " + c.getMessage();
  }
}
