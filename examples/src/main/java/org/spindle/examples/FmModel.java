package org.spindle.examples;

import java.util.Map;
import java.util.Random;
import org.spindle.api.TrainContext;
import org.spindle.api.Trainer;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A factorization machine in TF Java: every example is {@code fields} hashed feature ids, and
 * prediction = w0 + sum of the ids' weights + sum over pairs of the dot products of their factor
 * vectors (computed in O(fields * factors) as 0.5 * ((sum v)^2 - sum v^2)). Squared loss.
 */
public final class FmModel {
  private final int vocabulary;
  private final int fields;
  private final int factors;
  private Placeholder<TInt64> ids;
  private Placeholder<TFloat32> label;
  private Operand<TFloat32> prediction;

  public FmModel(int vocabulary, int fields, int factors) {
    this.vocabulary = vocabulary;
    this.fields = fields;
    this.factors = factors;
  }

  /** The Trainer's model function: variables on the ps in PS mode. */
  public Trainer.Model build(Ops tf, TrainContext ctx) {
    Ops vars = ctx.numPs() > 0 ? tf.withDevice(ctx.variableDevice(0)) : tf;
    Variable<TFloat32> w0 = vars.withName("fm_bias").variable(vars.constant(0f));
    Variable<TFloat32> w = vars.withName("fm_weights").variable(vars.zeros(vars.constant(new long[] {vocabulary}),
        TFloat32.class));
    Variable<TFloat32> v = vars.withName("fm_factors").variable(vars.math.mul(
        vars.random.statelessRandomNormal(vars.constant(new long[] {vocabulary, factors}), vars.constant(new long[] {7, 11})),
        vars.constant(0.01f)));
    ids = tf.withName("ids").placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, fields)));
    label = tf.withName("label").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
    Operand<TFloat32> linear = tf.reduceSum(tf.gather(w, ids, tf.constant(0)), tf.constant(1));       // [b]
    Operand<TFloat32> emb = tf.gather(v, ids, tf.constant(0));                                          // [b, f, k]
    Operand<TFloat32> sumSq = tf.math.square(tf.reduceSum(emb, tf.constant(1)));                       // [b, k]
    Operand<TFloat32> sqSum = tf.reduceSum(tf.math.square(emb), tf.constant(1));                       // [b, k]
    Operand<TFloat32> pairs = tf.math.mul(tf.constant(0.5f), tf.reduceSum(tf.math.sub(sumSq, sqSum), tf.constant(1)));
    prediction = tf.withName("prediction").math.add(tf.math.add(w0, linear), pairs);
    Operand<TFloat32> loss = tf.math.mean(tf.math.square(tf.math.sub(prediction, label)), tf.constant(0));
    return new Trainer.Model(Map.of("ids", ids, "label", label), loss);
  }

  public Placeholder<TInt64> ids() {
    return ids;
  }

  public Placeholder<TFloat32> label() {
    return label;
  }

  public Operand<TFloat32> prediction() {
    return prediction;
  }

  /**
   * Synthetic data with planted structure: a user field and an item field whose true factors
   * interact, plus noise fields, hashed into the vocabulary. Returns {"ids", "label"}.
   */
  public static Map<String, Tensor> syntheticBatch(Random rnd, int batch, int vocabulary, int fields) {
    long[][] idRows = new long[batch][fields];
    float[] labels = new float[batch];
    for (int i = 0; i < batch; i++) {
      int user = rnd.nextInt(1000);
      int item = rnd.nextInt(500);
      idRows[i][0] = Math.floorMod(user * 31L, vocabulary);
      idRows[i][1] = Math.floorMod(1_000_003L + item * 17L, vocabulary);
      for (int f = 2; f < fields; f++) {
        idRows[i][f] = rnd.nextInt(vocabulary);
      }
      double affinity = Math.sin(user * 0.37) * Math.cos(item * 0.23) + 0.5 * Math.sin(user * 0.11 + item * 0.05);
      labels[i] = (float) (3.0 + affinity + 0.1 * rnd.nextGaussian());
    }
    return Map.of("ids", TInt64.tensorOf(StdArrays.ndCopyOf(idRows)), "label", TFloat32.vectorOf(labels));
  }
}
