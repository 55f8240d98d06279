package org.spindle.am;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.api.ApplicationConstants.Environment;
import org.apache.hadoop.yarn.api.protocolrecords.RegisterApplicationMasterResponse;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.am.control.ControlPlaneServer;
import org.spindle.am.control.ControlPlaneService;
import org.spindle.task.AmRecord;
import org.spindle.task.AmRecordFile;
import org.spindle.am.recovery.JobSnapshot;
import org.spindle.am.recovery.JobStateStore;
import org.spindle.am.recovery.StagingJobStateStore;
import org.spindle.am.registry.EmbeddedZooKeeper;
import org.spindle.am.registry.ZkRegistry;
import org.spindle.task.AppSecret;
import org.spindle.am.web.JobHistory;
import org.spindle.am.web.MetricsHistory;
import org.spindle.am.web.TrackingServer;
import org.spindle.am.yarn.AskFeasibility;
import org.spindle.am.yarn.ClusterLimits;
import org.spindle.am.yarn.ContainerSpecs;
import org.spindle.am.yarn.YarnClientFactories;
import org.spindle.am.yarn.YarnClusterDriver;
import org.spindle.conf.JobConfLoader;
import org.spindle.conf.JobSpec;
import org.spindle.conf.SpindleEnv;

/** Entry point of the AM container: wires the driver, policy, control plane and registry, then waits. */
public final class ApplicationMaster {
  private static final Logger LOG = LoggerFactory.getLogger(ApplicationMaster.class);
  /** Exit codes of the AM process. */
  static final int EXIT_SUCCEEDED = 0;
  static final int EXIT_FAILED = 1;
  static final int EXIT_CRASHED = 2;

  private ApplicationMaster() {}

  public static void main(String[] args) {
    int code;
    try {
      code = run(System.getenv()) ? EXIT_SUCCEEDED : EXIT_FAILED;
    } catch (Throwable t) {
      LOG.error("ApplicationMaster crashed", t);
      code = EXIT_CRASHED;
    }
    System.exit(code);
  }

