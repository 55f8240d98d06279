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
    String am = ContainerSpecs.classpath(conf, "/extra/*", "spindle.jar");
    String task = ContainerSpecs.taskClasspath(conf, "/extra/*", "/opt/tf-lib/*", archives);
    String sep = org.apache.hadoop.yarn.api.ApplicationConstants.CLASS_PATH_SEPARATOR;
    String pwd = org.apache.hadoop.yarn.api.ApplicationConstants.Environment.PWD.$$();
    assertEquals(String.join(sep, pwd + "/spindle.jar", pwd, "{{HADOOP_CONF_DIR}}", "/hadoop/etc",
        "/hadoop/share/*", "/extra/*"), am);
    assertEquals(String.join(sep, pwd + "/spindle-task.jar", pwd + "/tensorflow/*", pwd + "/spark-lib/*", "/opt/tf-lib/*",
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

  @Test
  void dockerRolesGetYarnsRuntimeVariablesAndAClusterWithoutTheRuntimeIsNamed() {
    assertEquals(java.util.Map.of(), ContainerSpecs.dockerEnv(org.spindle.conf.RoleSpec.Docker.NONE));
    assertEquals(java.util.Map.of("YARN_CONTAINER_RUNTIME_TYPE", "docker",
        "YARN_CONTAINER_RUNTIME_DOCKER_IMAGE", "lake/tf:2.16",
        "YARN_CONTAINER_RUNTIME_DOCKER_MOUNTS", "/data:/data:ro",
        "YARN_CONTAINER_RUNTIME_DOCKER_CONTAINER_NETWORK", "host",
        "YARN_CONTAINER_RUNTIME_DOCKER_RUN_PRIVILEGED_CONTAINER", "true"),
        ContainerSpecs.dockerEnv(new org.spindle.conf.RoleSpec.Docker("lake/tf:2.16", "/data:/data:ro", "host", true)));

    org.spindle.conf.JobSpec spec = new org.spindle.conf.JobConfLoader().load(java.util.List.of(), java.util.Map.of(
        "spindle.role.worker.instances", "1", "spindle.role.worker.command", "python3 t.py",
        "spindle.role.worker.docker.image", "lake/tf:2.16"));
    org.apache.hadoop.conf.Configuration plain = new org.apache.hadoop.conf.Configuration(false);
    String why = ContainerSpecs.dockerProblem(spec, plain).orElseThrow();
    assertTrue(why.contains("worker (lake/tf:2.16)") && why.contains("allowed-runtimes=default does not include docker")
        && why.contains("is not the LinuxContainerExecutor"), why);
    org.apache.hadoop.conf.Configuration docker = new org.apache.hadoop.conf.Configuration(false);
    docker.set("yarn.nodemanager.runtime.linux.allowed-runtimes", "default,docker");
    docker.set("yarn.nodemanager.container-executor.class",
        "org.apache.hadoop.yarn.server.nodemanager.LinuxContainerExecutor");
    assertEquals(java.util.Optional.empty(), ContainerSpecs.dockerProblem(spec, docker));
    org.spindle.conf.JobSpec noDocker = new org.spindle.conf.JobConfLoader().load(java.util.List.of(), java.util.Map.of(
        "spindle.role.worker.instances", "1", "spindle.role.worker.command", "true"));
    assertEquals(java.util.Optional.empty(), ContainerSpecs.dockerProblem(noDocker, plain), "no role asks for Docker");
  }
}
