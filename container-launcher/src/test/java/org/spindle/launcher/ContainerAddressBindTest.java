package org.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libspindle-bind in a real child process that listens on every address at its task port, as TensorFlow's
 * server does (TensorFlowTrainingTest runs it under real TF servers): preloaded, the port is reachable on the
 * container's address only; any other port of the process, on every address.
 */
class ContainerAddressBindTest {
  @TempDir
  Path dir;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Other addresses of this machine: the rest of the loopback network, and every non-loopback IPv4 address. */
  private static List<String> otherAddresses() throws Exception {
    List<String> others = new ArrayList<>(List.of("127.0.0.2"));
    for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(i.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          others.add(a.getHostAddress());
        }
      }
    }
    return others;
  }

  private static boolean reachable(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static Process probe(Map<String, String> env, int listenPort) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), BindProbe.class.getName(), Integer.toString(listenPort));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertEquals("listening", line, "the probe did not listen");
    return p;
  }

  @Test
  void thePreloadedTaskPortListensOnTheContainersAddressOnlyAndNothingElseChanges() throws Exception {
    int port = freePort();
    Map<String, String> env = ContainerAddressBind.env("localhost", port, "localhost", dir, "");
    assertEquals("127.0.0.1", env.get(ContainerAddressBind.ADDRESS_ENV), env.toString());
    assertEquals(Integer.toString(port), env.get(ContainerAddressBind.PORT_ENV));
    assertTrue(Files.isRegularFile(Path.of(env.get("LD_PRELOAD"))), env.toString());
    Process p = probe(env, port);
    try {
      assertTrue(reachable("127.0.0.1", port), "the container's address");
      for (String other : otherAddresses()) {
        assertFalse(reachable(other, port), "the task port is not reachable on " + other);
      }
    } finally {
      p.destroyForcibly().waitFor();
    }
    // The same process listening on another port: every address, as the process asked.
    int other = freePort();
    Process q = probe(env, other);
    try {
      assertTrue(reachable("127.0.0.2", other), "a port other than the task port is left alone");
    } finally {
      q.destroyForcibly().waitFor();
    }
  }

  @Test
  void withoutTheLibraryTheProbeListensEverywhereSoTheTestAboveCouldFail() throws Exception {
    int port = freePort();
    Process p = probe(Map.of(), port);
    try {
      assertTrue(reachable("127.0.0.2", port));
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void aHostPeersCouldNotReachOrThatDoesNotResolveLeavesTensorFlowAsItIs() throws Exception {
    assertTrue(ContainerAddressBind.env("localhost", 4000, "198.51.100.9", dir, null).isEmpty(),
        "the host resolves to loopback while the AM is elsewhere: peers could not reach it there");
    assertTrue(ContainerAddressBind.env("no-such-host.invalid", 4000, "localhost", dir, null).isEmpty());
    Map<String, String> env = ContainerAddressBind.env("localhost", 4000, "localhost", dir, "/opt/other.so");
    assertTrue(env.get("LD_PRELOAD").endsWith(":/opt/other.so"), "an existing preload is kept: " + env);
  }
}
