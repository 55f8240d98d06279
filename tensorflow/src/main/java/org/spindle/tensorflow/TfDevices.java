package org.spindle.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteDeviceList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListCount;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SessionListDevices;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;

/** The devices this process's TensorFlow runtime sees ("/job:localhost/.../device:GPU:0 (GPU)"). */
public final class TfDevices {
  private TfDevices() {}

  public record Device(String name, String type) {
    @Override
    public String toString() {
      return name + " (" + type + ")";
    }
  }

  public static List<Device> list() {
    List<Device> out = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      TF_Status status = TF_Status.newStatus();
      TF_Session session = TF_Session.newSession(TF_Graph.newGraph(), TF_SessionOptions.newSessionOptions(), status);
      status.throwExceptionIfNotOK();
      TF_DeviceList devices = TF_SessionListDevices(session, status);
      status.throwExceptionIfNotOK();
      try {
        for (int i = 0; i < TF_DeviceListCount(devices); i++) {
          out.add(new Device(TF_DeviceListName(devices, i, status).getString(),
              TF_DeviceListType(devices, i, status).getString()));
        }
      } finally {
        TF_DeleteDeviceList(devices);
      }
    }
    return out;
  }

  /**
   * The TF Java native build this JVM loaded, as its JavaCPP platform directory
   * ({@code linux-x86_64} or {@code linux-x86_64-gpu}), or "unknown" before TF is loaded.
   */
  public static String nativeBuild() {
    Matcher m = PLATFORM_DIR.matcher(nativeLibrary());
    return m.find() ? m.group(1) : "unknown";
  }

  /** The path of the TF JNI library this JVM loaded, or "unknown" before TF is loaded. */
  public static String nativeLibrary() {
    return Loader.getLoadedLibraries().entrySet().stream()
        .filter(lib -> lib.getKey().contains("jnitensorflow") && lib.getValue() != null)
        .map(Map.Entry::getValue).findFirst().orElse("unknown");
  }

  private static final Pattern PLATFORM_DIR = Pattern.compile("/c_api/([^/]+)/[^/]*jnitensorflow");

  public static long gpus(List<Device> devices) {
    return devices.stream().filter(d -> d.type().equalsIgnoreCase("GPU")).count();
  }
}
