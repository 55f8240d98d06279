package org.spindle.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.rand;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.spindle.task.AppSecret;
import org.spindle.feeder.AlignedAllocation;
import org.spindle.feeder.FeedBuffer;
import org.spindle.feeder.FeedReader;
import org.spindle.feeder.FeedServer;
import org.spindle.spark.DataFrameFeeder;
import org.spindle.spark.FeedColumns;
import org.spindle.spark.WorkerDirectory;
import org.spindle.tensorflow.feed.ArrowTensors;
import org.tensorflow.Tensor;
import org.tensorflow.TensorMemory;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Feed throughput on one DataFrame (rows x 64 float columns + 8 id columns, cached), three ways in
 * one run: (1) Spindle's path: ArrowWriter in the Spark tasks, Arrow Flight to two worker
 * endpoints, Arrow batches to TF tensors; (2) the row-at-a-time baseline: every row one gRPC
 * message from the Spark tasks, the receivers copy rows into batch arrays and build tensors;
 * (3) the machine's limit: the same number of bytes over a raw loopback TCP socket.
 * Then one 1 MB Arrow column buffer to a tensor: wrapped, one memcpy, element by element.
 * Usage: FeedBench [rows] [repetitions] [tls]; with "tls", only stream mode without and with encryption.
 */
public final class FeedBench {
  private static final String SECRET = "bench-secret";
  static final int FLOATS = 64;
  static final int IDS = 8;
  static final int ROW_BYTES = FLOATS * 4 + IDS * 8;
  static final int BATCH = 4096;

  private FeedBench() {}

