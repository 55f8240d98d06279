package org.spindle.spark;

import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.task.AmView;

/** Executors as tasks of the executor role, scaled and released through the AM's control plane. */
final class AmExecutorPool implements ExecutorPool {
  private static final Logger LOG = LoggerFactory.getLogger(AmExecutorPool.class);
  private final AmView am;
  private final String appId;
  private final String role;

  AmExecutorPool(AmView am, String appId, String role) {
    this.am = am;
    this.appId = appId;
    this.role = role;
  }

  static AmExecutorPool fromEnvironment(Map<String, String> env, String role) throws IOException {
    return new AmExecutorPool(AmView.fromEnvironment(env), env.get("SPINDLE_APP_ID"), role);
  }

  @Override
  public String applicationId() {
    return appId;
  }

  @Override
  public void scaleTo(int total) throws IOException {
    int live = am.scaleRole(role, total);
    LOG.info("Spark asked for {} executor(s); {} '{}' task(s) live or requested", total, live, role);
  }

  @Override
  public void release(String executorId) throws IOException {
    int index = ExecutorPool.taskIndex(executorId);
    LOG.info("Spark released executor {}: stopping task {}:{}", executorId, role, index);
    am.stopTask(role, index);
  }
}
