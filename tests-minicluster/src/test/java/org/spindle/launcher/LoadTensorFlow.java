package org.spindle.launcher;

import org.spindle.tensorflow.TfDevices;

/** A TF task's first native step (what TfTaskMain does before training): load TF, list its devices. */
public final class LoadTensorFlow {
  private LoadTensorFlow() {}

  public static void main(String[] args) {
    long start = System.nanoTime();
    int devices = TfDevices.list().size();
    System.out.println("loaded " + TfDevices.nativeBuild() + " from " + TfDevices.nativeLibrary() + " in "
        + (System.nanoTime() - start) / 1_000_000 + " ms, " + devices + " device(s)");
  }
}
