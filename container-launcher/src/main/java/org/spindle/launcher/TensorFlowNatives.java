package org.spindle.launcher;

import java.util.List;

/**
 * Which TF Java native build a task's JVM loads. JavaCPP picks the native jar whose classifier is
 * the platform plus {@code org.bytedeco.javacpp.platform.extension}: a task granted GPUs gets the
 * configured GPU build's extension, every other task the CPU build.
 */
final class TensorFlowNatives {
  private TensorFlowNatives() {}

  static List<String> jvmOptions(int gpus, String classifier) {
    if (gpus <= 0 || classifier == null) {
      return List.of();
    }
    String[] parts = classifier.trim().split("-", 3); // os, arch, extension
    if (parts.length < 3 || parts[2].isEmpty()) {
      return List.of();
    }
    return List.of("-Dorg.bytedeco.javacpp.platform.extension=-" + parts[2]);
  }
}
