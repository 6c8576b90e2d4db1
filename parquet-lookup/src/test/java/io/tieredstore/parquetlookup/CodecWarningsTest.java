package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.BytesOrigin;
import io.tieredstore.core.Origin;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An application reading Parquet pages must see nothing on stderr and need no JVM flag, on JDK 17 as on JDK 24+,
 * where native code and {@code sun.misc.Unsafe} make the JVM print warnings. Each case writes a table in one codec
 * here, then looks a key up in a child JVM of the same JDK started with no flags at all (this JVM has the build's
 * test flags), and checks the child's answer and its stderr: empty for every codec, ZSTD included since
 * {@link ZstdDecoder} replaced zstd-jni (the test classpath still has zstd-jni, as a reference; nothing loads it),
 * and BROTLI ({@code org.brotli:dec}, on a file DuckDB writes, since the fixtures cannot write BROTLI).
 */
class CodecWarningsTest {
    private static final String BUCKET = "b";
    private static final String KEY = "t/part-0.parquet";
    private static final List<String> COLUMNS = List.of("name", "amount");
    private static final long ROW = 4_321;

    @ParameterizedTest
    @EnumSource(Codec.class)
    void lookupInAChildJvmPrintsNoWarning(Codec codec, @TempDir Path dir) throws Exception {
        ParquetTable table = ParquetTable.builder()
                .rows(20_000)
                .columns(
                        Column.required("name", ColumnType.STRING),
                        Column.nullable("amount", ColumnType.DECIMAL_INT64, 0.1))
                .codec(codec)
                .pageRowLimit(1_000)
                .build();
        Path file = dir.resolve("part-0.parquet");
        table.writeTo(file);
        List<String> expected = new ArrayList<>();
        for (String c : COLUMNS) {
            expected.add(String.valueOf(table.value(c, ROW)));
        }
        assertChildAnswersQuietly(file, table.key(ROW), String.join("|", expected), codec.name(), dir);
    }

    /**
     * BROTLI, which the fixtures cannot write (parquet-java has no pure-Java brotli encoder): DuckDB writes the file
     * in this JVM, the child reads it with {@code org.brotli:dec}.
     */
    @Test
    void brotliLookupInAChildJvmPrintsNoWarning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("part-0.parquet");
        try (DuckDbReference duck = new DuckDbReference()) {
            duck.execute("COPY (SELECT i AS " + ParquetTable.KEY_COLUMN + ", 'name ' || (i % 1013) AS name,"
                    + " (i / 8)::DOUBLE AS amount FROM range(0, 20000) t(i)) TO "
                    + DuckDbReference.quoteString(file.toString())
                    + " (FORMAT parquet, COMPRESSION brotli, ROW_GROUP_SIZE 4096)");
        }
        assertChildAnswersQuietly(file, ROW, "name " + (ROW % 1013) + "|" + (ROW / 8.0), "BROTLI", dir);
    }

    /** Looks {@code key} up in {@code file} in a child JVM; its answer must be {@code expected}, its stderr empty. */
    private static void assertChildAnswersQuietly(Path file, Object key, String expected, String codec, Path dir)
            throws IOException, InterruptedException {
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");

        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Child.class.getName(),
                        file.toString(),
                        String.valueOf(key))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child JVM did not exit");
        String err = Files.readString(stderr);
        assertEquals(0, child.exitValue(), "child failed: " + err);
        assertEquals(expected, Files.readString(stdout).strip(), codec + " lookup");
        assertEquals("", err, codec + " printed on stderr");
    }

    /** The child: one lookup over a local file through a store, values on stdout separated by '|'. */
    static final class Child {
        private Child() {}

        public static void main(String[] args) throws IOException {
            byte[] bytes = Files.readAllBytes(Path.of(args[0]));
            Origin origin = new BytesOrigin(bytes);
            try (TieredStore store = TieredStore.builder()
                            .origin(origin)
                            .tier(MemoryTier.builder().capacity(64L << 20).build())
                            .build();
                    ParquetLookup lookup = ParquetLookup.builder()
                            .store(store)
                            .bucket(BUCKET)
                            .objects(List.of(KEY))
                            .keyColumn(ParquetTable.KEY_COLUMN)
                            .columns(COLUMNS)
                            .build()) {
                LookupResult r = lookup.get(Long.parseLong(args[1]));
                if (r.rows().size() != 1) {
                    throw new IllegalStateException("expected one row, got " + r.rows());
                }
                List<String> values = new ArrayList<>();
                for (Object v : r.rows().get(0).values()) {
                    values.add(String.valueOf(v));
                }
                System.out.write((String.join("|", values) + "\n").getBytes(StandardCharsets.UTF_8));
                System.out.flush();
            }
        }
    }
}
