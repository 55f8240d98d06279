package org.spindle.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.spindle.task.TaskDirectory;

/**
 * Where feed worker number w (0 .. size-1) listens now. Shipped inside feeding tasks, so a task
 * that Spark retries after a worker restarted finds the restarted worker.
 */
public interface WorkerDirectory extends Serializable {
  int size();

  Endpoint resolve(int worker) throws IOException, TimeoutException, InterruptedException;

  /** Where worker w listens right now, without waiting: empty while it has no endpoint (ended or restarting). */
  default Optional<Endpoint> current(int worker) throws IOException, TimeoutException, InterruptedException {
    return Optional.of(resolve(worker));
  }

  /** A worker's feed endpoint; {@code task} is "role:index" for messages. */
  record Endpoint(String task, String host, int port) implements Serializable {
    @Override
    public String toString() {
      return task + " at " + host + ":" + port;
    }
  }

  /** Fixed endpoints (tests, or workers outside YARN). */
  static WorkerDirectory fixed(List<Endpoint> endpoints) {
    List<Endpoint> copy = List.copyOf(endpoints);
    return new WorkerDirectory() {
      @Override
      public int size() {
        return copy.size();
      }

      @Override
      public Endpoint resolve(int worker) {
        return copy.get(worker);
      }
    };
  }

  /**
   * The feed roles' tasks as their nodes in the job's ZooKeeper show them ({@link TaskDirectory}): role
   * by role in the order given, index by index. A task that has no node (starting or restarting) is
   * waited for, up to {@code waitMs}.
   */
  static WorkerDirectory fromZooKeeper(Map<String, Integer> instancesByRole, long waitMs) {
    List<String> slots = new ArrayList<>();
    instancesByRole.forEach((role, n) -> {
      for (int i = 0; i < n; i++) {
        slots.add(role + ":" + i);
      }
    });
    return new ZooKeeperWorkers(List.copyOf(slots), waitMs);
  }

  final class ZooKeeperWorkers implements WorkerDirectory {
    private static final long serialVersionUID = 1L;
    private static TaskDirectory shared;
    private final List<String> slots;
    private final long waitMs;

    ZooKeeperWorkers(List<String> slots, long waitMs) {
      this.slots = slots;
      this.waitMs = waitMs;
    }

    /** One directory per JVM (the driver's, or an executor's), from the task container's environment. */
    private static synchronized TaskDirectory directory() {
      if (shared == null) {
        shared = TaskDirectory.fromEnvironment(System.getenv());
      }
      return shared;
    }

    @Override
    public int size() {
      return slots.size();
    }

    @Override
    public Endpoint resolve(int worker) throws TimeoutException, InterruptedException {
      String slot = slots.get(worker);
      return Waits.until(waitMs, 500, "feed worker " + slot + " to have its node in ZooKeeper "
          + "(spindle.feed.worker-wait)", () -> current(worker));
    }

    @Override
    public Optional<Endpoint> current(int worker) throws InterruptedException {
      String slot = slots.get(worker);
      int colon = slot.lastIndexOf(':');
      Optional<TaskDirectory.Entry> e = directory().lookup(slot.substring(0, colon),
          Integer.parseInt(slot.substring(colon + 1)));
      return e.filter(x -> x.ports().containsKey("feed")).map(x -> new Endpoint(slot, x.host(), x.ports().get("feed")));
    }
  }
}
