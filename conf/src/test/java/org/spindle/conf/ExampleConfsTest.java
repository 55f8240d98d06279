package org.spindle.conf;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every job XML shipped under conf/examples parses into a valid job. */
class ExampleConfsTest {
  @Test
  void examplesAreValidJobs() throws Exception {
    List<Path> xmls;
    try (Stream<Path> s = Files.list(Path.of("examples"))) {
      xmls = s.filter(p -> p.toString().endsWith(".xml")).toList();
    }
    assertFalse(xmls.isEmpty());
    for (Path xml : xmls) {
      JobSpec spec = new JobConfLoader().load(List.of(xml), Map.of());
      assertFalse(spec.roles().isEmpty(), xml.toString());
    }
  }
}
