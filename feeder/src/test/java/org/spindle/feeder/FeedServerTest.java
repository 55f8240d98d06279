package org.spindle.feeder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spindle.task.ApplicationCertificate;
import org.spindle.task.LoopbackCapture;
import org.spindle.task.TlsIdentity;

/** A real Flight endpoint and client over loopback. */
class FeedServerTest {
  private static final String SECRET = "s3cr3t-for-this-app";
  private static final Schema SCHEMA = new Schema(List.of(
      Field.notNullable("id", new ArrowType.Int(64, true)),
      Field.notNullable("x", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))));

  private RootAllocator allocator;
  private BufferAllocator serverAlloc;
  private BufferAllocator readerAlloc;
  private BufferAllocator clientAlloc;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
    serverAlloc = allocator.newChildAllocator("server", 0, Long.MAX_VALUE);
    readerAlloc = allocator.newChildAllocator("reader", 0, Long.MAX_VALUE);
    clientAlloc = allocator.newChildAllocator("client", 0, Long.MAX_VALUE);
  }

  @AfterEach
  void tearDown() {
    clientAlloc.close();
    readerAlloc.close();
    serverAlloc.close();
    allocator.close();
  }

  /** Sends rows [from, to) of ids as batches of {@code batchRows}; returns batches sent. */
  private static void sendRange(FeedClient client, int epoch, int partition, long from, long to, int batchRows,
                                BufferAllocator alloc) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, alloc);
         FeedClient.PartitionPut put = client.openPartition(epoch, partition, root)) {
      fill(root, from, to, batchRows, put);
      put.complete();
    }
  }

  private static void fill(VectorSchemaRoot root, long from, long to, int batchRows, FeedClient.PartitionPut put) {
    for (long start = from; start < to; start += batchRows) {
      batch(root, start, (int) Math.min(batchRows, to - start));
      put.send();
    }
  }

  /** Fills the root with rows [start, start + n): id and x = id / 2. */
  private static void batch(VectorSchemaRoot root, long start, int n) {
    BigIntVector id = (BigIntVector) root.getVector("id");
    Float4Vector x = (Float4Vector) root.getVector("x");
    id.allocateNew(n);
    x.allocateNew(n);
    for (int i = 0; i < n; i++) {
      id.set(i, start + i);
      x.set(i, (float) (start + i) / 2);
    }
    root.setRowCount(n);
  }

  /** Reads until END; returns [rows, sum of ids, epoch markers]. */
  private static long[] drain(FeedReader reader, List<Integer> epochsSeen) throws InterruptedException {
    long rows = 0;
    long sum = 0;
    while (true) {
      FeedReader.FeedRecord r = reader.next(30, TimeUnit.SECONDS);
      assertNotNull(r, "the feed stalled");
      try (r) {
        switch (r.kind()) {
          case BATCH -> {
            BigIntVector id = (BigIntVector) r.root().getVector("id");
            for (int i = 0; i < r.rows(); i++) {
              sum += id.get(i);
            }
            rows += r.rows();
          }
          case EPOCH_END -> epochsSeen.add(r.epoch());
          case EPOCH_BEGIN -> epochsSeen.add(-1 - r.epoch());
          case END -> {
            return new long[] {rows, sum};
          }
        }
      }
    }
  }

  @Test
  void everyRowOfEveryEpochArrivesOnceAndMemoryIsReturned() throws Exception {
    try (FeedServer server = FeedServer.start(serverAlloc, 0, SECRET, new FeedBuffer(1 << 20));
         FeedClient client = new FeedClient(clientAlloc, "localhost", server.port(), SECRET)) {
      FeedReader reader = new FeedReader(server, readerAlloc);
      CompletableFuture<long[]> read = new CompletableFuture<>();
      List<Integer> epochs = new ArrayList<>();
      Thread consumer = new Thread(() -> {
        try {
          read.complete(drain(reader, epochs));
        } catch (Throwable t) {
          read.completeExceptionally(t);
        }
      });
      consumer.start();
      for (int epoch = 0; epoch < 2; epoch++) {
        client.beginEpoch(epoch, -1);
        client.beginEpoch(epoch, -1); // a retried call queues one marker
        sendRange(client, epoch, 0, 0, 5000, 1024, clientAlloc);
        sendRange(client, epoch, 1, 5000, 10_000, 1024, clientAlloc);
        FeedProtocol.EpochSummary s = client.endEpoch(epoch, List.of(0, 1));
        assertEquals(10_000, s.rows());
      }
      client.finish(2);
      long[] got = read.get(60, TimeUnit.SECONDS);
      assertEquals(20_000, got[0]);
      assertEquals(2 * (9_999L * 10_000 / 2), got[1]);
      assertEquals(List.of(-1, 0, -2, 1), epochs, "begin and end markers bracket each epoch");
      assertEquals(0, server.buffer().usedBytes());
    }
    assertEquals(0, readerAlloc.getAllocatedMemory(), "the reader leaked Arrow memory");
    assertEquals(0, serverAlloc.getAllocatedMemory(), "the endpoint leaked Arrow memory");
  }

  /** Writes ids [from, to) as an Arrow IPC stream file of batches of {@code batchRows}. */
  private java.nio.file.Path shard(java.nio.file.Path dir, String name, long from, long to, int batchRows) throws Exception {
    java.nio.file.Path f = dir.resolve(name);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, clientAlloc);
         java.io.OutputStream out = java.nio.file.Files.newOutputStream(f);
         org.apache.arrow.vector.ipc.ArrowStreamWriter w = new org.apache.arrow.vector.ipc.ArrowStreamWriter(root, null, out)) {
      w.start();
      for (long start = from; start < to; start += batchRows) {
        batch(root, start, (int) Math.min(batchRows, to - start));
        w.writeBatch();
      }
      w.end();
    }
    return f;
  }

  @Test
  void filesModeReadsShardsFromTheLakeIntoTheSameBoundedBuffer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    ShardSource files = uri -> java.nio.file.Files.newInputStream(java.nio.file.Path.of(java.net.URI.create(uri)));
    java.util.Map<Integer, String> shards = java.util.Map.of(
        0, shard(dir, "part-0.arrows", 0, 30_000, 4096).toUri().toString(),
        1, shard(dir, "part-1.arrows", 30_000, 50_000, 4096).toUri().toString());
    try (FeedServer server = FeedServer.start(serverAlloc, 0, SECRET, new FeedBuffer(256 * 1024), files);
         FeedClient client = new FeedClient(clientAlloc, "localhost", server.port(), SECRET)) {
      CompletableFuture<long[]> read = new CompletableFuture<>();
      Thread consumer = new Thread(() -> {
        try {
          read.complete(drain(new FeedReader(server, readerAlloc), new ArrayList<>()));
        } catch (Throwable t) {
          read.completeExceptionally(t);
        }
      });
      consumer.start();
      client.beginEpoch(0, -1);
      client.loadFiles(0, shards);
      await().atMost(Duration.ofSeconds(30)).until(() -> client.status().completePartitions().getOrDefault(0, List.of()).size() == 2);
      client.endEpoch(0, List.of(0, 1));
      client.finish(1);
      long[] got = read.get(30, TimeUnit.SECONDS);
      assertEquals(50_000, got[0]);
      assertEquals(49_999L * 50_000 / 2, got[1]);
      assertTrue(server.buffer().peakBytes() <= 256 * 1024);
      // An unreadable shard is reported, naming it.
      client.loadFiles(1, java.util.Map.of(5, dir.resolve("missing.arrows").toUri().toString()));
      await().atMost(Duration.ofSeconds(30)).until(() -> client.status().loadError() != null);
      assertTrue(client.status().loadError().contains("missing.arrows"), client.status().loadError());
    }
    assertEquals(0, readerAlloc.getAllocatedMemory());
  }

  @Test
  void aCallWithoutTheSecretIsRejected() throws Exception {
    try (FeedServer server = FeedServer.start(serverAlloc, 0, SECRET, new FeedBuffer(1 << 20));
         FeedClient wrong = new FeedClient(clientAlloc, "localhost", server.port(), "not-the-secret")) {
      FlightRuntimeException e = assertThrows(FlightRuntimeException.class, wrong::status);
      assertEquals(FlightStatusCode.UNAUTHENTICATED, e.status().code());
      try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, clientAlloc)) {
        assertThrows(FlightRuntimeException.class, () -> wrong.openPartition(0, 0, root));
      }
      assertEquals(null, server.schema(), "no data may arrive without the secret");
    }
  }

  /**
   * Feeds one epoch of rows [0, 5000) through a relay that records the bytes, with the endpoint and client on
   * {@code tls} (or plaintext); returns what the relay saw, once every row has been read at the worker.
   */
  private LoopbackCapture feedThroughCapture(Optional<TlsIdentity> tls) throws Exception {
    try (FeedServer server = FeedServer.start(serverAlloc, 0, SECRET, new FeedBuffer(1 << 20), null, tls);
         LoopbackCapture cap = new LoopbackCapture(server.port());
         FeedClient client = new FeedClient(clientAlloc, "localhost", cap.port(), SECRET, tls)) {
      FeedReader reader = new FeedReader(server, readerAlloc);
      CompletableFuture<long[]> read = CompletableFuture.supplyAsync(() -> {
        try {
          return drain(reader, new ArrayList<>());
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      client.beginEpoch(0, -1);
      sendRange(client, 0, 0, 0, 5000, 1000, clientAlloc);
      client.endEpoch(0, List.of(0));
      client.finish(1);
      assertEquals(5000, read.get(60, TimeUnit.SECONDS)[0], "every row arrived");
      return cap;
    }
  }

  /** Rows 4242 to 4245 of the id column as Arrow lays them out: four little-endian longs in a row. */
  private static byte[] knownRows() {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (long id = 4242; id < 4246; id++) {
      b.putLong(id);
    }
    return b.array();
  }

  /**
   * With the application's TLS identity the captured feed holds neither a known run of rows nor the secret
   * (both are there without it), and a client that does not trust the application's certificate, or speaks
   * plaintext, gets nothing from the endpoint.
   */
  @Test
  void withTlsTheCapturedFeedHoldsNoRowAndNoSecretAndAnUntrustingClientFailsTheHandshake() throws Exception {
    byte[] secret = SECRET.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    LoopbackCapture clear = feedThroughCapture(Optional.empty());
    assertTrue(clear.holds(knownRows()) && clear.holds(secret), "the capture sees plaintext when there is some");

    TlsIdentity tls = ApplicationCertificate.generate("application_1_0003");
    LoopbackCapture sealed = feedThroughCapture(Optional.of(tls));
    assertTrue(sealed.bytes().length > 40_000, "the whole epoch went through the relay: " + sealed.bytes().length);
    assertTrue(!sealed.holds(knownRows()), "no row is on the wire");
    assertTrue(!sealed.holds(secret), "the secret is not on the wire");

    TlsIdentity another = ApplicationCertificate.generate("application_1_0004");
    try (FeedServer server = FeedServer.start(serverAlloc, 0, SECRET, new FeedBuffer(1 << 20), null, Optional.of(tls))) {
      for (Optional<TlsIdentity> untrusting : List.of(Optional.of(another), Optional.<TlsIdentity>empty())) {
        try (FeedClient c = new FeedClient(clientAlloc, "localhost", server.port(), SECRET, untrusting)) {
          FlightRuntimeException e = assertThrows(FlightRuntimeException.class, c::status);
          assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.toString());
        }
      }
      try (FeedClient trusting = new FeedClient(clientAlloc, "localhost", server.port(), SECRET, Optional.of(tls))) {
        assertNotNull(trusting.status(), "the application's own client is served");
      }
    }
  }

  @Test
  void aFullBufferBlocksTheSenderInsteadOfGrowing() throws Exception {
    long limit = 256 * 1024;
    try (FeedServer server = FeedServer.start(serverAlloc, 0, SECRET, new FeedBuffer(limit));
         FeedClient client = new FeedClient(clientAlloc, "localhost", server.port(), SECRET)) {
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        sendRange(client, 0, 0, 0, 400_000, 4096, clientAlloc);   // ~4.8 MB, 19x the buffer
        client.endEpoch(0, List.of(0));
        client.finish(1);
      });
      // Nobody reads: the sender must stall with the buffer at its limit, not fill memory.
      await().atMost(Duration.ofSeconds(30)).until(() -> server.buffer().usedBytes() > limit / 2);
      Thread.sleep(500); // let a misbehaving sender run ahead, if it would
      assertTrue(!sent.isDone(), "the sender finished although nobody read");
      assertTrue(server.buffer().usedBytes() <= limit, "buffer grew past its limit: " + server.buffer().usedBytes());
      // A slow reader: the feed still finishes and every row arrives.
      FeedReader reader = new FeedReader(server, readerAlloc);
      long rows = 0;
      while (true) {
        FeedReader.FeedRecord r = reader.next(30, TimeUnit.SECONDS);
        assertNotNull(r);
        try (r) {
          if (r.kind() == FeedReader.Kind.END) {
            break;
          }
          if (r.kind() == FeedReader.Kind.BATCH) {
            rows += r.rows();
            Thread.sleep(2);
          }
        }
      }
      sent.get(30, TimeUnit.SECONDS);
      assertEquals(400_000, rows);
      assertTrue(server.buffer().peakBytes() <= limit, "peak " + server.buffer().peakBytes() + " > " + limit);
    }
  }

  @Test
  void aRetriedPartitionSkipsWhatTheWorkerAlreadyHas() throws Exception {
    try (FeedServer server = FeedServer.start(serverAlloc, 0, SECRET, new FeedBuffer(8 << 20));
         FeedClient client = new FeedClient(clientAlloc, "localhost", server.port(), SECRET)) {
      // First try: 3 of 10 batches, then the "Spark task" dies.
      try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, clientAlloc);
           FeedClient.PartitionPut put = client.openPartition(0, 7, root)) {
        fill(root, 0, 3000, 1000, put);
      }
      // The cancel may overtake batches still in flight: the worker holds 0 to 3 of them.
      await().atMost(Duration.ofSeconds(30)).until(() -> !client.progress(0, 7).active());
      int held = client.progress(0, 7).batches();
      assertTrue(held <= 3, "held " + held);
      FlightRuntimeException notYet = assertThrows(FlightRuntimeException.class, () -> client.endEpoch(0, List.of(7)));
      assertTrue(notYet.getMessage().contains("[7]"), notYet.getMessage());
      // The retry recomputes the same partition from the start; the first 3 batches are skipped.
      try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, clientAlloc);
           FeedClient.PartitionPut put = client.openPartition(0, 7, root)) {
        assertEquals(held, put.resumedBatches());
        fill(root, 0, 10_000, 1000, put);
        put.complete();
      }
      assertEquals(10_000, client.endEpoch(0, List.of(7)).rows());
      client.finish(1);
      assertEquals(List.of(7), client.status().completePartitions().get(0));
      long[] got = drain(new FeedReader(server, readerAlloc), new ArrayList<>());
      assertEquals(10_000, got[0]);
      assertEquals(9_999L * 10_000 / 2, got[1]);
      // A third try of a complete partition sends nothing.
      try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, clientAlloc);
           FeedClient.PartitionPut put = client.openPartition(0, 7, root)) {
        assertTrue(put.alreadyComplete());
      }
    }
    assertEquals(0, readerAlloc.getAllocatedMemory());
  }
}
