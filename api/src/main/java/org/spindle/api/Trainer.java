package org.spindle.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.framework.optimizers.OrderedUpdates;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The high-level loop (the counterpart of an Estimator): a model function, an optimizer, a number
 * of steps, and checkpoint and metric intervals. It places a global step beside the model's
 * variables, restores or initializes, trains, checkpoints from the chief and reports the loss.
 */
public final class Trainer {
  /** What the model function returns: named inputs to feed and the loss to minimize. */
  public record Model(Map<String, Placeholder<?>> inputs, Operand<TFloat32> loss) {}

  /** Builds the model; variables should go under {@code ctx.variableDevice(...)} in PS mode. */
  @FunctionalInterface
  public interface ModelFn {
    Model build(Ops tf, TrainContext ctx);
  }

  /**
   * Produces the feed for one step: input name to tensor (the trainer closes them). Returning null
   * ends training before {@code steps} (the input is exhausted, e.g. the fed epochs are over).
   */
  @FunctionalInterface
  public interface InputFn {
    Map<String, Tensor> batch(long step) throws Exception;
  }

  /**
   * Input from the Spark feed: each fed batch is one step; {@code columns} maps the model's input
   * names to the DataFrame's columns. Training ends when the feed's last epoch was read.
   */
  public static InputFn fromFeed(InputFeed feed, Map<String, String> columns) {
    return new FeedInput(feed, Map.copyOf(columns));
  }

  /** The fed input; the trainer also reports the feed's progress with its metrics. */
  private record FeedInput(InputFeed feed, Map<String, String> columns) implements InputFn {
    @Override
    public Map<String, Tensor> batch(long step) throws Exception {
      FeedBatch b = feed.next();
      if (b == null) {
        return null;
      }
      Map<String, Tensor> out = new LinkedHashMap<>();
      columns.forEach((input, column) -> out.put(input, b.column(column)));
      return new FeedOwned(out, b);
    }
  }

  /** The tensors of one fed batch; the trainer closes the batch (and with it the tensors) once. */
  private static final class FeedOwned extends java.util.AbstractMap<String, Tensor> implements AutoCloseable {
    private final Map<String, Tensor> tensors;
    private final FeedBatch batch;

    FeedOwned(Map<String, Tensor> tensors, FeedBatch batch) {
      this.tensors = tensors;
      this.batch = batch;
    }

    @Override
    public java.util.Set<Entry<String, Tensor>> entrySet() {
      return tensors.entrySet();
    }

    @Override
    public void close() {
      batch.close();
    }
  }

  private final ModelFn modelFn;
  private final Function<Graph, Optimizer> optimizer;
  private final InputFn input;
  private final long steps;
  private final long checkpointEvery;
  private final long metricsEvery;
  private final long checkpointEveryMs;
  private final java.time.Clock clock;

  private Trainer(Builder b) {
    this.checkpointEveryMs = b.checkpointEveryMs;
    this.clock = b.clock;
    this.modelFn = b.modelFn;
    this.optimizer = b.optimizer;
    this.input = b.input;
    this.steps = b.steps;
    this.checkpointEvery = b.checkpointEvery;
    this.metricsEvery = b.metricsEvery;
  }

