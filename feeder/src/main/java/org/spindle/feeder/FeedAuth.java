package org.spindle.feeder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

/**
 * Every Flight call carries the application's secret in the same header the AM's control plane
 * checks. A call without it, or with another application's, fails UNAUTHENTICATED before any data
 * is read.
 */
public final class FeedAuth {
  public static final String HEADER = "x-spindle-secret";

  private FeedAuth() {}

  public static CallHeaderAuthenticator authenticator(String secret) {
    byte[] expected = secret.getBytes(StandardCharsets.UTF_8);
    return (CallHeaders headers) -> {
      String given = headers.get(HEADER);
      if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
        throw CallStatus.UNAUTHENTICATED
            .withDescription("missing or wrong application secret (header " + HEADER + ")").toRuntimeException();
      }
      return () -> "spindle-task";
    };
  }

  public static CallOption callOption(String secret) {
    FlightCallHeaders h = new FlightCallHeaders();
    h.insert(HEADER, secret);
    return new HeaderCallOption(h);
  }
}
