package org.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.conf.RoleSpec;

/**
 * A node's first TF job: several TF task JVMs start at the same instant on a node where nothing was
 * ever cached (an empty user.home, fresh container directories), through the command line the launcher
 * builds for a task (UserProcess + TensorFlowNatives) and the TF runtime directory the build produces.
 * With JavaCPP's shared cache in the home, one of three such JVMs crashed with SIGBUS in the dynamic
 * loader in 1 of 2 quick starts; here none may crash, and none may write to the home.
 */
class NativeColdStartTest {
  private static final int JVMS = 5;
  private static final int ROUNDS = 10;

  @Test
  void tfTaskJvmsStartedTogetherOnAColdNodeAllLoadTensorFlow(@TempDir Path tmp) throws Exception {
    Path tfLib = Path.of(System.getProperty("spindle.tensorflow.lib")).toAbsolutePath();
    String testClasses = Path.of(LoadTensorFlow.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
    String taskClasspath = testClasses + File.pathSeparator + tfLib + "/*";
    Path natives = tfLib.resolve(TensorFlowNatives.NATIVES_DIR).resolve("linux-x86_64");
    for (int round = 0; round < ROUNDS; round++) {
      Path node = tmp.resolve("round-" + round);
      Path home = Files.createDirectories(node.resolve("home"));
      RoleSpec role = new RoleSpec("worker", JVMS, 1024, 1, 0, "", 0, LoadTensorFlow.class.getName(), "",
          List.of(), true, "-Duser.home=" + home, Map.of(), List.of());
      List<ProcessBuilder> builders = new ArrayList<>();
      for (int i = 0; i < JVMS; i++) {
        Path container = Files.createDirectories(node.resolve("container_" + i));
        Files.createDirectories(container.resolve("tmp"));
        Map<String, String> env = new HashMap<>();
        env.put("SPINDLE_TASK_CLASSPATH", taskClasspath);
        env.put("PWD", container.toString());
        env.put("LOG_DIRS", container.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        List<String> jvmOptions = TensorFlowNatives.jvmOptions(0, "linux-x86_64", taskClasspath, container,
            System.getProperty("java.library.path", ""));
        ProcessBuilder pb = new ProcessBuilder(UserProcess.commandLine(role, env, jvmOptions))
            .directory(container.toFile()).redirectErrorStream(true)
            .redirectOutput(container.resolve("stdout").toFile());
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        builders.add(pb);
      }
      List<Process> started = new ArrayList<>();
      for (ProcessBuilder pb : builders) {
        started.add(pb.start()); // all within milliseconds: they load TF at the same time
      }
      for (int i = 0; i < JVMS; i++) {
        Process p = started.get(i);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "round " + round + " JVM " + i + " did not finish");
        String out = Files.readString(node.resolve("container_" + i).resolve("stdout"));
        assertEquals(0, p.exitValue(), "round " + round + " JVM " + i + " crashed:\n" + out);
        assertTrue(out.contains("loaded linux-x86_64 from " + natives.resolve("libjnitensorflow.so")), out);
      }
      try (var left = Files.list(home)) {
        assertFalse(left.findAny().isPresent(), "round " + round + ": a task wrote to the user's home");
      }
    }
  }
}
