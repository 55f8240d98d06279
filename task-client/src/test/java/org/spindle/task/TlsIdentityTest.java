package org.spindle.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.apache.hadoop.io.DataInputBuffer;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.security.Credentials;
import org.junit.jupiter.api.Test;

/** The application's certificate as submit makes it, and its trip through YARN credentials. */
class TlsIdentityTest {
  @Test
  void theCertificateNamesTheAppAndItsKeySignsWhatTheCertificateVerifies() throws Exception {
    TlsIdentity id = ApplicationCertificate.generate("application_1_0007");
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(id.certificate());
    assertTrue(cert.getSubjectX500Principal().getName().contains("CN=" + TlsIdentity.HOST_NAME), cert.toString());
    assertTrue(cert.getSubjectX500Principal().getName().contains("application_1_0007"), cert.toString());
    assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal(), "self-signed");
    assertTrue(cert.getSubjectAlternativeNames().contains(List.of(2, TlsIdentity.HOST_NAME)),
        "subjectAltName DNS:" + TlsIdentity.HOST_NAME + ": " + cert.getSubjectAlternativeNames());
    cert.verify(cert.getPublicKey());
    Duration valid = Duration.between(Instant.now(), cert.getNotAfter().toInstant());
    assertTrue(valid.toDays() >= 365, "valid for a year: " + cert.getNotAfter());

    String keyPem = new String(id.privateKey().readAllBytes(), StandardCharsets.US_ASCII);
    assertTrue(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n"), "PKCS#8 PEM");
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder()
        .decode(keyPem.replaceAll("-----[A-Z ]+-----", ""))));
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(key);
    s.update(new byte[] {1, 2, 3});
    byte[] sig = s.sign();
    s.initVerify(cert);
    s.update(new byte[] {1, 2, 3});
    assertTrue(s.verify(sig), "the key is the certificate's");

    TlsIdentity other = ApplicationCertificate.generate("application_1_0008");
    assertTrue(!java.util.Arrays.equals(other.certificate().readAllBytes(), id.certificate().readAllBytes()),
        "every application gets its own");
    assertTrue(!id.toString().contains("PRIVATE"), id.toString());
  }

  @Test
  void theIdentityTravelsInCredentialsAndEncryptionIsOffWithoutIt() throws Exception {
    TlsIdentity id = ApplicationCertificate.generate("application_1_0009");
    Credentials creds = new Credentials();
    assertTrue(TlsIdentity.fromCredentials(creds).isEmpty(), "no identity: no encryption");
    id.addTo(creds);
    DataOutputBuffer out = new DataOutputBuffer();
    creds.writeTokenStorageToStream(out);
    Credentials read = new Credentials();
    DataInputBuffer in = new DataInputBuffer();
    in.reset(out.getData(), out.getLength());
    read.readTokenStorageStream(in);
    TlsIdentity back = TlsIdentity.fromCredentials(read).orElseThrow();
    assertArrayEquals(id.certificate().readAllBytes(), back.certificate().readAllBytes());
    assertArrayEquals(id.privateKey().readAllBytes(), back.privateKey().readAllBytes());

    Credentials half = new Credentials();
    half.addSecretKey(TlsIdentity.CERTIFICATE_ALIAS, new byte[] {1});
    assertThrows(IllegalStateException.class, () -> TlsIdentity.fromCredentials(half));
  }
}
