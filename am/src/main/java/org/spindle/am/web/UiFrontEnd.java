package org.spindle.am.web;

/** The server that carries the tracking UI's requests to {@link TrackingServer}: bound and serving once made. */
public interface UiFrontEnd extends AutoCloseable {
  int port();

  /** What serves the UI and who guards it, for the AM's log. */
  String describe();

  @Override
  void close();
}
