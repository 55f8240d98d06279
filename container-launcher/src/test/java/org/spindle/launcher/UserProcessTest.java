package org.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spindle.conf.RoleSpec;

/** The child JVM's command line: module flags, GPU native build, main class. */
class UserProcessTest {
  private static RoleSpec role(int gpus) {
    return new RoleSpec("worker", 1, 2048, 1, gpus, "", 0, "org.example.Main", "", List.of("a"), true, "-Dx=1",
        Map.of(), List.of());
  }

  @Test
  void gpuTasksLoadTheConfiguredGpuBuildAndCpuTasksDoNot() {
    assertEquals(List.of("-Dorg.bytedeco.javacpp.platform.extension=-gpu"),
        TensorFlowNatives.jvmOptions(1, "linux-x86_64-gpu"));
    // an explicit empty extension: JavaCPP would otherwise prefer a GPU jar found in the archive
    assertEquals(List.of("-Dorg.bytedeco.javacpp.platform.extension="),
        TensorFlowNatives.jvmOptions(0, "linux-x86_64-gpu"), "no GPU granted: CPU build");
    assertEquals(List.of("-Dorg.bytedeco.javacpp.platform.extension="),
        TensorFlowNatives.jvmOptions(2, "linux-x86_64"), "CPU classifier configured");
    List<String> cmd = UserProcess.commandLine(role(1), Map.of("CLASSPATH", "cp", "JAVA_HOME", "/jdk"),
        TensorFlowNatives.jvmOptions(1, "linux-x86_64-gpu"));
    assertEquals("/jdk/bin/java", cmd.get(0));
    assertTrue(cmd.contains("-Dorg.bytedeco.javacpp.platform.extension=-gpu"), cmd.toString());
    assertTrue(cmd.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), "Arrow and Spark need java.nio open");
    assertTrue(cmd.indexOf("-Dx=1") < cmd.indexOf("org.example.Main"), "role java-opts come before the main class");
    assertEquals(List.of("org.example.Main", "a"), cmd.subList(cmd.size() - 2, cmd.size()));
    assertFalse(UserProcess.commandLine(role(0), Map.of("CLASSPATH", "cp")).stream()
        .anyMatch(a -> a.contains("platform.extension")));
  }
}
