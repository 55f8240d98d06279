package org.spindle.task;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.conf.SpindleEnv;

/**
 * Where the application's tasks listen, read from the nodes they write in ZooKeeper
 * (/spindle/&lt;appId&gt;/attempt-&lt;n&gt;/&lt;role&gt;/&lt;index&gt;), not from the AM. The latest gang attempt
 * that has a node for a task wins. A node appears once its task registered with the AM and goes when
 * its container ends (the task closes it, or the AM deletes it when YARN reports the exit).
 *
 * <p>The ZooKeeper the AM embeds goes with its AM: when it stops answering, the directory asks the
 * {@link AmLocator} where the current attempt runs and reads that attempt's ZooKeeper from then on
 * (the tasks re-register there).
 */
public final class TaskDirectory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskDirectory.class);
  private static final Gson GSON = new Gson();

  /** One task's node: where it listens now, and which container and generation wrote it. */
  public record Entry(String role, int index, int attempt, String host, Map<String, Integer> ports, int generation,
                      String containerId) {
    public Entry {
      ports = Map.copyOf(ports);
    }
  }

  private final String appId;
  private final Supplier<AppSecret> secret;
  private final AmLocator locator;
  private final long sessionTimeoutMs;
  private String connect;
  private CuratorFramework zk;

  public TaskDirectory(String connect, Supplier<AppSecret> secret, String appId, AmLocator locator,
                       long sessionTimeoutMs) {
    this.connect = connect;
    this.secret = secret;
    this.appId = appId;
    this.locator = locator;
    this.sessionTimeoutMs = sessionTimeoutMs;
  }

  /** For code in a task container: the job's ZooKeeper, app id and secret from the container's environment. */
  public static TaskDirectory fromEnvironment(Map<String, String> env) {
    return new TaskDirectory(require(env, SpindleEnv.ZK_CONNECT), AppSecret.currentUser(), require(env, SpindleEnv.APP_ID),
        AmLocator.fromEnvironment(env), 30_000);
  }

  private static String require(Map<String, String> env, String key) {
    String v = env.get(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalStateException(key + " is not set: TaskDirectory runs inside a Spindle task container");
    }
    return v;
  }

  /**
   * The task's node in the latest gang attempt that has one; empty while it has none (it is starting,
   * restarting, or ZooKeeper cannot be read right now).
   */
  public synchronized Optional<Entry> lookup(String role, int index) throws InterruptedException {
    followCurrentAttempt();
    try {
      return read(client(), role, index);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      LOG.warn("cannot read task {}:{} from ZooKeeper {}: {}", role, index, connect, e.toString());
      dropClient();
      return Optional.empty();
    }
  }

  /** Where the ZooKeeper that holds the nodes is now (it moves with an embedded ZooKeeper's AM). */
  public synchronized String connectString() {
    return connect;
  }

  private void followCurrentAttempt() {
    if (zk != null && zk.getZookeeperClient().isConnected()) {
      return;
    }
    locator.locate().map(AmRecord::zkConnect).filter(c -> !c.isEmpty() && !c.equals(connect)).ifPresent(c -> {
      LOG.info("task nodes are read from ZooKeeper {} (the current ApplicationMaster attempt's), not {}", c, connect);
      dropClient();
      connect = c;
    });
  }

  private CuratorFramework client() throws InterruptedException {
    if (zk == null) {
      zk = TaskZooKeeper.connect(connect, secret.get(), appId, sessionTimeoutMs);
    }
    return zk;
  }

  private void dropClient() {
    if (zk != null) {
      zk.close();
      zk = null;
    }
  }

  private Optional<Entry> read(CuratorFramework c, String role, int index) throws Exception {
    String appPath = TaskZooKeeper.ROOT + "/" + appId;
    List<Integer> attempts = new ArrayList<>();
    try {
      for (String child : c.getChildren().forPath(appPath)) {
        if (child.startsWith("attempt-")) {
          try {
            attempts.add(Integer.parseInt(child.substring("attempt-".length())));
          } catch (NumberFormatException e) {
            LOG.debug("ignoring {}", child);
          }
        }
      }
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
    attempts.sort(Comparator.reverseOrder());
    for (int attempt : attempts) {
      try {
        byte[] data = c.getData().forPath(TaskZooKeeper.taskPath(appId, attempt, role, index));
        return Optional.of(parse(role, index, attempt, data));
      } catch (KeeperException.NoNodeException e) {
        // not in this attempt: look at the one before
      }
    }
    return Optional.empty();
  }

  public static Entry parse(String role, int index, int attempt, byte[] data) {
    JsonObject o = GSON.fromJson(new String(data, StandardCharsets.UTF_8), JsonObject.class);
    Map<String, Integer> ports = new LinkedHashMap<>();
    if (o.has("ports")) {
      o.getAsJsonObject("ports").entrySet().forEach(p -> ports.put(p.getKey(), p.getValue().getAsInt()));
    }
    return new Entry(role, index, attempt, o.get("host").getAsString(), ports,
        o.has("generation") ? o.get("generation").getAsInt() : 0,
        o.has("containerId") ? o.get("containerId").getAsString() : "");
  }

  /** The JSON a task writes into its node (read back by {@link #lookup}). */
  public static String nodeJson(String host, Map<String, Integer> ports, int generation, String containerId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", host);
    m.put("ports", ports);
    m.put("generation", generation);
    m.put("containerId", containerId);
    return GSON.toJson(m);
  }

  @Override
  public synchronized void close() {
    dropClient();
  }
}
