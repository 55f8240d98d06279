package org.spindle.api;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.framework.optimizers.OrderedUpdates;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.family.TType;

/**
 * Synchronous data-parallel training with TensorFlow's own collective ops: every gradient is
 * averaged across the workers with CollectiveReduceV2 before the optimizer applies it. TF Java has
 * no public wrapper for the V2 op, so it is built by name.
 */
public final class Collectives {
  /** The group every worker joins. */
  static final int GROUP_KEY = 1;

  private Collectives() {}

  /** Mean of {@code value} across {@code groupSize} workers; {@code instanceKey} must match across workers. */
  @SuppressWarnings("unchecked")
  public static <T extends TType> Output<T> allReduceMean(Ops tf, Operand<T> value, int groupSize, int instanceKey) {
    return (Output<T>) tf.scope().opBuilder("CollectiveReduceV2", "allreduce")
        .addInput(value.asOutput())
        .addInput(tf.constant(groupSize).asOutput())
        .addInput(tf.constant(GROUP_KEY).asOutput())
        .addInput(tf.constant(instanceKey).asOutput())
        .addInputList(new Output<?>[0])
        .setAttr("merge_op", "Add")
        .setAttr("final_op", "Div")
        .setAttr("communication_hint", "auto")
        .setAttr("timeout_seconds", 0f)
        .build().output(0);
  }

  /**
   * computeGradients, all-reduce each gradient (instance keys in variable order), applyGradients with
   * the optimizer's own state updates ordered after the variable updates ({@link OrderedUpdates}):
   * replicas that apply the same averaged gradients then end bitwise identical.
   */
  public static Op minimizeAllReduced(Ops tf, Optimizer optimizer, Operand<?> loss, int groupSize) {
    List<Optimizer.GradAndVar<?>> grads = optimizer.computeGradients(loss);
    List<Optimizer.GradAndVar<? extends TType>> reduced = new ArrayList<>();
    int instance = 1;
    for (Optimizer.GradAndVar<?> g : grads) {
      reduced.add(reduce(tf, g, groupSize, instance++));
    }
    return OrderedUpdates.applyGradients(optimizer, reduced, "allreduce_train");
  }

  private static <T extends TType> Optimizer.GradAndVar<T> reduce(Ops tf, Optimizer.GradAndVar<T> g, int groupSize,
                                                                  int instance) {
    return new Optimizer.GradAndVar<>(allReduceMean(tf, g.getGradient(), groupSize, instance), g.getVariable());
  }

  /** Collective ops need a non-zero collective graph key on every run. */
  public static RunOptions runOptions() {
    return RunOptions.newBuilder().setExperimental(RunOptions.Experimental.newBuilder().setCollectiveGraphKey(1L))
        .build();
  }
}
