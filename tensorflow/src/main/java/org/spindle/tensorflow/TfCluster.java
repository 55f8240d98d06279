package org.spindle.tensorflow;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/** The TensorFlow cluster built from Spindle's cluster spec: ServerDef and per-task session config. */
public final class TfCluster {
  public static final String PS = "ps";
  public static final String WORKER = "worker";
  private final Map<String, List<String>> jobs;
  private final int intraOpThreads;
  private final int interOpThreads;

  public TfCluster(Map<String, List<String>> jobs) {
    this(jobs, 0, 0);
  }

  private TfCluster(Map<String, List<String>> jobs, int intraOpThreads, int interOpThreads) {
    this.jobs = new LinkedHashMap<>(jobs);
    this.intraOpThreads = intraOpThreads;
    this.interOpThreads = interOpThreads;
  }

  /** The same cluster whose servers and sessions use these thread pool sizes (0: TensorFlow's default). */
  public TfCluster withThreads(int intraOp, int interOp) {
    return new TfCluster(jobs, Math.max(0, intraOp), Math.max(0, interOp));
  }

  /**
   * Thread pool sizes from spindle.tensorflow.intra-op-threads / inter-op-threads and the role's
   * vcores: 0 means the vcores (inter-op at least 2: one thread can deadlock the distributed runtime),
   * -1 TensorFlow's default (0 here: every core of the node).
   */
  static int[] threads(int intraKey, int interKey, int vcores) {
    int v = Math.max(1, vcores);
    int intra = intraKey == 0 ? v : Math.max(0, intraKey);
    int inter = interKey == 0 ? Math.max(2, v) : Math.max(0, interKey);
    return new int[] {intra, inter};
  }

  public static TfCluster fromJson(String json) {
    Map<String, List<String>> m = new Gson().fromJson(json, new TypeToken<Map<String, List<String>>>() { }.getType());
    if (m == null || m.isEmpty()) {
      throw new IllegalArgumentException("empty cluster spec: is this role part of the gang?");
    }
    return new TfCluster(m);
  }

  public Map<String, List<String>> jobs() {
    return jobs;
  }

  public int numWorkers() {
    return jobs.getOrDefault(WORKER, List.of()).size();
  }

  public int numPs() {
    return jobs.getOrDefault(PS, List.of()).size();
  }

  public String address(String job, int index) {
    return jobs.get(job).get(index);
  }

  /**
   * The task's ServerDef. Device filters limit each session to the ps tasks and the task itself,
   * so session creation never waits for absent workers.
   */
  public ServerDef serverDef(String job, int index) {
    return serverDef(job, index, false);
  }

  /**
   * In allreduce mode the first worker leads the collective group; without a leader in the
   * server's default session config every task thinks it leads and the collective hangs.
   */
  public ServerDef serverDef(String job, int index, boolean allReduce) {
    ClusterDef.Builder cluster = ClusterDef.newBuilder();
    for (Map.Entry<String, List<String>> e : jobs.entrySet()) {
      JobDef.Builder j = JobDef.newBuilder().setName(e.getKey());
      for (int i = 0; i < e.getValue().size(); i++) {
        j.putTasks(i, e.getValue().get(i));
      }
      cluster.addJob(j);
    }
    ConfigProto.Builder config = sessionConfig(job, index).toBuilder();
    if (allReduce) {
      config.setExperimental(ConfigProto.Experimental.newBuilder()
          .setCollectiveGroupLeader("/job:" + WORKER + "/replica:0/task:0"));
    }
    return ServerDef.newBuilder().setCluster(cluster).setJobName(job).setTaskIndex(index).setProtocol("grpc")
        .setDefaultSessionConfig(config).build();
  }

  public ConfigProto sessionConfig(String job, int index) {
    ConfigProto.Builder c = ConfigProto.newBuilder().addDeviceFilters("/job:" + job + "/task:" + index);
    if (!job.equals(PS) && numPs() > 0) {
      c.addDeviceFilters("/job:" + PS);
    }
    return c.setIntraOpParallelismThreads(intraOpThreads).setInterOpParallelismThreads(interOpThreads).build();
  }
}
