package io.tieredstore.testfixtures.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyOrder;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyType;
import io.tieredstore.testfixtures.parquet.ParquetTable.Written;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.BoundaryOrder;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Files written by the generator, read back with parquet-java's reader and from the raw footer. */
class ParquetTableFileTest {
    private static final Set<Encoding> DICTIONARY = EnumSet.of(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Codec.class)
    void everyCodecRoundTripsEveryCell(Codec codec) throws IOException {
        ParquetTable t = ParquetTable.builder()
                .rows(3_000)
                .codec(codec)
                .pageRowLimit(500)
                .rowGroupRowLimit(1_300)
                .build();
        Path file = dir.resolve("t.parquet");
        Written w = t.writeTo(file);
        assertEquals(List.of(1_300L, 1_300L, 400L), w.rowGroupRows());
        assertEquals(Files.size(file), w.bytes());
        assertEquals(file.toString(), w.location());
        assertRoundTrip(t, file);
        FileMetaData footer = ParquetFiles.footer(file);
        assertEquals(3_000, footer.getNum_rows());
        for (ColumnChunk chunk : chunks(footer)) {
            assertEquals(
                    CompressionCodec.valueOf(codec.name()), chunk.getMeta_data().getCodec());
        }
        if (codec != Codec.UNCOMPRESSED) {
            Path plain = dir.resolve("plain.parquet");
            ParquetTable.builder()
                    .rows(3_000)
                    .codec(Codec.UNCOMPRESSED)
                    .pageRowLimit(500)
                    .rowGroupRowLimit(1_300)
                    .build()
                    .writeTo(plain);
            assertTrue(Files.size(file) < Files.size(plain), "compression shrinks the file");
        }
    }

