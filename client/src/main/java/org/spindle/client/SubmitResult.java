package org.spindle.client;

import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;

/** How a submitted job ended, as YARN reports it. */
public record SubmitResult(ApplicationId appId, YarnApplicationState state, FinalApplicationStatus finalStatus,
                           String diagnostics, String queue) {
  public boolean succeeded() {
    return finalStatus == FinalApplicationStatus.SUCCEEDED;
  }
}
