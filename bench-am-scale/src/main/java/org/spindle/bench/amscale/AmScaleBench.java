package org.spindle.bench.amscale;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.security.PrivilegedExceptionAction;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.api.ApplicationMasterProtocol;
import org.apache.hadoop.yarn.api.protocolrecords.AllocateRequest;
import org.apache.hadoop.yarn.api.protocolrecords.AllocateResponse;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.resourcemanager.MockAM;
import org.apache.hadoop.yarn.server.resourcemanager.MockNM;
import org.apache.hadoop.yarn.server.resourcemanager.MockRM;
import org.apache.hadoop.yarn.server.resourcemanager.MockRMAppSubmissionData;
import org.apache.hadoop.yarn.server.resourcemanager.MockRMAppSubmitter;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.ResourceScheduler;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler;
import org.apache.hadoop.yarn.util.resource.DominantResourceCalculator;
import org.apache.hadoop.yarn.util.resource.ResourceUtils;
import org.spindle.am.JobController;
import org.spindle.am.JobStatusView;
import org.spindle.am.TaskView;
import org.spindle.am.yarn.YarnClusterDriver;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.conf.TaskRef;

/**
 * Spindle's real ApplicationMaster code (JobController, YarnClusterDriver and YARN's AMRMClientAsync) against
 * a real ResourceManager with the CapacityScheduler, from Hadoop's own test pieces: MockRM, and MockNMs
 * that heartbeat once a second and report their containers as a NodeManager does. Only the container
 * processes are simulated ({@link SimulatedNodeManagers}: a started container "runs" and its task
 * registers). 110 nodes (100 CPU, 10 GPU), three profiles; runs at 100, 400 and 1,100 containers:
 * all allocated, then 5% of the CPU containers killed, then one GPU task killed (a gang restart of every GPU
 * task).
 * Run: bench-am-scale/run.sh (after mvn -B -q install -DskipTests)
 */
public final class AmScaleBench {
  static final String GPU = "yarn.io/gpu";
  private static final int CPU_NODES = 100;
  private static final int GPU_NODES = 10;

