package org.spindle.am.web;

import java.io.IOException;

/**
 * One request to the tracking UI as {@link TrackingServer} sees it, whichever server carries it: the JDK's
 * HTTP server or the cluster's Jetty with YARN's AmIpFilter in front ({@link UiFrontEnd}).
 */
public interface UiExchange {
  /** The path as sent, undecoded. */
  String path();

  /** The query as sent, undecoded, or null. */
  String rawQuery();

  /** The first value of a request header, or null. */
  String header(String name);

  /** Whether the client presented a certificate that verified against the UI's truststore (YARN's proxy CA). */
  boolean verifiedClientCertificate();

  void addHeader(String name, String value);

  void send(int code, String contentType, byte[] body) throws IOException;
}
