package org.spindle.client.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.apache.hadoop.yarn.util.resource.DominantResourceCalculator;
import org.apache.hadoop.yarn.util.resource.ResourceUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded YARN cluster for `spindle run --local` and the end-to-end tests: two CPU
 * NodeManagers plus one NodeManager that declares yarn.io/gpu, the CapacityScheduler with the
 * DominantResourceCalculator, queues root.default and root.research, and a file:// data lake.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);
  public static final int NODE_MEMORY_MB = 8192;
  public static final int NODE_VCORES = 8;
  public static final int GPUS_ON_GPU_NODE = 2;
  private static final String GPU = "yarn.io/gpu";
  private static final int CPU_NODES = 2;
  /** Free space each NodeManager's disk needs (the runtimes it localizes, with room for logs). */
  static final long MIN_FREE_DISK_MB = 1536;

  private final MiniYARNCluster cluster;
  private final NodeManager gpuNode;
  private final Path workDir;
  private final Path confDir;

  private LocalCluster(MiniYARNCluster cluster, NodeManager gpuNode, Path workDir, Path confDir) {
    this.cluster = cluster;
    this.gpuNode = gpuNode;
    this.workDir = workDir;
    this.confDir = confDir;
  }

  public static LocalCluster start(Path workDir, String name) throws Exception {
    return start(workDir, name, java.util.Map.of());
  }

  /**
   * Starts the cluster with {@code yarnSite} over its own settings, as a cluster's yarn-site.xml would
   * override YARN's defaults (a scheduler setting, a NodeManager's disk limits).
   */
  public static LocalCluster start(Path workDir, String name, java.util.Map<String, String> yarnSite) throws Exception {
    Files.createDirectories(workDir);
    System.setProperty("test.build.data", workDir.toAbsolutePath().toString());
    YarnConfiguration conf = baseConf(workDir);
    yarnSite.forEach(conf::set);
    ResourceUtils.resetNodeResources();
    MiniYARNCluster cluster = new MiniYARNCluster(name, CPU_NODES, 1, 1);
    cluster.init(conf);
    cluster.start();

    // Node resources are cached JVM-wide: reset them, then start one more NM that declares GPUs.
    ResourceUtils.resetNodeResources();
    YarnConfiguration gpuConf = new YarnConfiguration(cluster.getConfig());
    gpuConf.set("yarn.nodemanager.resource-type." + GPU, Integer.toString(GPUS_ON_GPU_NODE));
    Path gpuDir = Files.createDirectories(workDir.resolve("gpu-nm"));
    gpuConf.set(YarnConfiguration.NM_LOCAL_DIRS, Files.createDirectories(gpuDir.resolve("local")).toString());
    gpuConf.set(YarnConfiguration.NM_LOG_DIRS, Files.createDirectories(gpuDir.resolve("logs")).toString());
    for (String key : List.of(YarnConfiguration.NM_ADDRESS, YarnConfiguration.NM_LOCALIZER_ADDRESS,
        YarnConfiguration.NM_WEBAPP_ADDRESS, YarnConfiguration.NM_COLLECTOR_SERVICE_ADDRESS)) {
      gpuConf.set(key, "localhost:0");
    }
    NodeManager gpuNode = new NodeManager();
    gpuNode.init(gpuConf);
    gpuNode.start();
    ResourceUtils.resetNodeResources();

    Path confDir = Files.createDirectories(workDir.resolve("conf"));
    LocalCluster lc = new LocalCluster(cluster, gpuNode, workDir, confDir);
    try {
      lc.awaitNodes(3, 60);
    } catch (Exception e) {
      lc.close();
      throw e;
    }
    lc.writeClientConf();
    return lc;
  }

  public static YarnConfiguration baseConf(Path workDir) {
    YarnConfiguration conf = new YarnConfiguration();
    conf.set("yarn.resource-types", GPU);
    conf.set("yarn.scheduler.capacity.resource-calculator", DominantResourceCalculator.class.getName());
    conf.set("yarn.scheduler.capacity.root.queues", "default,research");
    conf.set("yarn.scheduler.capacity.root.default.capacity", "70");
    conf.set("yarn.scheduler.capacity.root.research.capacity", "30");
    for (String q : List.of("default", "research")) {
      conf.set("yarn.scheduler.capacity.root." + q + ".maximum-capacity", "100");
      conf.set("yarn.scheduler.capacity.root." + q + ".user-limit-factor", "10");
    }
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, NODE_MEMORY_MB);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, NODE_VCORES);
    conf.setInt(YarnConfiguration.NM_PMEM_MB, NODE_MEMORY_MB);
    // MiniYARNCluster gives its own NodeManagers 4096 MB unless told otherwise (measured: the two CPU
    // nodes reported <memory:4096> while the GPU node had 8192).
    conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, NODE_MEMORY_MB);
    conf.setInt(YarnConfiguration.NM_VCORES, NODE_VCORES);
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 2);
    // Fast container stops (the stock values make every stop take ~17 s).
    conf.setLong("yarn.nodemanager.sleep-delay-before-sigkill.ms", 100);
    conf.setLong("yarn.nodemanager.process-kill-wait.ms", 500);
    conf.setLong(YarnConfiguration.NM_LOG_RETAIN_SECONDS, 600);
    // YARN's stock disk check marks a NodeManager UNHEALTHY once its disk is 90% full, however much is
    // still free (on a 500 GB laptop disk: 50 GB). The embedded cluster instead needs room for what it
    // localizes: the runtimes (about 1 GB) on each node. Below that, awaitNodes says so.
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    conf.setLong(YarnConfiguration.NM_MIN_PER_DISK_FREE_SPACE_MB, MIN_FREE_DISK_MB);
    conf.set("fs.defaultFS", workDir.toAbsolutePath().toUri().toString());
    conf.set("yarn.app.mapreduce.am.staging-dir", workDir.resolve("staging").toString());
    return conf;
  }

  /**
   * Waits until {@code n} NodeManagers run. A NodeManager that registered UNHEALTHY (a full disk, most
   * often) will not turn healthy before its next check minutes later, so that ends the wait at once, with
   * the NodeManager's own health report.
   */
  private void awaitNodes(int n, int seconds) throws Exception {
    try (YarnClient yarn = yarnClient()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        List<NodeReport> all = yarn.getNodeReports();
        long running = all.stream().filter(r -> r.getNodeState() == NodeState.RUNNING).count();
        if (running >= n) {
          return;
        }
        List<String> unhealthy = new ArrayList<>();
        for (NodeReport r : all) {
          if (r.getNodeState() == NodeState.UNHEALTHY) {
            unhealthy.add(r.getNodeId() + ": " + r.getHealthReport());
          }
        }
        if (!unhealthy.isEmpty() || System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + running + " of " + n + " NodeManagers of the embedded cluster"
              + " are running" + (unhealthy.isEmpty() ? " after " + seconds + "s" : "; unhealthy: "
              + String.join("; ", unhealthy) + ". The cluster keeps its NodeManagers' files under " + workDir
              + ", whose disk needs " + MIN_FREE_DISK_MB + " MB free per NodeManager: free space there,"
              + " or pass another --work-dir"));
        }
        Thread.sleep(100);
      }
    }
  }

  /** A yarn-site.xml with the cluster's real ports, for containers (on their classpath) and clients. */
  private void writeClientConf() throws IOException {
    try (OutputStream os = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
      cluster.getConfig().writeXml(os);
    }
    // A real cluster's log4j.properties (Hadoop's stock one) beside it: Spindle's JVMs must log the same.
    try (java.io.InputStream in = LocalCluster.class.getResourceAsStream("cluster-log4j.properties")) {
      Files.copy(in, confDir.resolve("log4j.properties"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Keys that make containers of this embedded cluster run on this JVM's JDK and Hadoop jars
   * (spindle.jar itself is localized like on a real cluster).
   */
  public java.util.Map<String, String> containerKeys() {
    java.util.Map<String, String> keys = new java.util.LinkedHashMap<>();
    keys.put("spindle.container.java-home", System.getProperty("java.home"));
    List<String> cp = new ArrayList<>();
    cp.add(confDir.toString());
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      String name = Path.of(e).getFileName().toString();
      if (name.endsWith(".jar") && (name.startsWith("hadoop-client-") || name.startsWith("slf4j-")
          || name.startsWith("reload4j") || name.startsWith("bcp") || name.startsWith("bcprov")
          || name.startsWith("bcutil") || name.startsWith("commons-logging"))) {
        cp.add(Path.of(e).toAbsolutePath().toString());
      }
    }
    keys.put("spindle.container.extra-classpath", String.join(":", cp));
    return keys;
  }

  public YarnConfiguration conf() {
    return new YarnConfiguration(cluster.getConfig());
  }

  public YarnClient yarnClient() {
    YarnClient y = YarnClient.createYarnClient();
    y.init(conf());
    y.start();
    return y;
  }

  public Path workDir() {
    return workDir;
  }

  /** The directory with yarn-site.xml and log4j.properties that containers put on their classpath. */
  public Path confDir() {
    return confDir;
  }

  public MiniYARNCluster yarn() {
    return cluster;
  }

  public NodeManager gpuNode() {
    return gpuNode;
  }

  /** NodeManager ids (host:port) of the GPU node. */
  public String gpuNodeId() {
    return gpuNode.getNMContext().getNodeId().toString();
  }

  public List<NodeReport> nodes() throws Exception {
    try (YarnClient y = yarnClient()) {
      return new ArrayList<>(y.getNodeReports(NodeState.RUNNING));
    }
  }

  @Override
  public void close() {
    List<String> localDirs = new ArrayList<>(gpuNode.getConfig().getTrimmedStringCollection(YarnConfiguration.NM_LOCAL_DIRS));
    for (int i = 0; i < CPU_NODES; i++) {
      NodeManager nm = cluster.getNodeManager(i);
      if (nm != null && nm.getConfig() != null) {
        localDirs.addAll(nm.getConfig().getTrimmedStringCollection(YarnConfiguration.NM_LOCAL_DIRS));
      }
    }
    try {
      gpuNode.stop();
    } catch (RuntimeException e) {
      LOG.warn("stopping the GPU NodeManager: {}", e.toString());
    }
    cluster.stop();
    ResourceUtils.resetNodeResources();
    // What the NodeManagers localized (the runtimes, about 1 GB per node) is a cache of files the client
    // still has; the containers' logs stay.
    for (String dir : localDirs) {
      deleteTree(dir.startsWith("file:") ? Path.of(java.net.URI.create(dir)) : Path.of(dir));
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (java.util.stream.Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      LOG.warn("could not delete the NodeManager files under {}: {}", root, e.toString());
    }
  }
}
