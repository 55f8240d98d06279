package org.spindle.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.security.token.SecretManager;
import org.junit.jupiter.api.Test;

class TaskFailureTest {
  @Test
  void anExpiredDelegationTokenFromHdfsSaysToSubmitWithAKeytab() {
    // What HDFS's client threw in SecureClusterTest's ticket-cache run, wrapped as a job's code would see it.
    RemoteException remote = new RemoteException(SecretManager.InvalidToken.class.getName(),
        "Token  has expired, current time: 2026-11-30 15:22:30,879+0000 expected renewal time: 2026-11-30 15:22:23,636+0000");
    String d = TaskFailure.describe(new IOException("could not write checkpoint 300", remote));
    assertTrue(d.startsWith("could not write checkpoint 300 / cause: Token  has expired"), d);
    assertTrue(d.contains("spindle.kerberos.keytab"), d);
    assertTrue(TaskFailure.describe(remote).contains("spindle.kerberos.keytab"));
  }

  @Test
  void otherFailuresGetTheirMessageAndRootCauseOnly() {
    String d = TaskFailure.describe(new IllegalStateException("training failed", new IOException("disk full")));
    assertEquals("training failed / cause: disk full", d);
    assertEquals("bad input", TaskFailure.describe(new IllegalArgumentException("bad input")));
  }
}
