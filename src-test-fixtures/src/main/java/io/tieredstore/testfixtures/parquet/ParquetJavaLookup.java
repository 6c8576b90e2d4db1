package io.tieredstore.testfixtures.parquet;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.parquet.NoHadoopReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.jspecify.annotations.Nullable;

/**
 * The reference point lookup with parquet-java's own reader and no Hadoop: {@code SELECT columns WHERE key = x} on
 * one file, the way an application without TieredStore would do it. It opens the file (tail and footer), lets
 * {@code readNextFilteredRowGroup} prune row groups by statistics, dictionaries and bloom filters and pages by the
 * column index (reading ColumnIndex and OffsetIndex), reads the remaining pages of the key and the projected
 * columns, and materialises the matching records.
 *
 * <p>Values come back as the Java types of {@link ParquetTable#value} (and of the lookup's rows): {@link #cell}.
 */
public final class ParquetJavaLookup {
    private static final CompressionCodecFactory CODECS = new NoHadoopCodecs();

    private ParquetJavaLookup() {}

    /** A codec factory for parquet-java's reader that needs no Hadoop class. */
    public static CompressionCodecFactory codecs() {
        return CODECS;
    }

    /**
     * The projected values of every row of {@code file} whose INT64 column {@code keyColumn} equals {@code key}, in
     * file order.
     */
    public static List<List<@Nullable Object>> lookup(InputFile file, String keyColumn, long key, List<String> columns)
            throws IOException {
        FilterCompat.Filter filter = FilterCompat.get(FilterApi.eq(FilterApi.longColumn(keyColumn), key));
        List<List<@Nullable Object>> out = new ArrayList<>();
        try (ParquetFileReader reader = ParquetFileReader.open(file, NoHadoopReadOptions.create(CODECS, filter))) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            List<Type> fields = new ArrayList<>();
            fields.add(schema.getType(keyColumn));
            for (String c : columns) {
                fields.add(schema.getType(c));
            }
            MessageType projection = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(projection);
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(projection, schema);
            PageReadStore pages;
            while ((pages = reader.readNextFilteredRowGroup()) != null) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(projection), filter);
                for (long i = 0; i < pages.getRowCount(); i++) {
                    Group g = records.read();
                    if (g == null || records.shouldSkipCurrentRecord()) {
                        continue;
                    }
                    List<@Nullable Object> row = new ArrayList<>(columns.size());
                    for (int f = 1; f < fields.size(); f++) {
                        row.add(cell(g, f));
                    }
                    out.add(Collections.unmodifiableList(row));
                }
            }
        }
        return out;
    }

    /**
     * The Java value of field {@code field} of {@code row} by the schema's types: decimals by the annotation's
     * scale, dates as {@link LocalDate}, UTC timestamps as {@link Instant}, strings as {@link String}, other
     * binaries as {@code byte[]}; null for a missing value.
     */
    public static @Nullable Object cell(Group row, int field) {
        if (row.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        PrimitiveType type = row.getType().getType(field).asPrimitiveType();
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        int scale = logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d ? d.getScale() : -1;
        return switch (type.getPrimitiveTypeName()) {
            case INT32 -> {
                int v = row.getInteger(field, 0);
                if (scale >= 0) {
                    yield BigDecimal.valueOf(v, scale);
                }
                yield logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
                        ? LocalDate.ofEpochDay(v)
                        : (Object) v;
            }
            case INT64 -> {
                long v = row.getLong(field, 0);
                if (scale >= 0) {
                    yield BigDecimal.valueOf(v, scale);
                }
                if (logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts) {
                    yield switch (ts.getUnit()) {
                        case MILLIS -> Instant.ofEpochMilli(v);
                        case MICROS -> Instant.EPOCH.plus(v, ChronoUnit.MICROS);
                        case NANOS -> Instant.EPOCH.plus(v, ChronoUnit.NANOS);
                    };
                }
                yield v;
            }
            case FLOAT -> row.getFloat(field, 0);
            case DOUBLE -> row.getDouble(field, 0);
            case BOOLEAN -> row.getBoolean(field, 0);
            case BINARY ->
                logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                        ? row.getString(field, 0)
                        : row.getBinary(field, 0).getBytes();
            case FIXED_LEN_BYTE_ARRAY -> {
                byte[] bytes = row.getBinary(field, 0).getBytes();
                yield scale >= 0 ? new BigDecimal(new BigInteger(bytes), scale) : bytes;
            }
            case INT96 -> throw new IllegalArgumentException("INT96 not supported: " + type);
        };
    }
}