    static Stream<Arguments> keyLayouts() {
        List<Arguments> out = new ArrayList<>();
        for (KeyType type : KeyType.values()) {
            out.add(Arguments.of(type, KeyOrder.SORTED, 1));
            out.add(Arguments.of(type, KeyOrder.SHUFFLED, 3));
        }
        out.add(Arguments.of(KeyType.INT64, KeyOrder.SORTED, 7));
        out.add(Arguments.of(KeyType.STRING, KeyOrder.SHUFFLED, 1));
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("keyLayouts")
    void keyColumnInTheFileMatchesTheLayoutAndRowsForKey(KeyType type, KeyOrder order, int copies) throws IOException {
        ParquetTable t = ParquetTable.builder()
                .rows(2_000)
                .keyType(type)
                .keyOrder(order)
                .duplicates(copies)
                .columns(Column.required("v", ColumnType.INT32))
                .rowGroupRowLimit(700)
                .build();
        Path file = dir.resolve("k.parquet");
        t.writeTo(file);
        List<Group> rows = ParquetFiles.readAll(file);
        assertEquals(2_000, rows.size());
        Map<Object, List<Long>> rowsByKey = new HashMap<>();
        int descents = 0;
        Comparable<Object> previous = null;
        for (int r = 0; r < rows.size(); r++) {
            Object key = Objects.requireNonNull(ParquetFiles.cell(rows.get(r), 0));
            assertEquals(t.key(r), key, "row " + r);
            rowsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add((long) r);
            @SuppressWarnings("unchecked") // every key type is Comparable to itself
            Comparable<Object> current = (Comparable<Object>) key;
            if (previous != null && previous.compareTo(current) > 0) {
                descents++;
            }
            previous = current;
        }
        if (order == KeyOrder.SORTED) {
            assertEquals(0, descents);
        } else {
            assertTrue(descents > 500, "shuffled keys descend often: " + descents);
        }
        assertEquals(t.distinctKeys(), rowsByKey.size());
        for (Map.Entry<Object, List<Long>> e : rowsByKey.entrySet()) {
            long[] expected = e.getValue().stream().mapToLong(Long::longValue).toArray();
            assertArrayEquals(expected, t.rowsForKey(e.getKey()), "rows of key " + e.getKey());
            assertTrue(expected.length == copies || expected.length == 2_000 % copies, "copies of " + e.getKey());
        }
        for (long o = -1; o < t.distinctKeys(); o += 97) {
            assertFalse(rowsByKey.containsKey(t.absentKeyAfter(o)), "absent key present in the file");
        }
    }

    @Test
    void pageIndexesCanBeRemoved() throws IOException {
        ParquetTable.Builder b =
                ParquetTable.builder().rows(4_000).pageRowLimit(250).rowGroupRowLimit(1_500);
        Path with = dir.resolve("with.parquet");
        Path without = dir.resolve("without.parquet");
        ParquetTable withIndexes = b.build();
        withIndexes.writeTo(with);
        ParquetTable withoutIndexes = b.pageIndexes(false).build();
        Written w = withoutIndexes.writeTo(without);
        assertEquals(Files.size(without), w.bytes());
        assertTrue(Files.size(without) < Files.size(with));

        List<ColumnChunk> on = chunks(ParquetFiles.footer(with));
        List<ColumnChunk> off = chunks(ParquetFiles.footer(without));
        assertEquals(3 * 29, on.size());
        assertEquals(on.size(), off.size());
        long dataEnd = 0;
        for (int i = 0; i < on.size(); i++) {
            assertTrue(on.get(i).isSetColumn_index_offset() && on.get(i).isSetOffset_index_offset());
            assertFalse(off.get(i).isSetColumn_index_offset() || off.get(i).isSetColumn_index_length());
            assertFalse(off.get(i).isSetOffset_index_offset() || off.get(i).isSetOffset_index_length());
            assertEquals(on.get(i).getMeta_data(), off.get(i).getMeta_data(), "column chunks unchanged");
            ColumnMetaData m = on.get(i).getMeta_data();
            dataEnd = Math.max(dataEnd, m.getData_page_offset() + m.getTotal_compressed_size());
        }
        assertTrue(Files.size(without) > dataEnd);
        assertEquals(-1, mismatchBefore(with, without, dataEnd), "column data byte-identical");

        try (ParquetFileReader reader = ParquetFiles.open(with)) {
            BlockMetaData block = reader.getRowGroups().get(0);
            ColumnChunkMetaData id = block.getColumns().get(0);
            ColumnIndex index = reader.readColumnIndex(id);
            OffsetIndex offsets = reader.readOffsetIndex(id);
            assertNotNull(index);
            assertNotNull(offsets);
            assertEquals(6, offsets.getPageCount(), "1500 rows in pages of 250");
            assertEquals(BoundaryOrder.ASCENDING, index.getBoundaryOrder());
        }
        try (ParquetFileReader reader = ParquetFiles.open(without)) {
            ColumnChunkMetaData id = reader.getRowGroups().get(0).getColumns().get(0);
            assertNull(reader.readColumnIndex(id));
            assertNull(reader.readOffsetIndex(id));
        }
        assertRoundTrip(withoutIndexes, without);
    }

    @Test
    void dictionaryCanBeTurnedOff() throws IOException {
        ParquetTable.Builder b = ParquetTable.builder().rows(3_000);
        Path on = dir.resolve("dict.parquet");
        Path off = dir.resolve("plain.parquet");
        b.build().writeTo(on);
        ParquetTable plain = b.dictionary(false).build();
        plain.writeTo(off);
        Map<String, ColumnMetaData> withDict = byColumn(ParquetFiles.footer(on));
        ColumnMetaData cat = Objects.requireNonNull(withDict.get("cat"));
        assertTrue(cat.isSetDictionary_page_offset());
        assertTrue(
                cat.getEncodings().stream().anyMatch(DICTIONARY::contains),
                cat.getEncodings().toString());
        assertEquals(
                PageType.DICTIONARY_PAGE,
                ParquetFiles.pageHeader(on, cat.getDictionary_page_offset()).getType());
        for (ColumnMetaData m : byColumn(ParquetFiles.footer(off)).values()) {
            assertFalse(m.isSetDictionary_page_offset(), m.getPath_in_schema().toString());
            assertFalse(
                    m.getEncodings().stream().anyMatch(DICTIONARY::contains),
                    m.getEncodings().toString());
        }
        assertRoundTrip(plain, off);
    }

    @Test
    void rowGroupRowLimitSplitsRowGroupsExactly() throws IOException {
        Path file = dir.resolve("rg.parquet");
        Written w =
                ParquetTable.builder().rows(1_000).rowGroupRowLimit(300).build().writeTo(file);
        assertEquals(List.of(300L, 300L, 300L, 100L), w.rowGroupRows());
        assertEquals(4, w.rowGroups());
        List<Long> fromFooter = new ArrayList<>();
        for (RowGroup rg : ParquetFiles.footer(file).getRow_groups()) {
            fromFooter.add(rg.getNum_rows());
        }
        assertEquals(w.rowGroupRows(), fromFooter);
    }

    @Test
    void rowGroupSizeInBytesGivesSeveralRowGroups() throws IOException {
        Path file = dir.resolve("rg.parquet");
        ParquetTable t = ParquetTable.builder()
                .rows(20_000)
                .columns(Column.required("blob", ColumnType.BINARY), Column.required("name", ColumnType.STRING))
                .rowGroupSize(64 * 1024)
                .build();
        Written w = t.writeTo(file);
        assertTrue(w.rowGroups() >= 5, "row groups: " + w.rowGroupRows());
        assertEquals(
                20_000, w.rowGroupRows().stream().mapToLong(Long::longValue).sum());
        for (RowGroup rg : ParquetFiles.footer(file).getRow_groups()) {
            assertTrue(rg.getTotal_byte_size() < 3 * 64 * 1024, "row group of " + rg.getTotal_byte_size() + " bytes");
        }
        assertRoundTrip(t, file);
    }

    @Test
    void pageSizeAndPageRowLimitGiveSeveralPages() throws IOException {
        Path byRows = dir.resolve("rows.parquet");
        ParquetTable.builder().rows(1_000).pageRowLimit(100).build().writeTo(byRows);
        try (ParquetFileReader reader = ParquetFiles.open(byRows)) {
            for (ColumnChunkMetaData chunk : reader.getRowGroups().get(0).getColumns()) {
                OffsetIndex pages = Objects.requireNonNull(reader.readOffsetIndex(chunk));
                assertEquals(10, pages.getPageCount(), chunk.getPath().toDotString());
                for (int p = 0; p < pages.getPageCount(); p++) {
                    assertEquals(100L * p, pages.getFirstRowIndex(p));
                }
            }
        }
        Path bySize = dir.resolve("size.parquet");
        Path big = dir.resolve("big.parquet");
        ParquetTable.Builder b = ParquetTable.builder()
                .rows(10_000)
                .columns(Column.required("i64", ColumnType.INT64))
                .dictionary(false);
        b.build().writeTo(big);
        b.pageSize(8 * 1024).build().writeTo(bySize);
        try (ParquetFileReader small = ParquetFiles.open(bySize);
                ParquetFileReader large = ParquetFiles.open(big)) {
            ColumnChunkMetaData chunk = small.getRowGroups().get(0).getColumns().get(1);
            OffsetIndex pages = Objects.requireNonNull(small.readOffsetIndex(chunk));
            // 80,000 bytes of INT64 values in pages of about 8 KiB.
            assertTrue(pages.getPageCount() >= 8 && pages.getPageCount() <= 12, "pages: " + pages.getPageCount());
            for (int p = 0; p < pages.getPageCount(); p++) {
                assertTrue(pages.getCompressedPageSize(p) < 12 * 1024, "page " + p);
            }
            ColumnChunkMetaData defaultChunk =
                    large.getRowGroups().get(0).getColumns().get(1);
            assertEquals(
                    1,
                    Objects.requireNonNull(large.readOffsetIndex(defaultChunk)).getPageCount());
        }
    }

    @Test
    void dataPageV2IsWrittenOnRequest() throws IOException {
        Path v1 = dir.resolve("v1.parquet");
        Path v2 = dir.resolve("v2.parquet");
        ParquetTable.Builder b = ParquetTable.builder().rows(2_000).dictionary(false);
        b.build().writeTo(v1);
        ParquetTable t2 = b.dataPageV2(true).build();
        t2.writeTo(v2);
        for (ColumnChunk chunk : chunks(ParquetFiles.footer(v1))) {
            long offset = chunk.getMeta_data().getData_page_offset();
            assertEquals(PageType.DATA_PAGE, ParquetFiles.pageHeader(v1, offset).getType());
        }
        for (ColumnChunk chunk : chunks(ParquetFiles.footer(v2))) {
            long offset = chunk.getMeta_data().getData_page_offset();
            assertEquals(
                    PageType.DATA_PAGE_V2, ParquetFiles.pageHeader(v2, offset).getType());
        }
        assertRoundTrip(t2, v2);
    }

    @Test
    void sameSettingsGiveIdenticalBytes() throws IOException {
        for (Codec codec : Codec.values()) {
            for (boolean indexes : new boolean[] {true, false}) {
                ParquetTable.Builder b = ParquetTable.builder()
                        .rows(1_500)
                        .codec(codec)
                        .keyOrder(KeyOrder.SHUFFLED)
                        .pageIndexes(indexes)
                        .pageRowLimit(400);
                Path first = dir.resolve("a.parquet");
                Path second = dir.resolve("b.parquet");
                Path other = dir.resolve("c.parquet");
                b.build().writeTo(first);
                b.build().writeTo(second);
                b.seed(7).build().writeTo(other);
                assertEquals(-1, Files.mismatch(first, second), codec + " indexes=" + indexes);
                assertNotEquals(-1, Files.mismatch(first, other), codec + " indexes=" + indexes);
            }
        }
    }

    @Test
    void schemaCarriesThePhysicalAndLogicalTypes() throws IOException {
        Path file = dir.resolve("s.parquet");
        ParquetTable t = ParquetTable.builder().rows(10).build();
        t.writeTo(file);
        MessageType schema;
        try (ParquetFileReader reader = ParquetFiles.open(file)) {
            schema = reader.getFooter().getFileMetaData().getSchema();
        }
        assertEquals(t.schema(), schema);
        assertEquals(29, schema.getFieldCount());
        assertPrimitive(schema, "id", PrimitiveTypeName.INT64, null, Repetition.REQUIRED);
        for (String suffix : new String[] {"", "_n"}) {
            Repetition rep = suffix.isEmpty() ? Repetition.REQUIRED : Repetition.OPTIONAL;
            assertPrimitive(schema, "i32" + suffix, PrimitiveTypeName.INT32, null, rep);
            assertPrimitive(schema, "i64" + suffix, PrimitiveTypeName.INT64, null, rep);
            assertPrimitive(schema, "f32" + suffix, PrimitiveTypeName.FLOAT, null, rep);
            assertPrimitive(schema, "f64" + suffix, PrimitiveTypeName.DOUBLE, null, rep);
            assertPrimitive(schema, "flag" + suffix, PrimitiveTypeName.BOOLEAN, null, rep);
            LogicalTypeAnnotation string = LogicalTypeAnnotation.stringType();
            assertPrimitive(schema, "name" + suffix, PrimitiveTypeName.BINARY, string, rep);
            assertPrimitive(schema, "cat" + suffix, PrimitiveTypeName.BINARY, string, rep);
            assertPrimitive(schema, "blob" + suffix, PrimitiveTypeName.BINARY, null, rep);
            assertDecimal(schema, "price" + suffix, PrimitiveTypeName.INT32, 9, 2);
            assertDecimal(schema, "amount" + suffix, PrimitiveTypeName.INT64, 18, 4);
            assertDecimal(schema, "big_amount" + suffix, PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, 38, 9);
            assertEquals(
                    16, schema.getType("big_amount" + suffix).asPrimitiveType().getTypeLength());
            assertPrimitive(schema, "day" + suffix, PrimitiveTypeName.INT32, LogicalTypeAnnotation.dateType(), rep);
            assertTimestamp(schema, "ts_ms" + suffix, TimeUnit.MILLIS);
            assertTimestamp(schema, "ts" + suffix, TimeUnit.MICROS);
        }
        assertKeyType(KeyType.INT32, PrimitiveTypeName.INT32, null);
        assertKeyType(KeyType.STRING, PrimitiveTypeName.BINARY, LogicalTypeAnnotation.stringType());
        assertKeyType(KeyType.DATE, PrimitiveTypeName.INT32, LogicalTypeAnnotation.dateType());
        assertKeyType(
                KeyType.TIMESTAMP_MILLIS,
                PrimitiveTypeName.INT64,
                LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS));
        assertKeyType(
                KeyType.TIMESTAMP_MICROS,
                PrimitiveTypeName.INT64,
                LogicalTypeAnnotation.timestampType(true, TimeUnit.MICROS));
        assertKeyType(KeyType.DECIMAL, PrimitiveTypeName.INT64, LogicalTypeAnnotation.decimalType(4, 18));
        // The settings are recorded in the file for whoever inspects it.
        assertEquals(
                t.toString(),
                ParquetFiles.footer(file).getKey_value_metadata().stream()
                        .filter(kv -> kv.getKey().equals("tieredstore.table"))
                        .findFirst()
                        .orElseThrow()
                        .getValue());
    }

