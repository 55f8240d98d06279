package org.spindle.client;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;

/**
 * Finds the jar a class was loaded from, the way it must be found under `yarn jar`: Hadoop's RunJar
 * unpacks the jar and loads classes from the unpacked directory first, so the class's code source is
 * a directory; the jar is among the loader's URLs, and is RunJar's first argument on the command line.
 */
final class DistJarLocator {
  static final String RUN_JAR = "org.apache.hadoop.util.RunJar";

  private DistJarLocator() {}

  /** The first of: the code source, a loader URL, RunJar's jar argument, that is a jar holding cls. */
  static Optional<Path> locate(Class<?> cls, String javaCommand) {
    List<Path> candidates = new ArrayList<>();
    codeSourcePath(cls).ifPresent(candidates::add);
    for (ClassLoader l = cls.getClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          toPath(url).ifPresent(candidates::add);
        }
      }
    }
    runJarArgument(javaCommand).ifPresent(candidates::add);
    String entry = cls.getName().replace('.', '/') + ".class";
    return candidates.stream().filter(p -> holds(p, entry)).findFirst().map(p -> p.toAbsolutePath().normalize());
  }

  /** RunJar's jar argument from the JVM's command ("org.apache.hadoop.util.RunJar /x/spindle.jar submit ..."). */
  static Optional<Path> runJarArgument(String javaCommand) {
    String[] words = javaCommand.trim().split("\\s+");
    return words.length >= 2 && words[0].equals(RUN_JAR) ? Optional.of(Path.of(words[1])) : Optional.empty();
  }

  static String codeSource(Class<?> cls) {
    return codeSourcePath(cls).map(Path::toString).orElse("an unknown location");
  }

  private static Optional<Path> codeSourcePath(Class<?> cls) {
    try {
      return cls.getProtectionDomain().getCodeSource() == null ? Optional.empty()
          : toPath(cls.getProtectionDomain().getCodeSource().getLocation());
    } catch (SecurityException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> toPath(URL url) {
    try {
      return url.getProtocol().equals("file") ? Optional.of(Path.of(url.toURI())) : Optional.empty();
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static boolean holds(Path jar, String entry) {
    if (!Files.isRegularFile(jar) || !jar.getFileName().toString().endsWith(".jar")) {
      return false;
    }
    try (JarFile f = new JarFile(jar.toFile())) {
      return f.getEntry(entry) != null;
    } catch (IOException e) {
      return false;
    }
  }
}
