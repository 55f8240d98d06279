package org.spindle.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import org.spindle.api.SpindleJob;
import org.spindle.api.TrainContext;
import org.spindle.api.Trainer;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Logistic regression on generated data with a planted weight vector, trained between-graph in PS
 * mode: weights live on the ps task, each worker feeds its own batches. Configuration:
 * example.steps (default 300) and example.report (a file the chief appends a JSON
 * line of results to).
 */
public final class LogisticRegressionJob extends SpindleJob {
  public static final int FEATURES = 8;
  static final float[] TRUE_W = {1.5f, -2f, 0.5f, 1f, -1f, 2f, 0f, -0.5f};
  private static final int BATCH = 256;

  private Variable<TFloat32> weights;
  private Operand<TFloat32> heldOutLoss;
  private Placeholder<TFloat32> x;
  private Placeholder<TFloat32> y;

  @Override
  public void train(TrainContext ctx) throws Exception {
    long steps = Long.parseLong(ctx.conf().getOrDefault("example.steps", "300"));
    long stepDelayMs = Long.parseLong(ctx.conf().getOrDefault("example.step-delay-ms", "0"));
    Random rnd = new Random(1000L * ctx.index() + ctx.attempt() + System.nanoTime());
    Trainer trainer = Trainer.builder()
        .model(this::model)
        .optimizer(g -> new Adam(g, 0.05f))
        .input(step -> {
          if (stepDelayMs > 0) {
            sleep(stepDelayMs);
          }
          return batch(rnd, BATCH);
        })
        .steps(steps)
        .checkpointEverySteps(Long.parseLong(ctx.conf().getOrDefault("example.checkpoint-every", "50")))
        .metricsEverySteps(25)
        .build();
    trainer.run(ctx);
    if (ctx.isChief() || ctx.allReduceGroupSize() > 0) {
      report(ctx); // in allreduce mode every replica reports, so replicas can be compared
    }
    if (ctx.isChief() && !ctx.conf().getOrDefault("spindle.model.export-dir", "").isBlank()) {
      ctx.exportSavedModel("logistic", LogisticRegressionJob::servingGraph);
    }
  }

  @Override
  public void buildEvaluation(TrainContext ctx) {
    model(ctx.ops(), ctx);
  }

  /** Held-out loss of the restored checkpoint on a fixed test set. */
  @Override
  public Map<String, Double> evaluate(TrainContext ctx, long checkpointStep) {
    Map<String, Tensor> test = batch(new Random(42), 4096);
    try (Result r = ctx.session().runner().feed(x, (TFloat32) test.get("x")).feed(y, (TFloat32) test.get("y"))
        .fetch(heldOutLoss).run()) {
      return Map.of("eval_loss", (double) ((TFloat32) r.get(0)).getFloat());
    } finally {
      test.values().forEach(Tensor::close);
    }
  }

  private Trainer.Model model(Ops tf, TrainContext ctx) {
    Ops vars = ctx.numPs() > 0 ? tf.withDevice(ctx.variableDevice(0)) : tf;
    weights = vars.withName("weights").variable(vars.zeros(vars.constant(new long[] {FEATURES, 1}), TFloat32.class));
    Variable<TFloat32> bias = vars.withName("bias").variable(vars.constant(0f));
    x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, FEATURES)));
    y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
    Operand<TFloat32> logits = tf.math.add(tf.linalg.matMul(x, weights), bias);
    // log(1 + exp(-s * z)) with s = 2y - 1
    Operand<TFloat32> s = tf.math.sub(tf.math.mul(y, tf.constant(2f)), tf.constant(1f));
    Operand<TFloat32> perExample = tf.math.log(tf.math.add(tf.constant(1f),
        tf.math.exp(tf.math.neg(tf.math.mul(s, logits)))));
    Operand<TFloat32> loss = tf.math.mean(perExample, tf.constant(new int[] {0, 1}));
    heldOutLoss = loss;
    return new Trainer.Model(Map.of("x", x, "y", y), loss);
  }

  /** The serving graph: x [n, FEATURES] -> probability [n, 1], with the training variable names. */
  static Signature servingGraph(Ops tf) {
    Variable<TFloat32> w = tf.withName("weights").variable(Shape.of(FEATURES, 1), TFloat32.class);
    Variable<TFloat32> b = tf.withName("bias").variable(Shape.scalar(), TFloat32.class);
    Placeholder<TFloat32> in = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, FEATURES)));
    Operand<TFloat32> p = tf.math.sigmoid(tf.math.add(tf.linalg.matMul(in, w), b));
    return Signature.builder().key(Signature.DEFAULT_KEY).input("x", in).output("probability", p).build();
  }

  /** Share of rows whose predicted probability falls on the same side of 0.5 as the label. */
  public static double accuracy(TFloat32 probabilities, TFloat32 labels) {
    long n = labels.shape().get(0);
    int correct = 0;
    for (int i = 0; i < n; i++) {
      correct += (probabilities.getFloat(i, 0) > 0.5f) == (labels.getFloat(i, 0) > 0.5f) ? 1 : 0;
    }
    return (double) correct / n;
  }

  /** Features ~ N(0, 1); label = 1 when the planted score plus noise is positive. */
  public static Map<String, Tensor> batch(Random rnd, int n) {
    float[] xs = new float[n * FEATURES];
    float[] ys = new float[n];
    for (int i = 0; i < n; i++) {
      double score = 0;
      for (int j = 0; j < FEATURES; j++) {
        float v = (float) rnd.nextGaussian();
        xs[i * FEATURES + j] = v;
        score += v * TRUE_W[j];
      }
      ys[i] = score + 0.3 * rnd.nextGaussian() > 0 ? 1f : 0f;
    }
    return Map.of("x", TFloat32.tensorOf(Shape.of(n, FEATURES), DataBuffers.of(xs, true, false)),
        "y", TFloat32.tensorOf(Shape.of(n, 1), DataBuffers.of(ys, true, false)));
  }

  /** Held-out loss on fresh data and the trained weights, appended as one JSON line. */
  private void report(TrainContext ctx) throws IOException {
    Session session = ctx.session();
    Map<String, Tensor> test = batch(new Random(42), 4096);
    float loss;
    float[] w = new float[FEATURES];
    try (Result r = session.runner().feed(x, (TFloat32) test.get("x")).feed(y, (TFloat32) test.get("y"))
        .fetch(heldOutLoss).fetch(weights).run()) {
      loss = ((TFloat32) r.get(0)).getFloat();
      TFloat32 wt = (TFloat32) r.get(1);
      for (int j = 0; j < FEATURES; j++) {
        w[j] = wt.getFloat(j, 0);
      }
    } finally {
      test.values().forEach(Tensor::close);
    }
    ctx.reportMetrics(-1, Map.of("heldout_loss", (double) loss));
    String out = ctx.conf().getOrDefault("example.report", "");
    if (!out.isEmpty()) {
      StringBuilder ws = new StringBuilder();
      for (int j = 0; j < FEATURES; j++) {
        ws.append(j == 0 ? "" : ",").append(w[j]);
      }
      Files.writeString(Path.of(out), "{\"index\":" + ctx.index() + ",\"heldout_loss\":" + loss + ",\"weights\":[" + ws + "],\"latest_checkpoint\":"
          + ctx.latestCheckpointStep().orElse(-1) + "}\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  /** The weights of one report line (the JSON this job appends to example.report). */
  public static float[] reportedWeights(String line) {
    String[] parts = line.replaceAll(".*\"weights\":\\[([^]]*)\\].*", "$1").split(",");
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Float.parseFloat(parts[i].trim());
    }
    return out;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
