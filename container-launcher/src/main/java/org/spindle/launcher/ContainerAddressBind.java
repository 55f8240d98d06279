package org.spindle.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a TensorFlow task's gRPC server off every address but its container's. TensorFlow binds
 * {@code 0.0.0.0:<port>} and offers no option, and its protocol authenticates no one, so the launcher preloads
 * {@code libspindle-bind.so} (built from src/main/c/spindle_bind.c, carried in spindle-task.jar) into the task's
 * process: a bind of the task port to a wildcard address becomes a bind to the address of the container's host,
 * the one its peers reach it at (the host it registered). Nothing else the process binds changes.
 *
 * <p>Containers on one node still share that address: only YARN's per-container network isolation (the Docker
 * runtime on a network of its own) keeps a neighbour on the same node out.
 */
final class ContainerAddressBind {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerAddressBind.class);
  static final String LIBRARY = "META-INF/spindle/native/linux-x86_64/libspindle-bind.so";
  static final String PORT_ENV = "SPINDLE_BIND_PORT";
  static final String ADDRESS_ENV = "SPINDLE_BIND_ADDRESS";

  private ContainerAddressBind() {}

  /**
   * The variables that make the task's process bind {@code port} to {@code host}'s address only, with the
   * library extracted under {@code containerDir}; none (and a warning saying why) where that cannot hold:
   * a platform without the library, a host that does not resolve, or one that resolves to a loopback address
   * while the AM is elsewhere (peers could not reach the task there).
   */
  static Map<String, String> env(String host, int port, String amHost, Path containerDir, String preloaded)
      throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      LOG.warn("the container's host {} does not resolve: the TensorFlow server listens on every address", host);
      return env;
    }
    if (address.isLoopbackAddress() && !isLoopback(amHost)) {
      LOG.warn("the container's host {} resolves to {} here, a loopback address, while the AM is on {}: the "
          + "TensorFlow server listens on every address (fix the node's /etc/hosts or DNS)", host, address, amHost);
      return env;
    }
    if (!System.getProperty("os.name", "").equals("Linux") || !System.getProperty("os.arch", "").equals("amd64")) {
      LOG.warn("no libspindle-bind for {}/{}: the TensorFlow server listens on every address",
          System.getProperty("os.name"), System.getProperty("os.arch"));
      return env;
    }
    Path library = containerDir.resolve(".spindle").resolve("libspindle-bind.so");
    try (InputStream in = ContainerAddressBind.class.getClassLoader().getResourceAsStream(LIBRARY)) {
      if (in == null) {
        LOG.warn("{} is not in spindle-task.jar (built without gcc?): the TensorFlow server listens on every address",
            LIBRARY);
        return env;
      }
      Files.createDirectories(library.getParent());
      Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
    }
    env.put("LD_PRELOAD", preloaded == null || preloaded.isBlank() ? library.toString()
        : library + ":" + preloaded);
    env.put(PORT_ENV, Integer.toString(port));
    env.put(ADDRESS_ENV, address.getHostAddress());
    LOG.info("the TensorFlow server will listen on {}:{} only (the container's address; TensorFlow itself binds"
        + " every address)", address.getHostAddress(), port);
    return env;
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
