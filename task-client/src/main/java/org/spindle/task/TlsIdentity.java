package org.spindle.task;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * The application's TLS identity: one certificate and private key made for this application at submit time
 * (spindle.security.encryption), shipped like the secret inside YARN credentials, never in a file, env or
 * command line. Every Spindle endpoint (the AM's gRPC control plane, each worker's Arrow Flight feed) serves
 * it, and every Spindle client trusts it and nothing else: a client checks the certificate's name
 * {@link #HOST_NAME}, not the address it dialled, because containers land on hosts nobody knows at submit time.
 * Encryption is on for an application exactly when its credentials carry this identity.
 */
public final class TlsIdentity {
  public static final Text CERTIFICATE_ALIAS = new Text("spindle.tls.certificate");
  public static final Text KEY_ALIAS = new Text("spindle.tls.key");
  /** The DNS name in the certificate (subject CN and subjectAltName), which clients verify. */
  public static final String HOST_NAME = "spindle-app";

  private final byte[] certificatePem;
  private final byte[] privateKeyPem;

  /** {@code certificatePem}: an X.509 certificate in PEM; {@code privateKeyPem}: its PKCS#8 key in PEM. */
  public TlsIdentity(byte[] certificatePem, byte[] privateKeyPem) {
    this.certificatePem = certificatePem.clone();
    this.privateKeyPem = privateKeyPem.clone();
  }

  /** The identity in {@code creds}, or empty when the application runs without encryption. */
  public static Optional<TlsIdentity> fromCredentials(Credentials creds) {
    byte[] cert = creds.getSecretKey(CERTIFICATE_ALIAS);
    byte[] key = creds.getSecretKey(KEY_ALIAS);
    if (cert == null && key == null) {
      return Optional.empty();
    }
    if (cert == null || key == null) {
      throw new IllegalStateException("this container's credentials hold half of the application's TLS identity");
    }
    return Optional.of(new TlsIdentity(cert, key));
  }

  /** The identity in this container's credentials (the container token file), if encryption is on. */
  public static Optional<TlsIdentity> fromCurrentUser() {
    try {
      return fromCredentials(UserGroupInformation.getCurrentUser().getCredentials());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void addTo(Credentials creds) {
    creds.addSecretKey(CERTIFICATE_ALIAS, certificatePem.clone());
    creds.addSecretKey(KEY_ALIAS, privateKeyPem.clone());
  }

  /** The certificate, PEM: what a server presents and what a client trusts. */
  public InputStream certificate() {
    return new ByteArrayInputStream(certificatePem);
  }

  /** The private key, PKCS#8 PEM. */
  public InputStream privateKey() {
    return new ByteArrayInputStream(privateKeyPem);
  }

  /** A gRPC server's credentials: TLS with this identity, or plaintext without one. */
  public static ServerCredentials serverCredentials(Optional<TlsIdentity> tls) {
    if (tls.isEmpty()) {
      return InsecureServerCredentials.create();
    }
    try {
      return TlsServerCredentials.create(tls.get().certificate(), tls.get().privateKey());
    } catch (IOException e) {
      throw new UncheckedIOException("the application's TLS identity cannot be read", e);
    }
  }

  /** A gRPC client's credentials: TLS trusting this application's certificate only, or plaintext. */
  public static ChannelCredentials channelCredentials(Optional<TlsIdentity> tls) {
    if (tls.isEmpty()) {
      return InsecureChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder().trustManager(tls.get().certificate()).build();
    } catch (IOException e) {
      throw new UncheckedIOException("the application's TLS certificate cannot be read", e);
    }
  }

  @Override
  public String toString() {
    return "TlsIdentity[" + HOST_NAME + ", key redacted]";
  }
}