  private AmScaleBench() {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = args.length > 0 ? java.util.Arrays.stream(args).map(Integer::parseInt).toList()
        : List.of(100, 400, 1100);
    List<String> rows = new ArrayList<>();
    try {
      for (int n : sizes) {
        rows.add(run(n, System.getProperty("spindle.bench.offswitch", ""), 1000).row());
      }
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1); // the ResourceManager's threads would keep the JVM alive
    }
    System.out.println();
    System.out.println("maximum-offswitch-assignments per node heartbeat: "
        + System.getProperty("spindle.bench.offswitch", "1 (CapacityScheduler default)"));
    System.out.println("containers | AM heartbeats to all allocated | launches/s | 5% CPU kill -> back | GPU gang restart"
        + " | AM CPU per heartbeat | RM CPU per heartbeat | JVM heap peak (RM+AM) | AM log lines per container");
    rows.forEach(System.out::println);
    System.exit(0);
  }

  private static Configuration rmConf(String offswitch) {
    YarnConfiguration conf = new YarnConfiguration();
    conf.set("yarn.resource-types", GPU);
    conf.setClass(YarnConfiguration.RM_SCHEDULER, CapacityScheduler.class, ResourceScheduler.class);
    conf.set("yarn.scheduler.capacity.resource-calculator", DominantResourceCalculator.class.getName());
    conf.set("yarn.scheduler.capacity.root.default.user-limit-factor", "10");
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    conf.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 1);
    // The CapacityScheduler places at most this many ANY-locality (off-switch) containers per node heartbeat:
    // 1 by default. -Dspindle.bench.offswitch=N shows what the cluster setting, not the AM, allows.
    if (!offswitch.isEmpty()) {
      conf.set("yarn.scheduler.capacity.per-node-heartbeat.maximum-offswitch-assignments", offswitch);
    }
    ResourceUtils.resetResourceTypes(conf);
    return conf;
  }

  /**
   * What one run measured. {@code heartbeatsToAllocated}: the AM's allocate calls from the one that first
   * asked to the one that brought the last container; {@code logLines}: Spindle's log events over the run.
   */
  record Result(int containers, long heartbeatsToAllocated, long firstAsk, long allocatedAt, long nmRounds,
                long allUpMs, double launchesPerSec, long killBackMs, int kills, long gangMs, int gangAttempts,
                double amCpuPerHbMs, double rmCpuPerHbMs, long heapPeakMb, long logLines, long starts,
                long heartbeats) {
    double logLinesPerContainer() {
      return (double) logLines / starts;
    }

    String row() {
      return String.format(java.util.Locale.ROOT, "%10d | %d (asked at %d, all at %d; %d NM heartbeat rounds; all REGISTERED in %d ms) | %.0f"
              + " | %d ms (%d killed) | %d ms | %.2f ms | %.2f ms | %d MB | %.2f (%d lines / %d starts; %.4f per"
              + " container per heartbeat, %d heartbeats)",
          containers, heartbeatsToAllocated, firstAsk, allocatedAt, nmRounds, allUpMs, launchesPerSec, killBackMs, kills,
          gangMs, amCpuPerHbMs, rmCpuPerHbMs, heapPeakMb, logLinesPerContainer(), logLines, starts,
          logLinesPerContainer() / heartbeats, heartbeats);
    }
  }

  /**
   * One full run at {@code n} containers. {@code offswitch}: the CapacityScheduler's
   * maximum-offswitch-assignments per node heartbeat, empty for its default; {@code nmHeartbeatMs}: how often
   * every NodeManager heartbeats (1000 on a cluster).
   */
  static Result run(int n, String offswitch, long nmHeartbeatMs) throws Exception {
    int gpu = Math.max(1, Math.round(n * 100f / 1100));
    int large = Math.round((n - gpu) * 0.34f);
    int small = n - gpu - large;
    Configuration conf = rmConf(offswitch);
    MockRM rm = new MockRM(conf);
    // MockRM turns the root logger to DEBUG; the run should log what a cluster's RM and AM would.
    org.apache.log4j.LogManager.getRootLogger().setLevel(org.apache.log4j.Level.WARN);
    rm.start();
    List<MockNM> nodes = new ArrayList<>();
    for (int i = 0; i < CPU_NODES; i++) {
      nodes.add(rm.registerNode("localhost:" + (10000 + i), Resource.newInstance(64 * 1024, 32)));
    }
    for (int i = 0; i < GPU_NODES; i++) {
      Resource r = Resource.newInstance(128 * 1024, 64);
      r.setResourceValue(GPU, 16);
      nodes.add(rm.registerNode("localhost:" + (20000 + i), r));
    }
    RMApp app = MockRMAppSubmitter.submit(rm, MockRMAppSubmissionData.Builder.createWithMemory(1024, rm)
        .withKeepContainers(true).build());
    MockAM mockAm = MockRM.launchAM(app, rm, nodes.get(0));
    ApplicationAttemptId attemptId = mockAm.getApplicationAttemptId();
    UserGroupInformation ugi = UserGroupInformation.createRemoteUser(attemptId.toString());
    ugi.addTokenIdentifier(app.getCurrentAppAttempt().getAMRMToken().decodeIdentifier());

    Map<String, String> keys = new HashMap<>();
    keys.put("spindle.app.restart-mode", "gang");
    keys.put("spindle.task.max-missed-heartbeats", "1000000");
    role(keys, "cpu-small", small, 2048, 1, 0, false);
    role(keys, "cpu-large", large, 4096, 2, 0, false);
    role(keys, "gpu", gpu, 8192, 4, 1, true);
    JobSpec spec = new JobConfLoader().load(List.of(), keys);

    CountingAms ams = new CountingAms(rm.getApplicationMasterService(), ugi);
    LogCounter logs = LogCounter.install();
    ScheduledExecutorService stateThread = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "spindle-am-state"));
    SimulatedNodeManagers nms = new SimulatedNodeManagers(nodes, attemptId);
    YarnClusterDriver driver = new YarnClusterDriver(conf,
        (hb, handler) -> org.apache.hadoop.yarn.client.api.async.AMRMClientAsync.createAMRMClientAsync(
            new InProcessAmRmClient(ams.proxy()), hb, handler), nms::client);
    JobController controller = new JobController(spec, driver, SimulatedNodeManagers::launchContext,
        clusterSpec -> { }, Clock.systemUTC(), stateThread);
    driver.bind(controller);
    nms.bind(controller);
    ams.countRounds(nms::rounds);
    resetHeapPeaks();
    ugi.doAs((PrivilegedExceptionAction<Object>) () -> driver.start("am-host", 1, ""));
    nms.startHeartbeats(nmHeartbeatMs);
    long t0 = System.nanoTime();
    stateThread.execute(controller::start);
    stateThread.scheduleWithFixedDelay(controller::tick, 1, 1, TimeUnit.SECONDS);
    await(controller, v -> count(v, "REGISTERED") == n, 300);
    long allocatedAt = ams.heartbeatOfContainer(n);
    long firstAsk = ams.firstAskHeartbeat();
    long nmRoundsToAll = ams.roundOfContainer(n) - ams.firstAskRound();
    long allUpMs = ms(t0);
    double launchesPerSec = n * 1000.0 / Math.max(1, nms.lastStartMs() - nms.firstStartMs());

    // 5% of the CPU containers killed (their processes exit 137): independent restarts.
    List<TaskView> cpu = controller.status().get().tasks().stream().filter(t -> t.role().startsWith("cpu")).toList();
    int kills = Math.max(1, (n - gpu) / 20);
    long t1 = System.nanoTime();
    for (int i = 0; i < kills; i++) {
      nms.kill(cpu.get(i * (cpu.size() / kills)).containerId());
    }
    await(controller, v -> count(v, "REGISTERED") == n && restarts(v) >= kills, 300);
    long killBackMs = ms(t1);

    // One GPU task killed: the whole GPU gang restarts.
    int gangBefore = controller.status().get().gangAttempt();
    String gpuVictim = controller.status().get().tasks().stream().filter(t -> t.role().equals("gpu")).findFirst()
        .orElseThrow().containerId();
    long t2 = System.nanoTime();
    nms.kill(gpuVictim);
    await(controller, v -> v.gangAttempt() > gangBefore && count(v, "REGISTERED") == n, 300);
    long gangMs = ms(t2);

    long heartbeats = ams.heartbeats();
    double amCpuPerHb = (amThreadsCpuNanos() - ams.rmCpuNanos()) / 1e6 / heartbeats;
    double rmCpuPerHb = ams.rmCpuNanos() / 1e6 / heartbeats;
    long heapPeakMb = heapPeakBytes() / (1024 * 1024);
    int gangAttempts = controller.status().get().gangAttempt() - gangBefore;
    logs.uninstall();
    nms.stop();
    stateThread.shutdownNow();
    driver.close();
    rm.stop();
    return new Result(n, allocatedAt - firstAsk, firstAsk, allocatedAt, nmRoundsToAll, allUpMs, launchesPerSec,
        killBackMs, kills, gangMs, gangAttempts, amCpuPerHb, rmCpuPerHb, heapPeakMb, logs.count(), nms.started(),
        heartbeats);
  }

  private static void role(Map<String, String> k, String role, int n, int mb, int vcores, int gpus, boolean gang) {
    k.put("spindle.role." + role + ".instances", Integer.toString(n));
    k.put("spindle.role." + role + ".memory", Integer.toString(mb));
    k.put("spindle.role." + role + ".vcores", Integer.toString(vcores));
    k.put("spindle.role." + role + ".gpus", Integer.toString(gpus));
    k.put("spindle.role." + role + ".gang", Boolean.toString(gang));
    k.put("spindle.role." + role + ".max-restarts", "100");
    k.put("spindle.role." + role + ".command", "sleep 3600");
  }

  static long count(JobStatusView v, String state) {
    return v.tasks().stream().filter(t -> t.state().equals(state)).count();
  }

  private static int restarts(JobStatusView v) {
    return v.tasks().stream().mapToInt(TaskView::restarts).sum();
  }

  private static void await(JobController c, Predicate<JobStatusView> done, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      JobStatusView v = c.status().get(30, TimeUnit.SECONDS);
      if (done.test(v)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out; states: " + v.tasks().stream().collect(
            java.util.stream.Collectors.groupingBy(TaskView::state, java.util.stream.Collectors.counting())));
      }
      Thread.sleep(50);
    }
  }

  private static long ms(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** CPU of the AM's threads: the AMRM heartbeater and callback handler, the NM callbacks and the state thread. */
  private static long amThreadsCpuNanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      if (name.startsWith("AMRM Heartbeater") || name.startsWith("AMRM Callback Handler")
          || name.equals("spindle-am-state")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
      }
    }
    return sum;
  }

  private static void resetHeapPeaks() {
    System.gc();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
  }

  private static long heapPeakBytes() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  /**
   * The ResourceManager's ApplicationMasterService, called in process, counting the AM's heartbeats (allocate
   * calls), the one on which asks first went out and on which each container arrived, and the CPU the RM
   * spent in them (so it can be told apart from the AM's).
   */
  static final class CountingAms {
    private final ApplicationMasterProtocol target;
    /** The AM's user with its AMRMToken: each call runs as it, as it would arrive over RPC. */
    private final UserGroupInformation amUser;
    private final AtomicLong heartbeats = new AtomicLong();
    private final AtomicLong rmCpu = new AtomicLong();
    private final AtomicLong firstAsk = new AtomicLong(-1);
    private final AtomicInteger received = new AtomicInteger();
    private final Map<Integer, Long> heartbeatOfNth = new ConcurrentHashMap<>();
    private final Map<Integer, Long> roundOfNth = new ConcurrentHashMap<>();
    private final AtomicLong firstAskRound = new AtomicLong(-1);
    private volatile java.util.function.LongSupplier nmRounds = () -> 0;

    void countRounds(java.util.function.LongSupplier rounds) {
      this.nmRounds = rounds;
    }

    long firstAskRound() {
      return firstAskRound.get();
    }

    long roundOfContainer(int nth) {
      return roundOfNth.getOrDefault(nth, -1L);
    }

    CountingAms(ApplicationMasterProtocol target, UserGroupInformation amUser) {
      this.target = target;
      this.amUser = amUser;
    }

    ApplicationMasterProtocol proxy() {
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      return (ApplicationMasterProtocol) Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {ApplicationMasterProtocol.class}, (p, m, a) -> {
            long cpu0 = mx.getCurrentThreadCpuTime();
            Object out;
            try {
              out = amUser.doAs((PrivilegedExceptionAction<Object>) () -> m.invoke(target, a));
            } catch (java.lang.reflect.UndeclaredThrowableException e) {
              throw e.getCause() instanceof InvocationTargetException i ? i.getCause() : e.getCause();
            } finally {
              rmCpu.addAndGet(mx.getCurrentThreadCpuTime() - cpu0);
            }
            if (m.getName().equals("allocate")) {
              long hb = heartbeats.incrementAndGet();
              if (!((AllocateRequest) a[0]).getAskList().isEmpty()) {
                if (firstAsk.compareAndSet(-1, hb)) {
                  firstAskRound.set(nmRounds.getAsLong());
                }
              }
              int got = ((AllocateResponse) out).getAllocatedContainers().size();
              for (int i = 0; i < got; i++) {
                int nth = received.incrementAndGet();
                heartbeatOfNth.put(nth, hb);
                roundOfNth.put(nth, nmRounds.getAsLong());
              }
            }
            return out;
          });
    }

    long heartbeats() {
      return heartbeats.get();
    }

    long firstAskHeartbeat() {
      return firstAsk.get();
    }

    long heartbeatOfContainer(int nth) {
      return heartbeatOfNth.getOrDefault(nth, -1L);
    }

    long rmCpuNanos() {
      return rmCpu.get();
    }
  }

  /** How many log events Spindle's own loggers (org.spindle.*) emit. */
  static final class LogCounter extends org.apache.log4j.AppenderSkeleton {
    private final AtomicLong n = new AtomicLong();

    static LogCounter install() {
      LogCounter c = new LogCounter();
      org.apache.log4j.Logger.getLogger("org.spindle").addAppender(c);
      return c;
    }

    void uninstall() {
      org.apache.log4j.Logger.getLogger("org.spindle").removeAppender(this);
    }

    long count() {
      return n.get();
    }

    @Override
    protected void append(org.apache.log4j.spi.LoggingEvent event) {
      n.incrementAndGet();
    }

    @Override
    public void close() {
    }

    @Override
    public boolean requiresLayout() {
      return false;
    }
  }

  static TaskRef ref(String role, int index) {
    return new TaskRef(role, index);
  }
}
