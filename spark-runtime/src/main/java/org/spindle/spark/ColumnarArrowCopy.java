package org.spindle.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Fills Arrow batches of exactly {@code batchRows} rows (the last one shorter) from Spark's ColumnarBatches,
 * column by column: each column's values are taken from Spark's vector in one bulk read per stretch and put
 * into the Arrow vector, with no row objects in between. The rows and their order are those the row path
 * writes, so batch boundaries (which a resumed partition counts) are the same.
 */
final class ColumnarArrowCopy implements PartitionFeeder.Filler<ColumnarBatch> {
  private static final long serialVersionUID = 1L;

  @Override
  public long fill(Iterator<ColumnarBatch> batches, VectorSchemaRoot root, int batchRows, Runnable send) {
    List<FieldVector> vectors = root.getFieldVectors();
    for (FieldVector v : vectors) {
      v.setInitialCapacity(batchRows);
      v.allocateNew();
    }
    long rows = 0;
    int at = 0;
    while (batches.hasNext()) {
      ColumnarBatch b = batches.next();
      int n = b.numRows();
      int from = 0;
      while (from < n) {
        int take = Math.min(n - from, batchRows - at);
        for (int c = 0; c < vectors.size(); c++) {
          copy(b.column(c), from, take, vectors.get(c), at);
        }
        from += take;
        at += take;
        rows += take;
        if (at == batchRows) {
          flush(root, at, send);
          at = 0;
        }
      }
    }
    if (at > 0) {
      flush(root, at, send);
    }
    return rows;
  }

  private static void flush(VectorSchemaRoot root, int count, Runnable send) {
    for (FieldVector v : root.getFieldVectors()) {
      v.setValueCount(count);
    }
    root.setRowCount(count);
    send.run();
    for (FieldVector v : root.getFieldVectors()) {
      v.reset();
    }
  }

  /** Rows [from, from + n) of Spark's column into Arrow's vector at [at, at + n). */
  static void copy(ColumnVector in, int from, int n, FieldVector out, int at) {
    boolean nulls = in.hasNull();
    if (out instanceof Float4Vector f) {
      float[] v = in.getFloats(from, n);
      for (int i = 0; i < n; i++) {
        if (nulls && in.isNullAt(from + i)) {
          f.setNull(at + i);
        } else {
          f.set(at + i, v[i]);
        }
      }
    } else if (out instanceof Float8Vector d) {
      double[] v = in.getDoubles(from, n);
      for (int i = 0; i < n; i++) {
        if (nulls && in.isNullAt(from + i)) {
          d.setNull(at + i);
        } else {
          d.set(at + i, v[i]);
        }
      }
    } else if (out instanceof BigIntVector l) {
      long[] v = in.getLongs(from, n);
      for (int i = 0; i < n; i++) {
        if (nulls && in.isNullAt(from + i)) {
          l.setNull(at + i);
        } else {
          l.set(at + i, v[i]);
        }
      }
    } else if (out instanceof IntVector iv) {
      int[] v = in.getInts(from, n);
      for (int i = 0; i < n; i++) {
        if (nulls && in.isNullAt(from + i)) {
          iv.setNull(at + i);
        } else {
          iv.set(at + i, v[i]);
        }
      }
    } else {
      throw new IllegalArgumentException("no columnar copy into " + out.getClass().getSimpleName()
          + " (ColumnarSource admits float, double, bigint and int only)");
    }
  }
}