  static boolean run(Map<String, String> env) throws Exception {
    YarnConfiguration conf = new YarnConfiguration();
    JobConfLoader loader = new JobConfLoader();
    org.apache.hadoop.conf.Configuration jobConf = loader.layer(List.of(Path.of(SpindleEnv.JOB_XML_NAME)), Map.of());
    JobSpec spec = loader.parse(jobConf);
    ContainerId containerId = ContainerId.fromString(env.get(Environment.CONTAINER_ID.name()));
    String appId = containerId.getApplicationAttemptId().getApplicationId().toString();
    int amAttempt = containerId.getApplicationAttemptId().getAttemptId();
    String host = env.getOrDefault(Environment.NM_HOST.name(), InetAddress.getLocalHost().getHostName());
    AppSecret secret = AppSecret.fromCurrentUser();
    java.util.Optional<org.spindle.task.TlsIdentity> tls = org.spindle.task.TlsIdentity.fromCurrentUser();
    LOG.info("Spindle AM for {} (attempt {}) on {}: {} role(s), {} task(s), restart mode {}", appId, amAttempt, host,
        spec.roles().size(), spec.totalTasks(),
        spec.restartMode());

    ScheduledExecutorService stateThread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "spindle-am-state");
      t.setDaemon(true);
      return t;
    });
    EmbeddedZooKeeper embeddedZk = null;
    String zkConnect = spec.zkConnect();
    if (zkConnect.isEmpty()) {
      embeddedZk = EmbeddedZooKeeper.start(Files.createDirectories(Path.of("zookeeper-data")).toAbsolutePath());
      zkConnect = host + ":" + embeddedZk.port();
    }
    org.apache.zookeeper.client.ZKClientConfig zkKerberos = zooKeeperKerberos(jobConf, embeddedZk == null, zkConnect);
    ZkRegistry registry = new ZkRegistry(ZkRegistry.connect(zkConnect, secret, appId, spec.zkSessionTimeoutMs(),
        zkKerberos), appId);
    if (embeddedZk != null) {
      registry.lockDownRoot(secret); // only this application writes to the server it embeds
    }
    registry.initAppNode(secret);
    if (zkKerberos != null) {
      registry.requireKerberosIdentity(zkConnect);
    }
    org.apache.hadoop.fs.Path staging = new org.apache.hadoop.fs.Path(env.get(SpindleEnv.STAGING_DIR));
    JobStateStore store = embeddedZk == null ? registry.stateStore() : new StagingJobStateStore(conf, staging);

    YarnClusterDriver driver = new YarnClusterDriver(conf, YarnClientFactories.defaultAmRm(),
        YarnClientFactories.defaultNm());
    // Task launch contexts need the AM's address, which exists only once the server is bound.
    LaunchContextHolder launch = new LaunchContextHolder();
    JobController controller = new JobController(spec, driver, launch, registry, Clock.systemUTC(), stateThread,
        store, amAttempt);
    driver.bind(controller);
    MetricsHistory history = new MetricsHistory(2000, Clock.systemUTC());
    org.spindle.am.security.TokenRenewal renewal = tokenRenewal(conf, jobConf, staging);
    ControlPlaneServer server = new ControlPlaneServer(new ControlPlaneService(controller, spec.heartbeatIntervalMs(),
        history, renewal == null ? () -> org.spindle.am.security.TokenRenewal.Versioned.INITIAL : renewal::current),
        secret, tls, 0).start();
    LOG.info("control plane on port {}, {}", server.port(), tls.isPresent()
        ? "TLS with the application's certificate" : "plaintext (spindle.security.encryption is off)");
    String checkpointDir = jobConf.get(org.spindle.conf.ConfigKeys.CHECKPOINT_DIR, "");
    java.util.Optional<org.spindle.am.web.UiTls> uiTls = org.spindle.am.web.UiTls.of(conf, env);
    LOG.info("tracking UI: {}", uiTls.map(t -> "HTTPS with " + t.source()).orElse("plain HTTP (YARN gave the AM no "
        + "keystore: yarn.resourcemanager.application-https.policy is NONE, and yarn.http.policy is not HTTPS_ONLY)"));
    TrackingServer ui = new TrackingServer(appId, spec, () -> controller.status().join(), history,
        () -> JobHistory.checkpoints(conf, checkpointDir), secret,
        org.spindle.am.web.YarnWebProxy.of(conf, env.get(org.apache.hadoop.yarn.api.ApplicationConstants.APPLICATION_WEB_PROXY_BASE_ENV)),
        UserGroupInformation.getCurrentUser().getShortUserName(), org.spindle.conf.ConfigKeys.tensorboardDir(
            jobConf.get(org.spindle.conf.ConfigKeys.TENSORBOARD_DIR, ""), checkpointDir), uiTls,
        org.spindle.am.web.AmFilter.of(conf));
    String trackingUrl = ui.scheme() + "://" + host + ":" + ui.port() + "/";
    String amAddress = host + ":" + server.port();
    Map<String, org.apache.hadoop.yarn.api.records.LocalResource> files =
        new java.util.HashMap<>(ContainerSpecs.stagedFiles(conf, staging, SpindleEnv.TASK_JAR_NAME));
    files.putAll(ContainerSpecs.archives(conf, staging, spec.containerArchives()));
    launch.set(new TaskLaunchContexts(spec, conf, files, ContainerSpecs.runtimeArchives(conf, spec.runtimeArchives()),
        () -> {
          try {
            return ContainerSpecs.tokensWithoutAmRmToken(UserGroupInformation.getCurrentUser().getCredentials());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        },
        appId, amAddress, zkConnect, AmRecordFile.in(staging).toString()));

    JobOutcome outcome;
    try {
      RegisterApplicationMasterResponse reg = driver.start(host, server.port(), trackingUrl);
      LOG.info("tracking UI at {}", trackingUrl);
      List<String> impossible = AskFeasibility.check(spec.roles().values(),
          ClusterLimits.shape(reg.getMaximumResourceCapability()), nodesOrEmpty(conf), null);
      if (!impossible.isEmpty()) {
        controller.shutdown("the cluster can never satisfy this job: " + String.join("; ", impossible));
      } else {
        startOrRecover(controller, driver, store, amAttempt, reg.getContainersFromPreviousAttempts());
        stateThread.scheduleWithFixedDelay(controller::tick, 1, 1, TimeUnit.SECONDS);
      }
      // Published once the job's state is in place: tasks that lost the previous attempt follow this one.
      AmRecord record = new AmRecord(amAttempt, amAddress, zkConnect, trackingUrl);
      if (embeddedZk == null) {
        registry.publishAm(record); // the external ensemble outlives this AM: tasks look here first
      }
      AmRecordFile.publish(conf, AmRecordFile.in(staging), record);
      outcome = controller.outcome().get();
      if (outcome.superseded()) {
        LOG.warn("AM attempt {} ends without touching the job: {}", amAttempt, outcome.diagnostics());
        return false;
      }
      LOG.info("job {}: {}", outcome.succeeded() ? "SUCCEEDED" : "FAILED", outcome.diagnostics());
      writeHistory(conf, jobConf.get(org.spindle.conf.ConfigKeys.HISTORY_DIR, ""), appId, ui);
      // Let tasks see stop_requested on their next heartbeat before the server goes away.
      Thread.sleep(Math.min(2000, spec.heartbeatIntervalMs() * 2));
      JobCleanup.run(conf, staging.toString(), jobConf.getTrimmed(org.spindle.conf.ConfigKeys.FEED_FILES_DIR, ""),
          checkpointDir, appId, registry);
    } finally {
      ui.close();
      server.close();
      driver.close();
      registry.close();
      if (embeddedZk != null) {
        embeddedZk.close();
      }
      stateThread.shutdownNow();
    }
    return outcome.succeeded();
  }

  /**
   * The first attempt starts the job. A later one carries on from the state the previous attempt
   * saved, with the containers YARN kept running; without saved state it starts over, releasing them.
   */
  private static void startOrRecover(JobController controller, YarnClusterDriver driver, JobStateStore store,
                                     int amAttempt, List<org.apache.hadoop.yarn.api.records.Container> previous)
      throws java.io.IOException {
    java.util.Optional<JobSnapshot> saved = amAttempt > 1 ? store.load() : java.util.Optional.empty();
    if (saved.isPresent()) {
      LOG.info("AM attempt {}: recovering the job from {} with {} container(s) kept from the previous attempt",
          amAttempt, store.describe(), previous.size());
      controller.recover(saved.get(), previous);
      return;
    }
    if (amAttempt > 1) {
      LOG.warn("AM attempt {}: no saved job state in {}; starting the job over", amAttempt, store.describe());
      previous.forEach(c -> driver.releaseContainer(c.getId()));
    }
    controller.start();
  }

  /** Best effort: a history that cannot be written never changes the job's outcome. */
  private static void writeHistory(YarnConfiguration conf, String historyDir, String appId, TrackingServer ui) {
    try {
      org.apache.hadoop.fs.Path file = JobHistory.location(conf, historyDir, appId);
      JobHistory.write(conf, file, ui.model());
      LOG.info("job history written to {}", file);
    } catch (Exception e) {
      LOG.warn("could not write the job history: {}", e.toString());
    }
  }

  /** Node capacities for the feasibility check; best effort (a secure cluster may refuse the AM). */
  private static List<AskFeasibility.Node> nodesOrEmpty(YarnConfiguration conf) {
    try (YarnClient yarn = YarnClient.createYarnClient()) {
      yarn.init(conf);
      yarn.start();
      return ClusterLimits.runningNodes(yarn);
    } catch (Exception e) {
      LOG.info("node reports unavailable to the AM ({}); checking asks against the maximum allocation only",
          e.toString());
      return List.of();
    }
  }

  /** Defers to the real factory once the control plane's address is known. */
  private static final class LaunchContextHolder implements LaunchContextFactory {
    private volatile LaunchContextFactory delegate;

    void set(LaunchContextFactory f) {
      delegate = f;
    }

    @Override
    public org.apache.hadoop.yarn.api.records.ContainerLaunchContext build(org.spindle.am.task.Task task,
                                                                           boolean isChief) {
      return delegate.build(task, isChief);
    }
  }

  /**
   * With Kerberos and a keytab (localized to this container alone), re-obtains the job's delegation tokens
   * before they expire; null otherwise, when the tokens live as long as the ResourceManager renews them.
   */
  /** The AM's Kerberos login to an external ensemble (spindle.zookeeper.sasl), or null for digest alone. */
  private static org.apache.zookeeper.client.ZKClientConfig zooKeeperKerberos(
      org.apache.hadoop.conf.Configuration jobConf, boolean external, String zkConnect) {
    String principal = jobConf.getTrimmed(org.spindle.conf.ConfigKeys.KERBEROS_PRINCIPAL, "");
    Path keytab = Path.of(SpindleEnv.KEYTAB_NAME).toAbsolutePath();
    boolean sasl = org.spindle.conf.ConfigKeys.zookeeperSasl(jobConf.get(org.spindle.conf.ConfigKeys.ZK_SASL),
        UserGroupInformation.isSecurityEnabled(), !principal.isEmpty() && Files.isRegularFile(keytab), external);
    if (!sasl) {
      if (external && UserGroupInformation.isSecurityEnabled()) {
        LOG.info("ZooKeeper {}: no Kerberos login (spindle.zookeeper.sasl is off or the job has no keytab); "
            + "the job's nodes carry the application's digest ACL", zkConnect);
      }
      return null;
    }
    LOG.info("ZooKeeper {}: Kerberos (SASL) login as {} from the job's keytab; tasks use the application's digest",
        zkConnect, principal);
    return org.spindle.am.registry.ZooKeeperKerberos.clientConfig(principal, keytab.toString());
  }

  private static org.spindle.am.security.TokenRenewal tokenRenewal(YarnConfiguration conf,
      org.apache.hadoop.conf.Configuration jobConf, org.apache.hadoop.fs.Path staging) throws java.io.IOException {
    String principal = jobConf.getTrimmed(org.spindle.conf.ConfigKeys.KERBEROS_PRINCIPAL, "");
    Path keytab = Path.of(SpindleEnv.KEYTAB_NAME).toAbsolutePath();
    if (!UserGroupInformation.isSecurityEnabled() || principal.isEmpty() || !Files.isRegularFile(keytab)) {
      return null;
    }
    org.spindle.am.security.TokenRenewal r = new org.spindle.am.security.TokenRenewal(conf, principal,
        keytab.toString(), org.spindle.am.security.DelegationTokens.fileSystems(conf, jobConf, staging),
        jobConf.getDouble(org.spindle.conf.ConfigKeys.KERBEROS_RENEWAL_RATIO, 0.75), Clock.systemUTC());
    r.start();
    return r;
  }
}