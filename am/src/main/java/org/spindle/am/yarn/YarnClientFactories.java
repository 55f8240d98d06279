package org.spindle.am.yarn;

import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.client.api.async.AMRMClientAsync;
import org.apache.hadoop.yarn.client.api.async.NMClientAsync;

/** Where the driver gets its RM and NM clients; tests may hand in their own. */
public final class YarnClientFactories {
  private YarnClientFactories() {}

  /** Creates the async RM client. */
  @FunctionalInterface
  public interface AmRmClientFactory {
    AMRMClientAsync<AMRMClient.ContainerRequest> create(int heartbeatMs,
                                                        AMRMClientAsync.AbstractCallbackHandler handler);
  }

  /** Creates the async NM client. */
  @FunctionalInterface
  public interface NmClientFactory {
    NMClientAsync create(NMClientAsync.AbstractCallbackHandler handler);
  }

  public static AmRmClientFactory defaultAmRm() {
    return AMRMClientAsync::createAMRMClientAsync;
  }

  public static NmClientFactory defaultNm() {
    return NMClientAsync::createNMClientAsync;
  }
}
