package org.spindle.task;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay on loopback that records every byte it passes, both ways: what someone capturing the traffic
 * between a client and a server would see. Clients dial {@link #port()}; the relay dials the server.
 */
public final class LoopbackCapture implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
  private final List<Socket> sockets = new ArrayList<>();

  public LoopbackCapture(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "loopback-capture");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Every byte relayed so far, in the order the relay saw it. */
  public byte[] bytes() {
    synchronized (seen) {
      return seen.toByteArray();
    }
  }

  /** Whether the captured bytes hold {@code needle} anywhere. */
  public boolean holds(byte[] needle) {
    byte[] hay = bytes();
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        synchronized (sockets) {
          sockets.add(client);
          sockets.add(server);
        }
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try {
        // Not closed here: closing a socket's stream closes the socket, and the other direction still runs.
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (seen) {
            seen.write(buf, 0, n);
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed: the other direction ends too
      } finally {
        try {
          to.shutdownOutput();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }, "loopback-capture-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    synchronized (sockets) {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
