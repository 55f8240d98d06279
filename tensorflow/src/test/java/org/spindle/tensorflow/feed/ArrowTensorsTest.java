package org.spindle.tensorflow.feed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spindle.feeder.AlignedAllocation;
import org.tensorflow.Tensor;
import org.tensorflow.TensorMemory;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/** Real Arrow vectors into real TF tensors. */
class ArrowTensorsTest {
  private RootAllocator allocator;

  @BeforeEach
  void setUp() {
    allocator = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
  }

  @AfterEach
  void tearDown() {
    assertEquals(0, allocator.getAllocatedMemory(), "Arrow memory leaked");
    allocator.close();
  }

  private static Float4Vector floats(BufferAllocator a, String name, int n) {
    Float4Vector v = new Float4Vector(name, a);
    v.allocateNew(n);
    for (int i = 0; i < n; i++) {
      v.set(i, i * 0.5f);
    }
    v.setValueCount(n);
    return v;
  }

  @Test
  void alignedColumnsAreWrappedWithoutACopyAndFreedWhenBothSidesClose() {
    Float4Vector x = floats(allocator, "x", 1000);
    BigIntVector id = new BigIntVector("id", allocator);
    id.allocateNew(1000);
    for (int i = 0; i < 1000; i++) {
      id.set(i, 7_000_000_000L + i);
    }
    id.setValueCount(1000);
    assertEquals(0, x.getDataBuffer().memoryAddress() % 64, "the aligned allocator must align");
    ArrowTensors conv = new ArrowTensors();
    Map<String, Tensor> t;
    try (VectorSchemaRoot root = new VectorSchemaRoot(List.<FieldVector>of(x, id))) {
      root.setRowCount(1000);
      t = conv.convert(root);
      assertEquals(x.getDataBuffer().memoryAddress(), TensorMemory.dataAddress(t.get("x")), "x was copied");
    }
    // The batch is closed; the tensors still hold the memory.
    assertTrue(allocator.getAllocatedMemory() > 0);
    TFloat32 tx = (TFloat32) t.get("x");
    TInt64 tid = (TInt64) t.get("id");
    assertEquals(Shape.of(1000), tx.shape());
    assertEquals(499.5f, tx.getFloat(999));
    assertEquals(7_000_000_999L, tid.getLong(999));
    assertEquals(2, conv.wrapped());
    assertEquals(0, conv.copied());
    t.values().forEach(Tensor::close);
  }

  @Test
  void unalignedMemoryIsCopiedInBulk() {
    try (Float8Vector v = new Float8Vector("d", allocator)) {
      v.allocateNew(17);
      for (int i = 0; i < 17; i++) {
        v.set(i, i * 1.5);
      }
      v.setValueCount(17);
      long address = v.getDataBuffer().memoryAddress() + 8; // element 1: not 64-byte aligned
      try (TFloat64 t = TensorMemory.copyOf(TFloat64.class, Shape.of(16), address, 16 * 8)) {
        assertNotEquals(address, TensorMemory.dataAddress(t));
        assertEquals(1.5, t.getDouble(0));
        assertEquals(24.0, t.getDouble(15));
      }
    }
  }

  @Test
  void arrayColumnsBecomeMatricesAndRaggedOnesFailNamingTheColumn() {
    try (ListVector emb = ListVector.empty("emb", allocator)) {
      UnionListWriter w = emb.getWriter();
      for (int r = 0; r < 3; r++) {
        w.setPosition(r);
        w.startList();
        for (int k = 0; k < 4; k++) {
          w.float4().writeFloat4(r * 10 + k);
        }
        w.endList();
      }
      w.setValueCount(3);
      ArrowTensors conv = new ArrowTensors();
      try (TFloat32 m = (TFloat32) conv.convert(emb, 3)) {
        assertEquals(Shape.of(3, 4), m.shape());
        assertEquals(23f, m.getFloat(2, 3));
      }
    }
    try (ListVector ragged = ListVector.empty("tags", allocator)) {
      UnionListWriter w = ragged.getWriter();
      for (int r = 0; r < 2; r++) {
        w.setPosition(r);
        w.startList();
        for (int k = 0; k <= r; k++) {
          w.float4().writeFloat4(k);
        }
        w.endList();
      }
      w.setValueCount(2);
      FeedColumnException e = assertThrows(FeedColumnException.class, () -> new ArrowTensors().convert(ragged, 2));
      assertTrue(e.getMessage().contains("'tags' is ragged"), e.getMessage());
    }
  }

  @Test
  void nullsAndUnsupportedTypesFailNamingTheColumn() {
    try (Float4Vector x = floats(allocator, "price", 4); VarCharVector s = new VarCharVector("title", allocator)) {
      x.setNull(2);
      FeedColumnException e = assertThrows(FeedColumnException.class, () -> new ArrowTensors().convert(x, 4));
      assertTrue(e.getMessage().contains("'price' has 1 null"), e.getMessage());
      s.allocateNew(1);
      s.set(0, "Heat (1995)".getBytes(StandardCharsets.UTF_8));
      s.setValueCount(1);
      e = assertThrows(FeedColumnException.class, () -> new ArrowTensors().convert(s, 1));
      assertTrue(e.getMessage().contains("'title' has Arrow type Utf8"), e.getMessage());
    }
  }

  @Test
  void aFailedBatchLeavesNoTensorOpen() {
    Float4Vector ok = floats(allocator, "ok", 8);
    Float4Vector bad = floats(allocator, "bad", 8);
    bad.setNull(0);
    try (VectorSchemaRoot root = new VectorSchemaRoot(List.<FieldVector>of(ok, bad))) {
      root.setRowCount(8);
      assertThrows(FeedColumnException.class, () -> new ArrowTensors().convert(root));
    }
    // tearDown asserts the allocator is back at zero: the wrapped 'ok' tensor was closed.
  }

  @Test
  void wrapRefusesUnalignedAddresses() {
    assertThrows(IllegalArgumentException.class,
        () -> TensorMemory.wrap(TFloat32.class, Shape.of(1), 68, 4, () -> { }));
    assertArrayEquals(new long[] {2, 3}, Shape.of(2, 3).asArray());
  }
}
