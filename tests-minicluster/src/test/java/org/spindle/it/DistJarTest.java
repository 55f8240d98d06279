package org.spindle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The distribution jar: runnable, self-describing, and with its clashing libraries relocated. */
class DistJarTest {
  private static final Path JAR = Path.of(System.getProperty("spindle.dist.jar"));

  @Test
  void javaDashJarHelpListsTheSubcommands() throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", JAR.toString(), "--help").redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    for (String cmd : List.of("submit", "run --local", "status", "kill", "logs")) {
      assertTrue(out.contains("  " + cmd), cmd + " missing from:\n" + out);
    }
  }

  @Test
  void javaDashJarRunLocalSaysWhatToRunInsteadOfFailingOnAMissingHadoopClass() throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", JAR.toString(), "run", "--local").redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("Hadoop's classes are not on the classpath") && out.contains("bin/spindle run --local")
        && out.contains("yarn jar spindle.jar run"), out);
    assertTrue(!out.contains("NoClassDefFoundError"), out);
  }

  @Test
  void grpcProtobufGuavaNettyAndZooKeeperAreRelocated() throws Exception {
    List<String> unrelocated = new ArrayList<>();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertEquals("org.spindle.client.SpindleCli", jar.getManifest().getMainAttributes().getValue("Main-Class"));
      for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
        String n = e.nextElement().getName();
        if (n.endsWith(".class") && (n.startsWith("io/grpc/") || n.startsWith("com/google/protobuf/")
            || n.startsWith("com/google/common/") || n.startsWith("io/netty/") || n.startsWith("org/apache/zookeeper/")
            || n.startsWith("org/apache/curator/") || n.startsWith("org/apache/hadoop/"))) {
          unrelocated.add(n);
        }
      }
      assertTrue(jar.getEntry("org/spindle/shaded/io/grpc/ManagedChannel.class") != null);
      assertTrue(jar.getEntry("spindle-default.xml") != null);
    }
    assertEquals(List.of(), unrelocated.subList(0, Math.min(10, unrelocated.size())));
  }
}
