package org.spindle.am.yarn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.Priority;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.ResourceInformation;
import org.spindle.conf.JobSpec;
import org.spindle.conf.RoleSpec;

/**
 * Maps each role to its own YARN resource shape, priority and allocationRequestId. Different
 * shapes at one priority overwrite each other in the RM (YARN-7631), so every role gets its own.
 */
public final class ResourceProfiles {
  public static final String GPU = ResourceInformation.GPU_URI;

  /** One role's request key. */
  public record Profile(String role, long allocationRequestId, int priority, int memoryMb, int vcores, int gpus,
                        String nodeLabel) {
    public Resource toResource() {
      Resource r = Resource.newInstance(memoryMb, vcores);
      if (gpus > 0) {
        r.setResourceValue(GPU, gpus);
      }
      return r;
    }

    public Priority toPriority() {
      return Priority.newInstance(priority);
    }
  }

  private final Map<String, Profile> byRole;
  private final Map<Long, Profile> byRequestId;

  public ResourceProfiles(JobSpec spec) {
    Map<String, Profile> roles = new LinkedHashMap<>();
    Map<Long, Profile> ids = new LinkedHashMap<>();
    long id = 1;
    for (RoleSpec r : spec.roles().values()) {
      // Priority 1 is the highest YARN serves to apps; keep role order stable.
      Profile p = new Profile(r.name(), id, (int) id, r.memoryMb(), r.vcores(), r.gpus(), r.nodeLabel());
      roles.put(r.name(), p);
      ids.put(id, p);
      id++;
    }
    this.byRole = Collections.unmodifiableMap(roles);
    this.byRequestId = Collections.unmodifiableMap(ids);
  }

  public Profile forRole(String role) {
    Profile p = byRole.get(role);
    if (p == null) {
      throw new IllegalArgumentException("no profile for role " + role);
    }
    return p;
  }

  /** The role an allocated container belongs to, or null for an id we never asked for. */
  public Profile forAllocationRequestId(long id) {
    return byRequestId.get(id);
  }

  /** Fallback for RMs that do not echo allocationRequestId: match by priority. */
  public Profile forPriority(int priority) {
    return byRequestId.get((long) priority);
  }

  public Map<String, Profile> all() {
    return byRole;
  }
}
