package org.spindle.api;

import java.lang.reflect.InvocationTargetException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Batch prediction for jobs: scores a DataFrame on the executors with an exported SavedModel and
 * returns it with a float "prediction" column. The work is done by the Spark runtime
 * ({@code org.spindle.spark.Predictor}, on the driver's classpath); jobs compile against this API only.
 */
public final class Predictions {
  private Predictions() {}

  @SuppressWarnings("unchecked")
  public static Dataset<Row> scoreDataFrame(Dataset<Row> df, String savedModelDir) throws Exception {
    try {
      return (Dataset<Row>) Class.forName("org.spindle.spark.Predictor")
          .getMethod("scoreDataFrame", Dataset.class, String.class).invoke(null, df, savedModelDir);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("scoreDataFrame runs on Spindle's Spark driver (spark-runtime on the classpath)", e);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }
}
