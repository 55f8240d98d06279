package org.spindle.launcher;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.spindle.conf.SpindleEnv;

/** What the AM told this container, read once from the environment. */
record TaskEnv(String appId, String role, int index, int attempt, int generation, String amAddress,
               String zkConnect, boolean isChief, String host, String containerId) {

  static TaskEnv from(Map<String, String> env) {
    return new TaskEnv(
        require(env, SpindleEnv.APP_ID),
        require(env, SpindleEnv.ROLE),
        Integer.parseInt(require(env, SpindleEnv.INDEX)),
        Integer.parseInt(require(env, SpindleEnv.ATTEMPT)),
        Integer.parseInt(require(env, SpindleEnv.GENERATION)),
        require(env, SpindleEnv.AM_ADDRESS),
        require(env, SpindleEnv.ZK_CONNECT),
        Boolean.parseBoolean(env.getOrDefault(SpindleEnv.IS_CHIEF, "false")),
        env.getOrDefault("NM_HOST", localHost()),
        env.getOrDefault("CONTAINER_ID", ""));
  }

  private static String require(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalStateException(name + " is not set: the container launcher runs only inside a Spindle container");
    }
    return v;
  }

  private static String localHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  String task() {
    return role + ":" + index;
  }
}
