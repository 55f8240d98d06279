package org.spindle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.framework.optimizers.OrderedUpdates;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Adam built through {@link OrderedUpdates} follows the textbook update at every step (bias
 * correction with beta^t at step t), because the beta-power assigns run after the apply ops that
 * read them. TF Java's own {@code minimize} leaves them unordered: the assign usually runs first and
 * the step uses beta^(t+1), but which one wins is up to the executor.
 */
class OrderedUpdatesTest {
  private static final float LR = 0.05f;
  private static final float B1 = 0.9f;
  private static final float B2 = 0.999f;
  private static final float EPS = 1e-8f;
  private static final float[] TARGET = {1f, -2f, 0.5f, 3f};
  private static final int STEPS = 20;

  /** Weights after each of STEPS steps minimizing 0.5 * |w - TARGET|^2 from w = 0. */
  private static float[][] trainInTf(boolean ordered) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> w = tf.withName("w").variable(tf.zeros(tf.constant(new long[] {TARGET.length}), TFloat32.class));
      Operand<TFloat32> diff = tf.math.sub(w, tf.constant(TARGET));
      Operand<TFloat32> loss = tf.math.mul(tf.constant(0.5f), tf.reduceSum(tf.math.square(diff), tf.constant(0)));
      Optimizer adam = new Adam(g, LR, B1, B2, EPS);
      Op train = ordered ? OrderedUpdates.minimize(adam, loss, "train") : adam.minimize(loss);
      s.initialize();
      float[][] out = new float[STEPS][TARGET.length];
      for (int step = 0; step < STEPS; step++) {
        s.runner().addTarget(train).run();
        try (Result r = s.runner().fetch(w).run()) {
          TFloat32 t = (TFloat32) r.get(0);
          for (int i = 0; i < TARGET.length; i++) {
            out[step][i] = t.getFloat(i);
          }
        }
      }
      return out;
    }
  }

  /** Adam as published (Kingma and Ba, with epsilon-hat as TF applies it), in double precision. */
  private static double[][] reference() {
    double[] w = new double[TARGET.length];
    double[] m = new double[TARGET.length];
    double[] v = new double[TARGET.length];
    double[][] out = new double[STEPS][];
    for (int t = 1; t <= STEPS; t++) {
      double alpha = LR * Math.sqrt(1 - Math.pow(B2, t)) / (1 - Math.pow(B1, t));
      for (int i = 0; i < w.length; i++) {
        double grad = w[i] - TARGET[i];
        m[i] = B1 * m[i] + (1 - B1) * grad;
        v[i] = B2 * v[i] + (1 - B2) * grad * grad;
        w[i] -= alpha * m[i] / (Math.sqrt(v[i]) + EPS);
      }
      out[t - 1] = w.clone();
    }
    return out;
  }

  private static double worstError(float[][] tf, double[][] ref) {
    double worst = 0;
    for (int step = 0; step < STEPS; step++) {
      for (int i = 0; i < TARGET.length; i++) {
        worst = Math.max(worst, Math.abs(tf[step][i] - ref[step][i]));
      }
    }
    return worst;
  }

  @Test
  void everyStepMatchesTextbookAdam() {
    double[][] ref = reference();
    float[][] ordered = trainInTf(true);
    // the first step moves each weight by the learning rate, towards its target
    for (int i = 0; i < TARGET.length; i++) {
      assertEquals(Math.signum(TARGET[i]) * LR, ordered[0][i], 1e-6, "first step of weight " + i);
    }
    double err = worstError(ordered, ref);
    assertTrue(err < 1e-5, "ordered Adam drifts from the reference by " + err);
    // and the run is reproducible to the bit
    float[][] again = trainInTf(true);
    for (int step = 0; step < STEPS; step++) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(ordered[step], again[step], "step " + (step + 1));
    }
    System.out.println("TF Java's own minimize differs from the reference by " + worstError(trainInTf(false), ref));
  }
}
