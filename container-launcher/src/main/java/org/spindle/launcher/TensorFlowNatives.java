package org.spindle.launcher;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a task's JVM loads TF Java's natives from, and which build.
 *
 * <p>Left alone, JavaCPP extracts the ~680 MB of TF libraries from the native jar into one cache in the
 * user's home, shared by every JVM of that user on the node. Its lock covers writing a file but not
 * loading it: TF's loader tries {@code libtensorflow_cc.so.2} before it has extracted
 * {@code libtensorflow_framework.so.2}, and the dynamic loader then resolves that dependency through
 * {@code RUNPATH $ORIGIN} to whatever is in the cache at that moment, possibly a file another JVM is
 * still writing. So tasks never use that cache: the TensorFlow runtime archive carries the libraries
 * unpacked under {@code natives/} (the NodeManager localizes it completely before a container starts),
 * and JavaCPP is told to load them from there ({@code pathsFirst}). Its cache directory is the
 * container's own, so nothing is read from or left in the user's home.
 *
 * <p>JavaCPP picks the build whose platform directory is the platform plus
 * {@code org.bytedeco.javacpp.platform.extension}; when that property is unset and both builds are
 * present, it prefers the {@code -gpu} build (measured with TF Java 1.1.0), so every task gets it
 * explicitly: a task granted GPUs the configured GPU build's extension, every other task an empty one.
 */
final class TensorFlowNatives {
  static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";
  /** Where the build unpacks the native jars, relative to the runtime directory (tensorflow-lib/). */
  static final String NATIVES_DIR = "natives/org/tensorflow/internal/c_api";

  private TensorFlowNatives() {}

  /**
   * JVM options for a task: the native build's extension, a container-local JavaCPP cache, and, when the
   * task classpath holds a runtime directory with unpacked natives for that build, a library path to them.
   */
  static List<String> jvmOptions(int gpus, String classifier, String taskClasspath, Path containerDir,
                                 String libraryPath) {
    String extension = gpus > 0 ? extension(classifier) : "";
    List<String> opts = new ArrayList<>();
    opts.add("-D" + PROPERTY + "=" + extension);
    opts.add("-Dorg.bytedeco.javacpp.cachedir=" + containerDir.resolve("javacpp-cache"));
    // A GPU task whose archive lacks the GPU build loads the CPU build (TfTaskMain then says which fix applies).
    nativesDir(taskClasspath, platform(classifier) + extension)
        .or(() -> nativesDir(taskClasspath, platform(classifier))).ifPresent(dir -> {
      opts.add("-Dorg.bytedeco.javacpp.pathsFirst=true");
      opts.add("-Djava.library.path=" + dir + (libraryPath.isEmpty() ? "" : File.pathSeparator + libraryPath));
    });
    return opts;
  }

  /** The first classpath directory ("dir/*" or "dir") with natives/.../platformDir/libjnitensorflow.so. */
  static Optional<Path> nativesDir(String classpath, String platformDir) {
    for (String entry : classpath.split(File.pathSeparator)) {
      String dir = entry.endsWith("/*") ? entry.substring(0, entry.length() - 2) : entry;
      if (dir.isBlank() || dir.endsWith(".jar")) {
        continue;
      }
      Path natives = Path.of(dir).resolve(NATIVES_DIR).resolve(platformDir);
      if (Files.isRegularFile(natives.resolve("libjnitensorflow.so"))) {
        return Optional.of(natives.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  /** "-gpu" for linux-x86_64-gpu; "" for a CPU classifier such as linux-x86_64. */
  static String extension(String classifier) {
    if (classifier == null) {
      return "";
    }
    String[] parts = classifier.trim().split("-", 3); // os, arch, extension
    return parts.length < 3 || parts[2].isEmpty() ? "" : "-" + parts[2];
  }

  /** "linux-x86_64" for linux-x86_64 and linux-x86_64-gpu. */
  static String platform(String classifier) {
    String c = classifier == null || classifier.isBlank() ? "linux-x86_64" : classifier.trim();
    String ext = extension(c);
    return c.substring(0, c.length() - ext.length());
  }
}
