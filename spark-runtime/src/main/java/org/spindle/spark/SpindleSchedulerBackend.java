package org.spindle.spark;

import java.io.IOException;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.scheduler.TaskSchedulerImpl;
import org.apache.spark.scheduler.cluster.CoarseGrainedSchedulerBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark's standard coarse-grained backend; executors register with it as usual. What a cluster
 * manager would do, asking for and releasing executors, goes to the Spindle AM instead.
 */
final class SpindleSchedulerBackend extends CoarseGrainedSchedulerBackend {
  private static final Logger LOG = LoggerFactory.getLogger(SpindleSchedulerBackend.class);
  private final ExecutorPool pool;
  private final TaskSchedulerImpl scheduler;

  SpindleSchedulerBackend(TaskSchedulerImpl scheduler, RpcEnv rpcEnv, ExecutorPool pool) {
    super(scheduler, rpcEnv);
    this.pool = pool;
    this.scheduler = scheduler;
  }

  /**
   * Without dynamic allocation, asks for spark.executor.instances live executors, as Spark's YARN
   * backend does at start. Executors serve one driver: a restarted driver finds its predecessor's
   * executors gone and gets new ones; for the first driver the AM already started them.
   */
  @Override
  public void start() {
    super.start();
    // Tokens the AM re-obtains from a keytab reach the executors as Spark sends its own: this backend's
    // updateDelegationTokens adds them here and sends UpdateDelegationTokens to every executor, whose
    // tasks run as a user of their own (runAsSparkUser) that no file watcher in its JVM would reach.
    org.spindle.task.TaskCredentials.watch(tokens -> {
      LOG.info("passing {} bytes of fresh delegation tokens to the executors", tokens.length);
      updateDelegationTokens(tokens);
    });
    org.apache.spark.SparkConf conf = scheduler.sc().getConf();
    int wanted = conf.getInt("spark.executor.instances", 0);
    if (wanted > 0 && !conf.getBoolean(SparkDriverMain.DYNAMIC_ALLOCATION, false)) {
      try {
        pool.scaleTo(wanted);
      } catch (IOException e) {
        LOG.warn("could not ask the AM for {} executor(s): {}", wanted, e.getMessage());
      }
    }
  }

  @Override
  public String applicationId() {
    return pool.applicationId();
  }

  @Override
  public Future<Object> doRequestTotalExecutors(scala.collection.immutable.Map<ResourceProfile, Object> perProfile) {
    int total = 0;
    for (Object n : CollectionConverters.asJava(perProfile).values()) {
      total += (Integer) n;
    }
    try {
      pool.scaleTo(total);
      return Future.successful(Boolean.TRUE);
    } catch (IOException e) {
      LOG.warn("could not scale the executors to {}: {}", total, e.getMessage());
      return Future.successful(Boolean.FALSE);
    }
  }

  @Override
  public Future<Object> doKillExecutors(scala.collection.immutable.Seq<String> executorIds) {
    boolean all = true;
    for (String id : CollectionConverters.asJava(executorIds)) {
      try {
        pool.release(id);
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not release executor {}: {}", id, e.getMessage());
        all = false;
      }
    }
    return Future.successful(all);
  }
}
