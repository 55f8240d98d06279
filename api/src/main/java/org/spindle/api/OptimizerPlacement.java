package org.spindle.api;

import java.lang.reflect.Field;
import org.tensorflow.DeviceSpec;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.op.Ops;

/**
 * Puts an optimizer's own variables (Adam's moments and beta powers) and update ops on a device.
 * TF Java builds them with no device, so in PS mode they would land on each worker while the
 * variables they update live on the ps; TensorFlow 1's Python API colocates them with the ps.
 */
public final class OptimizerPlacement {
  private OptimizerPlacement() {}

  public static <T extends Optimizer> T onDevice(T optimizer, DeviceSpec device) {
    try {
      Field tf = Optimizer.class.getDeclaredField("tf");
      tf.setAccessible(true);
      tf.set(optimizer, ((Ops) tf.get(optimizer)).withDevice(device));
      return optimizer;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot place the optimizer on " + device
          + " with this TensorFlow Java version", e);
    }
  }
}
