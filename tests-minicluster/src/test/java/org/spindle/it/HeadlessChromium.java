package org.spindle.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real browser for the tracking UI: Debian's chromium, headless (.ci/run installs it). */
final class HeadlessChromium {
  private HeadlessChromium() {}

  static Path binary() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    throw new AssertionError("the tracking UI test needs headless Chromium: apt-get install chromium "
        + "(.ci/run installs it)");
  }

  /** The DOM Chromium rendered for url (after redirects and cookies), serialized. */
  static String dumpDom(String url, Path profile) throws IOException, InterruptedException {
    return run(profile, List.of("--dump-dom", url));
  }

  /** A PNG of the page as Chromium renders it at 1280x2000. */
  static void screenshot(String url, Path profile, Path png) throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    run(profile, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1280,2000", url));
  }

  private static String run(Path profile, List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath(),
        // below the running page's 5 s meta refresh, or a screenshot waits on reload after reload
        "--virtual-time-budget=2000"));
    cmd.addAll(args);
    Path out = Files.createTempFile("chromium", ".out");
    Path err = Files.createTempFile("chromium", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s: " + cmd + "\n" + Files.readString(err));
    }
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError("chromium exited " + p.exitValue() + ": " + cmd + "\n" + Files.readString(err));
    }
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return stdout;
  }
}
