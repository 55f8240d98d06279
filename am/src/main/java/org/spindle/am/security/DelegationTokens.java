package org.spindle.am.security;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.security.token.TokenIdentifier;
import org.apache.hadoop.security.token.delegation.AbstractDelegationTokenIdentifier;
import org.apache.hadoop.yarn.client.util.YarnClientUtils;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.apache.hadoop.yarn.security.client.RMDelegationTokenIdentifier;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.SpindleConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delegation tokens for every file system a job names, as Spark's HadoopDelegationTokenManager obtains
 * them: the default file system, the staging directory, the checkpoint, export, TensorBoard, history and
 * feed directories, the job's archives and runtime cache, and spindle.kerberos.access.filesystems. The
 * client calls it at submit time, and the ApplicationMaster again, logged in from the keytab, before the
 * tokens expire.
 */
public final class DelegationTokens {
  private static final Logger LOG = LoggerFactory.getLogger(DelegationTokens.class);

  private DelegationTokens() {}

  /** One path per file system the job touches (its first path names it), in a stable order. */
  public static List<Path> fileSystems(Configuration conf, Configuration jobConf, Path staging) throws IOException {
    List<String> named = new ArrayList<>();
    named.add(FileSystem.getDefaultUri(conf).toString());
    if (staging != null) {
      named.add(staging.toString());
    }
    String checkpoint = jobConf.getTrimmed(ConfigKeys.CHECKPOINT_DIR, "");
    named.add(checkpoint);
    named.add(ConfigKeys.tensorboardDir(jobConf.getTrimmed(ConfigKeys.TENSORBOARD_DIR, ""), checkpoint));
    for (String key : List.of(ConfigKeys.MODEL_EXPORT_DIR, ConfigKeys.HISTORY_DIR, ConfigKeys.FEED_FILES_DIR,
        ConfigKeys.ARCHIVE_CACHE_DIR, ConfigKeys.STAGING_DIR)) {
      named.add(jobConf.getTrimmed(key, ""));
    }
    for (String key : List.of(ConfigKeys.CONTAINER_ARCHIVES, ConfigKeys.CONTAINER_RUNTIME_ARCHIVES,
        ConfigKeys.KERBEROS_ACCESS_FILESYSTEMS)) {
      for (String entry : jobConf.getTrimmedStringCollection(key)) {
        int hash = entry.indexOf('#');
        named.add(hash < 0 ? entry : entry.substring(0, hash));
      }
    }
    Map<URI, Path> byFs = new LinkedHashMap<>();
    for (String n : named) {
      if (n == null || n.isEmpty()) {
        continue;
      }
      Path p = new Path(n);
      URI uri = p.toUri();
      if (uri.getScheme() == null) {
        p = FileSystem.get(conf).makeQualified(p);
        uri = p.toUri();
      }
      if ("file".equals(uri.getScheme())) {
        continue; // no tokens to get
      }
      byFs.putIfAbsent(URI.create(uri.getScheme() + "://" + (uri.getAuthority() == null ? "" : uri.getAuthority())), p);
    }
    return List.copyOf(byFs.values());
  }

  /** The ResourceManager's principal, _HOST resolved: the renewer YARN renews tokens as. */
  public static String rmPrincipal(Configuration conf) throws IOException {
    String p = YarnClientUtils.getRmPrincipal(conf);
    if (p == null || p.isEmpty()) {
      throw new SpindleConfigException("this cluster uses Kerberos but yarn.resourcemanager.principal is not set in the"
          + " client's yarn-site.xml: point HADOOP_CONF_DIR/YARN_CONF_DIR at the cluster's configuration");
    }
    return p;
  }

  /** Adds a token per file system in {@code fileSystems} (none for one that issues none) to {@code creds}. */
  public static void obtain(Configuration conf, Collection<Path> fileSystems, String renewer, Credentials creds)
      throws IOException {
    for (Path p : fileSystems) {
      FileSystem fs = p.getFileSystem(conf);
      Token<?>[] got = fs.addDelegationTokens(renewer, creds);
      for (Token<?> t : got) {
        LOG.info("obtained {} for {} (renewer {})", t.getKind(), t.getService(), renewer);
      }
    }
  }

  /**
   * When the earliest of these file systems' tokens expires, in epoch ms: obtains tokens the current user
   * may renew, renews each once (which answers the renew interval), takes the earlier of that and the
   * token's maximum date, and cancels them. Long.MAX_VALUE when none is renewable.
   */
  public static long nextExpiry(Configuration conf, Collection<Path> fileSystems, Clock clock) throws IOException {
    Credentials probe = new Credentials();
    obtain(conf, fileSystems, UserGroupInformation.getCurrentUser().getUserName(), probe);
    long earliest = Long.MAX_VALUE;
    for (Token<? extends TokenIdentifier> t : probe.getAllTokens()) {
      try {
        long renewedTo = t.renew(conf);
        TokenIdentifier id = t.decodeIdentifier();
        long max = id instanceof AbstractDelegationTokenIdentifier a ? a.getMaxDate() : Long.MAX_VALUE;
        earliest = Math.min(earliest, Math.min(renewedTo, max));
        t.cancel(conf);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not learn when the {} token for {} expires: {}", t.getKind(), t.getService(), e.toString());
      }
    }
    return earliest == Long.MAX_VALUE ? earliest : Math.max(earliest, clock.millis());
  }

  /**
   * Serialized tokens a task container may hold: every token except the AM's RM token (AMRMToken) and
   * RM delegation tokens, with the app's secret keys only when {@code withSecrets}, and never the keystore
   * and truststore YARN gives the AM for its web UI (secret keys {@value #YARN_AM_SECRET_PREFIX}*): with
   * them a task could pose as the AM's UI, or as YARN's proxy to it.
   */
  /** The secret keys the RM adds for the AM alone (AMSecretKeys: yarn.application.am.keystore and the like). */
  static final String YARN_AM_SECRET_PREFIX = "yarn.application.am.";

  public static byte[] forTasks(Credentials source, boolean withSecrets) throws IOException {
    Credentials clean = new Credentials();
    for (Map.Entry<Text, Token<? extends TokenIdentifier>> e : source.getTokenMap().entrySet()) {
      Text kind = e.getValue().getKind();
      if (!AMRMTokenIdentifier.KIND_NAME.equals(kind) && !RMDelegationTokenIdentifier.KIND_NAME.equals(kind)) {
        clean.addToken(e.getKey(), e.getValue());
      }
    }
    if (withSecrets) {
      for (Text alias : source.getAllSecretKeys()) {
        if (alias.toString().startsWith(YARN_AM_SECRET_PREFIX)) {
          continue;
        }
        clean.addSecretKey(alias, source.getSecretKey(alias));
      }
    }
    DataOutputBuffer out = new DataOutputBuffer();
    clean.writeTokenStorageToStream(out);
    return java.util.Arrays.copyOf(out.getData(), out.getLength());
  }
}
