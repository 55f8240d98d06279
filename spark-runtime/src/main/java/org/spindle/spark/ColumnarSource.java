package org.spindle.spark;

import java.util.Optional;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Where Spark already holds the DataFrame as columns (the columnar cache of a persisted DataFrame, a
 * vectorized Parquet or ORC scan), the feed takes Spark's {@link ColumnarBatch}es as they are instead of
 * decoding them into rows and writing the rows back into Arrow. This finds them: the physical plan must be
 * such a columnar operator under nothing but Spark's own wrappers (adaptive execution's, ColumnarToRow,
 * whole-stage codegen, its input adapter), with the DataFrame's schema, and every column of a type
 * {@link ColumnarArrowCopy} copies. Anything else is fed row by row, and {@link #why} says why.
 */
final class ColumnarSource {
  static final Set<DataType> COPIED = Set.of(DataTypes.FloatType, DataTypes.DoubleType, DataTypes.LongType,
      DataTypes.IntegerType);

  private final JavaRDD<ColumnarBatch> batches;
  private final String why;

  private ColumnarSource(JavaRDD<ColumnarBatch> batches, String why) {
    this.batches = batches;
    this.why = why;
  }

  static ColumnarSource of(Dataset<Row> prepared) {
    for (StructField f : prepared.schema().fields()) {
      if (!COPIED.contains(f.dataType())) {
        return new ColumnarSource(null, "column " + f.name() + " is " + f.dataType().simpleString()
            + " (the columnar copy takes float, double, bigint and int columns)");
      }
    }
    SparkPlan p = prepared.queryExecution().executedPlan();
    while (!p.supportsColumnar()) {
      if (p instanceof AdaptiveSparkPlanExec a) {
        p = a.executedPlan(); // adaptive execution's wrapper; a plan with shuffle stages stops below
      } else if (p instanceof WholeStageCodegenExec w) {
        p = w.child();
      } else if (p instanceof ColumnarToRowExec c) {
        p = c.child();
      } else if (p instanceof InputAdapter a) {
        p = a.child();
      } else {
        return new ColumnarSource(null, "the plan computes rows (" + p.nodeName() + "), not columns");
      }
    }
    if (!p.schema().equals(prepared.schema())) {
      return new ColumnarSource(null, "the columnar operator " + p.nodeName() + " has another schema");
    }
    return new ColumnarSource(p.executeColumnar().toJavaRDD(), "Spark holds the DataFrame as columns ("
        + p.nodeName() + ")");
  }

  Optional<JavaRDD<ColumnarBatch>> batches() {
    return Optional.ofNullable(batches);
  }

  String why() {
    return why;
  }
}
