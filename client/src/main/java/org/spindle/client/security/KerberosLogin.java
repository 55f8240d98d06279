package org.spindle.client.security;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonConfigurationKeysPublic;
import org.apache.hadoop.security.UserGroupInformation;
import org.spindle.conf.ConfigKeys;
import org.spindle.conf.SpindleConfigException;

/**
 * The client's Kerberos identity on a secure cluster, checked before anything talks to it: the keytab's
 * principal when spindle.kerberos.principal and spindle.kerberos.keytab are set, else the ticket cache
 * (kinit). A user with neither is refused here, with what to run, instead of failing later inside an RPC.
 */
public final class KerberosLogin {
  private KerberosLogin() {}

  /** True when the cluster's configuration turns Kerberos on. */
  public static boolean secure(Configuration clusterConf) {
    return "kerberos".equalsIgnoreCase(clusterConf.getTrimmed(
        CommonConfigurationKeysPublic.HADOOP_SECURITY_AUTHENTICATION, "simple"));
  }

  /** Logs in as the job says, or checks the ticket cache; nothing on a cluster without Kerberos. */
  public static void ensure(Configuration clusterConf, Configuration jobConf, PrintStream out) throws IOException {
    if (!secure(clusterConf)) {
      return;
    }
    if (!UserGroupInformation.isSecurityEnabled()) {
      UserGroupInformation.setConfiguration(clusterConf);
    }
    String principal = jobConf.getTrimmed(ConfigKeys.KERBEROS_PRINCIPAL, "");
    String keytab = jobConf.getTrimmed(ConfigKeys.KERBEROS_KEYTAB, "");
    if (principal.isEmpty() != keytab.isEmpty()) {
      throw new SpindleConfigException("set both " + ConfigKeys.KERBEROS_PRINCIPAL + " and " + ConfigKeys.KERBEROS_KEYTAB
          + " (or neither, to use the ticket cache of kinit): only " + (principal.isEmpty()
          ? ConfigKeys.KERBEROS_KEYTAB : ConfigKeys.KERBEROS_PRINCIPAL) + " is set");
    }
    if (!keytab.isEmpty()) {
      Path k = Path.of(keytab);
      if (!Files.isRegularFile(k) || !Files.isReadable(k)) {
        throw new SpindleConfigException(ConfigKeys.KERBEROS_KEYTAB + "=" + keytab + " is not a readable file");
      }
      try {
        UserGroupInformation.loginUserFromKeytab(principal, k.toAbsolutePath().toString());
      } catch (IOException e) {
        throw new SpindleConfigException("could not log in as " + principal + " from the keytab " + keytab + ": "
            + e.getMessage() + " (check the principal's name and realm, and `klist -kt " + keytab + "`)");
      }
      out.println("logged in to Kerberos as " + principal + " from " + keytab);
      return;
    }
    UserGroupInformation user;
    try {
      user = UserGroupInformation.getCurrentUser();
    } catch (IOException e) {
      throw new SpindleConfigException(noCredentials("the current user", e.getMessage()));
    }
    if (!user.hasKerberosCredentials() && user.getCredentials().numberOfTokens() == 0) {
      throw new SpindleConfigException(noCredentials(user.getUserName(), null));
    }
  }

  private static String noCredentials(String who, String why) {
    return "this cluster uses Kerberos (hadoop.security.authentication=kerberos) and " + who
        + " has no Kerberos ticket" + (why == null ? "" : " (" + why + ")") + ": run `kinit <principal>` first, or set "
        + ConfigKeys.KERBEROS_PRINCIPAL + " and " + ConfigKeys.KERBEROS_KEYTAB
        + " (a keytab also lets the job run longer than its tokens' maximum lifetime)";
  }
}
