package org.spindle.am.security;

import java.io.IOException;
import java.security.PrivilegedExceptionAction;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ApplicationMaster's side of a keytab job, as Spark's AMCredentialRenewer does it: log in again from
 * the keytab, obtain fresh delegation tokens for the job's file systems, add them to this JVM's user, and
 * hand them to the tasks (with their heartbeats) and to every container launched from then on. It runs
 * when {@code ratio} of the time to the earliest token's expiry has passed, and again after each renewal.
 * Tokens the ResourceManager renews still die at their maximum lifetime; these do not need it.
 */
public final class TokenRenewal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TokenRenewal.class);
  private static final long RETRY_MS = 10_000;
  private static final long MIN_DELAY_MS = 1_000;

  /**
   * Tokens for task containers (no RM tokens, no secret) and their version: the epoch ms they were obtained
   * at, so it grows across AM attempts; version 0: the launch tokens.
   */
  public record Versioned(long version, byte[] forTasks) {
    public static final Versioned INITIAL = new Versioned(0, new byte[0]);
  }

  private final Configuration conf;
  private final String principal;
  private final String keytab;
  private final List<Path> fileSystems;
  private final double ratio;
  private final Clock clock;
  private final AtomicReference<Versioned> current = new AtomicReference<>(Versioned.INITIAL);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "spindle-token-renewal");
    t.setDaemon(true);
    return t;
  });

  public TokenRenewal(Configuration conf, String principal, String keytab, List<Path> fileSystems, double ratio,
                      Clock clock) {
    this.conf = conf;
    this.principal = principal;
    this.keytab = keytab;
    this.fileSystems = List.copyOf(fileSystems);
    this.ratio = ratio;
    this.clock = clock;
  }

  /** Learns when the tokens the job started with expire, and schedules the first renewal. */
  public void start() {
    timer.execute(() -> {
      try {
        schedule(keytabUser().doAs((PrivilegedExceptionAction<Long>) () ->
            DelegationTokens.nextExpiry(conf, fileSystems, clock)));
      } catch (IOException | InterruptedException | RuntimeException e) {
        LOG.warn("could not log in from the keytab as {} to learn when the tokens expire ({}); trying again in {} s",
            principal, e.toString(), RETRY_MS / 1000);
        timer.schedule(this::renew, RETRY_MS, TimeUnit.MILLISECONDS);
      }
    });
  }

  /** The newest tokens for tasks. */
  public Versioned current() {
    return current.get();
  }

  private UserGroupInformation keytabUser() throws IOException {
    return UserGroupInformation.loginUserFromKeytabAndReturnUGI(principal, keytab);
  }

  private void renew() {
    try {
      UserGroupInformation user = keytabUser();
      String renewer = DelegationTokens.rmPrincipal(conf);
      Credentials fresh = user.doAs((PrivilegedExceptionAction<Credentials>) () -> {
        Credentials c = new Credentials();
        DelegationTokens.obtain(conf, fileSystems, renewer, c);
        return c;
      });
      long expiry = user.doAs((PrivilegedExceptionAction<Long>) () -> DelegationTokens.nextExpiry(conf, fileSystems, clock));
      UserGroupInformation.getCurrentUser().addCredentials(fresh);
      // The version is the time the tokens were obtained, not a count: a new AM attempt starts its own
      // renewals, and tasks that kept tokens from the previous attempt must still see these as newer.
      Versioned next = new Versioned(Math.max(clock.millis(), current.get().version() + 1),
          DelegationTokens.forTasks(fresh, false));
      current.set(next);
      LOG.info("re-obtained {} delegation token(s) from the keytab of {} (version {})", fresh.numberOfTokens(),
          principal, next.version());
      schedule(expiry);
    } catch (IOException | InterruptedException | RuntimeException e) {
      LOG.warn("could not re-obtain delegation tokens from the keytab of {}: {}; trying again in {} s", principal,
          e.toString(), RETRY_MS / 1000);
      timer.schedule(this::renew, RETRY_MS, TimeUnit.MILLISECONDS);
    }
  }

  private void schedule(long expiryMs) {
    if (expiryMs == Long.MAX_VALUE) {
      LOG.info("no renewable delegation token on {}: nothing to re-obtain", fileSystems);
      return;
    }
    long delay = Math.max(MIN_DELAY_MS, (long) ((expiryMs - clock.millis()) * ratio));
    LOG.info("the earliest delegation token expires at {}; re-obtaining tokens in {} s", Instant.ofEpochMilli(expiryMs),
        delay / 1000);
    timer.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
