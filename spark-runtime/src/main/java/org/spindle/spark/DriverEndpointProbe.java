package org.spindle.spark;

import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SecurityManager;
import org.apache.spark.SecurityManager$;
import org.apache.spark.SparkConf;
import org.apache.spark.rpc.RpcEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until the Spark driver's scheduler endpoint exists, with Spark's own RPC lookup.
 *
 * <p>CoarseGrainedExecutorBackend looks the endpoint up three times in a row and then exits. An
 * executor container often starts before the driver has created its SparkContext (the driver's task
 * registers when its launcher does, and its port is first held by the launcher's placeholder socket,
 * then by the driver's RpcEnv before the endpoint is registered), so the executor asks the same question
 * here, repeatedly and within a bound, before handing over to Spark.
 */
final class DriverEndpointProbe {
  private static final Logger LOG = LoggerFactory.getLogger(DriverEndpointProbe.class);

  private DriverEndpointProbe() {}

  static void await(String driverUrl, String host, long timeoutMs) throws TimeoutException, InterruptedException {
    SparkConf conf = new SparkConf()
        // a placeholder socket accepts but never answers: do not wait Spark's default 120 s per lookup
        .set("spark.rpc.lookupTimeout", "10s")
        .set("spark.rpc.askTimeout", "10s");
    SecurityManager security = new SecurityManager(conf, SecurityManager$.MODULE$.$lessinit$greater$default$2(),
        SecurityManager$.MODULE$.$lessinit$greater$default$3());
    RpcEnv rpc = RpcEnv.create("spindleDriverProbe", host, host, -1, conf, security, 1, true);
    long start = System.nanoTime();
    try {
      Waits.until(timeoutMs, 500, "the Spark driver's scheduler endpoint " + driverUrl, () -> {
        try {
          rpc.setupEndpointRefByURI(driverUrl);
          return Optional.of(Boolean.TRUE);
        } catch (Exception e) { // Spark's SparkException is checked, undeclared by Scala
          throw new java.io.IOException(rootMessage(e), e);
        }
      });
      LOG.info("the Spark driver's scheduler endpoint {} answered after {} ms", driverUrl,
          (System.nanoTime() - start) / 1_000_000);
    } finally {
      rpc.shutdown();
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
