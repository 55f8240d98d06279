package org.spindle.am.recovery;

import org.spindle.task.AmRecordFile;
import org.spindle.task.AmRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The staging-directory store on the local file system (file://, as in the embedded cluster). */
class StagingJobStateStoreTest extends JobStateStoreContract {
  @TempDir
  Path dir;

  @Override
  JobStateStore store() {
    return new StagingJobStateStore(new Configuration(), new org.apache.hadoop.fs.Path(dir.toUri()));
  }

  @Test
  void savesReplaceTheFileAndLeaveNoTemporaryFilesBehind() throws Exception {
    JobStateStore s = store();
    for (int i = 0; i < 5; i++) {
      s.save(snapshot(i, "RUNNING"));
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).toList();
      assertEquals(List.of(StagingJobStateStore.FILE_NAME), names);
    }
    assertEquals(4, s.load().orElseThrow().gangAttempt());
  }

  @Test
  void theAmRecordRoundTripsAndAPartialFileIsNotARecord() throws Exception {
    org.apache.hadoop.fs.Path file = AmRecordFile.in(new org.apache.hadoop.fs.Path(dir.toUri()));
    assertTrue(AmRecordFile.read(new Configuration(), file).isEmpty());
    AmRecord r = new AmRecord(2, "nodeA:4000", "nodeA:2181", "http://nodeA:8080/");
    AmRecordFile.publish(new Configuration(), file, r);
    assertEquals(r, AmRecordFile.read(new Configuration(), file).orElseThrow());
    assertTrue(AmRecord.parse("{\"attempt\":2,\"contr".getBytes()).isEmpty());
  }
}
