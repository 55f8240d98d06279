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
        vars.constant(initStd)));
    ids = tf.withName("ids").placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, fields)));
    label = tf.withName("label").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
    prediction = predict(tf, w0, w, v, ids);
    Operand<TFloat32> squared = tf.math.mean(tf.math.square(tf.math.sub(prediction, label)), tf.constant(0));
    // A little L2 on the factors of the ids in the batch keeps rare hashed ids from overfitting.
    Operand<TFloat32> l2 = tf.math.mul(tf.constant(l2Factors), tf.math.mean(
        tf.math.square(tf.gather(v, ids, tf.constant(0))), tf.constant(new int[] {0, 1, 2})));
    Operand<TFloat32> loss = tf.math.add(squared, l2);
    return new Trainer.Model(Map.of("ids", ids, "label", label), loss);
  }

  private float l2Factors = 0f;
  private float initStd = 0.01f;

  /** Standard deviation of the factors' initial values. */
  public FmModel withInitStd(float std) {
    this.initStd = std;
    return this;
  }

  /** L2 weight on the factors used in a batch (0 = none). */
  public FmModel withL2(float weight) {
    this.l2Factors = weight;
    return this;
  }

  private Operand<TFloat32> predict(Ops tf, Operand<TFloat32> w0, Operand<TFloat32> w, Operand<TFloat32> v,
                                    Operand<TInt64> ids) {
    Operand<TFloat32> linear = tf.reduceSum(tf.gather(w, ids, tf.constant(0)), tf.constant(1));       // [b]
    Operand<TFloat32> emb = tf.gather(v, ids, tf.constant(0));                                          // [b, f, k]
    Operand<TFloat32> sumSq = tf.math.square(tf.reduceSum(emb, tf.constant(1)));                       // [b, k]
    Operand<TFloat32> sqSum = tf.reduceSum(tf.math.square(emb), tf.constant(1));                       // [b, k]
    Operand<TFloat32> pairs = tf.math.mul(tf.constant(0.5f), tf.reduceSum(tf.math.sub(sumSq, sqSum), tf.constant(1)));
    return tf.withName("prediction").math.add(tf.math.add(w0, linear), pairs);
  }

  /**
   * The serving graph: ids [n, fields] (TInt64) to prediction [n], with the training variable
   * names and no devices, for TrainContext.exportSavedModel.
   */
  public org.tensorflow.Signature serving(Ops tf) {
    Variable<TFloat32> w0 = tf.withName("fm_bias").variable(Shape.scalar(), TFloat32.class);
    Variable<TFloat32> w = tf.withName("fm_weights").variable(Shape.of(vocabulary), TFloat32.class);
    Variable<TFloat32> v = tf.withName("fm_factors").variable(Shape.of(vocabulary, factors), TFloat32.class);
    Placeholder<TInt64> in = tf.withName("ids").placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, fields)));
    return org.tensorflow.Signature.builder().key(org.tensorflow.Signature.DEFAULT_KEY).input("ids", in)
        .output("prediction", predict(tf, w0, w, v, in)).build();
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
