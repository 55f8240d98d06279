package org.spindle.am.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.apache.hadoop.io.DataInputByteBuffer;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.junit.jupiter.api.Test;
import org.spindle.am.security.AppSecret;

class ContainerSpecsTest {
  @Test
  void taskTokensDropTheAmRmTokenButKeepTheSecretAndOtherTokens() throws Exception {
    Credentials am = new Credentials();
    AppSecret secret = AppSecret.generate();
    secret.addTo(am);
    am.addToken(new Text("rm"), new Token<>(new byte[] {1}, new byte[] {2}, AMRMTokenIdentifier.KIND_NAME, new Text("rm")));
    am.addToken(new Text("hdfs"), new Token<>(new byte[] {3}, new byte[] {4}, new Text("HDFS_DELEGATION_TOKEN"),
        new Text("nn")));
    ByteBuffer bytes = ContainerSpecs.tokensWithoutAmRmToken(am);
    DataInputByteBuffer in = new DataInputByteBuffer();
    in.reset(bytes);
    Credentials task = new Credentials();
    task.readTokenStorageStream(in);
    assertEquals(1, task.numberOfTokens());
    assertNotNull(task.getToken(new Text("hdfs")));
    assertTrue(AppSecret.fromCredentials(task).matches(secret.reveal()));
  }
}
