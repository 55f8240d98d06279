package org.spindle.am.recovery;

import java.io.IOException;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * The job state as one znode under the application's subtree of an external ensemble, which
 * outlives the AM's node. It carries the application's digest ACL like the rest of the subtree.
 */
public final class ZkJobStateStore implements JobStateStore {
  private final CuratorFramework zk;
  private final String path;

  public ZkJobStateStore(CuratorFramework zk, String appPath) {
    this.zk = zk;
    this.path = appPath + "/job-state";
  }

  @Override
  public Optional<JobSnapshot> load() throws IOException {
    try {
      return Optional.of(JobSnapshot.fromJson(zk.getData().forPath(path)));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw new IOException("cannot read the job state from ZooKeeper " + path + ": " + e, e);
    }
  }

  @Override
  public void save(JobSnapshot snapshot) throws IOException {
    try {
      // A single setData is atomic in ZooKeeper; readers see the old state or the new one.
      zk.create().orSetData().creatingParentsIfNeeded().forPath(path, snapshot.toJson());
    } catch (Exception e) {
      throw new IOException("cannot write the job state to ZooKeeper " + path + ": " + e, e);
    }
  }

  @Override
  public String describe() {
    return "zookeeper:" + path;
  }
}