    @Test
    void nullsInTheFileFollowTheOracle() throws IOException {
        Path file = dir.resolve("n.parquet");
        ParquetTable t = ParquetTable.builder()
                .rows(2_000)
                .columns(
                        Column.nullable("some", ColumnType.STRING, 0.3),
                        Column.nullable("all", ColumnType.DECIMAL_FIXED, 1),
                        Column.nullable("none", ColumnType.INT64, 0))
                .build();
        t.writeTo(file);
        Map<String, ColumnMetaData> meta = byColumn(ParquetFiles.footer(file));
        long expectedNulls = 0;
        for (long r = 0; r < t.rows(); r++) {
            expectedNulls += t.value("some", r) == null ? 1 : 0;
        }
        assertTrue(expectedNulls > 450 && expectedNulls < 750, "nulls: " + expectedNulls);
        assertEquals(expectedNulls, nullCount(meta, "some"));
        assertEquals(2_000, nullCount(meta, "all"));
        assertEquals(0, nullCount(meta, "none"));
        assertRoundTrip(t, file);
    }

    @Test
    void emptyTableIsAValidFile() throws IOException {
        Path file = dir.resolve("e.parquet");
        Written w = ParquetTable.builder().rows(0).build().writeTo(file);
        assertEquals(0, w.rows());
        assertEquals(0, w.rowGroups());
        assertEquals(0, ParquetFiles.footer(file).getNum_rows());
        assertEquals(0, ParquetFiles.readAll(file).size());
        Path stripped = dir.resolve("e2.parquet");
        ParquetTable.builder().rows(0).pageIndexes(false).build().writeTo(stripped);
        assertEquals(0, ParquetFiles.readAll(stripped).size());
    }

