package org.spindle.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.spindle.task.AmView;

/**
 * Where feed worker number w (0 .. size-1) listens now. Shipped inside feeding tasks, so a task
 * that Spark retries after a worker restarted finds the restarted worker.
 */
public interface WorkerDirectory extends Serializable {
  int size();

  Endpoint resolve(int worker) throws IOException, TimeoutException, InterruptedException;

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
   * The feed roles' tasks as the AM knows them: role by role in the order given, index by index.
   * A task that is restarting is waited for, up to {@code waitMs}.
   */
  static WorkerDirectory fromAm(Map<String, Integer> instancesByRole, long waitMs) {
    List<String> slots = new ArrayList<>();
    instancesByRole.forEach((role, n) -> {
      for (int i = 0; i < n; i++) {
        slots.add(role + ":" + i);
      }
    });
    return new AmWorkers(List.copyOf(slots), waitMs);
  }

  final class AmWorkers implements WorkerDirectory {
    private static final long serialVersionUID = 1L;
    private static AmView shared;
    private final List<String> slots;
    private final long waitMs;

    AmWorkers(List<String> slots, long waitMs) {
      this.slots = slots;
      this.waitMs = waitMs;
    }

    private static synchronized AmView am() throws IOException {
      if (shared == null) {
        shared = AmView.fromEnvironment(System.getenv());
      }
      return shared;
    }

    @Override
    public int size() {
      return slots.size();
    }

    @Override
    public Endpoint resolve(int worker) throws IOException, TimeoutException, InterruptedException {
      String slot = slots.get(worker);
      String[] ri = slot.split(":");
      AmView am = am();
      return Waits.until(waitMs, 500, "feed worker " + slot + " to be running (spindle.feed.worker-wait)", () -> {
        for (AmView.TaskInfo t : am.job().tasks()) {
          if (t.role().equals(ri[0]) && t.index() == Integer.parseInt(ri[1]) && t.state().equals("REGISTERED")
              && t.ports().containsKey("feed")) {
            return Optional.of(new Endpoint(slot, t.host(), t.ports().get("feed")));
          }
        }
        return Optional.empty();
      });
    }
  }
}
