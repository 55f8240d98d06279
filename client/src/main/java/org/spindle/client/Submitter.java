package org.spindle.client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.api.protocolrecords.GetNewApplicationResponse;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationSubmissionContext;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.Priority;
import org.apache.hadoop.yarn.api.records.QueueInfo;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.client.api.YarnClientApplication;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.spindle.task.AppSecret;
import org.spindle.task.TlsIdentity;
import org.spindle.am.yarn.AskFeasibility;
import org.spindle.am.yarn.ClusterLimits;
import org.spindle.am.yarn.ContainerSpecs;
import org.spindle.conf.JobSpec;
import org.spindle.conf.SpindleConfigException;
import org.spindle.conf.SpindleEnv;

/** Submits a job: checks it against the cluster, stages spindle.jar and the job XML, starts the AM. */
public final class Submitter {
  static final String AM_MAIN = "org.spindle.am.ApplicationMaster";
  static final String APP_TYPE = "SPINDLE";

  private final Configuration conf;
  private final YarnClient yarn;
  private final PrintStream out;

  public Submitter(Configuration conf, YarnClient yarn, PrintStream out) {
    this.conf = conf;
    this.yarn = yarn;
    this.out = out;
  }

  /**
   * A submitted job: the secret its control plane expects and, with encryption, the TLS identity its endpoints
   * serve; {@code runtimeBytesUploaded} is what submit uploaded of the runtimes (0 once cached).
   */
  public record Submitted(ApplicationId appId, AppSecret secret, java.util.Optional<TlsIdentity> tls,
                          long runtimeBytesUploaded) {
    public Submitted(ApplicationId appId, AppSecret secret) {
      this(appId, secret, java.util.Optional.empty(), 0);
    }
  }

