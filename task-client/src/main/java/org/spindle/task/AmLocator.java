package org.spindle.task;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.conf.SpindleEnv;

/** Finds the ApplicationMaster attempt that is current now (a task's AM may have been replaced). */
public interface AmLocator {
  Logger LOG = LoggerFactory.getLogger(AmLocator.class);

  /** The latest published attempt, or empty when none can be read right now. */
  Optional<AmRecord> locate();

  /** A fixed address that never moves (clients that follow attempts through the RM themselves). */
  AmLocator NONE = Optional::empty;

  /**
   * From the container's environment: with the job's external ZooKeeper, the record the AM
   * published there, else (or when ZooKeeper cannot be read) the file in the staging directory,
   * read with the container's credentials.
   */
  static AmLocator fromEnvironment(Map<String, String> env) {
    String file = env.get(SpindleEnv.AM_RECORD);
    AmLocator staging = file == null || file.isEmpty() ? NONE : stagingFile(new Path(file));
    if (!Boolean.parseBoolean(env.getOrDefault(SpindleEnv.ZK_EXTERNAL, "false"))) {
      return staging;
    }
    AmLocator zk = zooKeeper(env.get(SpindleEnv.ZK_CONNECT), env.get(SpindleEnv.APP_ID), AppSecret.currentUser());
    return () -> zk.locate().or(staging::locate);
  }

  static AmLocator stagingFile(Path path) {
    Configuration conf = new Configuration();
    return () -> {
      try {
        return AmRecordFile.read(conf, path);
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot read the ApplicationMaster record {}: {}", path, e.toString());
        return Optional.empty();
      }
    };
  }

  /** The record in the app's subtree of an external ensemble; connects on first use, with the app's digest. */
  static AmLocator zooKeeper(String connect, String appId, java.util.function.Supplier<AppSecret> secret) {
    java.util.concurrent.atomic.AtomicReference<org.apache.curator.framework.CuratorFramework> client =
        new java.util.concurrent.atomic.AtomicReference<>();
    return () -> {
      try {
        synchronized (client) {
          if (client.get() == null) {
            client.set(TaskZooKeeper.connect(connect, secret.get(), appId, 30_000));
          }
        }
        return AmRecord.parse(client.get().getData().forPath(TaskZooKeeper.amPath(appId)));
      } catch (Exception e) {
        LOG.warn("cannot read the ApplicationMaster record from ZooKeeper {}: {}", connect, e.toString());
        return Optional.empty();
      }
    };
  }
}
