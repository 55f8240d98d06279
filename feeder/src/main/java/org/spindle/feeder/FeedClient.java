package org.spindle.feeder;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.spindle.task.TlsIdentity;

/** The feeding side's connection to one worker's feed endpoint. */
public final class FeedClient implements AutoCloseable {
  private final FlightClient client;
  private final CallOption auth;
  private final String target;

  /** A plaintext connection (an application without encryption). */
  public FeedClient(BufferAllocator allocator, String host, int port, String secret) {
    this(allocator, host, port, secret, Optional.empty());
  }

  /** With {@code tls}, over TLS trusting the application's certificate only, checked by its name. */
  public FeedClient(BufferAllocator allocator, String host, int port, String secret, Optional<TlsIdentity> tls) {
    FlightClient.Builder b = FlightClient.builder(allocator,
        tls.isPresent() ? Location.forGrpcTls(host, port) : Location.forGrpcInsecure(host, port));
    if (tls.isPresent()) {
      b.trustedCertificates(tls.get().certificate()).overrideHostname(TlsIdentity.HOST_NAME);
    }
    this.client = b.build();
    this.auth = FeedAuth.callOption(secret);
    this.target = host + ":" + port;
  }

  public String target() {
    return target;
  }

  public FeedProtocol.Status status() {
    return call(FeedProtocol.ACTION_STATUS, List.of(), FeedProtocol.Status.class);
  }

  public FeedProtocol.Progress progress(int epoch, int partition) {
    return call(FeedProtocol.ACTION_PROGRESS, new FeedProtocol.PartitionKey(epoch, partition),
        FeedProtocol.Progress.class);
  }

  /** Starts an epoch on this worker: it trains on at most {@code maxBatches} of it (-1: all). */
  public void beginEpoch(int epoch, long maxBatches) {
    call(FeedProtocol.ACTION_BEGIN_EPOCH, new FeedProtocol.BeginEpoch(epoch, maxBatches), FeedProtocol.Status.class);
  }

  /** Files mode: the worker reads these shards (partition to URI) itself, in the background. */
  public FeedProtocol.Status loadFiles(int epoch, java.util.Map<Integer, String> files) {
    return call(FeedProtocol.ACTION_LOAD_FILES, new FeedProtocol.LoadFiles(epoch, files), FeedProtocol.Status.class);
  }

  /** Declares the epoch complete on this worker; fails naming the partitions it does not hold. */
  public FeedProtocol.EpochSummary endEpoch(int epoch, Collection<Integer> partitions) {
    return call(FeedProtocol.ACTION_END_EPOCH, new FeedProtocol.EndEpoch(epoch, List.copyOf(partitions)),
        FeedProtocol.EpochSummary.class);
  }

  public FeedProtocol.Status finish(int epochs) {
    return call(FeedProtocol.ACTION_FINISH, new FeedProtocol.Finish(epochs), FeedProtocol.Status.class);
  }

  private <T> T call(String type, Object body, Class<T> out) {
    Action a = FeedProtocol.action(type, body);
    Iterator<Result> it = client.doAction(a, auth);
    if (!it.hasNext()) {
      throw new IllegalStateException("feed endpoint " + target + " sent no answer to " + type);
    }
    T result = FeedProtocol.fromJson(it.next().getBody(), out);
    while (it.hasNext()) {
      it.next();
    }
    return result;
  }

  /**
   * Opens one partition for sending. The caller fills {@code root} batch by batch and calls {@link
   * PartitionPut#send()} after each; batches the worker already holds from an earlier try are
   * skipped, so a retried partition arrives exactly once.
   */
  public PartitionPut openPartition(int epoch, int partition, VectorSchemaRoot root) {
    FeedProtocol.Progress p = progress(epoch, partition);
    // An earlier try's stream may still be closing on the worker: give it a bounded moment.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (p.active()) {
      if (System.nanoTime() > deadline) {
        throw new FeedException("partition " + partition + " of epoch " + epoch + " is still being fed to "
            + target + " by another sender after 30 s (is speculative execution on?)");
      }
      LockSupport.parkNanos(100_000_000);
      p = progress(epoch, partition);
    }
    return new PartitionPut(epoch, partition, root, p.complete() ? -1 : p.batches());
  }

  /** One partition's stream. */
  public final class PartitionPut implements AutoCloseable {
    private final int epoch;
    private final int partition;
    private final VectorSchemaRoot root;
    /** Batches to skip; -1 if the worker already holds the whole partition. */
    private final int skip;
    private final Listener listener = new Listener();
    private FlightClient.ClientStreamListener stream;
    private int batches;
    private boolean done;

    private PartitionPut(int epoch, int partition, VectorSchemaRoot root, int skip) {
      this.epoch = epoch;
      this.partition = partition;
      this.root = root;
      this.skip = skip;
    }

    /** True when the worker already holds this partition completely: send nothing. */
    public boolean alreadyComplete() {
      return skip < 0;
    }

    /** Number of leading batches that will not be sent again. */
    public int resumedBatches() {
      return Math.max(skip, 0);
    }

    /**
     * Sends the root's current rows as one batch (unless the worker already has it), then waits
     * while the worker's buffer is full. The caller may reuse the root afterwards.
     */
    public void send() {
      batches++;
      if (skip < 0 || batches <= skip) {
        return;
      }
      ensureStarted();
      stream.putNext();
      awaitReady();
    }

    /** Ends the partition; throws if the worker did not accept it. */
    public void complete() {
      if (skip < 0) {
        done = true;
        return;
      }
      ensureStarted();
      stream.completed();
      try {
        stream.getResult();
      } catch (FlightRuntimeException e) {
        throw new FeedException("worker " + target + " did not accept partition " + partition + " of epoch "
            + epoch + ": " + e.status().code() + " " + e.getMessage(), e);
      }
      done = true;
    }

    private void ensureStarted() {
      if (stream == null) {
        stream = client.startPut(FeedProtocol.descriptor(epoch, partition), root, listener, auth);
      }
    }

    /** Back-pressure: wait while gRPC's window to the worker is full; fail if the call ended. */
    private void awaitReady() {
      long parkNanos = 50_000;
      while (!stream.isReady()) {
        if (listener.result.isDone()) {
          try {
            listener.result.get();
          } catch (ExecutionException | InterruptedException e) {
            throw new FeedException("feeding partition " + partition + " of epoch " + epoch + " to worker "
                + target + " failed: " + e.getCause(), e);
          }
          throw new FeedException("worker " + target + " ended the stream of partition " + partition
              + " of epoch " + epoch + " early");
        }
        LockSupport.parkNanos(parkNanos);
        parkNanos = Math.min(parkNanos * 2, 20_000_000);
      }
    }

    @Override
    public void close() {
      if (stream != null && !done) {
        stream.error(new IllegalStateException("the sender gave up on partition " + partition));
      }
    }
  }

  private static final class Listener implements FlightClient.PutListener {
    final CompletableFuture<Void> result = new CompletableFuture<>();

    @Override
    public void getResult() {
      try {
        result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FeedException("interrupted while waiting for the worker", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new FeedException(String.valueOf(e.getCause()), e.getCause());
      }
    }

    @Override
    public void onNext(PutResult val) {
      val.close();
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      result.complete(null);
    }

    @Override
    public boolean isCancelled() {
      return result.isDone();
    }
  }

  @Override
  public void close() throws InterruptedException {
    client.close();
  }
}
