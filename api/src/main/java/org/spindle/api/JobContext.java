package org.spindle.api;

import java.util.Map;

/** What every part of a job can see: who it is and the job's configuration. */
public interface JobContext {
  String appId();

  String role();

  int index();

  /** Gang attempt (SPINDLE_ATTEMPT): bumped on every gang restart. */
  int attempt();

  boolean isChief();

  /** The job's configuration as loaded in this container: spindle.* keys and the job's own keys. */
  Map<String, String> conf();

  /** Sends metrics to the AM (and from there to the client); never throws for a lost message. */
  void reportMetrics(long step, Map<String, Double> metrics);
}
