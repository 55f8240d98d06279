package org.spindle.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.ExternalClusterManager;
import org.apache.spark.scheduler.SchedulerBackend;
import org.apache.spark.scheduler.TaskScheduler;
import org.apache.spark.scheduler.TaskSchedulerImpl;

/**
 * Spark master "spindle": executors are tasks of this YARN application's executor role, launched
 * by the Spindle AM (not by Spark's YARN client, not as a second application). Registered in
 * META-INF/services; SparkContext finds it by the master URL.
 */
public final class SpindleClusterManager implements ExternalClusterManager {
  public static final String MASTER = "spindle";
  /** Spark property naming the executor role (set by SparkDriverMain). */
  public static final String EXECUTOR_ROLE_PROPERTY = "spark.spindle.executor.role";

  @Override
  public boolean canCreate(String masterUrl) {
    return masterUrl.equals(MASTER) || masterUrl.startsWith(MASTER + ":");
  }

  @Override
  public TaskScheduler createTaskScheduler(SparkContext sc, String masterUrl) {
    return new TaskSchedulerImpl(sc);
  }

  @Override
  public SchedulerBackend createSchedulerBackend(SparkContext sc, String masterUrl, TaskScheduler scheduler) {
    try {
      ExecutorPool pool = AmExecutorPool.fromEnvironment(System.getenv(),
          sc.conf().get(EXECUTOR_ROLE_PROPERTY, "spark-executor"));
      return new SpindleSchedulerBackend((TaskSchedulerImpl) scheduler, sc.env().rpcEnv(), pool);
    } catch (IOException e) {
      throw new UncheckedIOException("master 'spindle' works only inside a Spindle container", e);
    }
  }

  @Override
  public void initialize(TaskScheduler scheduler, SchedulerBackend backend) {
    ((TaskSchedulerImpl) scheduler).initialize(backend);
  }
}
