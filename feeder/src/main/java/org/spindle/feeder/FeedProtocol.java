package org.spindle.feeder;

import com.google.gson.Gson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;

/**
 * The wire contract between the feeding side and a worker's feed endpoint. Data goes as one Flight
 * put per (epoch, partition); control goes as actions with small JSON bodies.
 */
public final class FeedProtocol {
  private FeedProtocol() {}

  static final Gson GSON = new Gson();

  /** Body {epoch, partition}: how many batches of it this worker incarnation already holds. */
  public static final String ACTION_PROGRESS = "progress";
  /** Body {epoch, maxBatches}: the epoch starts; train on at most maxBatches of it (-1: all). */
  public static final String ACTION_BEGIN_EPOCH = "begin-epoch";
  /** Body {epoch, partitions}: every listed partition is complete; queue the epoch's end. */
  public static final String ACTION_END_EPOCH = "end-epoch";
  /** Body {epochs}: no more data. */
  public static final String ACTION_FINISH = "finish";
  /**
   * Body {epoch, files}: files mode; the worker reads these Arrow IPC shards (partition to URI)
   * from the data lake itself, in the background, into its buffer.
   */
  public static final String ACTION_LOAD_FILES = "load-files";
  /** No body: the incarnation and the complete partitions of each epoch. */
  public static final String ACTION_STATUS = "status";

  public record PartitionKey(int epoch, int partition) {}

  /** {@code active}: a stream of this partition is still open (an earlier try not yet torn down). */
  public record Progress(int batches, boolean complete, boolean active) {}

  public record BeginEpoch(int epoch, long maxBatches) {}

  public record EndEpoch(int epoch, List<Integer> partitions) {}

  public record EpochSummary(long rows, int batches) {}

  public record Finish(int epochs) {}

  public record LoadFiles(int epoch, Map<Integer, String> files) {}

  /** What a worker's endpoint says about itself; incarnation changes when the worker restarts. */
  public record Status(String incarnation, Map<Integer, List<Integer>> completePartitions, boolean finished,
                       String loadError) {}

  public static FlightDescriptor descriptor(int epoch, int partition) {
    return FlightDescriptor.path("partition", Integer.toString(epoch), Integer.toString(partition));
  }

  static PartitionKey parse(FlightDescriptor d) {
    List<String> path = d.isCommand() ? List.of() : d.getPath();
    if (path.size() != 3 || !"partition".equals(path.get(0))) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("a feed put needs the descriptor path "
          + "[partition, <epoch>, <partition>], got " + path).toRuntimeException();
    }
    try {
      return new PartitionKey(Integer.parseInt(path.get(1)), Integer.parseInt(path.get(2)));
    } catch (NumberFormatException e) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("bad feed descriptor " + path).toRuntimeException();
    }
  }

  static Action action(String type, Object body) {
    return new Action(type, GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
  }

  static <T> T body(Action a, Class<T> type) {
    return GSON.fromJson(new String(a.getBody(), StandardCharsets.UTF_8), type);
  }

  static byte[] json(Object o) {
    return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
  }

  static <T> T fromJson(byte[] b, Class<T> type) {
    return GSON.fromJson(new String(b, StandardCharsets.UTF_8), type);
  }
}
