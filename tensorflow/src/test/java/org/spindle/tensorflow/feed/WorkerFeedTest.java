package org.spindle.tensorflow.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.spindle.api.FeedBatch;
import org.spindle.feeder.AlignedAllocation;
import org.spindle.feeder.FeedBuffer;
import org.spindle.feeder.FeedClient;
import org.spindle.feeder.FeedServer;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** A worker's InputFeed over a real Flight endpoint: tensors, epochs, the allreduce batch limit. */
class WorkerFeedTest {
  private static final Schema SCHEMA = new Schema(List.of(
      Field.notNullable("id", new ArrowType.Int(64, true)),
      Field.notNullable("label", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))));

  @Test
  void batchesBecomeTensorsAndTheEpochLimitSkipsTheExcessCountingIt() throws Exception {
    RootAllocator root = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
    {
      try (FeedServer server = FeedServer.start(root.newChildAllocator("s", 0, Long.MAX_VALUE), 0, "k",
               new FeedBuffer(1 << 20));
           FeedClient client = new FeedClient(root.newChildAllocator("c", 0, Long.MAX_VALUE), "localhost",
               server.port(), "k")) {
        client.beginEpoch(0, 2); // allreduce: train on 2 batches of this epoch
        try (VectorSchemaRoot batch = VectorSchemaRoot.create(SCHEMA, root);
             FeedClient.PartitionPut put = client.openPartition(0, 0, batch)) {
          for (int b = 0; b < 5; b++) {
            BigIntVector id = (BigIntVector) batch.getVector("id");
            Float4Vector label = (Float4Vector) batch.getVector("label");
            id.allocateNew(100);
            label.allocateNew(100);
            for (int i = 0; i < 100; i++) {
              id.set(i, b * 100L + i);
              label.set(i, b);
            }
            batch.setRowCount(100);
            put.send();
          }
          put.complete();
        }
        client.endEpoch(0, List.of(0));
        client.finish(1);
        WorkerFeed feed = new WorkerFeed(server, root.newChildAllocator("r", 0, Long.MAX_VALUE), "label");
        for (int b = 0; b < 2; b++) {
          try (FeedBatch fb = feed.next()) {
            assertEquals(0, fb.epoch());
            assertEquals(100, fb.rows());
            assertEquals(b * 100L + 99, ((TInt64) fb.column("id")).getLong(99));
            assertEquals((float) b, ((TFloat32) fb.label()).getFloat(0));
          }
        }
        assertNull(feed.next(), "the rest of the epoch is skipped, then the feed ends");
        assertEquals(300, feed.skippedRows());
        assertEquals(200, feed.rowsRead());
        assertEquals(1, feed.epochsCompleted());
        assertTrue(feed.peakBufferedBytes() > 0);
      }
    }
  }
}
