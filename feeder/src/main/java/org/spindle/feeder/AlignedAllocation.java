package org.spindle.feeder;

import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.util.MemoryUtil;

/**
 * Arrow memory whose every allocation starts on a 64-byte boundary, the alignment TensorFlow
 * needs to wrap a buffer as a tensor without copying it (it silently copies anything else).
 */
public final class AlignedAllocation extends AllocationManager {
  public static final int ALIGNMENT = 64;

  private final long raw;
  private final long address;
  private final long size;

  private AlignedAllocation(BufferAllocator accounting, long size) {
    super(accounting);
    this.size = size;
    this.raw = MemoryUtil.allocateMemory(size + ALIGNMENT);
    this.address = (raw + ALIGNMENT - 1) & -ALIGNMENT;
  }

  public static final Factory FACTORY = new Factory() {
    @Override
    public AllocationManager create(BufferAllocator accountingAllocator, long size) {
      return new AlignedAllocation(accountingAllocator, size);
    }

    @Override
    public ArrowBuf empty() {
      return EMPTY;
    }
  };

  private static final ArrowBuf EMPTY = new ArrowBuf(
      org.apache.arrow.memory.ReferenceManager.NO_OP, null, 0, MemoryUtil.allocateMemory(ALIGNMENT) & -ALIGNMENT);

  /** A root allocator of at most {@code limit} bytes whose buffers are all 64-byte aligned. */
  public static RootAllocator rootAllocator(long limit) {
    return new RootAllocator(RootAllocator.configBuilder().allocationManagerFactory(FACTORY)
        .maxAllocation(limit).build());
  }

  @Override
  public long getSize() {
    return size;
  }

  @Override
  protected long memoryAddress() {
    return address;
  }

  @Override
  protected void release0() {
    MemoryUtil.freeMemory(raw);
  }
}
