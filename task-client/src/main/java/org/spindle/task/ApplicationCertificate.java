package org.spindle.task;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the application's TLS identity at submit time: a fresh EC P-256 key pair and a self-signed certificate
 * for {@link TlsIdentity#HOST_NAME}, made by the JDK's own keytool (the JDK has no public API that builds a
 * certificate) into a PKCS#12 keystore that lives only in a private temporary directory for the moment it takes
 * to read it back. The keystore password reaches keytool through its environment, never its command line.
 */
public final class ApplicationCertificate {
  /** Longer than any job runs; the certificate is trusted by this one application only. */
  static final int VALIDITY_DAYS = 366;
  private static final String ALIAS = "spindle";

  private ApplicationCertificate() {}

  public static TlsIdentity generate(String applicationId) throws IOException {
    Path dir = Files.createTempDirectory("spindle-tls-");
    Path store = dir.resolve("identity.p12");
    byte[] pw = new byte[24];
    new SecureRandom().nextBytes(pw);
    String password = HexFormat.of().formatHex(pw);
    try {
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      ProcessBuilder pb = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
          "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
          "-dname", "CN=" + TlsIdentity.HOST_NAME + ", OU=" + applicationId + ", O=Spindle",
          "-ext", "SAN=dns:" + TlsIdentity.HOST_NAME, "-validity", Integer.toString(VALIDITY_DAYS),
          "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass:env", "SPINDLE_KEYSTORE_PASSWORD"))
          .redirectErrorStream(true);
      pb.environment().put("SPINDLE_KEYSTORE_PASSWORD", password);
      Process p = pb.start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("keytool could not make the application's TLS certificate"
            + " (set spindle.security.encryption=false to run without encryption): " + out.trim());
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, password.toCharArray());
      }
      PrivateKey key = (PrivateKey) ks.getKey(ALIAS, password.toCharArray());
      Certificate cert = ks.getCertificate(ALIAS);
      return new TlsIdentity(pem("CERTIFICATE", cert.getEncoded()), pem("PRIVATE KEY", key.getEncoded()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the application's TLS certificate", e);
    } catch (GeneralSecurityException e) {
      throw new IOException("the application's TLS keystore cannot be read: " + e.getMessage(), e);
    } finally {
      Files.deleteIfExists(store);
      Files.deleteIfExists(dir);
    }
  }

  /** DER bytes as PEM; a PKCS#8 key's encoding is what "PRIVATE KEY" holds. */
  static byte[] pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
  }
}
