package org.spindle.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;
import org.spindle.feeder.AlignedAllocation;
import org.spindle.tensorflow.feed.ArrowTensors;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;
import scala.Function1;

/**
 * Batch prediction on the executors: every partition is scored with the exported SavedModel, batch
 * by batch through the same Arrow-to-tensor path the feeder uses, and the DataFrame comes back with
 * a prediction column. The model is loaded once per executor JVM.
 */
public final class Predictor {
  private Predictor() {}

  /** Scores {@code df} with the SavedModel at {@code savedModelDir}; adds the float column "prediction". */
  public static Dataset<Row> scoreDataFrame(Dataset<Row> df, String savedModelDir) throws IOException {
    return scoreDataFrame(df, savedModelDir, "prediction", 4096);
  }

  /**
   * The signature's inputs are read from the DataFrame's columns of the same names (cast as the
   * feeder casts them); its first output, one value per row, becomes {@code predictionColumn}.
   */
  public static Dataset<Row> scoreDataFrame(Dataset<Row> df, String savedModelDir, String predictionColumn,
                                            int batchRows) throws IOException {
    List<String> inputs;
    String output;
    Map<String, Map.Entry<String, Integer>> types;
    try (org.spindle.tensorflow.Predictor p = org.spindle.tensorflow.Predictor.load(savedModelDir)) {
      inputs = p.inputNames();
      output = p.outputNames().get(0);
      types = p.inputTypes();
    }
    List<String> columns = List.of(df.schema().fieldNames());
    List<String> missing = inputs.stream().filter(i -> !columns.contains(i)).toList();
    if (!missing.isEmpty()) {
      throw new FeedSchemaException("the model at " + savedModelDir + " needs inputs " + missing
          + " that the DataFrame does not have; its columns are " + columns);
    }
    Dataset<Row> typed = castToModel(FeedColumns.prepareInputs(df, inputs), types);
    // The model's input columns come back cast to the dtypes the model takes.
    StructType out = typed.schema().add(predictionColumn, DataTypes.FloatType, false);
    return typed.mapPartitions(new Scorer(savedModelDir, inputs, output, typed.schema(), batchRows),
        Encoders.row(out));
  }

  /** Casts each input column to the dtype the signature declares (double to float, int to long, ...). */
  static Dataset<Row> castToModel(Dataset<Row> df, Map<String, Map.Entry<String, Integer>> types) {
    List<Column> out = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      Column c = org.apache.spark.sql.functions.col("`" + f.name() + "`");
      Map.Entry<String, Integer> t = types.get(f.name());
      org.apache.spark.sql.types.DataType scalar = t == null ? null : switch (t.getKey()) {
        case "DT_FLOAT" -> DataTypes.FloatType;
        case "DT_DOUBLE" -> DataTypes.DoubleType;
        case "DT_INT64" -> DataTypes.LongType;
        case "DT_INT32" -> DataTypes.IntegerType;
        default -> null;
      };
      if (scalar != null) {
        c = c.cast(f.dataType() instanceof org.apache.spark.sql.types.ArrayType a
            ? DataTypes.createArrayType(scalar, a.containsNull()) : scalar);
      }
      out.add(c.as(f.name()));
    }
    return df.select(out.toArray(new Column[0]));
  }

  private static final Map<String, org.spindle.tensorflow.Predictor> MODELS = new ConcurrentHashMap<>();

  private static org.spindle.tensorflow.Predictor model(String uri) {
    return MODELS.computeIfAbsent(uri, u -> {
      try {
        return org.spindle.tensorflow.Predictor.load(u);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the SavedModel at " + u, e);
      }
    });
  }

  private static final class Scorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final String uri;
    private final List<String> inputs;
    private final String output;
    private final StructType typed;
    private final int batchRows;

    Scorer(String uri, List<String> inputs, String output, StructType typed, int batchRows) {
      this.uri = uri;
      this.inputs = List.copyOf(inputs);
      this.output = output;
      this.typed = typed;
      this.batchRows = batchRows;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      org.spindle.tensorflow.Predictor model = model(uri);
      StructType inputSchema = new StructType(inputs.stream().map(i -> typed.apply(i)).toArray(StructField[]::new));
      int[] inputIndex = inputs.stream().mapToInt(i -> typed.fieldIndex(i)).toArray();
      int width = typed.fields().length;
      List<Function1<Object, Object>> toCatalyst = new ArrayList<>();
      for (StructField f : inputSchema.fields()) {
        toCatalyst.add(CatalystTypeConverters.createToCatalystConverter(f.dataType()));
      }
      return new Iterator<>() {
        private final List<Row> batch = new ArrayList<>();
        private float[] scores = new float[0];
        private int next;

        @Override
        public boolean hasNext() {
          if (next < batch.size()) {
            return true;
          }
          fill();
          return next < batch.size();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          Row r = batch.get(next);
          Object[] values = new Object[width + 1];
          for (int i = 0; i < width; i++) {
            values[i] = r.get(i);
          }
          values[width] = scores[next++];
          return RowFactory.create(values);
        }

        private void fill() {
          batch.clear();
          next = 0;
          while (rows.hasNext() && batch.size() < batchRows) {
            batch.add(rows.next());
          }
          if (batch.isEmpty()) {
            return;
          }
          try (BufferAllocator allocator = AlignedAllocation.rootAllocator(Long.MAX_VALUE);
               VectorSchemaRoot root = VectorSchemaRoot.create(ArrowUtils.toArrowSchema(inputSchema, "UTC", true, false),
                   allocator)) {
            ArrowWriter writer = ArrowWriter.create(root);
            for (Row r : batch) {
              GenericInternalRow ir = new GenericInternalRow(inputIndex.length);
              for (int c = 0; c < inputIndex.length; c++) {
                ir.update(c, toCatalyst.get(c).apply(r.get(inputIndex[c])));
              }
              writer.write(ir);
            }
            writer.finish();
            Map<String, Tensor> tensors = new ArrowTensors().convert(root);
            try (Result res = model.predict(tensors)) {
              TFloat32 out = (TFloat32) res.get(output).orElseThrow(() -> new IllegalStateException(
                  "the model returned no output '" + output + "'"));
              if (out.size() != batch.size()) {
                throw new IllegalStateException("output '" + output + "' has " + out.size() + " values for "
                    + batch.size() + " rows; scoreDataFrame needs one value per row");
              }
              scores = new float[batch.size()];
              FloatDataBuffer data = out.asRawTensor().data().asFloats();
              data.read(scores);
            } finally {
              tensors.values().forEach(Tensor::close);
            }
          }
        }
      };
    }
  }
}
