package org.spindle.client;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the user's job class from the jars the client ships, as class files: the client cannot load
 * it (its signatures name Spark and TensorFlow types, which only the runtimes carry), but it can tell
 * whether the class, or a superclass short of SpindleJob, declares {@code preTrain}.
 */
final class JobClassFile {
  static final String SPINDLE_JOB = "org/spindle/api/SpindleJob";

  /** What a class file says about itself: its superclass (internal name, null for Object) and its method names. */
  record Parsed(String superName, List<String> methods) {}

  private JobClassFile() {}

  /**
   * Whether {@code className} (or a superclass in the jars, up to SpindleJob) declares preTrain; empty
   * when the class is not in the jars (it may be on the cluster's classpath), so nothing can be said.
   */
  static Optional<Boolean> overridesPreTrain(String className, List<Path> jars) throws IOException {
    String name = className.replace('.', '/');
    for (int depth = 0; depth < 32 && name != null && !name.equals(SPINDLE_JOB); depth++) {
      Optional<byte[]> bytes = read(name, jars);
      if (bytes.isEmpty()) {
        return depth == 0 ? Optional.empty() : Optional.of(false);
      }
      Parsed p = parse(bytes.get());
      if (p.methods().contains("preTrain")) {
        return Optional.of(true);
      }
      name = p.superName();
    }
    return Optional.of(false);
  }

  private static Optional<byte[]> read(String internalName, List<Path> jars) throws IOException {
    for (Path jar : jars) {
      try (ZipFile z = new ZipFile(jar.toFile())) {
        ZipEntry e = z.getEntry(internalName + ".class");
        if (e != null) {
          return Optional.of(z.getInputStream(e).readAllBytes());
        }
      }
    }
    return Optional.empty();
  }

  /** The class file format (JVMS chapter 4), as far as the superclass and the method names. */
  static Parsed parse(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    int[] classNameIndex = new int[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 7 -> classNameIndex[i] = in.readUnsignedShort();
        case 8, 16, 19, 20 -> in.skipBytes(2);
        case 15 -> in.skipBytes(3);
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
        case 5, 6 -> {
          in.skipBytes(8);
          i++; // longs and doubles take two entries
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    in.readUnsignedShort(); // access flags
    in.readUnsignedShort(); // this class
    int superIndex = in.readUnsignedShort();
    in.skipBytes(2 * in.readUnsignedShort()); // interfaces
    skipMembers(in, null, utf8); // fields
    List<String> methods = new ArrayList<>();
    skipMembers(in, methods, utf8);
    return new Parsed(superIndex == 0 ? null : utf8[classNameIndex[superIndex]], methods);
  }

  private static void skipMembers(DataInputStream in, List<String> names, String[] utf8) throws IOException {
    int n = in.readUnsignedShort();
    for (int i = 0; i < n; i++) {
      in.readUnsignedShort(); // access flags
      int nameIndex = in.readUnsignedShort();
      in.readUnsignedShort(); // descriptor
      if (names != null) {
        names.add(utf8[nameIndex]);
      }
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        in.readUnsignedShort();
        in.skipBytes(in.readInt());
      }
    }
  }
}
