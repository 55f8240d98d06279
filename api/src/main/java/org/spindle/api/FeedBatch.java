package org.spindle.api;

import java.util.Map;
import org.tensorflow.Tensor;

/**
 * One batch of fed rows. Numeric columns are tensors of shape [rows]; array and vector columns
 * [rows, n]; integer ids TInt64. Closing the batch closes its tensors and frees the worker's feed
 * buffer for more data.
 */
public interface FeedBatch extends AutoCloseable {
  int epoch();

  long rows();

  /** Every column, by name (the label included). */
  Map<String, Tensor> columns();

  /** One column; throws naming the columns there are if {@code name} is not one of them. */
  Tensor column(String name);

  /** The label column (spindle.feed.label-column). */
  Tensor label();

  @Override
  void close();
}