    @Test
    void writeToReplacesAnExistingFile() throws IOException {
        Path file = dir.resolve("r.parquet");
        Files.write(file, new byte[1 << 20]);
        ParquetTable t = ParquetTable.builder().rows(100).build();
        Written w = t.writeTo(file);
        assertEquals(Files.size(file), w.bytes());
        assertTrue(w.bytes() < 1 << 20);
        assertRoundTrip(t, file);
    }

    @Test
    @ExtendWith(S3Extension.class)
    void uploadPutsTheSameBytesAndCleansUp(S3Fixture s3) throws IOException {
        ParquetTable t = ParquetTable.builder().rows(1_000).codec(Codec.ZSTD).build();
        Path local = dir.resolve("u.parquet");
        t.writeTo(local);
        Set<Path> tmpBefore = tempFiles();
        Written w = t.uploadTo(s3.s3(), s3.bucket(), "tables/u.parquet");
        assertEquals("s3://" + s3.bucket() + "/tables/u.parquet", w.location());
        assertEquals(1_000, w.rows());
        byte[] stored = s3.origin()
                .getObjectAsBytes(b -> b.bucket(s3.bucket()).key("tables/u.parquet"))
                .asByteArray();
        assertArrayEquals(Files.readAllBytes(local), stored);
        assertEquals(stored.length, w.bytes());
        assertEquals(1, s3.counters().requests(S3Operation.PUT), "one PutObject");
        assertEquals(tmpBefore, tempFiles(), "temporary file deleted");
    }

