package org.spindle.conf;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The whole job, parsed once from the layered configuration. Immutable. */
public record JobSpec(
    String name,
    String queue,
    int priority,
    List<String> tags,
    long timeoutMs,
    int maxAttempts,
    long attemptFailuresValidityMs,
    Optional<TaskRef> chief,
    Set<String> untrackedRoles,
    RestartMode restartMode,
    int amMemoryMb,
    int amVcores,
    String amNodeLabel,
    long allocationTimeoutMs,
    long heartbeatIntervalMs,
    int maxMissedHeartbeats,
    int nodeMaxFailures,
    long registrationTimeoutMs,
    long progressTimeoutMs,
    boolean earlyStart,
    String zkConnect,
    long zkSessionTimeoutMs,
    String distJar,
    String stagingDir,
    String containerJavaHome,
    String containerJavaOpts,
    String containerExtraClasspath,
    String containerTaskClasspath,
    List<String> containerArchives,
    List<String> runtimeArchives,
    String archiveCacheDir,
    Map<String, RoleSpec> roles) {

  public JobSpec {
    tags = List.copyOf(tags);
    containerArchives = List.copyOf(containerArchives);
    runtimeArchives = List.copyOf(runtimeArchives);
    untrackedRoles = Set.copyOf(untrackedRoles);
    roles = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(roles));
  }

  public RoleSpec role(String name) {
    RoleSpec r = roles.get(name);
    if (r == null) {
      throw new IllegalArgumentException("no role named '" + name + "'");
    }
    return r;
  }

  public boolean isTracked(String role) {
    return !untrackedRoles.contains(role);
  }

  public int totalTasks() {
    return roles.values().stream().mapToInt(RoleSpec::instances).sum();
  }
}
