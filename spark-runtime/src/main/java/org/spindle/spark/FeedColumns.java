package org.spindle.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Which DataFrame columns can travel to TensorFlow and how. Checked before any data moves:
 * numeric columns become [batch] tensors (integer ids widened to TInt64), numeric arrays
 * [batch, n] (integer arrays as TInt64); anything else fails naming the column, its type and what to do about it.
 */
public final class FeedColumns {
  private FeedColumns() {}

  /** The columns to feed, with the casts that make them tensor-ready; throws listing every problem. */
  public static Dataset<Row> prepare(Dataset<Row> df, String labelColumn) {
    StructType schema = df.schema();
    List<String> problems = new ArrayList<>();
    List<Column> out = new ArrayList<>();
    if (!List.of(schema.fieldNames()).contains(labelColumn)) {
      problems.add("the label column '" + labelColumn + "' (spindle.feed.label-column) is not in the DataFrame; "
          + "its columns are " + List.of(schema.fieldNames()));
    }
    for (StructField f : schema.fields()) {
      String problem = problem(f);
      if (problem != null) {
        problems.add(problem);
        continue;
      }
      out.add(tensorReady(f));
    }
    if (!problems.isEmpty()) {
      throw new FeedSchemaException("the DataFrame preTrain returned cannot be fed to TensorFlow:\n  - "
          + String.join("\n  - ", problems));
    }
    return df.select(out.toArray(new Column[0]));
  }

  /**
   * The prepared rows sorted within each partition by every column. Feeding resumes a partition by
   * the number of batches a worker already holds, which is only right if a second evaluation of the
   * DataFrame (a restarted driver running preTrain again) yields the same rows in the same order.
   * Spark keeps which rows land in which partition, not their order inside it; this sort restores
   * it. All feedable columns (numbers, numeric arrays) are orderable.
   */
  public static Dataset<Row> inStableOrder(Dataset<Row> prepared) {
    return prepared.sortWithinPartitions(java.util.Arrays.stream(prepared.columns()).map(c -> col(c))
        .toArray(Column[]::new));
  }

