package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.TieredStore;
import io.tieredstore.parquetlookup.LookupHarness.Outcome;
import io.tieredstore.parquetlookup.ReferenceReader.RefFile;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyOrder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input: the {@code parquet-testing/bad_data} files, and generated files truncated, with flipped bytes,
 * or over the configured size caps. Every lookup must give a typed error ({@link CorruptParquetException},
 * {@link UnsupportedParquetException}) or exactly the answer a reference reader gives; never another exception,
 * never a hang ({@link LookupHarness#HANG_LIMIT}), never a row that is not in the file. An object overwritten
 * under STRICT consistency gives {@link ObjectChangedException} or the new content's answer, never a mix.
 */
@ExtendWith(S3Extension.class)
class BadDataTest {
    private static final String KEY = ParquetTable.KEY_COLUMN;

    @TempDir
    static Path dir;

    private static S3Fixture s3;
    private static TieredStore store;

    @BeforeAll
    static void start(S3Fixture fixture) {
        s3 = fixture;
        store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 4096);
    }

    @AfterAll
    static void stop() {
        store.close();
    }

    static Stream<String> badFiles() {
        return LookupHarness.parquetTesting("bad_data").stream()
                .map(p -> p.getFileName().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badDataGivesATypedErrorOrTheReferenceAnswer(String name, TestReporter report) {
        Path file = LookupHarness.sharedData()
                .resolve("parquet-testing")
                .resolve("bad_data")
                .resolve(name);
        String object = "bad/" + name;
        s3.foreignWriter().put(object, file);
        RefFile ref = null;
        MessageType schema = null;
        try {
            schema = ReferenceReader.schema(file);
            ref = ReferenceReader.read(file);
        } catch (IOException | RuntimeException | LinkageError e) {
            report.publishEntry("reference-unreadable", name + ": " + e);
        }
        List<String> flat = new ArrayList<>();
        List<PrimitiveType> types = new ArrayList<>();
        if (schema != null) {
            for (Type t : schema.getFields()) {
                if (ParquetValues.isFlat(t)) {
                    flat.add(t.getName());
                    types.add(t.asPrimitiveType());
                }
            }
        }
        int checked = 0;
        for (int c = 0; c < flat.size(); c++) {
            if (!ParquetValues.isKeyType(types.get(c))) {
                continue;
            }
            String keyColumn = flat.get(c);
            List<Object> keys = new ArrayList<>();
            if (ref != null) {
                keys.addAll(ref.distinct(keyColumn));
                keys.addAll(CorpusKeys.absent(types.get(c), keys));
            } else {
                keys.addAll(CorpusKeys.absent(types.get(c), List.of()));
            }
            try (ParquetLookup lookup = LookupHarness.lookup(store, s3, List.of(object), keyColumn, flat)
                    .build()) {
                for (Object k : keys) {
                    String what = name + " key " + keyColumn + " = " + ParquetValues.show(k);
                    LookupResult r = Outcome.of(() -> lookup.get(k)).typedErrorOrValue(what);
                    checked++;
                    if (r != null) {
                        if (ref == null) {
                            assertTrue(r.isEmpty(), what + ": rows that no reference can confirm: " + r.rows());
                        } else {
                            LookupHarness.assertRows(ref.rowsFor(object, keyColumn, k, flat), r, what);
                        }
                    }
                }
            }
        }
        if (checked == 0) {
            // No flat column of a key type, or no readable schema: a lookup on the first column (with a key of
            // its Java type) is a typed error, or the reference's answer; with no reference, no row at all.
            String column = flat.isEmpty()
                    ? (schema == null ? "id" : schema.getFields().get(0).getName())
                    : flat.get(0);
            Object k = flat.isEmpty() ? 1 : (ref != null ? anyValue(ref, column) : CorpusKeys.sample(types.get(0)));
            try (ParquetLookup lookup = LookupHarness.lookup(store, s3, List.of(object), column, flat)
                    .build()) {
                String what = name + ": a lookup on " + column + " = " + ParquetValues.show(k);
                LookupResult r = Outcome.of(() -> lookup.get(k)).typedErrorOrValue(what);
                if (r != null && ref != null) {
                    LookupHarness.assertRows(ref.rowsFor(object, column, k, flat), r, what);
                } else if (r != null) {
                    assertTrue(r.isEmpty(), what + ": rows that no reference can confirm: " + r.rows());
                }
            }
        }
    }

    private static Object anyValue(RefFile ref, String column) {
        List<Object> present = ref.distinct(column);
        return present.isEmpty() ? CorpusKeys.sample(ref.type(column)) : present.get(0);
    }

    // ------------------------------------------------------------------------------------------ generated

    /** A small file: 240 rows, 2 row groups, 20-row pages, a nullable string, a decimal, a double. */
    private static ParquetTable small(Codec codec, boolean pageIndexes, long seed) {
        return ParquetTable.builder()
                .rows(240)
                .keyOrder(KeyOrder.SORTED)
                .columns(
                        Column.required("amount", ColumnType.DECIMAL_FIXED),
                        Column.nullable("name", ColumnType.STRING, 0.3),
                        Column.required("f64", ColumnType.DOUBLE))
                .codec(codec)
                .pageRowLimit(20)
                .rowGroupRowLimit(130)
                .pageIndexes(pageIndexes)
                .seed(seed)
                .build();
    }

    private static final List<String> COLUMNS = List.of(KEY, "amount", "name", "f64");

    /** Present keys of a {@code small} table, and a few absent ones. */
    private static List<Object> keys(ParquetTable t, boolean presentOnly) {
        List<Object> keys = new ArrayList<>();
        for (long o = 0; o < t.distinctKeys(); o += 7) {
            keys.add(t.distinctKey(o));
        }
        keys.add(t.distinctKey(t.distinctKeys() - 1));
        if (!presentOnly) {
            keys.add(t.absentKeyAfter(-1));
            keys.add(t.absentKeyAfter(t.distinctKeys() / 2));
            keys.add(t.absentKeyAfter(t.distinctKeys() - 1));
        }
        return keys;
    }

    private static Path write(ParquetTable t, String name) throws IOException {
        Path p = dir.resolve(name);
        t.writeTo(p);
        return p;
    }

    /** Any cut of the file loses the footer: every lookup of a present key is a typed error. */
    @ParameterizedTest
    @EnumSource(
            value = Codec.class,
            names = {"SNAPPY", "UNCOMPRESSED"})
    void truncatedFilesGiveTypedErrors(Codec codec) throws IOException {
        ParquetTable t = small(codec, codec == Codec.SNAPPY, 7);
        byte[] whole = Files.readAllBytes(write(t, "trunc-" + codec + ".parquet"));
        List<Integer> cuts = new ArrayList<>(List.of(0, 1, 4, 7, 8, 12));
        for (int i = 1; i <= 64; i++) {
            cuts.add(whole.length - i);
        }
        for (int i = 1; i < 16; i++) {
            cuts.add(whole.length * i / 16);
        }
        List<Object> keys = keys(t, true);
        for (int cut : cuts) {
            String object = "trunc/" + codec + "/" + cut + ".parquet";
            s3.foreignWriter().put(object, Arrays.copyOf(whole, cut));
            try (ParquetLookup lookup = LookupHarness.lookup(store, s3, List.of(object), KEY, COLUMNS)
                    .build()) {
                Object k = keys.get(cut % keys.size());
                Outcome<LookupResult> o = Outcome.of(() -> lookup.get(k));
                assertTrue(o.failed(), "cut at " + cut + " of " + whole.length + " answered " + o.value());
                assertTrue(LookupHarness.isTyped(o.error()), "cut at " + cut + ": " + o.error());
                Outcome<List<LookupResult>> all = Outcome.of(() -> lookup.getAll(keys));
                assertTrue(all.failed() && LookupHarness.isTyped(all.error()), "getAll, cut at " + cut + ": " + all);
            }
        }
    }

    /**
     * Seeded byte flips in the footer, the page indexes and the pages. A lookup may fail with a typed error, or
     * answer as the original file does (the flip was in bytes it did not need) or as parquet-java reads the
     * mutated file; a flip in the metadata may also make it skip rows (lying statistics), but every row it returns
     * must be one of the mutated file's rows for that key.
     */
    @ParameterizedTest
    @EnumSource(
            value = Codec.class,
            names = {"SNAPPY", "UNCOMPRESSED", "ZSTD"})
    void flippedBytesNeverGiveWrongRows(Codec codec, TestReporter report) throws IOException {
        ParquetTable t = small(codec, codec != Codec.ZSTD, 11);
        Path original = write(t, "flip-" + codec + ".parquet");
        RefFile ref = ReferenceReader.read(original);
        byte[] whole = Files.readAllBytes(original);
        long dataEnd = 0;
        try (ParquetFileReader r = ReferenceReader.open(original)) {
            for (BlockMetaData b : r.getFooter().getBlocks()) {
                for (ColumnChunkMetaData c : b.getColumns()) {
                    dataEnd = Math.max(dataEnd, c.getStartingPos() + c.getTotalSize());
                }
            }
        }
        int footerLength = ByteBuffer.wrap(whole, whole.length - 8, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int footerStart = whole.length - 8 - footerLength;
        Random rnd = new Random(20261121L * 31 + codec.name().hashCode());
        List<Object> keys = keys(t, false);
        int typed = 0;
        int mutants = 90;
        for (int m = 0; m < mutants; m++) {
            int at = switch (m % 3) {
                case 0 -> footerStart + rnd.nextInt(footerLength); // the footer
                case 1 -> 4 + rnd.nextInt((int) dataEnd - 4); // pages and page headers
                default -> (int) dataEnd + rnd.nextInt(whole.length - 8 - (int) dataEnd); // indexes + footer
            };
            byte[] mutant = whole.clone();
            mutant[at] ^= (byte) (1 << rnd.nextInt(8));
            Path mutantFile = dir.resolve("flip-" + codec + "-" + m + ".parquet");
            Files.write(mutantFile, mutant);
            RefFile mutantRef = null;
            String mutantError = "";
            try {
                mutantRef = ReferenceReader.read(mutantFile);
            } catch (IOException | RuntimeException | LinkageError e) {
                // parquet-java rejects the mutant (its error paths may even reach for Hadoop classes): only a
                // typed error or the original answer remain.
                mutantError = e.toString();
            }
            String object = "flip/" + codec + "/" + m + ".parquet";
            s3.foreignWriter().put(object, mutant);
            boolean metadata = at >= dataEnd;
            try (ParquetLookup lookup = LookupHarness.lookup(store, s3, List.of(object), KEY, COLUMNS)
                    .build()) {
                for (Object k : keys) {
                    String what = codec + " mutant " + m + " (bit flipped at " + at + " of " + whole.length
                            + (metadata ? ", metadata" : ", pages") + ") key " + k;
                    Outcome<LookupResult> o = Outcome.of(() -> lookup.get(k));
                    LookupResult r = o.typedErrorOrValue(what);
                    if (r == null) {
                        typed++;
                        continue;
                    }
                    List<Row> before = ref.rowsFor(object, KEY, k, COLUMNS);
                    List<Row> after = mutantRef == null ? null : mutantRef.rowsFor(object, KEY, k, COLUMNS);
                    boolean ok = r.rows().equals(before)
                            || (after != null && r.rows().equals(after))
                            || (metadata && after != null && after.containsAll(r.rows()));
                    if (!ok) {
                        fail(what + ": answered\n" + LookupHarness.describe(r.rows()) + "original file\n"
                                + LookupHarness.describe(before) + "parquet-java on the mutant\n"
                                + (after == null
                                        ? "(unreadable: " + mutantError + ")"
                                        : LookupHarness.describe(after)));
                    }
                }
            }
        }
        report.publishEntry("typed errors", codec + ": " + typed + " of " + mutants * keys.size() + " lookups");
    }

    /** Caps: a page or footer over the configured maximum is reported as corrupt, never read. */
    @Test
    void sizeCapsGiveCorruptOrTheExactAnswer() throws IOException {
        ParquetTable t = small(Codec.UNCOMPRESSED, true, 3);
        Path file = write(t, "caps.parquet");
        RefFile ref = ReferenceReader.read(file);
        String object = "caps/a.parquet";
        s3.foreignWriter().put(object, file);
        List<Object> present = keys(t, true);

        try (ParquetLookup lookup = LookupHarness.lookup(store, s3, List.of(object), KEY, COLUMNS)
                .maxFooterBytes(16)
                .build()) {
            Outcome<LookupResult> o = Outcome.of(() -> lookup.get(present.get(0)));
            assertInstanceOf(CorruptParquetException.class, o.error(), "a footer over 16 bytes: " + o);
        }
        try (ParquetLookup lookup = LookupHarness.lookup(store, s3, List.of(object), KEY, COLUMNS)
                .maxPageBytes(1)
                .build()) {
            for (Object k : present) {
                Outcome<LookupResult> o = Outcome.of(() -> lookup.get(k));
                assertInstanceOf(CorruptParquetException.class, o.error(), "pages over 1 byte, key " + k + ": " + o);
            }
        }
        for (int cap : new int[] {16, 64, 200, 400, 1024, 4096, 1 << 20}) {
            for (boolean footer : new boolean[] {false, true}) {
                ParquetLookup.Builder b = LookupHarness.lookup(store, s3, List.of(object), KEY, COLUMNS);
                try (ParquetLookup lookup = footer
                        ? b.maxFooterBytes(cap).build()
                        : b.maxPageBytes(cap).build()) {
                    for (Object k : keys(t, false)) {
                        String what = (footer ? "maxFooterBytes " : "maxPageBytes ") + cap + " key " + k;
                        Outcome<LookupResult> o = Outcome.of(() -> lookup.get(k));
                        RuntimeException e = o.error();
                        if (e != null) {
                            assertInstanceOf(CorruptParquetException.class, e, what);
                        } else {
                            LookupHarness.assertRows(ref.rowsFor(object, KEY, k, COLUMNS), o.value(), what);
                        }
                    }
                }
            }
        }
    }

    /**
     * STRICT consistency: after the object is overwritten (same layout with other values, then another layout),
     * a lookup gives ObjectChangedException or exactly the new content's answer; never the old one, never a mix.
     */
    @Test
    void anOverwrittenObjectGivesTheNewAnswerOrObjectChanged() throws IOException {
        String object = "overwrite/a.parquet";
        ParquetTable v1 = small(Codec.UNCOMPRESSED, true, 100);
        ParquetTable v2 = small(Codec.UNCOMPRESSED, true, 200); // same layout, other values
        ParquetTable v3 = ParquetTable.builder()
                .rows(700)
                .duplicates(2)
                .keyOrder(KeyOrder.SHUFFLED)
                .columns(
                        Column.required("amount", ColumnType.DECIMAL_FIXED),
                        Column.nullable("name", ColumnType.STRING, 0.5),
                        Column.required("f64", ColumnType.DOUBLE))
                .codec(Codec.ZSTD)
                .pageRowLimit(50)
                .seed(300)
                .build();
        try (TieredStore strict = LookupHarness.store(s3, ConsistencyPolicy.STRICT, 4096);
                ParquetLookup lookup = LookupHarness.lookup(strict, s3, List.of(object), KEY, COLUMNS)
                        .build()) {
            List<Object> keys = keys(v3, false);
            keys.addAll(keys(v1, false));
            @Nullable RefFile previous = null;
            for (ParquetTable version : List.of(v1, v2, v3, v1)) {
                Path file = write(version, "overwrite-" + version.seed() + ".parquet");
                RefFile ref = ReferenceReader.read(file);
                s3.foreignWriter().put(object, file);
                int changed = 0;
                for (Object k : keys) {
                    String what = "after writing seed " + version.seed() + ", key " + k;
                    Outcome<LookupResult> o = Outcome.of(() -> lookup.get(k));
                    RuntimeException e = o.error();
                    if (e != null) {
                        assertInstanceOf(ObjectChangedException.class, e, what);
                        changed++;
                        continue;
                    }
                    LookupHarness.assertRows(ref.rowsFor(object, KEY, k, COLUMNS), o.value(), what);
                }
                assertTrue(changed <= 1, "ObjectChangedException after one overwrite, " + changed + " times");
                Outcome<List<LookupResult>> all = Outcome.of(() -> lookup.getAll(keys));
                if (all.error() != null) {
                    assertInstanceOf(ObjectChangedException.class, all.error(), "getAll");
                } else {
                    for (int i = 0; i < keys.size(); i++) {
                        LookupHarness.assertRows(
                                ref.rowsFor(object, KEY, keys.get(i), COLUMNS),
                                all.value().get(i),
                                "getAll " + keys.get(i));
                    }
                }
                assertTrue(previous == null || !previous.rows().equals(ref.rows()), "versions differ");
                previous = ref;
            }
            assertEquals(List.of(object), lookup.objects());
        }
    }
}
