package org.spindle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding spindle.jar when classes load the way Hadoop's RunJar loads them. */
class DistJarLocatorTest {
  private static final String ENTRY = DistJarLocator.class.getName().replace('.', '/') + ".class";

  private static byte[] classBytes() throws Exception {
    try (InputStream in = DistJarLocator.class.getClassLoader().getResourceAsStream(ENTRY)) {
      return in.readAllBytes();
    }
  }

  /** A jar holding the class, and the same class unpacked into a directory, as RunJar does. */
  private static Path[] jarAndUnpacked(Path tmp) throws Exception {
    Path jar = tmp.resolve("spindle.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry(ENTRY));
      out.write(classBytes());
      out.closeEntry();
    }
    Path unpacked = tmp.resolve("hadoop-unjar123");
    Files.createDirectories(unpacked.resolve(ENTRY).getParent());
    Files.write(unpacked.resolve(ENTRY), classBytes());
    return new Path[] {jar, unpacked};
  }

  @Test
  void underRunJarTheJarIsFoundAmongTheLoadersUrlsThoughTheCodeSourceIsADirectory(@TempDir Path tmp) throws Exception {
    Path[] p = jarAndUnpacked(tmp);
    // RunJar's order: the unpacked directory, the jar, classes/, lib/*
    try (URLClassLoader runJar = new URLClassLoader(new URL[] {p[1].toUri().toURL(), p[0].toUri().toURL(),
        p[1].resolve("classes/").toUri().toURL()}, null)) {
      Class<?> cls = runJar.loadClass(DistJarLocator.class.getName());
      assertEquals(p[1], Path.of(cls.getProtectionDomain().getCodeSource().getLocation().toURI()),
          "the code source is the unpacked directory, as under yarn jar");
      assertEquals(Optional.of(p[0]), DistJarLocator.locate(cls, ""));
    }
  }

  @Test
  void runJarsCommandLineNamesTheJarWhenNoLoaderUrlDoes(@TempDir Path tmp) throws Exception {
    Path[] p = jarAndUnpacked(tmp);
    try (URLClassLoader onlyDir = new URLClassLoader(new URL[] {p[1].toUri().toURL()}, null)) {
      Class<?> cls = onlyDir.loadClass(DistJarLocator.class.getName());
      assertEquals(Optional.empty(), DistJarLocator.locate(cls, "org.example.Main " + p[0]));
      assertEquals(Optional.of(p[0]),
          DistJarLocator.locate(cls, DistJarLocator.RUN_JAR + " " + p[0] + " submit --conf job.xml"));
      // a jar that does not hold the client's classes is never taken for spindle.jar
      Path other = tmp.resolve("other.jar");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(other))) {
        out.putNextEntry(new JarEntry("x.txt"));
        out.closeEntry();
      }
      assertTrue(DistJarLocator.locate(cls, DistJarLocator.RUN_JAR + " " + other + " submit").isEmpty());
    }
  }
}
