package org.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorData;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.Pointer;
import org.tensorflow.internal.c_api.Deallocator_Pointer_long_Pointer;
import org.tensorflow.internal.c_api.TF_Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.family.TType;

/**
 * Builds tensors straight from native memory (Arrow buffers): wrapped without a copy when the
 * address is 64-byte aligned, else one bulk memcpy into a fresh tensor; never element by element.
 * Lives in package org.tensorflow for RawTensor's handle methods (classpath only).
 */
public final class TensorMemory {
  public static final int ALIGNMENT = 64;

  private TensorMemory() {}

  /** Who to tell when TF no longer needs wrapped memory, by data address. */
  private static final Map<Long, Runnable> OWNERS = new ConcurrentHashMap<>();

  private static final class Release extends Deallocator_Pointer_long_Pointer {
    Release() {
      super();
    }

    @Override
    public void call(Pointer data, long len, Pointer arg) {
      Runnable r = OWNERS.remove(data.address());
      if (r != null) {
        r.run();
      }
    }
  }

  /** One callback object for every wrapped tensor; it must outlive them, so it is never freed. */
  private static final Release RELEASE = new Release();

  /** A pointer at a raw address (no ownership). */
  private static final class At extends Pointer {
    At(long address, long bytes) {
      this.address = address;
      this.limit = bytes;
      this.capacity = bytes;
    }
  }

  /** A new tensor holding a copy of {@code bytes} bytes at {@code address}. */
  @SuppressWarnings("unchecked")
  public static <T extends TType> T copyOf(Class<T> type, Shape shape, long address, long bytes) {
    RawTensor raw = RawTensor.allocate(type, shape, bytes);
    if (raw.numBytes() != bytes) {
      raw.close();
      throw new IllegalArgumentException("a " + shape + " tensor of " + type.getSimpleName() + " takes "
          + raw.numBytes() + " bytes, the source has " + bytes);
    }
    if (bytes > 0) {
      Pointer.memcpy(TF_TensorData(raw.nativeHandle()), new At(address, bytes), bytes);
    }
    return (T) raw.asTypedTensor();
  }

  /**
   * A tensor over the memory at {@code address} without copying; {@code release} runs once TF
   * frees the tensor. The address must be 64-byte aligned (TF copies anything else silently).
   */
  @SuppressWarnings("unchecked")
  public static <T extends TType> T wrap(Class<T> type, Shape shape, long address, long bytes, Runnable release) {
    if (address % ALIGNMENT != 0) {
      throw new IllegalArgumentException("address " + address + " is not " + ALIGNMENT + "-byte aligned");
    }
    int dtype = org.tensorflow.internal.types.registry.TensorTypeRegistry.find(type).dataType().getNumber();
    OWNERS.put(address, release);
    TF_Tensor handle = TF_NewTensor(dtype, shape.asArray(), shape.numDimensions(), new At(address, bytes), bytes,
        RELEASE, null);
    if (handle == null || handle.isNull()) {
      OWNERS.remove(address);
      throw new IllegalStateException("TF_NewTensor failed for " + shape);
    }
    // withDeallocator: closing the tensor deletes the TF_Tensor, which calls RELEASE.
    return (T) RawTensor.fromHandle(handle.withDeallocator()).asTypedTensor();
  }

  /** Where a tensor's data lives (to check that a wrap did not copy). */
  public static long dataAddress(Tensor t) {
    return TF_TensorData(t.asRawTensor().nativeHandle()).address();
  }
}
