package org.spindle.conf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders the configuration reference (a Markdown table) from spindle-default.xml. The README
 * holds the rendered table between two markers; a test fails when they drift, and
 * {@code main(README.md)} rewrites it.
 */
public final class ConfigReference {
  public static final String BEGIN = "<!-- config-reference:begin (generated from conf/spindle-default.xml) -->";
  public static final String END = "<!-- config-reference:end -->";

  private ConfigReference() {}

  public static String render(KeyCatalog catalog) {
    StringBuilder b = new StringBuilder("| key | default | what it does |\n|---|---|---|\n");
    for (KeyCatalog.Entry e : catalog.entries().values()) {
      b.append("| `").append(e.name()).append("` | ")
          .append(e.defaultValue().isEmpty() ? "" : "`" + e.defaultValue() + "`").append(" | ")
          .append(e.description().replaceAll("\\s+", " ").replace("|", "\\|")).append(" |\n");
    }
    return b.toString();
  }

  /** The README text with the reference section replaced by a fresh rendering. */
  public static String updated(String readme, KeyCatalog catalog) {
    int begin = readme.indexOf(BEGIN);
    int end = readme.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("README has no " + BEGIN + " ... " + END + " section");
    }
    return readme.substring(0, begin + BEGIN.length()) + "\n" + render(catalog) + readme.substring(end);
  }

  public static void main(String[] args) throws IOException {
    Path readme = Path.of(args.length > 0 ? args[0] : "README.md");
    Files.writeString(readme, updated(Files.readString(readme), KeyCatalog.load()));
  }
}
