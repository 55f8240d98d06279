package org.spindle.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * The per-application secret every control-plane call and ZooKeeper ACL checks. It travels only
 * inside YARN credentials (the container token file), never in env or on a command line, and
 * {@link #toString()} never shows it.
 */
public final class AppSecret {
  public static final Text CREDENTIALS_ALIAS = new Text("spindle.app.secret");

  private final byte[] value;

  private AppSecret(byte[] value) {
    this.value = value.clone();
  }

  public static AppSecret generate() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return new AppSecret(HexFormat.of().formatHex(b).getBytes(StandardCharsets.US_ASCII));
  }

  public static AppSecret of(String value) {
    return new AppSecret(value.getBytes(StandardCharsets.US_ASCII));
  }

  /** Reads the secret from the current user's credentials (the container token file). */
  public static AppSecret fromCurrentUser() throws IOException {
    return fromCredentials(UserGroupInformation.getCurrentUser().getCredentials());
  }

  /** {@link #fromCurrentUser}, read when first needed (a failure to read it is unchecked). */
  public static java.util.function.Supplier<AppSecret> currentUser() {
    return () -> {
      try {
        return fromCurrentUser();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
  }

  public static AppSecret fromCredentials(Credentials creds) {
    byte[] v = creds.getSecretKey(CREDENTIALS_ALIAS);
    if (v == null) {
      throw new IllegalStateException("the application secret is missing from this container's credentials");
    }
    return new AppSecret(v);
  }

  public void addTo(Credentials creds) {
    creds.addSecretKey(CREDENTIALS_ALIAS, value.clone());
  }

  /** The secret as sent in call metadata. */
  public String reveal() {
    return new String(value, StandardCharsets.US_ASCII);
  }

  /**
   * A key for one purpose (the tracking UI's cookie, Spark's RPC secret), derived with HMAC-SHA256 under
   * this secret: whoever holds it cannot turn it back into the secret nor into another purpose's key.
   */
  public String derive(String purpose) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(value, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison against a presented value. */
  public boolean matches(String presented) {
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(value, presented.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "AppSecret[redacted]";
  }
}
