package org.spindle.am.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.apache.hadoop.io.DataInputByteBuffer;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.junit.jupiter.api.Test;
import org.spindle.task.AppSecret;

class ContainerSpecsTest {
  @Test
  void taskTokensDropTheAmRmTokenButKeepTheSecretAndOtherTokens() throws Exception {
    Credentials am = new Credentials();
    AppSecret secret = AppSecret.generate();
    secret.addTo(am);
    am.addToken(new Text("rm"), new Token<>(new byte[] {1}, new byte[] {2}, AMRMTokenIdentifier.KIND_NAME, new Text("rm")));
    am.addToken(new Text("hdfs"), new Token<>(new byte[] {3}, new byte[] {4}, new Text("HDFS_DELEGATION_TOKEN"),
        new Text("nn")));
    ByteBuffer bytes = ContainerSpecs.tokensWithoutAmRmToken(am);
    DataInputByteBuffer in = new DataInputByteBuffer();
    in.reset(bytes);
    Credentials task = new Credentials();
    task.readTokenStorageStream(in);
    assertEquals(1, task.numberOfTokens());
    assertNotNull(task.getToken(new Text("hdfs")));
    assertTrue(AppSecret.fromCredentials(task).matches(secret.reveal()));
  }

  @Test
  void theAmAndLaunchersRunWithoutTheRuntimesWhichOnlyTheTasksGet() {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration(false);
    conf.set("yarn.application.classpath", "/hadoop/etc,/hadoop/share/*");
    java.util.List<String> archives = java.util.List.of("hdfs:///apps/tensorflow-lib.zip#tensorflow",
        "hdfs:///apps/spark-lib.zip");
    String am = ContainerSpecs.classpath(conf, "/extra/*");
    String task = ContainerSpecs.taskClasspath(conf, "/extra/*", "/opt/tf-lib/*", archives);
    String sep = org.apache.hadoop.yarn.api.ApplicationConstants.CLASS_PATH_SEPARATOR;
    String pwd = org.apache.hadoop.yarn.api.ApplicationConstants.Environment.PWD.$$();
    assertEquals(String.join(sep, pwd + "/spindle.jar", pwd, "{{HADOOP_CONF_DIR}}", "/hadoop/etc",
        "/hadoop/share/*", "/extra/*"), am);
    assertEquals(String.join(sep, pwd + "/spindle.jar", pwd + "/tensorflow/*", pwd + "/spark-lib/*", "/opt/tf-lib/*",
        pwd, pwd + "/jars/*", "{{HADOOP_CONF_DIR}}", "/hadoop/etc", "/hadoop/share/*", "/extra/*"), task);
  }

  @Test
  void spindleJvmsNameTheirOwnLoggingConfigurationAndTheContainerLogDir() {
    String cmd = ContainerSpecs.javaCommand("", 256, "-Dx=1", "org.spindle.Main").get(0);
    assertTrue(cmd.contains("-Dlog4j.configuration=spindle-container-log4j.properties"), cmd);
    assertTrue(cmd.contains("-Dlog4j2.configurationFile=spindle-container-log4j2.properties"), cmd);
    assertTrue(cmd.contains("-Dyarn.app.container.log.dir=<LOG_DIR>"), cmd);
    assertTrue(cmd.endsWith("org.spindle.Main 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"), cmd);
    for (String resource : java.util.List.of("spindle-container-log4j.properties",
        "spindle-container-log4j2.properties")) {
      assertNotNull(ContainerSpecs.class.getClassLoader().getResource(resource), resource + " ships in spindle.jar");
    }
  }
}