  public Submitted submit(JobSpec spec, Configuration layered, java.nio.file.Path distJar,
                          List<java.nio.file.Path> jars) throws Exception {
    ContainerSpecs.dockerProblem(spec, conf).ifPresent(p -> {
      throw new SpindleConfigException(p);
    });
    checkQueue(spec.queue());
    boolean encrypt = org.spindle.conf.ConfigKeys.encryption(
        layered.get(org.spindle.conf.ConfigKeys.SECURITY_ENCRYPTION), UserGroupInformation.isSecurityEnabled());
    org.spindle.conf.ConfigKeys.zookeeperSasl(layered.get(org.spindle.conf.ConfigKeys.ZK_SASL),
        UserGroupInformation.isSecurityEnabled(),
        !layered.getTrimmed(org.spindle.conf.ConfigKeys.KERBEROS_PRINCIPAL, "").isEmpty()
            && !layered.getTrimmed(org.spindle.conf.ConfigKeys.KERBEROS_KEYTAB, "").isEmpty(),
        !spec.zkConnect().isEmpty()); // a refusal names what spindle.zookeeper.sasl=true lacks

    YarnClientApplication app = yarn.createApplication();
    GetNewApplicationResponse resp = app.getNewApplicationResponse();
    checkFeasible(spec, resp.getMaximumResourceCapability());
    ApplicationId appId = resp.getApplicationId();

    FileSystem fs = FileSystem.get(conf);
    long runtimeBytes = 0;
    if (RuntimeArchives.submitProvides(spec)) {
      List<String> entries = new ArrayList<>();
      for (RuntimeArchives.Cached c : RuntimeArchives.provide(spec, fs, distJar, out)) {
        entries.add(c.entry());
        runtimeBytes += c.uploadedBytes();
      }
      if (!entries.isEmpty()) {
        layered.set(org.spindle.conf.ConfigKeys.CONTAINER_RUNTIME_ARCHIVES, String.join(",", entries));
      }
    }
    Path staging = spec.stagingDir().isEmpty()
        ? new Path(fs.getHomeDirectory(), ".spindle/staging/" + appId)
        : new Path(spec.stagingDir(), appId.toString());
    fs.mkdirs(staging, new FsPermission((short) 0700));
    fs.copyFromLocalFile(false, true, new Path(distJar.toUri()), new Path(staging, SpindleEnv.DIST_JAR_NAME));
    TaskJar.stage(distJar, fs, new Path(staging, SpindleEnv.TASK_JAR_NAME));
    for (java.nio.file.Path jar : jars) {
      fs.copyFromLocalFile(false, true, new Path(jar.toAbsolutePath().toUri()),
          new Path(new Path(staging, ContainerSpecs.USER_JARS_DIR), jar.getFileName().toString()));
    }
    for (String entry : spec.containerArchives()) {
      String path = ContainerSpecs.archivePath(entry);
      if (!ContainerSpecs.isClusterUri(path)) {
        java.nio.file.Path local = java.nio.file.Path.of(path.startsWith("file:") ? java.net.URI.create(path).getPath() : path);
        if (!java.nio.file.Files.isRegularFile(local)) {
          throw new SpindleConfigException("spindle.container.archives: " + local + " does not exist");
        }
        fs.copyFromLocalFile(false, true, new Path(local.toAbsolutePath().toUri()),
            new Path(new Path(staging, ContainerSpecs.ARCHIVES_DIR), local.getFileName().toString()));
      }
    }
    try (OutputStream os = fs.create(new Path(staging, SpindleEnv.JOB_XML_NAME), true)) {
      layered.writeXml(os);
    }

    AppSecret secret = AppSecret.generate();
    Credentials creds = new Credentials();
    secret.addTo(creds);
    java.util.Optional<TlsIdentity> tls = java.util.Optional.empty();
    if (encrypt) {
      tls = java.util.Optional.of(org.spindle.task.ApplicationCertificate.generate(appId.toString()));
      tls.get().addTo(creds);
      out.println("encryption on: TLS on the control plane and the Arrow Flight feed with a certificate made for "
          + appId + ", and Spark's RPC encryption");
    }
    Map<String, org.apache.hadoop.yarn.api.records.LocalResource> amOnly = new HashMap<>();
    if (UserGroupInformation.isSecurityEnabled()) {
      amOnly.putAll(secureCredentials(layered, fs, staging, creds));
    }
    DataOutputBuffer tokens = new DataOutputBuffer();
    creds.writeTokenStorageToStream(tokens);

    Map<String, String> env = new HashMap<>();
    env.put("CLASSPATH", ContainerSpecs.classpath(conf, spec.containerExtraClasspath(), SpindleEnv.DIST_JAR_NAME));
    env.put(SpindleEnv.STAGING_DIR, fs.makeQualified(staging).toString());
    if (!spec.containerJavaHome().isEmpty()) {
      env.put("JAVA_HOME", spec.containerJavaHome());
    }
    Map<String, org.apache.hadoop.yarn.api.records.LocalResource> files =
        new HashMap<>(ContainerSpecs.stagedFiles(conf, staging, SpindleEnv.DIST_JAR_NAME));
    files.putAll(ContainerSpecs.archives(conf, staging, spec.containerArchives()));
    files.putAll(amOnly);
    ContainerLaunchContext amContainer = ContainerLaunchContext.newInstance(files, env,
        ContainerSpecs.javaCommand(spec.containerJavaHome(), Math.max(128, spec.amMemoryMb() - 256),
            spec.containerJavaOpts(), AM_MAIN),
        null, ByteBuffer.wrap(tokens.getData(), 0, tokens.getLength()), null);

    ApplicationSubmissionContext ctx = app.getApplicationSubmissionContext();
    ctx.setApplicationName(spec.name());
    ctx.setApplicationType(APP_TYPE);
    ctx.setQueue(spec.queue());
    ctx.setPriority(Priority.newInstance(spec.priority()));
    ctx.setApplicationTags(new HashSet<>(spec.tags()));
    ctx.setMaxAppAttempts(spec.maxAttempts());
    // A new AM attempt adopts the running task containers instead of starting the job again.
    ctx.setKeepContainersAcrossApplicationAttempts(true);
    if (spec.attemptFailuresValidityMs() > 0) {
      ctx.setAttemptFailuresValidityInterval(spec.attemptFailuresValidityMs());
    }
    ctx.setResource(Resource.newInstance(spec.amMemoryMb(), spec.amVcores()));
    if (!spec.amNodeLabel().isEmpty()) {
      ctx.setNodeLabelExpression(spec.amNodeLabel());
    }
    ctx.setAMContainerSpec(amContainer);
    try {
      yarn.submitApplication(ctx);
    } catch (YarnException e) {
      throw new SpindleConfigException("the ResourceManager refused the application: " + e.getMessage());
    }
    out.println("submitted " + appId + " to queue " + spec.queue() + " (" + spec.totalTasks() + " task(s) in "
        + spec.roles().size() + " role(s))");
    return new Submitted(appId, secret, tls, runtimeBytes);
  }

