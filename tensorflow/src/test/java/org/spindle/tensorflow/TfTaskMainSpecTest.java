package org.spindle.tensorflow;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spindle.conf.SpindleEnv;

/** Where a TF task reads its gang's cluster spec: the environment, or stdin when it was started early. */
class TfTaskMainSpecTest {
  private static final String JSON = "{\"ps\":[\"h:1\"],\"worker\":[\"h:2\"]}";

  private static ByteArrayInputStream stdin(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anEarlyStartedTaskReadsOneLineFromStdinAndIgnoresTheEnvironment() throws Exception {
    Map<String, String> env = Map.of(SpindleEnv.CLUSTER_SPEC_ON_STDIN, "true", SpindleEnv.CLUSTER_SPEC, "{\"old\":[]}");
    assertEquals(JSON, TfTaskMain.clusterSpec(env, stdin(JSON + "\nrest")));
    assertEquals(2, TfCluster.fromJson(TfTaskMain.clusterSpec(env, stdin(JSON + "\n"))).jobs().size());
  }

  @Test
  void aClosedStdinOrAMissingSpecIsAClearError() {
    IllegalStateException eof = assertThrows(IllegalStateException.class,
        () -> TfTaskMain.clusterSpec(Map.of(SpindleEnv.CLUSTER_SPEC_ON_STDIN, "true"), stdin("")));
    assertTrue(eof.getMessage().contains("before its gang assembled"), eof.getMessage());
    IllegalStateException unset = assertThrows(IllegalStateException.class,
        () -> TfTaskMain.clusterSpec(Map.of(), stdin(JSON)));
    assertTrue(unset.getMessage().contains(SpindleEnv.CLUSTER_SPEC), unset.getMessage());
    assertEquals(JSON, assertDoesNotThrow(() -> TfTaskMain.clusterSpec(Map.of(SpindleEnv.CLUSTER_SPEC, JSON),
        stdin(""))));
  }
}