  /**
   * Spark on local[2] without its UI, for a user whose credentials hold the application secret {@code secret},
   * as a container's do (the Spark tasks read it from there).
   */
  static SparkSession localSpark(String name, String secret) throws IOException {
    Credentials creds = new Credentials();
    AppSecret.of(secret).addTo(creds);
    UserGroupInformation.getCurrentUser().addCredentials(creds);
    return SparkSession.builder().master("local[2]").appName(name).config("spark.ui.enabled", "false").getOrCreate();
  }

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    SparkSession spark = localSpark("feed-bench", SECRET);
    List<Column> cols = new ArrayList<>();
    for (int c = 0; c < IDS; c++) {
      cols.add(col("id").multiply(IDS).plus(c).as("id" + c));
    }
    for (int c = 0; c < FLOATS; c++) {
      cols.add(rand(c).cast("float").as("f" + c));
    }
    Dataset<Row> df = FeedColumns.prepare(spark.range(0, rows, 1, 4).select(cols.toArray(new Column[0])), "f0")
        .cache();
    df.count();
    if (args.length > 2 && args[2].equals("tls")) {
      encryptionCost(df, rows, reps);
      spark.stop();
      System.exit(0);
    }
    double mb = rows * (double) ROW_BYTES / 1e6;
    List<Double> flight = new ArrayList<>();
    List<Double> flightRows = new ArrayList<>();
    List<Double> flightUnvectorized = new ArrayList<>();
    List<Double> perRow = new ArrayList<>();
    List<Double> tcp = new ArrayList<>();
    List<Double> filesLater = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      filesLater.add(filesModeRowsPerSecond(df, rows)[1]);
      flight.add(feederRowsPerSecond(df, rows, FeedPath.COLUMNAR));
      flightRows.add(feederRowsPerSecond(df, rows, FeedPath.ROWS));
      flightUnvectorized.add(feederRowsPerSecond(df, rows, FeedPath.ROWS_UNVECTORIZED));
      perRow.add(grpcRowsPerSecond(df, rows));
      tcp.add(loopbackRowsPerSecond(rows));
      System.out.printf("rep %d: flight columnar %.0f rows/s, flight row path %.0f rows/s, flight row path without"
          + " the vectorized cache reader %.0f rows/s, row-at-a-time gRPC %.0f rows/s, loopback TCP %.0f rows/s, files"
          + " mode epoch 1 (IPC shards read by the workers) %.0f rows/s%n",
          r + 1, flight.get(r), flightRows.get(r), flightUnvectorized.get(r), perRow.get(r), tcp.get(r), filesLater.get(r));
    }
    double f = TrainThroughputBench.median(flight);
    double g = TrainThroughputBench.median(perRow);
    double t = TrainThroughputBench.median(tcp);
    System.out.printf("median rows/s (MB/s at %d bytes/row): flight %.0f (%.0f), gRPC per row %.0f (%.0f), loopback %.0f (%.0f)%n",
        ROW_BYTES, f, f * ROW_BYTES / 1e6, g, g * ROW_BYTES / 1e6, t, t * ROW_BYTES / 1e6);
    System.out.printf("flight / per-row gRPC = %.1fx; flight / loopback = %.0f%%; data %.0f MB per run%n",
        f / g, 100 * f / t, mb);
    double fr = TrainThroughputBench.median(flightRows);
    double fu = TrainThroughputBench.median(flightUnvectorized);
    System.out.printf("flight row path %.0f rows/s (%.0f MB/s) = %.0f%% of loopback; columnar / row path = %.2fx%n",
        fr, fr * ROW_BYTES / 1e6, 100 * fr / t, f / fr);
    System.out.printf("flight row path, vectorized cache reader off: %.0f rows/s = %.0f%% of loopback; columnar / it ="
        + " %.2fx%n", fu, 100 * fu / t, f / fu);
    double fl = TrainThroughputBench.median(filesLater);
    System.out.printf("files mode, later epochs: %.0f rows/s (%.0f MB/s) = %.0f%% of loopback, %.1fx stream mode%n",
        fl, fl * ROW_BYTES / 1e6, 100 * fl / t, fl / f);
    spark.stop();
    conversion(reps);
    System.exit(0);
  }

  /** How the stream-mode feed gets its Arrow batches from the cached DataFrame. */
  enum FeedPath {
    /** The feed's columnar path: Spark's ColumnarBatches from the columnar cache, copied column by column. */
    COLUMNAR,
    /** The row path as every job took it before the columnar path: the cache's vectorized batches turned back
     *  into rows by Spark's ColumnarToRow (a filter that keeps every row on top keeps the plan row-based),
     *  then written into Arrow by ArrowWriter. */
    ROWS,
    /** The row path with Spark's vectorized cache reader off: the cache decoded straight into rows. */
    ROWS_UNVECTORIZED
  }

  /** (1) Two in-process workers reading tensors; rows/s from the start of the feed to the last tensor. */
  static double feederRowsPerSecond(Dataset<Row> df, long rows, FeedPath path) throws Exception {
    df.sparkSession().conf().set("spark.sql.inMemoryColumnarStorage.enableVectorizedReader",
        Boolean.toString(path != FeedPath.ROWS_UNVECTORIZED));
    // A new query (toDF() would keep the plan already made): planned with that setting.
    Dataset<Row> planned = df.select(java.util.Arrays.stream(df.columns()).map(c -> col(c)).toArray(Column[]::new));
    if (path == FeedPath.ROWS) {
      // A filter that keeps every row: Spark leaves a FilterExec over ColumnarToRow (a projection would be folded
      // into the cache scan), so the plan computes rows.
      planned = df.where(col("id0").geq(Long.MIN_VALUE));
    }
    double[] r = feed(planned, rows, null, java.util.Optional.empty());
    if ((r[2] == 1) != (path == FeedPath.COLUMNAR)) {
      throw new IllegalStateException(path + " took the " + (r[2] == 1 ? "columnar" : "row") + " path");
    }
    return r[0];
  }

  /**
   * Stream mode without and then with encryption (TLS on every Flight connection with an application
   * certificate as submit makes it), {@code reps} each, in this JVM. The Spark tasks find the identity in the
   * user's credentials as executors do, and it cannot be taken back out, so the plaintext runs come first.
   */
  static void encryptionCost(Dataset<Row> df, long rows, int reps) throws Exception {
    List<Double> plain = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      plain.add(feed(df, rows, null, java.util.Optional.empty())[0]);
      System.out.printf("rep %d: flight plaintext %.0f rows/s%n", r + 1, plain.get(r));
    }
    org.spindle.task.TlsIdentity tls = org.spindle.task.ApplicationCertificate.generate("application_0_0001");
    Credentials creds = new Credentials();
    tls.addTo(creds);
    UserGroupInformation.getCurrentUser().addCredentials(creds);
    List<Double> encrypted = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      encrypted.add(feed(df, rows, null, java.util.Optional.of(tls))[0]);
      System.out.printf("rep %d: flight TLS %.0f rows/s%n", r + 1, encrypted.get(r));
    }
    double p = TrainThroughputBench.median(plain);
    double e = TrainThroughputBench.median(encrypted);
    System.out.printf("median rows/s: plaintext %.0f (%.0f MB/s), TLS %.0f (%.0f MB/s); TLS / plaintext = %.2f%n",
        p, p * ROW_BYTES / 1e6, e, e * ROW_BYTES / 1e6, e / p);
  }

  /**
   * (1b) Files mode, 2 epochs: epoch 0 writes the Arrow IPC shards (file://) as it feeds; epoch 1 is the
   * workers reading the shards themselves (FeedServer's shard loader), no Spark in the way. Returns
   * {whole feed rows/s, epoch 1 rows/s from its first EPOCH_BEGIN to its last EPOCH_END}.
   */
  static double[] filesModeRowsPerSecond(Dataset<Row> df, long rows) throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("feedbench-shards");
    try {
      return feed(df, rows, dir.toUri().toString(), java.util.Optional.empty());
    } finally {
      try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(dir)) {
        for (java.nio.file.Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.delete(f);
        }
      }
    }
  }

  private static double[] feed(Dataset<Row> df, long rows, String filesDir,
                               java.util.Optional<org.spindle.task.TlsIdentity> tls) throws Exception {
    int epochs = filesDir == null ? 1 : 2;
    AtomicLong epoch1Begin = new AtomicLong(Long.MAX_VALUE);
    AtomicLong epoch1End = new AtomicLong();
    List<FeedServer> servers = new ArrayList<>();
    List<CompletableFuture<Long>> done = new ArrayList<>();
    List<WorkerDirectory.Endpoint> eps = new ArrayList<>();
    RootAllocator root = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
    for (int w = 0; w < 2; w++) {
      FeedServer s = FeedServer.start(root.newChildAllocator("s" + w, 0, Long.MAX_VALUE), 0, SECRET,
          new FeedBuffer(64L << 20), uri -> java.nio.file.Files.newInputStream(java.nio.file.Path.of(java.net.URI.create(uri))),
          tls);
      servers.add(s);
      eps.add(new WorkerDirectory.Endpoint("w" + w, "localhost", s.port()));
      FeedReader reader = new FeedReader(s, root.newChildAllocator("r" + w, 0, Long.MAX_VALUE));
      CompletableFuture<Long> f = new CompletableFuture<>();
      done.add(f);
      Thread th = new Thread(() -> {
        long n = 0;
        ArrowTensors conv = new ArrowTensors();
        try {
          while (true) {
            FeedReader.FeedRecord rec = reader.next(60, TimeUnit.SECONDS);
            try (rec) {
              if (rec.epoch() == 1 && rec.kind() == FeedReader.Kind.EPOCH_BEGIN) {
                epoch1Begin.accumulateAndGet(System.nanoTime(), Math::min);
              }
              if (rec.epoch() == 1 && rec.kind() == FeedReader.Kind.EPOCH_END) {
                epoch1End.accumulateAndGet(System.nanoTime(), Math::max);
              }
              if (rec.kind() == FeedReader.Kind.END) {
                f.complete(n);
                return;
              }
              if (rec.kind() == FeedReader.Kind.BATCH) {
                conv.convert(rec.root()).values().forEach(Tensor::close);
                n += rec.rows();
              }
            }
          }
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      });
      th.setDaemon(true);
      th.start();
    }
    long start = System.nanoTime();
    DataFrameFeeder.Report report = new DataFrameFeeder(WorkerDirectory.fixed(eps), SECRET, tls,
        new DataFrameFeeder.Settings(epochs, BATCH, false, 2, 60_000, filesDir)).feed(df);
    long got = 0;
    for (CompletableFuture<Long> f : done) {
      got += f.get(10, TimeUnit.MINUTES);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    for (FeedServer s : servers) {
      s.close();
    }
    if (got != rows * epochs) {
      throw new IllegalStateException("fed " + got + " rows, expected " + rows * epochs);
    }
    double later = filesDir == null ? 0 : rows / ((epoch1End.get() - epoch1Begin.get()) / 1e9);
    return new double[] {rows * epochs / secs, later, report.columnar() ? 1 : 0};
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  };

  static final MethodDescriptor<byte[], byte[]> PUT_ROWS = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.CLIENT_STREAMING).setFullMethodName("bench.Rows/Put")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  /** A receiver that copies each row into batch arrays and builds tensors every BATCH rows. */
  static final class RowReceiver implements StreamObserver<byte[]> {
    final StreamObserver<byte[]> response;
    final AtomicLong total;
    final float[] floats = new float[BATCH * FLOATS];
    final long[] ids = new long[BATCH * IDS];
    int n;

    RowReceiver(StreamObserver<byte[]> response, AtomicLong total) {
      this.response = response;
      this.total = total;
    }

    @Override
    public void onNext(byte[] row) {
      ByteBuffer b = ByteBuffer.wrap(row);
      for (int c = 0; c < IDS; c++) {
        ids[n * IDS + c] = b.getLong();
      }
      for (int c = 0; c < FLOATS; c++) {
        floats[n * FLOATS + c] = b.getFloat();
      }
      if (++n == BATCH) {
        flush();
      }
    }

    void flush() {
      if (n == 0) {
        return;
      }
      try (TFloat32 f = TFloat32.tensorOf(Shape.of(n, FLOATS), DataBuffers.of(floats, true, false).narrow(n * (long) FLOATS));
           TInt64 i = TInt64.tensorOf(Shape.of(n, IDS), DataBuffers.of(ids, true, false).narrow(n * (long) IDS))) {
        total.addAndGet(n);
      }
      n = 0;
    }

    @Override
    public void onError(Throwable t) {
    }

    @Override
    public void onCompleted() {
      flush();
      response.onNext(new byte[0]);
      response.onCompleted();
    }
  }

  /** (2) Every row one gRPC message, sent by the Spark tasks with flow control. */
  static double grpcRowsPerSecond(Dataset<Row> df, long rows) throws Exception {
    AtomicLong received = new AtomicLong();
    ServerServiceDefinition svc = ServerServiceDefinition.builder("bench.Rows")
        .addMethod(PUT_ROWS, ServerCalls.asyncClientStreamingCall(resp -> new RowReceiver(resp, received))).build();
    Server server = NettyServerBuilder.forPort(0).addService(svc).build().start();
    int port = server.getPort();
    long start = System.nanoTime();
    df.foreachPartition((ForeachPartitionFunction<Row>) it -> sendRows(port, it));
    double secs = (System.nanoTime() - start) / 1e9;
    server.shutdownNow();
    if (received.get() != rows) {
      throw new IllegalStateException("received " + received.get() + " rows, expected " + rows);
    }
    return rows / secs;
  }

  static void sendRows(int port, java.util.Iterator<Row> it) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    CountDownLatch done = new CountDownLatch(1);
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<byte[]>[] out = new ClientCallStreamObserver[1];
    StreamObserver<byte[]> req = ClientCalls.asyncClientStreamingCall(ch.newCall(PUT_ROWS, io.grpc.CallOptions.DEFAULT),
        new ClientResponseObserver<byte[], byte[]>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<byte[]> r) {
            out[0] = r;
          }

          @Override
          public void onNext(byte[] value) {
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    while (it.hasNext()) {
      Row r = it.next();
      ByteBuffer b = ByteBuffer.allocate(ROW_BYTES);
      for (int c = 0; c < IDS; c++) {
        b.putLong(r.getLong(c));
      }
      for (int c = 0; c < FLOATS; c++) {
        b.putFloat(r.getFloat(IDS + c));
      }
      while (!out[0].isReady()) {
        LockSupport.parkNanos(20_000);
      }
      req.onNext(b.array());
    }
    req.onCompleted();
    done.await(10, TimeUnit.MINUTES);
    ch.shutdownNow();
  }

  /** (3) The same bytes over a raw loopback socket, 64 KB writes, a reader that discards. */
  static double loopbackRowsPerSecond(long rows) throws Exception {
    long bytes = rows * ROW_BYTES;
    try (ServerSocket ss = new ServerSocket(0)) {
      CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
        try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
          byte[] buf = new byte[1 << 16];
          long n = 0;
          for (int k; (k = in.read(buf)) > 0; ) {
            n += k;
          }
          return n;
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      long start = System.nanoTime();
      try (Socket s = new Socket("localhost", ss.getLocalPort()); OutputStream out = s.getOutputStream()) {
        byte[] chunk = new byte[1 << 16];
        for (long left = bytes; left > 0; left -= chunk.length) {
          out.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
      }
      long got = read.get(5, TimeUnit.MINUTES);
      double secs = (System.nanoTime() - start) / 1e9;
      if (got != bytes) {
        throw new IllegalStateException("loopback moved " + got + " of " + bytes + " bytes");
      }
      return rows / secs;
    }
  }

  /** One 4096 x 64 float column buffer (1 MB) to a tensor, three ways; microseconds per batch. */
  static void conversion(int reps) {
    int n = BATCH * FLOATS;
    try (RootAllocator a = AlignedAllocation.rootAllocator(Long.MAX_VALUE); Float4Vector v = new Float4Vector("x", a)) {
      v.allocateNew(n);
      for (int i = 0; i < n; i++) {
        v.set(i, i);
      }
      v.setValueCount(n);
      long addr = v.getDataBuffer().memoryAddress();
      int iters = 200;
      List<Double> wrap = new ArrayList<>();
      List<Double> copy = new ArrayList<>();
      List<Double> element = new ArrayList<>();
      for (int r = 0; r < reps + 1; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
          v.getDataBuffer().getReferenceManager().retain();
          TensorMemory.wrap(TFloat32.class, Shape.of(BATCH, FLOATS), addr, 4L * n,
              () -> v.getDataBuffer().getReferenceManager().release()).close();
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
          TensorMemory.copyOf(TFloat32.class, Shape.of(BATCH, FLOATS), addr, 4L * n).close();
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < iters / 10; i++) {
          try (TFloat32 t = TFloat32.tensorOf(Shape.of(BATCH, FLOATS))) {
            for (int k = 0; k < n; k++) {
              t.setFloat(v.get(k), k / FLOATS, k % FLOATS);
            }
          }
        }
        long t3 = System.nanoTime();
        if (r > 0) { // the first round warms up the JIT
          wrap.add((t1 - t0) / 1e3 / iters);
          copy.add((t2 - t1) / 1e3 / iters);
          element.add((t3 - t2) / 1e3 / (iters / 10.0));
        }
      }
      double e = TrainThroughputBench.median(element);
      System.out.printf("1 MB batch to a tensor: wrap %.1f us, memcpy %.1f us, element by element %.1f us "
              + "(element/memcpy %.0fx, element/wrap %.0fx)%n", TrainThroughputBench.median(wrap),
          TrainThroughputBench.median(copy), e, e / TrainThroughputBench.median(copy), e / TrainThroughputBench.median(wrap));
    }
  }
}
