package org.spindle.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Real TF runtime: the CPU build sees a CPU device and no GPU. */
class TfDevicesTest {
  @Test
  void theCpuBuildListsACpuDeviceAndNoGpu() {
    List<TfDevices.Device> devices = TfDevices.list();
    assertTrue(devices.stream().anyMatch(d -> d.type().equals("CPU") && d.name().endsWith("CPU:0")), devices.toString());
    assertEquals(0, TfDevices.gpus(devices), devices.toString());
    // the CPU native jar is the one on this test's classpath, and the one JavaCPP loaded
    assertEquals("linux-x86_64", TfDevices.nativeBuild());
  }
}
