package org.spindle.spark;

import org.apache.spark.SparkConf;
import org.spindle.task.AppSecret;

/**
 * Spark's own authentication (spark.authenticate) on the driver's RPC and every block transfer, with a
 * key derived from the application's secret: an executor, a block fetch or a shell on the same host that
 * lacks it is refused during the handshake. The key is set in the driver's SparkConf and in an executor
 * JVM's system properties (where Spark reads its startup configuration), never on a command line; Spark
 * redacts it wherever it shows its configuration.
 */
final class SparkAuth {
  static final String AUTHENTICATE = "spark.authenticate";
  static final String SECRET = "spark.authenticate.secret";
  /** Spark's own AES encryption of its RPC and block transfers, keyed through the authentication handshake. */
  static final String NETWORK_CRYPTO = "spark.network.crypto.enabled";
  /** Off with encryption: a peer that authenticates without encrypting (SASL) is refused, not let in in clear. */
  static final String SASL_FALLBACK = "spark.network.crypto.saslFallback";

  private SparkAuth() {}

  /** The Spark key of this application: not the app secret itself, which grants more. */
  static String key(AppSecret app) {
    return app.derive("spindle-spark-authenticate");
  }

  /** {@code encrypt}: the application runs with encryption (it has a TLS identity). */
  static SparkConf apply(SparkConf conf, AppSecret app, boolean encrypt) {
    return conf.set(AUTHENTICATE, "true").set(SECRET, key(app)).set(NETWORK_CRYPTO, Boolean.toString(encrypt))
        .set(SASL_FALLBACK, Boolean.toString(!encrypt));
  }

  /** For an executor's JVM, before anything in it creates a SparkConf; the same settings as the driver's. */
  static void applyToSystemProperties(AppSecret app, boolean encrypt) {
    System.setProperty(AUTHENTICATE, "true");
    System.setProperty(SECRET, key(app));
    System.setProperty(NETWORK_CRYPTO, Boolean.toString(encrypt));
    System.setProperty(SASL_FALLBACK, Boolean.toString(!encrypt));
  }
}
