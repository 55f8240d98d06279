package org.spindle.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfLoaderTest {
  private final JobConfLoader loader = new JobConfLoader();

  private static Path xml(Path dir, String body) throws Exception {
    Path p = dir.resolve("job.xml");
    Files.writeString(p, "<?xml version=\"1.0\"?><configuration>" + body + "</configuration>");
    return p;
  }

  private static String prop(String k, String v) {
    return "<property><name>" + k + "</name><value>" + v + "</value></property>";
  }

  @Test
  void layersDefaultsThenJobXmlThenOverrides(@TempDir Path dir) throws Exception {
    Path job = xml(dir, prop("spindle.role.worker.instances", "2")
        + prop("spindle.role.worker.memory", "2048")
        + prop("spindle.role.worker.command", "echo hi")
        + prop("spindle.app.queue", "research"));
    JobSpec spec = loader.load(List.of(job), Map.of("spindle.role.worker.instances", "3",
        "spindle.role.worker.env.FOO", "bar"));
    RoleSpec w = spec.role("worker");
    assertEquals(3, w.instances(), "--conf wins over the job XML");
    assertEquals(2048, w.memoryMb(), "job XML wins over defaults");
    assertEquals(1, w.vcores(), "default from spindle-default.xml");
    assertEquals("research", spec.queue());
    assertEquals(Map.of("FOO", "bar"), w.env());
    assertEquals(RestartMode.INDEPENDENT, spec.restartMode());
    assertEquals(new TaskRef("worker", 0), spec.chief().orElseThrow());
    assertEquals(600_000L, spec.allocationTimeoutMs());
  }

  @Test
  void dockerKeysDefaultToTheJobsImageAndFrameworksAreChecked(@TempDir Path dir) throws Exception {
    JobSpec spec = loader.load(List.of(xml(dir, prop("spindle.docker.image", "lake/tf:2.16")
        + prop("spindle.role.worker.instances", "2") + prop("spindle.role.worker.command", "python3 train.py")
        + prop("spindle.role.worker.framework", "pytorch") + prop("spindle.role.worker.docker.image", "lake/torch:2")
        + prop("spindle.role.worker.docker.mounts", "/data:/data:ro") + prop("spindle.role.worker.docker.network", "host")
        + prop("spindle.role.worker.docker.run-privileged", "true")
        + prop("spindle.role.ps.instances", "1") + prop("spindle.role.ps.command", "python3 ps.py"))), Map.of());
    assertEquals(new RoleSpec.Docker("lake/torch:2", "/data:/data:ro", "host", true), spec.role("worker").docker());
    assertEquals(new RoleSpec.Docker("lake/tf:2.16", "", "", false), spec.role("ps").docker());
    assertEquals("pytorch", spec.role("worker").framework());
    assertEquals("tensorflow", spec.role("ps").framework(), "the default");

    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> loader.load(List.of(xml(dir,
        prop("spindle.role.worker.instances", "1") + prop("spindle.role.worker.command", "x")
        + prop("spindle.role.worker.framework", "mxnet") + prop("spindle.role.worker.docker.run-privileged", "yes"))),
        Map.of()));
    assertTrue(e.getMessage().contains("spindle.role.worker.framework=mxnet is not one of [tensorflow, pytorch, none]"),
        e.getMessage());
    assertTrue(e.getMessage().contains("spindle.role.worker.docker.run-privileged"), e.getMessage());
  }

  @Test
  void unknownKeySuggestsNearest(@TempDir Path dir) throws Exception {
    Path job = xml(dir, prop("spindle.role.worker.command", "true")
        + prop("spindle.role.worker.memroy", "2048")
        + prop("spindle.app.queu", "x"));
    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> loader.load(List.of(job), Map.of()));
    assertTrue(e.getMessage().contains("'spindle.role.worker.memroy'; did you mean 'spindle.role.worker.memory'"),
        e.getMessage());
    assertTrue(e.getMessage().contains("'spindle.app.queu'; did you mean 'spindle.app.queue'"), e.getMessage());
  }

  @Test
  void wellKnownRolesCarryTheirMainClassAndExplicitKeysWin(@TempDir Path dir) throws Exception {
    JobSpec spec = loader.load(List.of(xml(dir, prop("spindle.app.restart-mode", "gang") + prop("spindle.role.ps.instances", "1")
        + prop("spindle.role.worker.instances", "2") + prop("spindle.role.chief.instances", "1")
        + prop("spindle.role.evaluator.instances", "1") + prop("spindle.role.spark-driver.instances", "1")
        + prop("spindle.role.spark-executor.instances", "2")
        + prop("spindle.role.worker.main-class", "my.Trainer") + prop("spindle.role.chief.command", "python3 c.py"))),
        Map.of());
    assertEquals(RoleDefaults.TF_TASK_MAIN, spec.role("ps").mainClass());
    assertEquals(RoleDefaults.TF_TASK_MAIN, spec.role("evaluator").mainClass());
    assertEquals(RoleDefaults.SPARK_DRIVER_MAIN, spec.role("spark-driver").mainClass());
    assertEquals(RoleDefaults.SPARK_EXECUTOR_MAIN, spec.role("spark-executor").mainClass());
    assertEquals("my.Trainer", spec.role("worker").mainClass());
    assertTrue(spec.role("chief").runsCommand());
  }

  @Test
  void booleansAreTrueOrFalseAndNothingElse(@TempDir Path dir) throws Exception {
    Path job = xml(dir, prop("spindle.role.w.command", "x") + prop("spindle.role.w.gang", "yes")
        + prop("spindle.spark.keep-executors", "ture"));
    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> loader.load(List.of(job), Map.of()));
    assertTrue(e.getMessage().contains("spindle.role.w.gang must be true or false, got 'yes'"), e.getMessage());
    assertTrue(e.getMessage().contains("spindle.spark.keep-executors must be true or false, got 'ture'"),
        e.getMessage());
    JobSpec ok = loader.load(List.of(xml(dir, prop("spindle.role.w.command", "x") + prop("spindle.role.w.gang", "FALSE"))),
        Map.of());
    assertFalse(ok.role("w").gang());
  }

  @Test
  void badValuesAreAllReported(@TempDir Path dir) throws Exception {
    Path job = xml(dir, prop("spindle.role.ps.memory", "lots")
        + prop("spindle.role.ps.gpus", "-1")
        + prop("spindle.role.loader.instances", "1")
        + prop("spindle.app.restart-mode", "sometimes")
        + prop("spindle.app.timeout", "soon"));
    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> loader.load(List.of(job), Map.of()));
    String m = e.getMessage();
    assertTrue(m.contains("spindle.role.ps.memory must be an integer, got 'lots'"), m);
    assertTrue(m.contains("spindle.role.ps.gpus must be at least 0"), m);
    assertTrue(m.contains("needs exactly one of spindle.role.loader.main-class or spindle.role.loader.command"), m);
    assertTrue(m.contains("spindle.app.restart-mode must be 'independent' or 'gang'"), m);
    assertTrue(m.contains("spindle.app.timeout must be a duration"), m);
  }

  @Test
  void malformedXmlNamesTheProblem(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("broken.xml");
    Files.writeString(p, "<configuration><property><name>x</name>");
    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> loader.load(List.of(p), Map.of()));
    assertTrue(e.getMessage().contains("malformed job configuration XML"), e.getMessage());
  }

  @Test
  void gangDefaultsExcludeEvaluatorAndUntrackedDefaultsToPs(@TempDir Path dir) throws Exception {
    JobSpec spec = loader.load(List.of(), Map.of(
        "spindle.role.ps.command", "sleep 1",
        "spindle.role.evaluator.command", "true",
        "spindle.role.chief.main-class", "x.Y",
        "spindle.role.chief.args", "a  b"));
    assertTrue(spec.role("ps").gang());
    assertFalse(spec.role("evaluator").gang());
    assertFalse(spec.isTracked("ps"));
    assertTrue(spec.isTracked("chief"));
    assertEquals(List.of("a", "b"), spec.role("chief").args());
    assertEquals(new TaskRef("chief", 0), spec.chief().orElseThrow());
  }

  @Test
  void overridesMustBeKeyValue() {
    assertThrows(SpindleConfigException.class, () -> JobConfLoader.parseOverrides(List.of("novalue")));
    assertEquals(Map.of("a", "b=c"), JobConfLoader.parseOverrides(List.of("a=b=c")));
  }

  @Test
  void noRolesIsAnError() {
    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> loader.load(List.of(), Map.of()));
    assertTrue(e.getMessage().contains("no roles defined"));
  }

  @Test
  void sparkJobsGiveFeedRolesAFeedPortAndPassSparkPropertiesThrough() {
    JobSpec spec = loader.load(List.of(), Map.of(
        "spindle.role.spark-driver.instances", "1", "spindle.role.spark-driver.main-class", "D",
        "spindle.role.spark-executor.instances", "2", "spindle.role.spark-executor.main-class", "E",
        "spindle.role.worker.instances", "2", "spindle.role.worker.main-class", "W",
        "spindle.role.worker.ports", "metrics",
        "spindle.spark.conf.spark.sql.shuffle.partitions", "8"));
    assertEquals(List.of("metrics", "feed"), spec.role("worker").ports());
    assertEquals(List.of(), spec.role("spark-executor").ports());
    assertFalse(spec.role("spark-driver").gang(), "the driver is not part of the TF gang");
    assertFalse(spec.isTracked("spark-executor"), "executors come and go at Spark's request");
    assertTrue(spec.isTracked("spark-driver"));
  }

  @Test
  void badPortNamesFeedRolesAndNativeClassifiersAreRejected() {
    SpindleConfigException e = assertThrows(SpindleConfigException.class, () -> loader.load(List.of(), Map.of(
        "spindle.role.spark-driver.instances", "1", "spindle.role.spark-driver.main-class", "D",
        "spindle.role.trainer.instances", "1", "spindle.role.trainer.main-class", "T",
        "spindle.role.trainer.ports", "Bad-Name",
        "spindle.tensorflow.native-classifier", "cuda")));
    assertTrue(e.getMessage().contains("port name 'Bad-Name' is invalid"), e.getMessage());
    assertTrue(e.getMessage().contains("spindle.feed.roles names [worker]"), e.getMessage());
    assertTrue(e.getMessage().contains("linux-x86_64-gpu, got 'cuda'"), e.getMessage());
  }

  private static Map<String, String> tfJob(String mode, String restartMode, boolean withPs) {
    Map<String, String> k = new java.util.HashMap<>(Map.of(
        "spindle.tensorflow.mode", mode, "spindle.app.restart-mode", restartMode,
        "spindle.role.worker.instances", "2", "spindle.role.worker.main-class", "org.spindle.tensorflow.TfTaskMain"));
    if (withPs) {
      k.put("spindle.role.ps.instances", "1");
      k.put("spindle.role.ps.main-class", "org.spindle.tensorflow.TfTaskMain");
    }
    return k;
  }

  @Test
  void tensorFlowClustersMustRestartAsAGangAndAllreduceHasNoPs() {
    SpindleConfigException allreduceAlone = assertThrows(SpindleConfigException.class,
        () -> loader.load(List.of(), tfJob("allreduce", "independent", false)));
    assertTrue(allreduceAlone.getMessage().contains("spindle.app.restart-mode=gang")
        && allreduceAlone.getMessage().contains("the collective would wait for it forever"), allreduceAlone.getMessage());
    SpindleConfigException psAlone = assertThrows(SpindleConfigException.class,
        () -> loader.load(List.of(), tfJob("ps", "independent", true)));
    assertTrue(psAlone.getMessage().contains("roles [worker, ps] form a TensorFlow cluster")
        || psAlone.getMessage().contains("roles [ps, worker] form a TensorFlow cluster"), psAlone.getMessage());
    SpindleConfigException allreduceWithPs = assertThrows(SpindleConfigException.class,
        () -> loader.load(List.of(), tfJob("allreduce", "gang", true)));
    assertTrue(allreduceWithPs.getMessage().contains("allreduce trains on the workers only: remove the ps role"),
        allreduceWithPs.getMessage());
    SpindleConfigException badMode = assertThrows(SpindleConfigException.class,
        () -> loader.load(List.of(), tfJob("horovod", "gang", false)));
    assertTrue(badMode.getMessage().contains("spindle.tensorflow.mode must be ps or allreduce, got 'horovod'"),
        badMode.getMessage());
    // what works: gang PS and allreduce clusters, and feed-only workers (no ps) restarting alone
    assertEquals(RestartMode.GANG, loader.load(List.of(), tfJob("ps", "gang", true)).restartMode());
    assertEquals(2, loader.load(List.of(), tfJob("allreduce", "gang", false)).role("worker").instances());
    assertEquals(RestartMode.INDEPENDENT, loader.load(List.of(), tfJob("ps", "independent", false)).restartMode());
  }

  @Test
  void sparkExecutorsAreReplacedByDefaultLikeSparkOnYarnAndAnExplicitKeyWins(@TempDir Path dir) throws Exception {
    String roles = prop("spindle.role.spark-executor.instances", "2")
        + prop("spindle.role.spark-executor.main-class", "org.spindle.spark.SparkExecutorMain")
        + prop("spindle.role.worker.instances", "2") + prop("spindle.role.worker.command", "true");
    JobSpec spec = loader.load(List.of(xml(dir, roles)), Map.of());
    assertEquals(4, spec.role("spark-executor").maxRestarts(), "max(3, 2 x instances), as spark.executor.maxNumFailures");
    assertEquals(0, spec.role("worker").maxRestarts(), "other roles keep spindle-default.xml's 0");
    assertEquals(1, loader.load(List.of(xml(dir, roles)), Map.of("spindle.role.spark-executor.max-restarts", "1"))
        .role("spark-executor").maxRestarts());
    assertEquals(2, loader.load(List.of(xml(dir, roles)), Map.of("spindle.role.{role}.max-restarts", "2"))
        .role("spark-executor").maxRestarts(), "the template set by the user applies too");
  }
}
