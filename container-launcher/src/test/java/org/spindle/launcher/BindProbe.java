package org.spindle.launcher;

import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** A child process that listens on every address at the port given, as TensorFlow's server does, until killed. */
public final class BindProbe {
  private BindProbe() {}

  public static void main(String[] args) throws Exception {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(Integer.parseInt(args[0])));
      System.out.println("listening");
      System.out.flush();
      Thread.sleep(120_000);
    }
  }
}
