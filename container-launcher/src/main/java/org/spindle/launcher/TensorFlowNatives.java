package org.spindle.launcher;

import java.util.List;

/**
 * Which TF Java native build a task's JVM loads. JavaCPP picks the native jar whose classifier is
 * the platform plus {@code org.bytedeco.javacpp.platform.extension}. When that property is unset
 * and both builds are on the classpath, JavaCPP prefers the {@code -gpu} build (measured with TF Java
 * 1.1.0), so every task gets the property explicitly: a task granted GPUs the configured GPU
 * build's extension, every other task an empty one (the CPU build).
 */
final class TensorFlowNatives {
  static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";

  private TensorFlowNatives() {}

  static List<String> jvmOptions(int gpus, String classifier) {
    return List.of("-D" + PROPERTY + "=" + (gpus > 0 ? extension(classifier) : ""));
  }

  /** "-gpu" for linux-x86_64-gpu; "" for a CPU classifier such as linux-x86_64. */
  static String extension(String classifier) {
    if (classifier == null) {
      return "";
    }
    String[] parts = classifier.trim().split("-", 3); // os, arch, extension
    return parts.length < 3 || parts[2].isEmpty() ? "" : "-" + parts[2];
  }
}
