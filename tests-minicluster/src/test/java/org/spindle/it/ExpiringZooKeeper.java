package org.spindle.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.apache.zookeeper.server.ServerCnxn;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.SessionTracker;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A real ZooKeeper server in the test's JVM, standing in for a cluster's ensemble, that can expire
 * any client's session the way the server does when a client stays away past its timeout.
 */
final class ExpiringZooKeeper implements AutoCloseable {
  private final ZooKeeperServer server;
  private final ServerCnxnFactory factory;

  ExpiringZooKeeper(Path dataDir) throws IOException, InterruptedException {
    server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), 2000);
    factory = ServerCnxnFactory.createFactory(new InetSocketAddress("localhost", 0), 100);
    factory.startup(server);
  }

  String connectString() {
    return "localhost:" + factory.getLocalPort();
  }

  /** The sessions of every client connected now. */
  Set<Long> sessions() {
    Set<Long> ids = new HashSet<>();
    for (ServerCnxn c : factory.getConnections()) {
      if (c.getSessionId() != 0) {
        ids.add(c.getSessionId());
      }
    }
    return ids;
  }

  /** Expires the session on the server: its ephemeral nodes go, and its client learns on its next contact. */
  void expire(long sessionId) {
    server.expire(new SessionTracker.Session() {
      @Override
      public long getSessionId() {
        return sessionId;
      }

      @Override
      public int getTimeout() {
        return 2000;
      }

      @Override
      public boolean isClosing() {
        return false;
      }
    });
  }

  @Override
  public void close() {
    factory.shutdown();
    server.shutdown();
  }
}