    // ---------------------------------------------------------------- helpers

    /** Asserts that every cell of {@code file}, nulls included, equals the oracle. */
    static void assertRoundTrip(ParquetTable t, Path file) throws IOException {
        List<Group> rows = ParquetFiles.readAll(file);
        assertEquals(t.rows(), rows.size());
        List<String> names = new ArrayList<>();
        names.add(ParquetTable.KEY_COLUMN);
        t.columns().forEach(c -> names.add(c.name()));
        for (int r = 0; r < rows.size(); r++) {
            Group row = rows.get(r);
            assertEquals(names.size(), row.getType().getFieldCount());
            for (int f = 0; f < names.size(); f++) {
                Object expected = t.value(names.get(f), r);
                Object actual = ParquetFiles.cell(row, f);
                if (expected instanceof byte[] bytes) {
                    assertArrayEquals(bytes, (byte[]) actual, names.get(f) + " row " + r);
                } else {
                    assertEquals(expected, actual, names.get(f) + " row " + r);
                }
            }
        }
    }

    private static List<ColumnChunk> chunks(FileMetaData footer) {
        List<ColumnChunk> out = new ArrayList<>();
        footer.getRow_groups().forEach(rg -> out.addAll(rg.getColumns()));
        return out;
    }

    /** Column metadata of the first row group by column name. */
    private static Map<String, ColumnMetaData> byColumn(FileMetaData footer) {
        Map<String, ColumnMetaData> out = new HashMap<>();
        for (ColumnChunk chunk : footer.getRow_groups().get(0).getColumns()) {
            out.put(chunk.getMeta_data().getPath_in_schema().get(0), chunk.getMeta_data());
        }
        return out;
    }

