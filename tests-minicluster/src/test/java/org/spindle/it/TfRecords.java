package org.spindle.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * TFRecord files as TF writes them (TensorBoard's event files among them): per record a little-endian
 * uint64 length, the masked CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data. Every
 * checksum is verified.
 */
final class TfRecords {
  private TfRecords() {}

  static List<byte[]> read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> records = new ArrayList<>();
    while (b.remaining() > 0) {
      if (b.remaining() < 12) {
        throw new IOException(file + ": a truncated record header at byte " + b.position());
      }
      byte[] lengthBytes = new byte[8];
      b.get(lengthBytes);
      long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      check(file, "length", lengthBytes, b.getInt());
      if (length < 0 || length > b.remaining() - 4) {
        throw new IOException(file + ": a record of " + length + " bytes runs past the end");
      }
      byte[] data = new byte[(int) length];
      b.get(data);
      check(file, "data", data, b.getInt());
      records.add(data);
    }
    return records;
  }

  private static void check(Path file, String what, byte[] bytes, int stored) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    int c = (int) crc.getValue();
    int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
    if (masked != stored) {
      throw new IOException(file + ": bad CRC-32C of a record's " + what);
    }
  }
}
