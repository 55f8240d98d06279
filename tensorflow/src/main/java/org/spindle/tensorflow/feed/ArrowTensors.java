package org.spindle.tensorflow.feed;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.tensorflow.Tensor;
import org.tensorflow.TensorMemory;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * Arrow columns to dense TensorFlow tensors, straight from the Arrow buffers: float, double,
 * int and bigint columns become [rows] tensors, list and fixed-size-list columns of those become
 * [rows, n] (multi-hot or hashed feature ids as TInt64 [rows, n]). A 64-byte aligned buffer is wrapped without a copy (the tensor holds a
 * reference to the Arrow memory until TF frees it); anything else is one bulk copy.
 */
public final class ArrowTensors {
  /** How many columns were wrapped and how many copied (for the feed.zero-copy metric). */
  private long wrapped;
  private long copied;

  public long wrapped() {
    return wrapped;
  }

  public long copied() {
    return copied;
  }

  /** Every column of the batch as a tensor, by name; on failure nothing stays open. */
  public Map<String, Tensor> convert(VectorSchemaRoot root) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try {
      for (FieldVector v : root.getFieldVectors()) {
        out.put(v.getName(), convert(v, root.getRowCount()));
      }
      return out;
    } catch (RuntimeException e) {
      out.values().forEach(Tensor::close);
      throw e;
    }
  }

  Tensor convert(FieldVector v, int rows) {
    if (v.getNullCount() > 0) {
      throw new FeedColumnException("column '" + v.getName() + "' has " + v.getNullCount() + " null values in a batch of "
          + rows + " rows; dense feature columns cannot hold nulls: fill or drop them in preTrain");
    }
    if (v instanceof Float4Vector || v instanceof Float8Vector || v instanceof IntVector || v instanceof BigIntVector) {
      return fixedWidth((BaseFixedWidthVector) v, Shape.of(rows), 0, rows);
    }
    if (v instanceof FixedSizeListVector l) {
      FieldVector child = l.getDataVector();
      checkElement(v, child);
      return fixedWidth((BaseFixedWidthVector) child, Shape.of(rows, l.getListSize()), 0, (long) rows * l.getListSize());
    }
    if (v instanceof ListVector l) {
      FieldVector child = l.getDataVector();
      checkElement(v, child);
      ArrowBuf offsets = l.getOffsetBuffer();
      int first = offsets.getInt(0);
      int width = rows == 0 ? 0 : offsets.getInt(ListVector.OFFSET_WIDTH) - first;
      for (int i = 1; i <= rows; i++) {
        int len = offsets.getInt((long) i * ListVector.OFFSET_WIDTH) - offsets.getInt((long) (i - 1) * ListVector.OFFSET_WIDTH);
        if (len != width) {
          throw new FeedColumnException("column '" + v.getName() + "' is ragged: row " + (i - 1) + " has " + len
              + " elements, row 0 has " + width + "; a dense [batch, n] tensor needs the same length in every row");
        }
      }
      if (child.getNullCount() > 0) {
        throw new FeedColumnException("column '" + v.getName() + "' has null elements inside its arrays");
      }
      return fixedWidth((BaseFixedWidthVector) child, Shape.of(rows, width), first, (long) rows * width);
    }
    throw new FeedColumnException("column '" + v.getName() + "' has Arrow type " + v.getField().getType()
        + ", which the feeder cannot turn into a dense tensor (supported: float, double, int, bigint and "
        + "arrays of those)");
  }

  private static void checkElement(FieldVector list, FieldVector child) {
    if (!(child instanceof Float4Vector || child instanceof Float8Vector || child instanceof BigIntVector
        || child instanceof IntVector)) {
      throw new FeedColumnException("column '" + list.getName() + "' is an array of " + child.getField().getType()
          + "; array columns must hold float, double, int or bigint");
    }
  }

  private Tensor fixedWidth(BaseFixedWidthVector v, Shape shape, long firstElement, long elements) {
    Class<? extends TType> type = v instanceof Float4Vector ? TFloat32.class
        : v instanceof Float8Vector ? TFloat64.class
        : v instanceof IntVector ? TInt32.class : TInt64.class;
    long width = v.getTypeWidth();
    ArrowBuf data = v.getDataBuffer();
    long address = data.memoryAddress() + firstElement * width;
    long bytes = elements * width;
    if (bytes > 0 && address % TensorMemory.ALIGNMENT == 0) {
      // The tensor keeps the Arrow memory alive until TF frees it, whatever happens to the batch.
      data.getReferenceManager().retain();
      wrapped++;
      return TensorMemory.wrap(type, shape, address, bytes, () -> data.getReferenceManager().release());
    }
    copied++;
    return TensorMemory.copyOf(type, shape, address, bytes);
  }
}