    private static long nullCount(Map<String, ColumnMetaData> meta, String column) {
        return Objects.requireNonNull(meta.get(column)).getStatistics().getNull_count();
    }

    private static long mismatchBefore(Path a, Path b, long length) throws IOException {
        try (InputStream ia = Files.newInputStream(a);
                InputStream ib = Files.newInputStream(b)) {
            byte[] ba = ia.readNBytes((int) length);
            byte[] bb = ib.readNBytes((int) length);
            return Arrays.mismatch(ba, bb);
        }
    }

    private static void assertPrimitive(
            MessageType schema,
            String name,
            PrimitiveTypeName physical,
            @Nullable LogicalTypeAnnotation logical,
            Repetition repetition) {
        PrimitiveType type = schema.getType(name).asPrimitiveType();
        assertEquals(physical, type.getPrimitiveTypeName(), name);
        assertEquals(logical, type.getLogicalTypeAnnotation(), name);
        assertEquals(repetition, type.getRepetition(), name);
    }

    private static void assertDecimal(
            MessageType schema, String name, PrimitiveTypeName physical, int precision, int scale) {
        PrimitiveType type = schema.getType(name).asPrimitiveType();
        assertEquals(physical, type.getPrimitiveTypeName(), name);
        DecimalLogicalTypeAnnotation d = (DecimalLogicalTypeAnnotation) type.getLogicalTypeAnnotation();
        assertEquals(precision, d.getPrecision(), name);
        assertEquals(scale, d.getScale(), name);
    }

    private static void assertTimestamp(MessageType schema, String name, TimeUnit unit) {
        PrimitiveType type = schema.getType(name).asPrimitiveType();
        assertEquals(PrimitiveTypeName.INT64, type.getPrimitiveTypeName(), name);
        TimestampLogicalTypeAnnotation ts = (TimestampLogicalTypeAnnotation) type.getLogicalTypeAnnotation();
        assertEquals(unit, ts.getUnit(), name);
        assertTrue(ts.isAdjustedToUTC(), name);
    }

    private void assertKeyType(KeyType keyType, PrimitiveTypeName physical, @Nullable LogicalTypeAnnotation logical)
            throws IOException {
        Path file = dir.resolve("key-" + keyType + ".parquet");
        ParquetTable t = ParquetTable.builder()
                .rows(50)
                .keyType(keyType)
                .columns(List.of())
                .build();
        t.writeTo(file);
        try (ParquetFileReader reader = ParquetFiles.open(file)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            assertPrimitive(schema, "id", physical, logical, Repetition.REQUIRED);
        }
        assertRoundTrip(t, file);
    }

    private static Set<Path> tempFiles() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> files = Files.list(tmp)) {
            Set<Path> out = new HashSet<>();
            files.filter(p -> p.getFileName().toString().startsWith("parquet-table-"))
                    .forEach(out::add);
            return out;
        }
    }
}
