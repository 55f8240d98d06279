package org.spindle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;

/** The job class is read from the shipped jars as class files, never loaded. */
class JobClassFileTest {
  /** Stand-ins for a user's job hierarchy: only method names matter to the reader. */
  static class WithPreTrain {
    public Object preTrain(Object spark, Object ctx) {
      return null;
    }
  }

  static class InheritsPreTrain extends WithPreTrain {
    public void train() {}
  }

  static class TrainOnly {
    public void train() {}

    public long constants() {
      return 1L << 40; // a long in the constant pool takes two entries
    }
  }

  private static Path jar(Path dir, Class<?>... classes) throws Exception {
    Path jar = dir.resolve("job.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Class<?> c : classes) {
        String entry = c.getName().replace('.', '/') + ".class";
        out.putNextEntry(new JarEntry(entry));
        out.write(c.getClassLoader().getResourceAsStream(entry).readAllBytes());
        out.closeEntry();
      }
    }
    return jar;
  }

  @Test
  void preTrainIsFoundInTheClassOrASuperclassInTheJars(@TempDir Path dir) throws Exception {
    List<Path> jars = List.of(jar(dir, WithPreTrain.class, InheritsPreTrain.class, TrainOnly.class));
    assertEquals(Optional.of(true), JobClassFile.overridesPreTrain(WithPreTrain.class.getName(), jars));
    assertEquals(Optional.of(true), JobClassFile.overridesPreTrain(InheritsPreTrain.class.getName(), jars));
    assertEquals(Optional.of(false), JobClassFile.overridesPreTrain(TrainOnly.class.getName(), jars));
    assertEquals(Optional.empty(), JobClassFile.overridesPreTrain("com.example.NotShipped", jars));
    JobClassFile.Parsed p = JobClassFile.parse(Files.readAllBytes(Path.of(
        TrainOnly.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve(TrainOnly.class.getName().replace('.', '/') + ".class")));
    assertEquals("java/lang/Object", p.superName());
    assertTrue(p.methods().containsAll(List.of("<init>", "train", "constants")), p.methods().toString());
  }

  @Test
  void aJobThatOverridesPreTrainGetsSparkRolesUnlessItDefinesThem(@TempDir Path dir) throws Exception {
    List<Path> jars = List.of(jar(dir, WithPreTrain.class, TrainOnly.class));
    JobConfLoader loader = new JobConfLoader();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    Configuration layered = loader.layer(List.of(), Map.of("spindle.job.class", WithPreTrain.class.getName(),
        "spindle.role.worker.instances", "2"));
    JobSpec spec = loader.parse(layered);
    assertTrue(SpindleClient.addSparkRoles(spec, layered, jars, out));
    JobSpec withSpark = loader.parse(layered);
    assertEquals(1, withSpark.role("spark-driver").instances());
    assertEquals(2, withSpark.role("spark-executor").instances());
    assertTrue(withSpark.role("worker").ports().contains("feed"), "the workers are fed");
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("overrides preTrain: the job gets a spark-driver "
        + "role and 2 spark-executors"), printed.toString(StandardCharsets.UTF_8));

    Configuration own = loader.layer(List.of(), Map.of("spindle.job.class", WithPreTrain.class.getName(),
        "spindle.role.worker.instances", "2", "spindle.role.spark-driver.memory", "4096"));
    assertTrue(!SpindleClient.addSparkRoles(loader.parse(own), own, jars, out), "the job's own driver role wins");
    Configuration noPreTrain = loader.layer(List.of(), Map.of("spindle.job.class", TrainOnly.class.getName(),
        "spindle.role.worker.instances", "2"));
    assertTrue(!SpindleClient.addSparkRoles(loader.parse(noPreTrain), noPreTrain, jars, out));
  }
}
