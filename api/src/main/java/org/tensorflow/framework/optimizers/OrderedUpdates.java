package org.tensorflow.framework.optimizers;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TType;

/**
 * {@link Optimizer#applyGradients} with the optimizer's own state updates ordered after the
 * variable updates.
 *
 * <p>TF Java 1.1 builds the ops of {@code finish} (Adam's and Nadam's beta-power assigns, for
 * example) with no control dependency on the {@code applyDense} ops that read the same state. Within
 * one {@code Session.run} the executor may then run an assign before some apply op has read the old
 * value, so a step now and then uses the next step's bias correction. Training stays correct to a
 * few ULPs, but two synchronous replicas (allreduce) drift apart and no run is reproducible. Here
 * {@code finish} is built with control dependencies on every update, as TensorFlow's Python
 * optimizers do. This class lives in the optimizers package to call the protected build steps.
 */
public final class OrderedUpdates {
  private static final Field TF = opsField();

  private OrderedUpdates() {}

  /** computeGradients then {@link #applyGradients}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Op minimize(Optimizer optimizer, Operand<?> loss, String name) {
    List grads = optimizer.computeGradients(loss);
    return applyGradients(optimizer, (List<Optimizer.GradAndVar<? extends TType>>) grads, name);
  }

  /** The same graph as {@link Optimizer#applyGradients} except that finish runs after every update. */
  public static Op applyGradients(Optimizer optimizer, List<Optimizer.GradAndVar<? extends TType>> gradsAndVars,
                                  String name) {
    List<Output<? extends TType>> variables = new ArrayList<>();
    List<Op> gradients = new ArrayList<>();
    for (Optimizer.GradAndVar<? extends TType> g : gradsAndVars) {
      variables.add(g.getVariable());
      if (!g.getGradient().isClosed()) {
        gradients.add(g.getGradient());
      }
    }
    optimizer.createSlots(variables);
    // no variable changes before every gradient is computed
    Ops afterGradients = optimizer.tf.withControlDependencies(gradients);
    Optional<Op> prepare = optimizer.prepare(name + "/prepare");
    List<Op> updates = new ArrayList<>();
    prepare.ifPresent(updates::add);
    for (Optimizer.GradAndVar<? extends TType> g : gradsAndVars) {
      if (!g.getGradient().isClosed()) {
        updates.add(applyDense(optimizer, afterGradients, g));
      }
    }
    Ops own = optimizer.tf;
    setOps(optimizer, own.withControlDependencies(updates));
    try {
      return optimizer.finish(updates, name);
    } finally {
      setOps(optimizer, own);
    }
  }

  private static <T extends TType> Op applyDense(Optimizer optimizer, Ops ops, Optimizer.GradAndVar<T> g) {
    return optimizer.applyDense(ops, g.getGradient(), g.getVariable());
  }

  private static Field opsField() {
    try {
      Field f = Optimizer.class.getDeclaredField("tf");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("this TensorFlow Java version has no Optimizer.tf field", e);
    }
  }

  private static void setOps(Optimizer optimizer, Ops ops) {
    try {
      TF.set(optimizer, ops);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot order the optimizer's updates with this TensorFlow Java version", e);
    }
  }
}
