package org.spindle.am.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.apache.hadoop.yarn.security.client.RMDelegationTokenIdentifier;
import org.junit.jupiter.api.Test;

class DelegationTokensTest {
  @Test
  void everyFileSystemTheJobNamesGetsATokenOnceAndLocalOnesNone() throws Exception {
    Configuration conf = new Configuration(false);
    conf.set("fs.defaultFS", "file:///");
    Configuration job = new Configuration(false);
    job.set("spindle.checkpoint.dir", "hdfs://nn1:8020/ckpt");
    job.set("spindle.model.export-dir", "hdfs://nn1:8020/models");
    job.set("spindle.container.archives", "hdfs://nn2:8020/libs/a.zip#a,file:///tmp/b.zip");
    job.set("spindle.kerberos.access.filesystems", "s3a://bucket, hdfs://nn2:8020");
    List<Path> fs = DelegationTokens.fileSystems(conf, job, new Path("hdfs://nn1:8020/user/a/.spindle/staging/app_1"));
    assertEquals(List.of("hdfs://nn1:8020/user/a/.spindle/staging/app_1", "hdfs://nn2:8020/libs/a.zip", "s3a://bucket"),
        fs.stream().map(Path::toString).toList());
  }

  @Test
  void tasksGetNeitherTheAmRmTokenNorRmDelegationTokensNorTheSecretUnlessAsked() throws Exception {
    Credentials c = new Credentials();
    c.addToken(new Text("amrm"), new Token<>(new byte[0], new byte[0], AMRMTokenIdentifier.KIND_NAME, new Text("rm")));
    c.addToken(new Text("rmdt"), new Token<>(new byte[0], new byte[0], RMDelegationTokenIdentifier.KIND_NAME,
        new Text("rm")));
    c.addToken(new Text("nn:8020"), new Token<>(new byte[0], new byte[0], new Text("HDFS_DELEGATION_TOKEN"),
        new Text("nn:8020")));
    c.addSecretKey(new Text("spindle.secret"), new byte[] {1, 2, 3});
    // what the RM adds with yarn.resourcemanager.application-https.policy LENIENT or STRICT (YARN's AMSecretKeys)
    for (String yarnKey : List.of("yarn.application.am.keystore", "yarn.application.am.keystore.password",
        "yarn.application.am.truststore", "yarn.application.am.truststore.password")) {
      c.addSecretKey(new Text(yarnKey), new byte[] {4});
    }
    Credentials plain = read(DelegationTokens.forTasks(c, false));
    assertEquals(1, plain.numberOfTokens());
    assertNotNull(plain.getToken(new Text("nn:8020")));
    assertNull(plain.getSecretKey(new Text("spindle.secret")));
    Credentials withSecret = read(DelegationTokens.forTasks(c, true));
    assertEquals(1, withSecret.numberOfTokens());
    assertNotNull(withSecret.getSecretKey(new Text("spindle.secret")));
    assertEquals(1, withSecret.numberOfSecretKeys(), "the AM's web keystore from YARN stays with the AM");
  }

  private static Credentials read(byte[] bytes) throws Exception {
    Credentials c = new Credentials();
    c.readTokenStorageStream(new DataInputStream(new ByteArrayInputStream(bytes)));
    return c;
  }
}
