package org.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.conf.RoleSpec;

/** The child JVM's command line: module flags, GPU native build, main class. */
class UserProcessTest {
  private static RoleSpec role(int gpus) {
    return new RoleSpec("worker", 1, 2048, 1, gpus, "", 0, "org.example.Main", "", List.of("a"), true, "-Dx=1",
        Map.of(), List.of());
  }

  private static List<String> natives(int gpus, String classifier, String classpath) {
    return TensorFlowNatives.jvmOptions(gpus, classifier, classpath, Path.of("/c"), "/usr/lib");
  }

  @Test
  void gpuTasksLoadTheConfiguredGpuBuildAndCpuTasksDoNot() {
    assertEquals("-Dorg.bytedeco.javacpp.platform.extension=-gpu", natives(1, "linux-x86_64-gpu", "").get(0));
    // an explicit empty extension: JavaCPP would otherwise prefer a GPU build found in the archive
    assertEquals("-Dorg.bytedeco.javacpp.platform.extension=", natives(0, "linux-x86_64-gpu", "").get(0),
        "no GPU granted: CPU build");
    assertEquals("-Dorg.bytedeco.javacpp.platform.extension=", natives(2, "linux-x86_64", "").get(0),
        "CPU classifier configured");
    List<String> cmd = UserProcess.commandLine(role(1), Map.of("CLASSPATH", "cp", "JAVA_HOME", "/jdk"),
        natives(1, "linux-x86_64-gpu", ""));
    assertEquals("/jdk/bin/java", cmd.get(0));
    assertTrue(cmd.contains("-Dorg.bytedeco.javacpp.platform.extension=-gpu"), cmd.toString());
    assertTrue(cmd.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), "Arrow and Spark need java.nio open");
    assertTrue(cmd.indexOf("-Dx=1") < cmd.indexOf("org.example.Main"), "role java-opts come before the main class");
    assertEquals(List.of("org.example.Main", "a"), cmd.subList(cmd.size() - 2, cmd.size()));
    assertFalse(UserProcess.commandLine(role(0), Map.of("CLASSPATH", "cp")).stream()
        .anyMatch(a -> a.contains("platform.extension")));
  }

  @Test
  void nativesLoadFromTheRuntimesUnpackedDirectoryAndNeverFromTheUsersHome(@TempDir Path tmp) throws Exception {
    Path runtime = tmp.resolve("tensorflow");
    for (String build : List.of("linux-x86_64", "linux-x86_64-gpu")) {
      Path dir = runtime.resolve(TensorFlowNatives.NATIVES_DIR).resolve(build);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("libjnitensorflow.so"), "");
    }
    String cp = "/c/spindle.jar:" + tmp.resolve("spark") + "/*:" + runtime + "/*:/hadoop/*";
    List<String> cpu = natives(0, "linux-x86_64-gpu", cp);
    assertTrue(cpu.contains("-Dorg.bytedeco.javacpp.cachedir=/c/javacpp-cache"), "the container's own cache: " + cpu);
    assertTrue(cpu.contains("-Dorg.bytedeco.javacpp.pathsFirst=true"), cpu.toString());
    assertTrue(cpu.contains("-Djava.library.path=" + runtime.resolve(TensorFlowNatives.NATIVES_DIR)
        .resolve("linux-x86_64") + ":/usr/lib"), cpu.toString());
    List<String> gpu = natives(1, "linux-x86_64-gpu", cp);
    assertTrue(gpu.contains("-Djava.library.path=" + runtime.resolve(TensorFlowNatives.NATIVES_DIR)
        .resolve("linux-x86_64-gpu") + ":/usr/lib"), gpu.toString());
    // a GPU task whose archive has only the CPU build loads that one
    Path cpuOnly = tmp.resolve("cpu-only");
    Path cpuDir = Files.createDirectories(cpuOnly.resolve(TensorFlowNatives.NATIVES_DIR).resolve("linux-x86_64"));
    Files.writeString(cpuDir.resolve("libjnitensorflow.so"), "");
    assertTrue(natives(1, "linux-x86_64-gpu", cpuOnly + "/*").contains("-Djava.library.path=" + cpuDir + ":/usr/lib"));
    // an archive without unpacked natives: JavaCPP extracts into the container's cache, never the home's
    List<String> none = natives(0, "linux-x86_64", "/c/spindle.jar:/hadoop/*");
    assertTrue(none.contains("-Dorg.bytedeco.javacpp.cachedir=/c/javacpp-cache"), none.toString());
    assertFalse(none.stream().anyMatch(o -> o.startsWith("-Djava.library.path")), none.toString());
  }

  @Test
  void theTaskRunsOnTheTaskClasspathWithSpindlesLoggingAndAContainerTmpDir() {
    List<String> cmd = UserProcess.commandLine(role(0), Map.of("CLASSPATH", "launcher-cp",
        "SPINDLE_TASK_CLASSPATH", "task-cp", "LOG_DIRS", "/logs/c1,/logs2/c1", "PWD", "/work/c1"));
    assertEquals("task-cp", cmd.get(cmd.indexOf("-cp") + 1));
    assertTrue(cmd.contains("-Dyarn.app.container.log.dir=/logs/c1"), cmd.toString());
    assertTrue(cmd.contains("-Dlog4j.configuration=spindle-container-log4j.properties"), cmd.toString());
    assertTrue(cmd.contains("-Dlog4j2.configurationFile=spindle-container-log4j2.properties"), cmd.toString());
    assertTrue(cmd.contains("-Djava.io.tmpdir=/work/c1/tmp"), cmd.toString());
    assertTrue(cmd.indexOf("-Dlog4j.configuration=spindle-container-log4j.properties") < cmd.indexOf("-Dx=1"),
        "a role's own java-opts can still override the logging configuration");
  }
}