  /**
   * Every column of {@code df}, with the model's {@code inputs} cast as the feeder casts them (for
   * scoring); fails naming any input column that has no tensor form.
   */
  public static Dataset<Row> prepareInputs(Dataset<Row> df, List<String> inputs) {
    List<String> problems = new ArrayList<>();
    List<Column> out = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      if (inputs.contains(f.name())) {
        String problem = problem(f);
        if (problem != null) {
          problems.add(problem);
        }
        out.add(tensorReady(f));
      } else {
        out.add(col(quote(f.name())));
      }
    }
    if (!problems.isEmpty()) {
      throw new FeedSchemaException("the DataFrame cannot be scored:\n  - " + String.join("\n  - ", problems));
    }
    return df.select(out.toArray(new Column[0]));
  }

  /** The column cast to its tensor form: small ints and int arrays to bigint, booleans to float, decimals to double. */
  static Column tensorReady(StructField f) {
    DataType t = f.dataType();
    Column c = col(quote(f.name()));
    if (isSmallInt(t)) {
      c = c.cast(DataTypes.LongType);
    } else if (t.equals(DataTypes.BooleanType)) {
      c = c.cast(DataTypes.FloatType);
    } else if (t instanceof DecimalType) {
      c = c.cast(DataTypes.DoubleType);
    } else if (t instanceof ArrayType a && isSmallInt(a.elementType())) {
      c = c.cast(DataTypes.createArrayType(DataTypes.LongType, a.containsNull()));
    } else if (isMlVector(t)) {
      c = vectorToArray(c);
    }
    return c.as(f.name());
  }

  /** Spark ML's VectorUDT (dense or sparse vectors). */
  static boolean isMlVector(DataType t) {
    return t.typeName().equals("vector") && t.getClass().getName().startsWith("org.apache.spark.ml");
  }

  /**
   * ML vectors become array<float> through Spark ML's own vector_to_array (dense [n]; sparse
   * vectors are densified). Spark ML is on the classpath whenever such a column exists.
   */
  static Column vectorToArray(Column c) {
    try {
      return (Column) Class.forName("org.apache.spark.ml.functions")
          .getMethod("vector_to_array", Column.class, String.class).invoke(null, c, "float32");
    } catch (ReflectiveOperationException e) {
      throw new FeedSchemaException("an ML vector column needs org.apache.spark.ml.functions.vector_to_array: " + e);
    }
  }

  static String problem(StructField f) {
    DataType t = f.dataType();
    String name = "column '" + f.name() + "' (" + t.simpleString() + ")";
    if (t.equals(DataTypes.FloatType) || t.equals(DataTypes.DoubleType) || t.equals(DataTypes.LongType)
        || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType) || t.equals(DataTypes.ByteType)
        || t.equals(DataTypes.BooleanType) || t instanceof DecimalType) {
      return null;
    }
    if (t instanceof ArrayType a) {
      DataType e = a.elementType();
      return e.equals(DataTypes.FloatType) || e.equals(DataTypes.DoubleType) || e.equals(DataTypes.LongType)
          || isSmallInt(e) ? null : name + ": arrays must hold numbers (float, double, int, bigint); cast the "
          + "elements in preTrain";
    }
    if (isMlVector(t)) {
      return null; // becomes array<float> via vector_to_array
    }
    if (t.equals(DataTypes.StringType)) {
      return name + ": a string column has no tensor encoding; hash it (xxhash64), index it or drop it in preTrain";
    }
    return name + ": maps, structs, binary, dates and timestamps have no dense tensor form; "
        + "flatten, encode or drop it in preTrain";
  }

  /**
   * Data checks that need one pass over the (persisted) DataFrame, also before anything is sent:
   * nulls in any column, ragged arrays, null array elements.
   */
  public static void checkData(Dataset<Row> prepared) {
    List<Column> aggs = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (StructField f : prepared.schema().fields()) {
      Column c = col(quote(f.name()));
      if (f.nullable()) {
        aggs.add(sum(when(c.isNull(), 1).otherwise(0)));
        labels.add("nulls:" + f.name());
      }
      if (f.dataType() instanceof ArrayType a) {
        aggs.add(min(size(c)));
        labels.add("min:" + f.name());
        aggs.add(max(size(c)));
        labels.add("max:" + f.name());
        if (a.containsNull()) {
          aggs.add(sum(when(exists(c, Column::isNull), 1).otherwise(0)));
          labels.add("elemnulls:" + f.name());
        }
      }
    }
    if (aggs.isEmpty()) {
      return;
    }
    Row r = prepared.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      String[] kv = labels.get(i).split(":", 2);
      Object v = r.get(i);
      long n = v == null ? 0 : ((Number) v).longValue();
      switch (kv[0]) {
        case "nulls" -> {
          if (n > 0) {
            problems.add("column '" + kv[1] + "' has " + n + " null value(s); fill them (na().fill) or drop the rows");
          }
        }
        case "elemnulls" -> {
          if (n > 0) {
            problems.add("column '" + kv[1] + "' has null elements inside " + n + " array(s)");
          }
        }
        case "min" -> {
          long mx = r.get(i + 1) == null ? 0 : ((Number) r.get(i + 1)).longValue();
          if (n != mx) {
            problems.add("column '" + kv[1] + "' is ragged: its arrays have " + n + " to " + mx
                + " elements; a dense [batch, n] tensor needs one length (pad or truncate in preTrain)");
          }
        }
        default -> { }
      }
    }
    if (!problems.isEmpty()) {
      throw new FeedSchemaException("the DataFrame preTrain returned cannot be fed to TensorFlow:\n  - "
          + String.join("\n  - ", problems));
    }
  }

  private static boolean isSmallInt(DataType t) {
    return t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType) || t.equals(DataTypes.ByteType);
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