  /**
   * The optimizer's learning rate, for the metrics (and TensorBoard): TF Java's optimizers keep it in a
   * field named learningRate and expose no getter; empty for an optimizer that has no such field.
   */
  static java.util.OptionalDouble learningRateOf(Optimizer opt) {
    for (Class<?> c = opt.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        java.lang.reflect.Field f = c.getDeclaredField("learningRate");
        if (f.getType() == float.class || f.getType() == double.class) {
          f.setAccessible(true);
          return java.util.OptionalDouble.of(((Number) f.get(opt)).doubleValue());
        }
      } catch (NoSuchFieldException e) {
        // look in the superclass
      } catch (ReflectiveOperationException | RuntimeException e) {
        return java.util.OptionalDouble.empty();
      }
    }
    return java.util.OptionalDouble.empty();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Trains until the global step reaches {@code steps}; returns the last loss seen by this task. */
  public float run(TrainContext ctx) throws Exception {
    Ops tf = ctx.ops();
    Model model = modelFn.build(tf, ctx);
    // The optimizer trains every variable that exists when minimize is called: add the step after.
    Optimizer opt = optimizer.apply(ctx.graph());
    java.util.OptionalDouble learningRate = learningRateOf(opt);
    if (ctx.numPs() > 0) {
      OptimizerPlacement.onDevice(opt, ctx.variableDevice(0));
    }
    int replicas = ctx.allReduceGroupSize();
    Op minimize = replicas > 1 ? Collectives.minimizeAllReduced(tf, opt, model.loss(), replicas)
        : OrderedUpdates.minimize(opt, model.loss(), opt.getOptimizerName() + "-minimize");
    Ops onVars = ctx.numPs() > 0 ? tf.withDevice(ctx.variableDevice(0)) : tf;
    Variable<TInt64> globalStep = onVars.withName("global_step").variable(onVars.constant(0L));
    Op train = tf.withControlDependencies(java.util.List.of(minimize))
        .assignAdd(globalStep, tf.constant(1L));
    Session session = ctx.session();
    OptionalLong restored = ctx.initializeOrRestore();
    long step = readStep(session, globalStep);
    ctx.reportMetrics(step, Map.of("restored_step", (double) restored.orElse(-1)));
    float loss = Float.NaN;
    long lastCheckpoint = step;
    long lastCheckpointMs = clock.millis();
    long examples = 0;
    long windowStartMs = clock.millis();
    while (step < steps) {
      Map<String, Tensor> feed = input.batch(step);
      if (feed == null) {
        break; // the input is exhausted
      }
      if (!feed.isEmpty()) {
        Tensor first = feed.values().iterator().next();
        examples += first.shape().numDimensions() > 0 ? first.shape().get(0) : 1;
      }
      try {
        Session.Runner r = session.runner().addTarget(train).fetch(model.loss()).fetch(globalStep);
        if (replicas > 1) {
          r.setOptions(Collectives.runOptions());
        }
        for (Map.Entry<String, Tensor> e : feed.entrySet()) {
          r.feed(model.inputs().get(e.getKey()), e.getValue());
        }
        try (Result res = r.run()) {
          loss = ((TFloat32) res.get(0)).getFloat();
          step = ((TInt64) res.get(1)).getLong();
        }
      } finally {
        if (feed instanceof AutoCloseable owner) {
          owner.close();
        } else {
          feed.values().forEach(Tensor::close);
        }
      }
      if (metricsEvery > 0 && step % metricsEvery == 0) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", (double) loss);
        learningRate.ifPresent(lr -> m.put("learning_rate", lr));
        long now = clock.millis();
        if (now > windowStartMs) {
          m.put("examples_per_sec", examples * 1000.0 / (now - windowStartMs));
        }
        examples = 0;
        windowStartMs = now;
        if (input instanceof FeedInput f) {
          m.put("feed.rows-read", (double) f.feed().rowsRead());
          m.put("feed.epochs-completed", (double) f.feed().epochsCompleted());
          m.put("feed.buffered-bytes", (double) f.feed().bufferedBytes());
        }
        ctx.reportMetrics(step, m);
      }
      boolean bySteps = checkpointEvery > 0 && step - lastCheckpoint >= checkpointEvery;
      boolean byTime = checkpointEveryMs > 0 && clock.millis() - lastCheckpointMs >= checkpointEveryMs;
      if (ctx.isChief() && (bySteps || byTime)) {
        ctx.saveCheckpoint(step);
        lastCheckpoint = step;
        lastCheckpointMs = clock.millis();
      }
    }
    if (ctx.isChief() && (checkpointEvery > 0 || checkpointEveryMs > 0) && step != lastCheckpoint) {
      ctx.saveCheckpoint(step);
    }
    return loss;
  }

  private static long readStep(Session s, Variable<TInt64> step) {
    try (Result r = s.runner().fetch(step).run()) {
      return ((TInt64) r.get(0)).getLong();
    }
  }

  /** Builder for {@link Trainer}. */
  public static final class Builder {
    private ModelFn modelFn;
    private Function<Graph, Optimizer> optimizer;
    private InputFn input;
    private long steps = 1000;
    private long checkpointEvery = 100;
    private long metricsEvery = 20;
    private long checkpointEveryMs;
    private java.time.Clock clock = java.time.Clock.systemUTC();

    public Builder model(ModelFn fn) {
      this.modelFn = fn;
      return this;
    }

    public Builder optimizer(Function<Graph, Optimizer> fn) {
      this.optimizer = fn;
      return this;
    }

    public Builder input(InputFn fn) {
      this.input = fn;
      return this;
    }

    public Builder steps(long n) {
      this.steps = n;
      return this;
    }

    public Builder checkpointEverySteps(long n) {
      this.checkpointEvery = n;
      return this;
    }

    /** Also checkpoint when this much time passed since the last checkpoint (0 = only by steps). */
    public Builder checkpointEvery(java.time.Duration d) {
      this.checkpointEveryMs = d.toMillis();
      return this;
    }

    public Builder clock(java.time.Clock c) {
      this.clock = c;
      return this;
    }

    public Builder metricsEverySteps(long n) {
      this.metricsEvery = n;
      return this;
    }

    public Trainer build() {
      if (modelFn == null || optimizer == null || input == null) {
        throw new IllegalStateException("Trainer needs model, optimizer and input");
      }
      return new Trainer(this);
    }
  }
}
