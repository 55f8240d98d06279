package org.spindle.training.checkpoint;

import java.io.IOException;

/** A checkpoint whose files do not match its manifest (partial upload, truncation, bit rot). */
public class CorruptCheckpointException extends IOException {
  public CorruptCheckpointException(String message) {
    super(message);
  }
}
