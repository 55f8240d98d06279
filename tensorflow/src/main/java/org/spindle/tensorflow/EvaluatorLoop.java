package org.spindle.tensorflow;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spindle.api.SpindleJob;

/**
 * The evaluator role: outside the training gang, it watches the data lake for newly committed
 * checkpoints, restores each into a local session and reports the job's evaluation metrics. It
 * runs until the AM stops it when training ends.
 */
final class EvaluatorLoop {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluatorLoop.class);

  private EvaluatorLoop() {}

  static void run(SpindleJob job, TfTrainContext ctx, Duration interval) throws Exception {
    job.buildEvaluation(ctx);
    long evaluated = -1;
    while (!Thread.currentThread().isInterrupted()) {
      OptionalLong latest = ctx.latestCheckpointStep();
      if (latest.isPresent() && latest.getAsLong() > evaluated) {
        OptionalLong restored = ctx.restoreLatest();
        if (restored.isPresent()) {
          evaluated = restored.getAsLong();
          Map<String, Double> metrics = new LinkedHashMap<>(job.evaluate(ctx, evaluated));
          metrics.put("checkpoint_step", (double) evaluated);
          LOG.info("evaluated checkpoint of step {}: {}", evaluated, metrics);
          ctx.reportMetrics(evaluated, metrics);
        }
      }
      Thread.sleep(interval.toMillis());
    }
  }
}
