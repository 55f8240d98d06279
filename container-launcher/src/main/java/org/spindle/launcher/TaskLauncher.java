package org.spindle.launcher;

import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.ClusterSpec;
import org.spindle.task.AmLocator;
import org.spindle.task.ControlPlaneClient;
import org.spindle.task.AmRecord;
import org.spindle.task.AppSecret;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.conf.RoleSpec;
import org.spindle.conf.SpindleEnv;
import org.spindle.proto.ClusterSpecRequest;
import org.spindle.proto.ClusterSpecResponse;
import org.spindle.proto.ExitReport;
import org.spindle.proto.HeartbeatRequest;
import org.spindle.proto.RegisterRequest;
import org.spindle.proto.RegisterResponse;
import org.spindle.proto.TaskId;

/**
 * The entry point inside every task container: register with the AM and ZooKeeper, wait for the
 * gang's cluster spec, run the role's command or main class, heartbeat, report the exit code.
 */
public final class TaskLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(TaskLauncher.class);
  /** The gang never assembled, or this task's attempt was superseded. */
  static final int EXIT_BARRIER_FAILED = 75;
  /** The launcher itself failed (AM unreachable, bad environment). */
  static final int EXIT_LAUNCHER_ERROR = 76;
  /** The AM asked this task to stop. */
  static final int EXIT_STOPPED = 143;

  private TaskLauncher() {}

  public static void main(String[] args) {
    int code;
    try {
      code = run(System.getenv());
    } catch (Throwable t) {
      LOG.error("container launcher failed", t);
      code = EXIT_LAUNCHER_ERROR;
    }
    System.exit(code);
  }

  static int run(Map<String, String> sysEnv) throws Exception {
    TaskEnv env = TaskEnv.from(sysEnv);
    JobConfLoader loader = new JobConfLoader();
    org.apache.hadoop.conf.Configuration jobConf = loader.layer(List.of(Path.of(SpindleEnv.JOB_XML_NAME)), Map.of());
    JobSpec spec = loader.parse(jobConf);
    RoleSpec role = spec.role(env.role());
    AppSecret secret = AppSecret.fromCurrentUser();
    TaskId id = TaskId.newBuilder().setRole(env.role()).setIndex(env.index()).setAttempt(env.attempt())
        .setGeneration(env.generation()).build();
    LOG.info("task {} attempt {} generation {} starting in {}", env.task(), env.attempt(), env.generation(),
        env.containerId());

    // Bind first, then register the bound ports (no race between registering and binding).
    Map<String, ServerSocket> reserved = new LinkedHashMap<>();
    for (String name : portNames(role)) {
      ServerSocket s = new ServerSocket();
      s.bind(new InetSocketAddress(0));
      reserved.put(name, s);
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    reserved.forEach((name, s) -> ports.put(name, s.getLocalPort()));
    int port = ports.get(ClusterSpec.TASK_PORT);

    AtomicReference<AmRecord> moved = new AtomicReference<>();
    RegisterRequest registration = RegisterRequest.newBuilder().setTask(id).setHost(env.host()).putAllPorts(ports)
        .setContainerId(env.containerId()).build();
    try (ControlPlaneClient am = new ControlPlaneClient(env.amAddress(), secret,
            org.spindle.task.TlsIdentity.fromCurrentUser(), AmLocator.fromEnvironment(sysEnv),
            moved::set);
         TaskRegistration zkNode = new TaskRegistration(secret, env.appId(), spec.zkSessionTimeoutMs(), env.attempt(),
             env.role(), env.index(), endpointJson(env, ports))) {
      RegisterResponse reg = am.call(30, TimeUnit.SECONDS, s -> s.register(registration));
      // Heartbeat from registration on: waiting at the gang barrier is not silence.
      AtomicReference<Process> child = new AtomicReference<>();
      // Following a new AM attempt (register again, move the znode) runs beside the heartbeats, never in
      // their way: the new AM judges this task by its heartbeats from the moment it recovered.
      ExecutorService follower = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "spindle-follow-am");
        t.setDaemon(true);
        return t;
      });
      AtomicBoolean following = new AtomicBoolean();
      ScheduledExecutorService hb = heartbeats(am, id, reg.getHeartbeatIntervalMs(), child, () -> {
        if (moved.get() != null && following.compareAndSet(false, true)) {
          follower.execute(() -> {
            try {
              followNewAttempt(am, moved, registration, zkNode);
            } finally {
              following.set(false);
            }
          });
        }
      });

      registerInZooKeeper(zkNode, env, am);

      Map<String, String> childEnv = new HashMap<>(sysEnv);
      childEnv.putAll(role.env());
      childEnv.put(SpindleEnv.TASK_PORT, Integer.toString(port));
      childEnv.put(SpindleEnv.CREDENTIALS_FILE, CREDENTIALS_FILE.toString());
      ports.forEach((name, p) -> childEnv.put(portEnv(name), Integer.toString(p)));
      if (reg.getInGang() && role.framework().equals("tensorflow")
          && jobConf.getBoolean(org.spindle.conf.ConfigKeys.TF_BIND_CONTAINER_ADDRESS, true)) {
        childEnv.putAll(ContainerAddressBind.env(env.host(), port, hostOf(env.amAddress()),
            Path.of("").toAbsolutePath(), sysEnv.get("LD_PRELOAD")));
      }
      List<String> jvmOptions = TensorFlowNatives.jvmOptions(role.gpus(),
          jobConf.getTrimmed(org.spindle.conf.ConfigKeys.TF_NATIVE_CLASSIFIER, "linux-x86_64"),
          UserProcess.taskClasspath(sysEnv), Path.of("").toAbsolutePath(),
          System.getProperty("java.library.path", ""));
      LOG.info("task has {} GPU(s): TF Java native options {}", role.gpus(), jvmOptions);
      // A TF task's JVM starts now and loads what needs no peers while the other tasks start.
      Process early = null;
      if (reg.getInGang() && spec.earlyStart() && UserProcess.readsClusterSpecOnStdin(role)) {
        childEnv.put(SpindleEnv.CLUSTER_SPEC_ON_STDIN, "true");
        early = UserProcess.start(role, childEnv, jvmOptions, true);
        child.set(early);
        LOG.info("started the task's JVM before the gang assembled (spindle.task.early-start); it gets the "
            + "cluster spec on its standard input");
      }
      if (reg.getInGang()) {
        try {
          java.util.Optional<ClusterSpecResponse> assembled =
              specOrExit(() -> awaitClusterSpec(am, id, spec.registrationTimeoutMs() + 30_000), early);
          if (assembled.isEmpty()) { // the early JVM ended first: its exit code is the task's
            int code = early.waitFor();
            hb.shutdownNow();
            LOG.info("task {} exited with code {} before its gang assembled", env.task(), code);
            report(am, id, code, "main class exited " + code + " before the gang assembled" + processDiagnostics());
            return code;
          }
          ClusterSpecResponse cs = assembled.get();
          childEnv.put(SpindleEnv.CLUSTER_SPEC, cs.getClusterJson());
          if (role.runsCommand()) { // Python TF, PyTorch and the like find their peers in their own variables
            childEnv.putAll(FrameworkEnv.of(role.framework(), cs.getClusterJson(), env.role(), env.index(),
                spec.roles().values().stream().filter(r -> r.framework().equals("pytorch")).map(RoleSpec::name)
                    .collect(java.util.stream.Collectors.toSet())));
          }
          LOG.info("gang attempt {} assembled: {}", cs.getAttempt(), cs.getClusterJson());
        } catch (StatusRuntimeException e) {
          LOG.error("task {}: the gang did not assemble: {}", env.task(), e.getStatus());
          hb.shutdownNow();
          if (early != null) {
            early.destroy();
            early.waitFor(10, TimeUnit.SECONDS);
          }
          report(am, id, EXIT_BARRIER_FAILED, "gang barrier failed: " + e.getStatus().getDescription());
          return EXIT_BARRIER_FAILED;
        }
      }
      for (ServerSocket s : reserved.values()) {
        s.close();
      }
      Process process;
      if (early != null) {
        process = early;
        sendClusterSpec(early, childEnv.get(SpindleEnv.CLUSTER_SPEC));
      } else {
        process = UserProcess.start(role, childEnv, jvmOptions);
        child.set(process);
      }
      if (stopRequested) {
        process.destroy();
      }
      int code = process.waitFor();
      hb.shutdownNow();
      LOG.info("task {} exited with code {}", env.task(), code);
      report(am, id, code, code == 0 ? "" : (role.runsCommand() ? "command exited " : "main class exited ") + code
          + processDiagnostics());
      return code;
    }
  }

  private static volatile boolean stopRequested;

  /** What the process wrote to spindle-diagnostics.txt (at most 4000 characters), as ": text". */
  static String processDiagnostics() {
    Path f = Path.of(SpindleEnv.DIAGNOSTICS_FILE);
    try {
      if (!java.nio.file.Files.isRegularFile(f)) {
        return "";
      }
      String text = java.nio.file.Files.readString(f).trim();
      return text.isEmpty() ? "" : ": " + (text.length() > 4000 ? text.substring(0, 4000) + "..." : text);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /**
   * Waits for the gang's cluster spec. The call is repeated while no AM answers (a new attempt is
   * starting), until the deadline; the AM's own refusals end the wait at once.
   */
  static ClusterSpecResponse awaitClusterSpec(ControlPlaneClient am, TaskId id, long timeoutMs)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    ClusterSpecRequest request = ClusterSpecRequest.newBuilder().setTask(id).build();
    while (true) {
      long left = deadline - System.currentTimeMillis();
      try {
        return am.call(Math.max(1, left), TimeUnit.MILLISECONDS, s -> s.awaitClusterSpec(request));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE || left <= AM_RETRY_MS) {
          throw e;
        }
        LOG.warn("waiting for the gang: the ApplicationMaster does not answer ({}); retrying", e.getStatus());
        Thread.sleep(AM_RETRY_MS);
      }
    }
  }

  static final long AM_RETRY_MS = 2000;

  /** The gang's cluster spec, as the AM sends it. */
  interface SpecWait {
    ClusterSpecResponse await() throws InterruptedException;
  }

  /**
   * Waits for the cluster spec, or for {@code early} (a JVM started before the gang assembled, or null)
   * to exit, whichever comes first: empty when the process ended first. The AM's refusal is thrown.
   */
  static java.util.Optional<ClusterSpecResponse> specOrExit(SpecWait wait, Process early)
      throws InterruptedException {
    if (early == null) {
      return java.util.Optional.of(wait.await());
    }
    java.util.concurrent.CompletableFuture<ClusterSpecResponse> spec = new java.util.concurrent.CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      try {
        spec.complete(wait.await());
      } catch (Throwable t) {
        spec.completeExceptionally(t);
      }
    }, "spindle-await-gang");
    waiter.setDaemon(true);
    waiter.start();
    try {
      java.util.concurrent.CompletableFuture.anyOf(spec, early.onExit()).get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof InterruptedException i) {
        throw i;
      }
      throw new IllegalStateException(e.getCause());
    }
    if (spec.isDone()) {
      return java.util.Optional.of(spec.join());
    }
    waiter.interrupt();
    return java.util.Optional.empty();
  }

  /** Hands the assembled cluster spec to a JVM started early: one line on its standard input, then EOF. */
  static void sendClusterSpec(Process early, String clusterJson) {
    try (java.io.OutputStream in = early.getOutputStream()) {
      in.write((clusterJson + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      // The process is gone; its exit code says why.
      LOG.warn("could not hand the cluster spec to the task's JVM: {}", e.toString());
    }
  }

  /**
   * Writes the task's node, with heartbeats already running. An embedded ZooKeeper dies with its AM:
   * if the AM moved meanwhile, the node goes to the new attempt's ZooKeeper (the follower writes it);
   * if not, an unreachable ZooKeeper is the launcher's error, naming the setting to check.
   */
  private static void registerInZooKeeper(TaskRegistration zkNode, TaskEnv env, ControlPlaneClient am)
      throws Exception {
    if (!am.address().equals(env.amAddress())) {
      return; // already following a new attempt, whose ZooKeeper the follower writes to
    }
    try {
      zkNode.registerAt(env.zkConnect());
    } catch (Exception e) {
      if (am.address().equals(env.amAddress())) {
        throw e;
      }
      LOG.warn("ZooKeeper {} went away with the ApplicationMaster that embedded it ({}); this task's node goes to "
          + "the new attempt's ZooKeeper", env.zkConnect(), e.toString());
    }
  }

  /**
   * After the client moved to a new AM attempt: register again (the new AM may have missed this
   * task's registration) and write the task's node into the new attempt's ZooKeeper.
   */
  private static void followNewAttempt(ControlPlaneClient am, AtomicReference<AmRecord> moved,
                                       RegisterRequest registration, TaskRegistration zkNode) {
    AmRecord r = moved.getAndSet(null);
    if (r == null) {
      return;
    }
    try {
      am.call(30, TimeUnit.SECONDS, s -> s.register(registration));
      LOG.info("registered with ApplicationMaster attempt {} at {}", r.attempt(), r.controlAddress());
      zkNode.registerAt(r.zkConnect());
    } catch (Exception e) {
      LOG.warn("could not register with ApplicationMaster attempt {}: {}", r.attempt(), e.toString());
      moved.compareAndSet(null, r); // try again on the next heartbeat
    }
  }

  /** Where the user process finds the tokens the AM re-obtained ({@link org.spindle.task.TaskCredentials}). */
  static final Path CREDENTIALS_FILE = Path.of(org.spindle.task.TaskCredentials.FILE_NAME).toAbsolutePath();
  /** The version of the delegation tokens this container holds; written by the heartbeat thread alone. */
  private static volatile long credentialsVersion;

  private static ScheduledExecutorService heartbeats(ControlPlaneClient am, TaskId id, long intervalMs,
                                                     AtomicReference<Process> child, Runnable afterBeat) {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "spindle-heartbeat");
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(() -> {
      try {
        org.spindle.proto.HeartbeatResponse resp = am.call(10, TimeUnit.SECONDS, st -> st.heartbeat(
            HeartbeatRequest.newBuilder().setTask(id).setCredentialsVersion(credentialsVersion).build()));
        if (resp.getCredentialsVersion() > credentialsVersion) {
          try {
            org.spindle.task.TaskCredentials.accept(resp.getCredentials().toByteArray(), CREDENTIALS_FILE);
            credentialsVersion = resp.getCredentialsVersion();
          } catch (java.io.IOException e) {
            LOG.warn("could not take the fresh delegation tokens: {}", e.toString());
          }
        }
        boolean stop = resp.getStopRequested();
        if (stop && !stopRequested) {
          LOG.info("the AM asked this task to stop");
          stopRequested = true;
          Process p = child.get();
          if (p != null) {
            p.destroy();
          }
        }
      } catch (StatusRuntimeException e) {
        LOG.warn("heartbeat failed: {}", e.getStatus());
      }
      afterBeat.run();
    }, 0, Math.max(100, intervalMs), TimeUnit.MILLISECONDS);
    return s;
  }

  private static void report(ControlPlaneClient am, TaskId id, int code, String diagnostics) {
    ExitReport exit = ExitReport.newBuilder().setTask(id).setExitCode(code).setDiagnostics(diagnostics).build();
    try {
      am.call(10, TimeUnit.SECONDS, s -> s.reportExit(exit));
    } catch (StatusRuntimeException e) {
      LOG.warn("could not report exit code {} to the AM: {}", code, e.getStatus());
    }
  }

  /** "task" first, then the role's named ports. */
  static List<String> portNames(RoleSpec role) {
    List<String> names = new java.util.ArrayList<>();
    names.add(ClusterSpec.TASK_PORT);
    names.addAll(role.ports());
    return names;
  }

  /** The host of a "host:port" address. */
  static String hostOf(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }

  /** SPINDLE_PORT_FEED for "feed". */
  static String portEnv(String name) {
    return "SPINDLE_PORT_" + name.toUpperCase(java.util.Locale.ROOT);
  }

  private static String endpointJson(TaskEnv env, Map<String, Integer> ports) {
    return org.spindle.task.TaskDirectory.nodeJson(env.host(), ports, env.generation(), env.containerId());
  }
}
