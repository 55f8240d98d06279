package org.spindle.am.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The ZooKeeper server the AM starts when spindle.zookeeper.connect is unset. */
public final class EmbeddedZooKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
  private final ServerCnxnFactory factory;
  private final ZooKeeperServer server;

  private EmbeddedZooKeeper(ServerCnxnFactory factory, ZooKeeperServer server) {
    this.factory = factory;
    this.server = server;
  }

  public static EmbeddedZooKeeper start(Path dataDir) throws IOException, InterruptedException {
    System.setProperty("zookeeper.admin.enableServer", "false");
    ZooKeeperServer zks = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), 2000);
    ServerCnxnFactory f = ServerCnxnFactory.createFactory(new InetSocketAddress(0), 500);
    f.startup(zks);
    LOG.info("embedded ZooKeeper listening on port {}", f.getLocalPort());
    return new EmbeddedZooKeeper(f, zks);
  }

  public int port() {
    return factory.getLocalPort();
  }

  @Override
  public void close() {
    factory.shutdown();
    server.shutdown();
  }
}
