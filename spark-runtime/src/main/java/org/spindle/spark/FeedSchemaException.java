package org.spindle.spark;

/** The DataFrame cannot be fed; the message names every offending column and the fix. */
public final class FeedSchemaException extends RuntimeException {
  public FeedSchemaException(String message) {
    super(message);
  }
}
