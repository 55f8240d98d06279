package org.spindle.spark;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.spark.SecurityManager;
import org.apache.spark.SecurityManager$;
import org.apache.spark.SparkConf;
import org.apache.spark.rpc.RpcEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spindle.task.AppSecret;

/**
 * A Spark RpcEnv configured as the spark-driver role configures its own (SparkAuth) refuses a client
 * without the application's key, and one with another application's key; a client with the key gets in.
 */
class SparkAuthTest {
  private static final AppSecret APP = AppSecret.generate();
  private static RpcEnv server;

  @BeforeAll
  static void startServer() {
    SparkConf conf = SparkAuth.apply(base(), APP, false);
    server = RpcEnv.create("spindleAuthTest", "127.0.0.1", "127.0.0.1", 0, conf, security(conf), 1, false);
  }

  @AfterAll
  static void stopServer() {
    server.shutdown();
  }

  private static SparkConf base() {
    return new SparkConf(false).set("spark.rpc.lookupTimeout", "5s").set("spark.rpc.askTimeout", "5s")
        .set("spark.network.timeout", "5s");
  }

  private static SecurityManager security(SparkConf conf) {
    return new SecurityManager(conf, SecurityManager$.MODULE$.$lessinit$greater$default$2(),
        SecurityManager$.MODULE$.$lessinit$greater$default$3());
  }

  /** Looks up the server's always-present endpoint verifier from a client RpcEnv with {@code conf}. */
  private static Object lookUp(SparkConf conf) throws Exception {
    return lookUp(conf, server);
  }

  private static Object lookUp(SparkConf conf, RpcEnv at) throws Exception {
    RpcEnv client = RpcEnv.create("client", "127.0.0.1", "127.0.0.1", -1, conf, security(conf), 1, true);
    try {
      return client.setupEndpointRefByURI("spark://endpoint-verifier@127.0.0.1:" + at.address().port());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void theKeyIsDerivedNotTheAppSecretItself() {
    assertNotEquals(APP.reveal(), SparkAuth.key(APP));
    assertNotEquals(SparkAuth.key(AppSecret.generate()), SparkAuth.key(APP));
  }

  @Test
  void aClientWithTheApplicationsKeyGetsIn() throws Exception {
    assertNotNull(lookUp(SparkAuth.apply(base(), APP, false)));
  }

  @Test
  void aClientWithoutAuthenticationIsRefused() {
    assertThrows(Exception.class, () -> lookUp(base()));
  }

  @Test
  void aClientWithAnotherApplicationsKeyIsRefused() {
    assertThrows(Exception.class, () -> lookUp(SparkAuth.apply(base(), AppSecret.generate(), false)));
  }

  /**
   * With encryption on (the application has a TLS identity), Spark's RPC runs its AES-encrypted protocol: a
   * client with the key that encrypts gets in, and one with the key that would authenticate without
   * encrypting (Spark's SASL fallback) is refused.
   */
  @Test
  void withEncryptionOnlyAnEncryptingClientGetsIn() throws Exception {
    SparkConf conf = SparkAuth.apply(base(), APP, true);
    RpcEnv encrypting = RpcEnv.create("spindleCryptoTest", "127.0.0.1", "127.0.0.1", 0, conf, security(conf), 1, false);
    try {
      assertNotNull(lookUp(SparkAuth.apply(base(), APP, true), encrypting));
      assertThrows(Exception.class, () -> lookUp(SparkAuth.apply(base(), APP, false), encrypting));
    } finally {
      encrypting.shutdown();
    }
  }
}
