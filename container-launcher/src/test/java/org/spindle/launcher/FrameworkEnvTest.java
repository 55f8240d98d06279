package org.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.Gson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameworkEnvTest {
  private static final java.util.Set<String> ALL = java.util.Set.of("ps", "worker", "chief");
  private static final String SPEC = "{\"ps\":[\"p0:10\"],\"worker\":[\"w0:20\",\"w1:21\"],\"chief\":[\"c0:30\"]}";

  @Test
  void tfConfigCarriesTheSameClusterAndTheTasksTypeAndIndex() {
    Map<String, String> env = FrameworkEnv.of("tensorflow", SPEC, "worker", 1, ALL);
    assertEquals(List.of("TF_CONFIG"), List.copyOf(env.keySet()));
    Map<?, ?> tf = new Gson().fromJson(env.get("TF_CONFIG"), Map.class);
    assertEquals(new Gson().fromJson(SPEC, Map.class), tf.get("cluster"));
    assertEquals(Map.of("type", "worker", "index", 1.0), tf.get("task"));
  }

  @Test
  void pytorchRanksStartAtTheChiefWhoseTaskPortIsTheRendezvous() {
    assertEquals(Map.of("MASTER_ADDR", "c0", "MASTER_PORT", "30", "RANK", "0", "WORLD_SIZE", "4",
        "LOCAL_RANK", "0", "LOCAL_WORLD_SIZE", "1"), FrameworkEnv.of("pytorch", SPEC, "chief", 0, ALL));
    assertEquals("1", FrameworkEnv.of("pytorch", SPEC, "ps", 0, ALL).get("RANK"));
    assertEquals("3", FrameworkEnv.of("pytorch", SPEC, "worker", 1, ALL).get("RANK"));
    Map<String, String> noChief = FrameworkEnv.of("pytorch", "{\"worker\":[\"w0:20\",\"w1:21\"]}", "worker", 1, ALL);
    assertEquals(List.of("w0", "20", "1", "2"), List.of(noChief.get("MASTER_ADDR"), noChief.get("MASTER_PORT"),
        noChief.get("RANK"), noChief.get("WORLD_SIZE")));
  }

  @Test
  void thePyTorchWorldHoldsThePyTorchRolesOnly() {
    Map<String, String> w1 = FrameworkEnv.of("pytorch", SPEC, "worker", 1, java.util.Set.of("chief", "worker"));
    assertEquals(List.of("c0", "30", "2", "3"), List.of(w1.get("MASTER_ADDR"), w1.get("MASTER_PORT"), w1.get("RANK"),
        w1.get("WORLD_SIZE")), "the TensorFlow ps in the same gang is not a PyTorch rank");
  }

  @Test
  void noneSetsNothingAndAnUnknownFrameworkIsNamed() {
    assertEquals(Map.of(), FrameworkEnv.of("none", SPEC, "ps", 0, ALL));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FrameworkEnv.of("mxnet", SPEC, "ps", 0, ALL));
    assertEquals("unknown framework 'mxnet'; one of [tensorflow, pytorch, none]", e.getMessage());
  }
}
