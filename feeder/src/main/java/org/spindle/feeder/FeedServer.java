package org.spindle.feeder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.feeder.FeedProtocol.PartitionKey;
import org.spindle.task.TlsIdentity;

/**
 * The Arrow Flight endpoint a TensorFlow worker hosts. Spark tasks put partitions into it; the
 * batches go into a byte-bounded {@link FeedBuffer} that the trainer reads through a {@link
 * FeedReader}. While the buffer is full the put handler stops reading, gRPC flow control stops
 * the sender, and the Spark task blocks: memory stays bounded and nothing times out.
 *
 * <p>Exactly once per epoch: the endpoint counts the batches it accepted of each partition, and a
 * sender that retries a partition (its Spark task failed half way) first asks for that count and
 * skips those batches. An epoch ends only when the feeding side says so and every partition it
 * names is complete here.
 */
public final class FeedServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedServer.class);

  private final FeedBuffer buffer;
  private final String incarnation = UUID.randomUUID().toString();
  private final Map<PartitionKey, PartState> parts = new HashMap<>();
  private final FlightServer server;
  private Schema schema;
  private boolean finished;
  private final ShardSource shards;
  private final BufferAllocator allocator;
  private final java.util.concurrent.ExecutorService loader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "feed-shard-loader");
    t.setDaemon(true);
    return t;
  });
  private String loadError;

  private static final class PartState {
    int batches;
    long rows;
    boolean complete;
    boolean active;
  }

  private FeedServer(BufferAllocator allocator, String bindHost, int port, String secret, FeedBuffer buffer,
                     ShardSource shards, Optional<TlsIdentity> tls) throws IOException {
    this.buffer = buffer;
    this.shards = shards;
    this.allocator = allocator;
    FlightServer.Builder b = FlightServer.builder(allocator,
            tls.isPresent() ? Location.forGrpcTls(bindHost, port) : Location.forGrpcInsecure(bindHost, port), new Producer())
        .headerAuthenticator(FeedAuth.authenticator(secret));
    if (tls.isPresent()) {
      b.useTls(tls.get().certificate(), tls.get().privateKey());
    }
    this.server = b.build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException("the feed endpoint could not bind " + bindHost + ":" + port
          + " (is another process on that port?): " + e.getMessage(), e);
    }
  }

  /** Starts the endpoint on {@code port} (0 picks one) of all interfaces. */
  public static FeedServer start(BufferAllocator allocator, int port, String secret, FeedBuffer buffer)
      throws IOException {
    return start(allocator, port, secret, buffer, null);
  }

  /** With a shard source the endpoint also serves files mode (load-files). */
  public static FeedServer start(BufferAllocator allocator, int port, String secret, FeedBuffer buffer,
                                 ShardSource shards) throws IOException {
    return start(allocator, port, secret, buffer, shards, Optional.empty());
  }

  /** With {@code tls}, the endpoint serves TLS with the application's certificate. */
  public static FeedServer start(BufferAllocator allocator, int port, String secret, FeedBuffer buffer,
                                 ShardSource shards, Optional<TlsIdentity> tls) throws IOException {
    return new FeedServer(allocator, "0.0.0.0", port, secret, buffer, shards, tls);
  }

  public int port() {
    return server.getPort();
  }

  public String incarnation() {
    return incarnation;
  }

  public FeedBuffer buffer() {
    return buffer;
  }

  /** The schema of the first partition, null before any arrived. */
  public synchronized Schema schema() {
    return schema;
  }

  private synchronized PartState begin(PartitionKey key) {
    PartState st = parts.computeIfAbsent(key, k -> new PartState());
    if (st.active) {
      throw CallStatus.ALREADY_EXISTS.withDescription("partition " + key.partition() + " of epoch "
          + key.epoch() + " is being fed by another sender").toRuntimeException();
    }
    if (st.complete) {
      throw CallStatus.ALREADY_EXISTS.withDescription("partition " + key.partition() + " of epoch "
          + key.epoch() + " is already complete on this worker").toRuntimeException();
    }
    st.active = true;
    return st;
  }

  private synchronized void checkSchema(Schema s) {
    if (schema == null) {
      schema = s;
    } else if (!schema.equals(s)) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("a partition's schema " + s
          + " differs from the first partition's " + schema).toRuntimeException();
    }
  }

  private synchronized void counted(PartState st, int rows) {
    st.batches++;
    st.rows += rows;
  }

  private synchronized void end(PartState st, boolean complete) {
    st.active = false;
    st.complete = complete;
  }

  private synchronized FeedProtocol.Progress progress(PartitionKey key) {
    PartState st = parts.get(key);
    return st == null ? new FeedProtocol.Progress(0, false, false)
        : new FeedProtocol.Progress(st.batches, st.complete, st.active);
  }

  private synchronized FeedProtocol.EpochSummary endEpoch(FeedProtocol.EndEpoch req) {
    List<Integer> missing = new ArrayList<>();
    long rows = 0;
    int batches = 0;
    for (int p : req.partitions()) {
      PartState st = parts.get(new PartitionKey(req.epoch(), p));
      if (st == null || !st.complete) {
        missing.add(p);
      } else {
        rows += st.rows;
        batches += st.batches;
      }
    }
    if (!missing.isEmpty()) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("epoch " + req.epoch() + " cannot end on this worker: "
          + "partitions " + missing + " are not complete here").toRuntimeException();
    }
    if (!ended.add(req.epoch())) {
      return new FeedProtocol.EpochSummary(rows, batches); // a retried call queues one marker
    }
    buffer.putMarker(new FeedItem.EpochEnd(req.epoch(), rows));
    LOG.info("epoch {} complete: {} partitions, {} batches, {} rows", req.epoch(), req.partitions().size(),
        batches, rows);
    return new FeedProtocol.EpochSummary(rows, batches);
  }

  private final java.util.Set<Integer> begun = new java.util.HashSet<>();
  private final java.util.Set<Integer> ended = new java.util.HashSet<>();

  /** Idempotent: a driver that retries the call queues one marker. */
  private synchronized void beginEpoch(FeedProtocol.BeginEpoch b) {
    if (begun.add(b.epoch())) {
      buffer.putMarker(new FeedItem.EpochBegin(b.epoch(), b.maxBatches()));
    }
  }

  private synchronized FeedProtocol.Status status() {
    Map<Integer, List<Integer>> complete = new TreeMap<>();
    parts.forEach((k, st) -> {
      if (st.complete) {
        complete.computeIfAbsent(k.epoch(), e -> new ArrayList<>()).add(k.partition());
      }
    });
    complete.values().forEach(l -> l.sort(null));
    return new FeedProtocol.Status(incarnation, complete, finished, loadError);
  }

  private synchronized void finish(int epochs) {
    if (!finished) {
      finished = true;
      buffer.putMarker(new FeedItem.End(epochs));
    }
  }

  private final class Producer extends NoOpFlightProducer {
    @Override
    public Runnable acceptPut(CallContext context, FlightStream stream, StreamListener<PutResult> ack) {
      return () -> {
        PartState st = null;
        boolean complete = false;
        try {
          PartitionKey key = FeedProtocol.parse(stream.getDescriptor());
          st = begin(key);
          checkSchema(stream.getSchema());
          while (stream.next()) {
            VectorSchemaRoot root = stream.getRoot();
            int rows = root.getRowCount();
            ArrowRecordBatch rb = new VectorUnloader(root).getRecordBatch();
            if (!buffer.putBatch(new FeedItem.Batch(key.epoch(), key.partition(), rb, rb.computeBodyLength()))) {
              rb.close();
              throw CallStatus.UNAVAILABLE.withDescription("the worker's feed buffer is closed").toRuntimeException();
            }
            counted(st, rows);
          }
          complete = true;
          ack.onCompleted();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          ack.onError(CallStatus.CANCELLED.withDescription("worker shutting down").toRuntimeException());
        } catch (RuntimeException e) {
          ack.onError(e);
        } finally {
          if (st != null) {
            end(st, complete);
          }
        }
      };
    }

    @Override
    public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
      try {
        byte[] out = switch (action.getType()) {
          case FeedProtocol.ACTION_PROGRESS -> {
            yield FeedProtocol.json(progress(FeedProtocol.body(action, PartitionKey.class)));
          }
          case FeedProtocol.ACTION_BEGIN_EPOCH -> {
            FeedProtocol.BeginEpoch b = FeedProtocol.body(action, FeedProtocol.BeginEpoch.class);
            beginEpoch(b);
            yield FeedProtocol.json(status());
          }
          case FeedProtocol.ACTION_END_EPOCH ->
              FeedProtocol.json(endEpoch(FeedProtocol.body(action, FeedProtocol.EndEpoch.class)));
          case FeedProtocol.ACTION_FINISH -> {
            finish(FeedProtocol.body(action, FeedProtocol.Finish.class).epochs());
            yield FeedProtocol.json(status());
          }
          case FeedProtocol.ACTION_LOAD_FILES -> {
            loadFiles(FeedProtocol.body(action, FeedProtocol.LoadFiles.class));
            yield FeedProtocol.json(status());
          }
          case FeedProtocol.ACTION_STATUS -> FeedProtocol.json(status());
          default -> throw CallStatus.UNIMPLEMENTED.withDescription("unknown feed action " + action.getType())
              .toRuntimeException();
        };
        listener.onNext(new Result(out));
        listener.onCompleted();
      } catch (RuntimeException e) {
        listener.onError(e);
      }
    }
  }

  /** Files mode: queue the shards for the background loader (partitions already held are skipped). */
  private void loadFiles(FeedProtocol.LoadFiles req) {
    if (shards == null) {
      throw CallStatus.UNIMPLEMENTED.withDescription("this worker cannot read shards (no shard source)").toRuntimeException();
    }
    new java.util.TreeMap<>(req.files()).forEach((partition, uri) -> loader.execute(() -> loadShard(req.epoch(), partition, uri)));
  }

  private void loadShard(int epoch, int partition, String uri) {
    PartitionKey key = new PartitionKey(epoch, partition);
    PartState st;
    synchronized (this) {
      st = parts.computeIfAbsent(key, k -> new PartState());
      if (st.complete || st.active) {
        return;
      }
      st.active = true;
    }
    boolean complete = false;
    int skip = st.batches;
    try (java.io.InputStream in = shards.open(uri);
         org.apache.arrow.vector.ipc.ArrowStreamReader reader = new org.apache.arrow.vector.ipc.ArrowStreamReader(in, allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      checkSchema(root.getSchema());
      int n = 0;
      while (reader.loadNextBatch()) {
        if (n++ < skip) {
          continue;
        }
        ArrowRecordBatch rb = new VectorUnloader(root).getRecordBatch();
        if (!buffer.putBatch(new FeedItem.Batch(epoch, partition, rb, rb.computeBodyLength()))) {
          rb.close();
          return;
        }
        counted(st, root.getRowCount());
      }
      complete = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      LOG.error("could not read shard {} (partition {} of epoch {})", uri, partition, epoch, e);
      synchronized (this) {
        loadError = "shard " + uri + " (partition " + partition + " of epoch " + epoch + "): " + e;
      }
    } finally {
      end(st, complete);
    }
  }

  @Override
  public void close() throws InterruptedException {
    loader.shutdownNow();
    buffer.fail("the feed endpoint closed");
    server.shutdown();
    server.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    server.close();
    buffer.drain();
  }
}
