package org.spindle.bench.amscale;

import org.apache.hadoop.yarn.api.ApplicationMasterProtocol;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.client.api.impl.AMRMClientImpl;

/**
 * YARN's own AMRMClientImpl (asks, blacklist, matching, release), talking to the ResourceManager's
 * ApplicationMasterService in this JVM instead of over RPC (MockRM runs no AMS RPC server).
 */
final class InProcessAmRmClient extends AMRMClientImpl<ContainerRequest> {
  private final ApplicationMasterProtocol ams;

  InProcessAmRmClient(ApplicationMasterProtocol ams) {
    this.ams = ams;
  }

  @Override
  protected void serviceStart() throws Exception {
    rmClient = ams;
  }

  @Override
  protected void serviceStop() throws Exception {
    rmClient = null; // no RPC proxy to stop
    super.serviceStop();
  }
}
