package org.spindle.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is exactly what spindle-default.xml renders to. */
class ReadmeConfigReferenceTest {
  @Test
  void readmeReferenceMatchesTheDefaultXml() throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme);
    assertEquals(ConfigReference.updated(text, KeyCatalog.load()), text,
        "README.md's configuration reference is stale: mvn -B -pl conf -Preadme process-classes regenerates it");
  }
}
