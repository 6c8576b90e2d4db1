package io.tieredstore.parquetlookup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.parquet.NoHadoopReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.jspecify.annotations.Nullable;

/**
 * The reference reader: parquet-java's own {@link ParquetFileReader} (no Hadoop; page checksums verified) reading
 * a whole local file, every flat top-level column, row by row, values typed as {@link Row} documents.
 */
final class ReferenceReader {
    private ReferenceReader() {}

    /** One row of a file: its index counting from 0 over all row groups, and its flat columns' values. */
    record RefRow(long index, List<@Nullable Object> values) {}

    /**
     * A file as the reference read it.
     *
     * @param schema the file's whole schema
     * @param columns the flat top-level columns, in schema order
     * @param types their types
     * @param rows every row
     * @param indexes rows by key value, per key column, built on first use
     */
    record RefFile(
            MessageType schema,
            List<String> columns,
            List<PrimitiveType> types,
            List<RefRow> rows,
            Map<String, Map<String, List<RefRow>>> indexes) {

        RefFile(MessageType schema, List<String> columns, List<PrimitiveType> types, List<RefRow> rows) {
            this(schema, columns, types, rows, new ConcurrentHashMap<>());
        }

        int column(String name) {
            int i = columns.indexOf(name);
            if (i < 0) {
                throw new IllegalArgumentException("no flat column " + name + " in " + columns);
            }
            return i;
        }

        PrimitiveType type(String name) {
            return types.get(column(name));
        }

        /** The rows whose {@code keyColumn} equals {@code key} as rows of {@code object}, projected. */
        List<Row> rowsFor(String object, String keyColumn, Object key, List<String> projection) {
            int k = column(keyColumn);
            int[] p = projection.stream().mapToInt(this::column).toArray();
            Map<String, List<RefRow>> index = indexes.computeIfAbsent(keyColumn, c -> {
                Map<String, List<RefRow>> byKey = new HashMap<>();
                for (RefRow r : rows) {
                    Object v = r.values().get(k);
                    if (v != null) {
                        byKey.computeIfAbsent(indexKey(v), x -> new ArrayList<>())
                                .add(r);
                    }
                }
                return byKey;
            });
            List<Row> out = new ArrayList<>();
            for (RefRow r : index.getOrDefault(indexKey(key), List.of())) {
                if (ParquetValues.same(r.values().get(k), key)) {
                    List<@Nullable Object> values = new ArrayList<>(p.length);
                    for (int i : p) {
                        values.add(r.values().get(i));
                    }
                    out.add(new Row(object, r.index(), values));
                }
            }
            return out;
        }

        private static String indexKey(Object v) {
            return v instanceof byte[] b
                    ? "x" + Arrays.toString(b)
                    : v.getClass().getName() + ":" + v;
        }

        /** The distinct non-null values of {@code column}, in first-seen order. */
        List<Object> distinct(String column) {
            int k = column(column);
            List<Object> out = new ArrayList<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RefRow r : rows) {
                Object v = r.values().get(k);
                if (v != null && seen.add(v instanceof byte[] b ? "x" + Arrays.toString(b) : v.getClass() + ":" + v)) {
                    out.add(v);
                }
            }
            return out;
        }
    }

    static ParquetFileReader open(Path path) throws IOException {
        return new ParquetFileReader(new LocalInputFile(path), NoHadoopReadOptions.create(new ReferenceCodecs()));
    }

    /** The schema from the footer only. */
    static MessageType schema(Path path) throws IOException {
        try (ParquetFileReader r = open(path)) {
            return r.getFooter().getFileMetaData().getSchema();
        }
    }

    /** Reads every row of {@code path}'s flat top-level columns; throws whatever parquet-java throws. */
    static RefFile read(Path path) throws IOException {
        try (ParquetFileReader r = open(path)) {
            MessageType schema = r.getFooter().getFileMetaData().getSchema();
            List<Type> flat =
                    schema.getFields().stream().filter(ParquetValues::isFlat).toList();
            List<String> names = flat.stream().map(Type::getName).toList();
            List<PrimitiveType> types = flat.stream().map(Type::asPrimitiveType).toList();
            List<RefRow> rows = new ArrayList<>();
            if (flat.isEmpty()) {
                for (long i = 0; i < r.getRecordCount(); i++) {
                    rows.add(new RefRow(i, List.of()));
                }
                return new RefFile(schema, names, types, rows);
            }
            MessageType projection = new MessageType(schema.getName(), flat);
            r.setRequestedSchema(projection);
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(projection, schema);
            PageReadStore pages;
            long index = 0;
            while ((pages = r.readNextRowGroup()) != null) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(projection));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    Group g = records.read();
                    List<@Nullable Object> values = new ArrayList<>(flat.size());
                    for (int f = 0; f < flat.size(); f++) {
                        values.add(ParquetValues.value(g, f));
                    }
                    rows.add(new RefRow(index++, Collections.unmodifiableList(values)));
                }
            }
            if (index != r.getRecordCount()) {
                throw new IOException("read " + index + " rows, footer says " + r.getRecordCount());
            }
            return new RefFile(schema, names, types, rows);
        }
    }

    /** The first row (counted over the file) of every page of {@code column}, from the offset index; empty if none. */
    static List<Long> pageFirstRows(Path path, String column) throws IOException {
        List<Long> out = new ArrayList<>();
        try (ParquetFileReader r = open(path)) {
            long base = 0;
            for (BlockMetaData block : r.getFooter().getBlocks()) {
                for (ColumnChunkMetaData chunk : block.getColumns()) {
                    if (chunk.getPath().toDotString().equals(column)) {
                        OffsetIndex index = r.readOffsetIndex(chunk);
                        if (index == null) {
                            out.add(base);
                        } else {
                            for (int p = 0; p < index.getPageCount(); p++) {
                                out.add(base + index.getFirstRowIndex(p));
                            }
                        }
                    }
                }
                base += block.getRowCount();
            }
        }
        return out;
    }
}
