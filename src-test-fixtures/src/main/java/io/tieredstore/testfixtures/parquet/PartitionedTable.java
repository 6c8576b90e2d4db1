package io.tieredstore.testfixtures.parquet;

import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A table of several Parquet files ("parts") whose unique, sorted INT64 keys form one ascending sequence: part
 * {@code p} holds the keys of global rows {@code p * rowsPerPart} to {@code (p + 1) * rowsPerPart - 1}, so every
 * part's key range is disjoint from the others' and a reader can prune parts by their footers' statistics.
 *
 * <p>Each part is a {@link ParquetTable} (same columns and writer settings, seed {@code seed + p}) whose keys are
 * shifted by {@code p * 2 * rowsPerPart} while it is written (by the table's own writer, given a key shift). Key of
 * global row {@code g}: {@code 2g + 2 - c} with {@code c = 2 * (rowsPerPart / 2)} (even numbers; odd numbers are
 * absent keys). Values come from the part's oracle.
 */
public final class PartitionedTable {
    private final List<ParquetTable> parts;
    private final long rowsPerPart;

    private PartitionedTable(Builder b) {
        this.rowsPerPart = b.rowsPerPart;
        List<ParquetTable> list = new ArrayList<>();
        for (int p = 0; p < b.parts; p++) {
            list.add(ParquetTable.builder()
                    .rows(b.rowsPerPart)
                    .keyType(ParquetTable.KeyType.INT64)
                    .keyOrder(ParquetTable.KeyOrder.SORTED)
                    .columns(b.columns)
                    .codec(b.codec)
                    .rowGroupSize(b.rowGroupSize)
                    .rowGroupRowLimit(b.rowGroupRowLimit)
                    .pageSize(b.pageSize)
                    .pageRowLimit(b.pageRowLimit)
                    .seed(b.seed + p)
                    .build());
        }
        this.parts = List.copyOf(list);
    }

    /** A builder: 4 parts of 250,000 rows, {@link ParquetTable#defaultColumns()}, ZSTD, parquet-java's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Number of parts. */
    public int partCount() {
        return parts.size();
    }

    /** Rows in each part. */
    public long rowsPerPart() {
        return rowsPerPart;
    }

    /** Rows in the table. */
    public long rows() {
        return rowsPerPart * parts.size();
    }

    /** Part {@code p}'s own table: its schema, settings and oracle (with keys not shifted). */
    public ParquetTable part(int p) {
        return parts.get(p);
    }

    /** The part holding global row {@code globalRow}. */
    public int partOf(long globalRow) {
        checkRow(globalRow);
        return (int) (globalRow / rowsPerPart);
    }

    /** The key of global row {@code globalRow}. */
    public long key(long globalRow) {
        checkRow(globalRow);
        return 2 * globalRow + 2 - 2 * (rowsPerPart / 2);
    }

    /** The global row holding {@code key}, or -1 if no row does. */
    public long rowOf(long key) {
        long n = key - 2 + 2 * (rowsPerPart / 2);
        return (n & 1) != 0 || n < 0 || n / 2 >= rows() ? -1 : n / 2;
    }

    /** The value of {@code column} in global row {@code globalRow} (as {@link ParquetTable#value}). */
    public @Nullable Object value(String column, long globalRow) {
        if (column.equals(ParquetTable.KEY_COLUMN)) {
            return key(globalRow);
        }
        return parts.get(partOf(globalRow)).value(column, globalRow % rowsPerPart);
    }

    /** The name of part {@code p}'s file: {@code part-00000.parquet} and so on. */
    public static String fileName(int p) {
        return String.format(Locale.ROOT, "part-%05d.parquet", p);
    }

    /** Writes every part into {@code dir} (created if needed) as {@link #fileName}; returns the files in order. */
    public List<Path> writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            Path file = dir.resolve(fileName(p));
            writePart(p, file);
            out.add(file);
        }
        return out;
    }

    /** Uploads the files {@link #writeTo} wrote in {@code dir} under {@code prefix}; returns the keys in order. */
    public List<String> upload(Path dir, S3Client s3, String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            String key = prefix + fileName(p);
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(dir.resolve(fileName(p))));
            keys.add(key);
        }
        return keys;
    }

    /** Writes part {@code p} to {@code file}, its keys shifted into the part's place in the sequence. */
    private void writePart(int p, Path file) throws IOException {
        parts.get(p).writeTo(file, 2L * p * rowsPerPart);
    }

    private long checkRow(long globalRow) {
        if (globalRow < 0 || globalRow >= rows()) {
            throw new IndexOutOfBoundsException("row " + globalRow + " outside [0, " + rows() + ")");
        }
        return globalRow;
    }

    @Override
    public String toString() {
        return "PartitionedTable{parts=" + parts.size() + ", rowsPerPart=" + rowsPerPart + ", part0=" + parts.get(0)
                + "}";
    }

    /** Settings of a {@link PartitionedTable}. */
    public static final class Builder {
        private int parts = 4;
        private long rowsPerPart = 250_000;
        private List<Column> columns = ParquetTable.defaultColumns();
        private Codec codec = Codec.ZSTD;
        private long rowGroupSize = 128L << 20;
        private int rowGroupRowLimit = Integer.MAX_VALUE;
        private int pageSize = 1 << 20;
        private int pageRowLimit = 20_000;
        private long seed = 42;

        private Builder() {}

        /** Number of files, at least 1 (default 4). */
        public Builder parts(int parts) {
            if (parts < 1) {
                throw new IllegalArgumentException("parts must be >= 1: " + parts);
            }
            this.parts = parts;
            return this;
        }

        /** Rows per file, at least 1 (default 250,000). */
        public Builder rowsPerPart(long rows) {
            if (rows < 1) {
                throw new IllegalArgumentException("rowsPerPart must be >= 1: " + rows);
            }
            this.rowsPerPart = rows;
            return this;
        }

        /** The value columns after {@code id} (default {@link ParquetTable#defaultColumns()}). */
        public Builder columns(List<Column> columns) {
            this.columns = List.copyOf(columns);
            return this;
        }

        /** Compression codec (default ZSTD). */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Target row-group size in bytes (default 128 MiB). */
        public Builder rowGroupSize(long bytes) {
            this.rowGroupSize = bytes;
            return this;
        }

        /** Maximum rows per row group (default unlimited). */
        public Builder rowGroupRowLimit(int rows) {
            this.rowGroupRowLimit = rows;
            return this;
        }

        /** Target data page size in bytes (default 1 MiB). */
        public Builder pageSize(int bytes) {
            this.pageSize = bytes;
            return this;
        }

        /** Maximum rows per data page (default 20,000). */
        public Builder pageRowLimit(int rows) {
            this.pageRowLimit = rows;
            return this;
        }

        /** Seed of part 0; part p uses {@code seed + p} (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The table (validated by {@link ParquetTable.Builder} part by part). */
        public PartitionedTable build() {
            return new PartitionedTable(this);
        }
    }
}
