package org.spindle.tensorflow.feed;

/** A fed column cannot become a dense tensor; the message names the column and what to change. */
public final class FeedColumnException extends RuntimeException {
  public FeedColumnException(String message) {
    super(message);
  }
}
