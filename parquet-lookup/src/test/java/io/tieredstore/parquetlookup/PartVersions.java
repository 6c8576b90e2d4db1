package io.tieredstore.parquetlookup;

import io.tieredstore.core.TieredStore;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.PartitionedTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A table of parts under {@value #PREFIX} in two versions, {@link #a} and {@link #b} (the same keys in the same
 * parts, other values), the first columns of {@link ParquetTable#defaultColumns()}, written once per test class, and
 * put into S3Mock part by part, so that tests can add, overwrite and remove objects of a listed table.
 */
final class PartVersions {
    /** The prefix the parts are listed under. */
    static final String PREFIX = "t/";

    /** The first version. */
    final PartitionedTable a;

    /** The second version: the same keys, other values. */
    final PartitionedTable b;

    /** The projected columns' names. */
    final List<String> columns;

    /** Rows per part. */
    final long rows;

    private final List<byte[]> aFiles = new ArrayList<>();
    private final List<byte[]> bFiles = new ArrayList<>();

    /** {@code parts} parts of {@code rows} rows and {@code columns} columns, seeds {@code seedA} and {@code seedB}. */
    PartVersions(int parts, long rows, int columns, long seedA, long seedB) {
        this.rows = rows;
        this.columns = ParquetTable.defaultColumns().stream()
                .map(Column::name)
                .limit(columns)
                .toList();
        this.a = table(parts, rows, columns, seedA);
        this.b = table(parts, rows, columns, seedB);
    }

    private static PartitionedTable table(int parts, long rows, int columns, long seed) {
        return PartitionedTable.builder()
                .parts(parts)
                .rowsPerPart(rows)
                .columns(ParquetTable.defaultColumns().subList(0, columns))
                .codec(ParquetTable.Codec.SNAPPY)
                .seed(seed)
                .build();
    }

    /** A lookup builder over every object under {@value #PREFIX}, keyed by the id column, projecting {@link #columns}. */
    ParquetLookup.Builder lookup(TieredStore store, S3Fixture s3) {
        return ParquetLookup.builder()
                .store(store)
                .bucket(s3.bucket())
                .prefix(s3.s3(), PREFIX)
                .keyColumn(ParquetTable.KEY_COLUMN)
                .columns(columns);
    }

    /** Writes both versions' files under {@code dir} and keeps their bytes. */
    void write(Path dir) throws IOException {
        for (Path p : a.writeTo(dir.resolve("a"))) {
            aFiles.add(Files.readAllBytes(p));
        }
        for (Path p : b.writeTo(dir.resolve("b"))) {
            bFiles.add(Files.readAllBytes(p));
        }
    }

    /** Part {@code part}'s file in version A. */
    byte[] a(int part) {
        return aFiles.get(part);
    }

    /** Part {@code part}'s file in version B. */
    byte[] b(int part) {
        return bFiles.get(part);
    }

    /** The object key of part {@code part}. */
    static String name(int part) {
        return PREFIX + PartitionedTable.fileName(part);
    }

    /** Puts the first {@code parts} parts of version A. */
    void upload(S3Fixture s3, int parts) {
        for (int p = 0; p < parts; p++) {
            put(s3, name(p), a(p));
        }
    }

    /** Puts {@code bytes} at {@code key} of the fixture's bucket. */
    static void put(S3Fixture s3, String key, byte[] bytes) {
        s3.s3().putObject(o -> o.bucket(s3.bucket()).key(key), RequestBody.fromBytes(bytes));
    }

    /** The projected values of global row {@code g} of {@code t}. */
    List<@Nullable Object> values(PartitionedTable t, long g) {
        List<@Nullable Object> values = new ArrayList<>();
        for (String c : columns) {
            values.add(t.value(c, g));
        }
        return values;
    }

    /** Global row {@code g} of {@code t} as a lookup returns it from {@code object}. */
    Row row(PartitionedTable t, String object, long g) {
        return new Row(object, g % rows, values(t, g));
    }
}
