package org.spindle.tensorflow.feed;

import java.io.IOException;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.AppSecret;
import org.spindle.feeder.AlignedAllocation;
import org.spindle.feeder.FeedBuffer;
import org.spindle.feeder.FeedServer;

/**
 * A worker's feed endpoint: the Flight server on the port the launcher bound and registered as
 * "feed", checked with the application's secret, with its buffer of spindle.feed.buffer-bytes.
 */
public final class FeedEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedEndpoint.class);
  /** The port name the launcher registers (spindle.role.<name>.ports). */
  public static final String PORT_NAME = "feed";
  public static final String PORT_ENV = "SPINDLE_PORT_FEED";

  private final RootAllocator allocator;
  private final BufferAllocator readerAllocator;
  private final FeedServer server;
  private final WorkerFeed feed;

  private FeedEndpoint(int port, String secret, long bufferBytes, String labelColumn) throws IOException {
    // Batches wait in the buffer (its limit) and one more is being read and converted.
    this.allocator = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
    BufferAllocator serverAllocator = allocator.newChildAllocator("feed-endpoint", 0, Long.MAX_VALUE);
    this.readerAllocator = allocator.newChildAllocator("feed-reader", 0, Long.MAX_VALUE);
    // Files mode: the worker reads its Arrow IPC shards from the data lake (any Hadoop FileSystem).
    org.spindle.feeder.ShardSource shards = uri -> {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(java.net.URI.create(uri));
      return p.getFileSystem(new Configuration()).open(p);
    };
    java.util.Optional<org.spindle.task.TlsIdentity> tls = org.spindle.task.TlsIdentity.fromCurrentUser();
    this.server = FeedServer.start(serverAllocator, port, secret, new FeedBuffer(bufferBytes), shards, tls);
    this.feed = new WorkerFeed(server, readerAllocator, labelColumn);
    LOG.info("feed endpoint listening on port {} ({}, buffer {} bytes, label column '{}')", server.port(),
        tls.isPresent() ? "TLS" : "plaintext", bufferBytes, labelColumn);
  }

  /** Starts the endpoint when the launcher reserved a feed port for this task; else null. */
  public static FeedEndpoint startIfFed(Map<String, String> env, Map<String, String> conf) throws IOException {
    String port = env.get(PORT_ENV);
    if (port == null || port.isBlank()) {
      return null;
    }
    Configuration c = new Configuration(false);
    c.set("spindle.feed.buffer-bytes", conf.getOrDefault("spindle.feed.buffer-bytes", "64m"));
    long bufferBytes = c.getLongBytes("spindle.feed.buffer-bytes", 64L << 20);
    return new FeedEndpoint(Integer.parseInt(port), AppSecret.fromCurrentUser().reveal(), bufferBytes,
        conf.getOrDefault("spindle.feed.label-column", "label"));
  }

  public WorkerFeed workerFeed() {
    return feed;
  }

  @Override
  public void close() throws InterruptedException {
    LOG.info("feed endpoint closing: {} columns wrapped without a copy, {} copied, peak buffer {} bytes",
        feed.zeroCopyColumns(), feed.copiedColumns(), server.buffer().peakBytes());
    server.close();
  }
}