  /**
   * On a Kerberos cluster: delegation tokens, renewable by the ResourceManager, for every file system the
   * job names, and an RM token for the AM's own YarnClient (never passed to tasks). With a keytab, the keytab
   * is staged (0600 in the 0700 staging directory) and returned as a PRIVATE resource for the AM alone.
   */
  private Map<String, org.apache.hadoop.yarn.api.records.LocalResource> secureCredentials(Configuration layered,
      FileSystem fs, Path staging, Credentials creds) throws IOException, YarnException {
    String renewer = org.spindle.am.security.DelegationTokens.rmPrincipal(conf);
    java.util.List<Path> fileSystems = org.spindle.am.security.DelegationTokens.fileSystems(conf, layered, staging);
    org.spindle.am.security.DelegationTokens.obtain(conf, fileSystems, renewer, creds);
    org.apache.hadoop.io.Text rmService = org.apache.hadoop.yarn.client.ClientRMProxy.getRMDelegationTokenService(conf);
    creds.addToken(rmService, org.apache.hadoop.yarn.util.ConverterUtils.convertFromYarn(
        yarn.getRMDelegationToken(new org.apache.hadoop.io.Text(renewer)), rmService));
    out.println("obtained delegation tokens for " + fileSystems.stream().map(p -> p.toUri().getScheme() + "://"
        + p.toUri().getAuthority()).toList() + " and the ResourceManager (renewer " + renewer + ")");
    String keytab = layered.getTrimmed(org.spindle.conf.ConfigKeys.KERBEROS_KEYTAB, "");
    if (keytab.isEmpty()) {
      return Map.of();
    }
    Path staged = new Path(staging, SpindleEnv.KEYTAB_NAME);
    fs.copyFromLocalFile(false, true, new Path(java.nio.file.Path.of(keytab).toAbsolutePath().toUri()), staged);
    fs.setPermission(staged, new FsPermission((short) 0600));
    return Map.of(SpindleEnv.KEYTAB_NAME, ContainerSpecs.resource(fs, fs.getFileStatus(staged),
        org.apache.hadoop.yarn.api.records.LocalResourceType.FILE,
        org.apache.hadoop.yarn.api.records.LocalResourceVisibility.PRIVATE));
  }

  private void checkQueue(String queue) throws IOException, YarnException {
    String leaf = queue.contains(".") ? queue.substring(queue.lastIndexOf('.') + 1) : queue;
    QueueInfo q = yarn.getQueueInfo(leaf);
    if (q == null) {
      List<String> names = new ArrayList<>();
      for (QueueInfo qi : yarn.getAllQueues()) {
        names.add(qi.getQueuePath() == null ? qi.getQueueName() : qi.getQueuePath());
      }
      throw new SpindleConfigException("unknown queue '" + queue + "'; this cluster's queues are " + names
          + "; set spindle.app.queue");
    }
  }

  private void checkFeasible(JobSpec spec, Resource maxAllocation) throws Exception {
    AskFeasibility.Shape max = ClusterLimits.shape(maxAllocation);
    List<AskFeasibility.Node> nodes = ClusterLimits.runningNodes(yarn);
    Set<String> labels = ClusterLimits.labels(yarn);
    List<String> problems = new ArrayList<>(AskFeasibility.check(spec.roles().values(), max, nodes, labels));
    if (spec.amMemoryMb() > max.memoryMb() || spec.amVcores() > max.vcores()) {
      problems.add("the ApplicationMaster asks for <" + spec.amMemoryMb() + " MB, " + spec.amVcores()
          + " vcores> but the largest container this cluster allows is " + max + "; lower spindle.am.memory/vcores");
    }
    if (!problems.isEmpty()) {
      throw new SpindleConfigException(prefix("the cluster can never satisfy this job: ", problems));
    }
  }

  private static List<String> prefix(String p, List<String> problems) {
    List<String> out = new ArrayList<>();
    for (String s : problems) {
      out.add(p + s);
    }
    return out;
  }
}
