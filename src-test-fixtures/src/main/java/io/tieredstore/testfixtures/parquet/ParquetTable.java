package io.tieredstore.testfixtures.parquet;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * A synthetic Parquet table, fully determined by its settings and seed, with an oracle for every cell.
 *
 * <p>Design notes:
 *
 * <ul>
 *   <li>Nothing is held per row. A cell is a pure function of (seed, column, row): a SplitMix64 hash of the three,
 *       mapped to the column's type (see {@link ColumnType}). The oracle ({@link #key}, {@link #value},
 *       {@link #rowsForKey}) therefore costs O(1) memory for any row count and never reads the file, and the same
 *       settings always give byte-identical files.
 *   <li>The key column {@code id} is REQUIRED and comes first. Rows are ranked by position: row r sits at position
 *       r ({@link KeyOrder#SORTED}) or at a seeded permutation of r ({@link KeyOrder#SHUFFLED}, a Feistel network
 *       with cycle walking, invertible in O(1)); position p holds the key of ordinal p / {@code duplicates}. Key
 *       values grow strictly with the ordinal and leave gaps, so {@link #absentKeyAfter} can name values between
 *       and around the keys that no row holds. Numeric keys are centred on zero to include negative values.
 *   <li>Writing uses parquet-java's {@link ParquetWriter} over a {@link LocalOutputFile} with a plain (non-Hadoop)
 *       configuration, an own codec factory and an own write support whose records are row numbers, so no Hadoop
 *       class is loaded at run time and no row object is built.
 *   <li>parquet-java 1.18.1 always writes ColumnIndex and OffsetIndex. {@code pageIndexes(false)} removes them
 *       after writing: the index blocks sit between the last column chunk and the footer, so the file is cut there
 *       and the footer rewritten without the index offsets, which is what a writer without page indexes (such as
 *       DuckDB) produces.
 * </ul>
 */
public final class ParquetTable {

    /** Name of the key column. */
    public static final String KEY_COLUMN = "id";

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** 2020-01-01T00:00:00Z in milliseconds since the epoch: the base of timestamp keys. */
    private static final long KEY_EPOCH_MILLIS = 1_577_836_800_000L;

    private static final int STRING_KEY_DIGITS = 12;
    private static final long STRING_KEY_LIMIT = 1_000_000_000_000L;
    private static final long DECIMAL_KEY_STEP = 25;
    private static final int DECIMAL_KEY_SCALE = 4;
    private static final long MAX_INT_KEYS = 1L << 29;

    /** Type of the key column {@code id}; Java types are those of {@link #key}. */
    public enum KeyType {
        /** INT32, no annotation, even values centred on zero; Java {@link Integer}. */
        INT32(PrimitiveTypeName.INT32),
        /** INT64, no annotation, even values centred on zero; Java {@link Long}. */
        INT64(PrimitiveTypeName.INT64),
        /** BINARY STRING, "k" and 12 digits of an even number from 2 ("k000000000002"); Java {@link String}. */
        STRING(PrimitiveTypeName.BINARY),
        /** INT32 DATE, every other day from 1970-01-03; Java {@link LocalDate}. */
        DATE(PrimitiveTypeName.INT32),
        /** INT64 TIMESTAMP(MILLIS, UTC), every other millisecond after 2020-01-01T00:00Z; Java {@link Instant}. */
        TIMESTAMP_MILLIS(PrimitiveTypeName.INT64),
        /** INT64 TIMESTAMP(MICROS, UTC), every other microsecond after 2020-01-01T00:00Z; Java {@link Instant}. */
        TIMESTAMP_MICROS(PrimitiveTypeName.INT64),
        /** INT64 DECIMAL(18, 4), multiples of 0.0050 centred on zero; Java {@link BigDecimal} with scale 4. */
        DECIMAL(PrimitiveTypeName.INT64);

        private final PrimitiveTypeName physical;

        KeyType(PrimitiveTypeName physical) {
            this.physical = physical;
        }
    }

    /** Order of the key column in the file. */
    public enum KeyOrder {
        /** Keys never decrease from one row to the next. */
        SORTED,
        /** Keys are in a seeded pseudo-random order. */
        SHUFFLED
    }

    /** Compression codec of every column chunk. */
    public enum Codec {
        /** No compression. */
        UNCOMPRESSED(CompressionCodecName.UNCOMPRESSED),
        /** Raw Snappy (snappy-java). */
        SNAPPY(CompressionCodecName.SNAPPY),
        /** A zstd frame, level 3 (zstd-jni). */
        ZSTD(CompressionCodecName.ZSTD),
        /** A gzip member (java.util.zip). */
        GZIP(CompressionCodecName.GZIP),
        /** A raw LZ4 block (aircompressor). */
        LZ4_RAW(CompressionCodecName.LZ4_RAW);

        private final CompressionCodecName parquetName;

        Codec(CompressionCodecName parquetName) {
            this.parquetName = parquetName;
        }

        /** The parquet-java name of this codec. */
        public CompressionCodecName parquetName() {
            return parquetName;
        }
    }

    /** Type of a value column: its Parquet physical and logical type, and the Java type of {@link #value}. */
    public enum ColumnType {
        /** INT32, full range; {@link Integer}. */
        INT32("i32", PrimitiveTypeName.INT32, 0),
        /** INT64, full range; {@link Long}. */
        INT64("i64", PrimitiveTypeName.INT64, 0),
        /** FLOAT, multiples of 1/1024 in (-8192, 8192); {@link Float}. */
        FLOAT("f32", PrimitiveTypeName.FLOAT, 0),
        /** DOUBLE, multiples of 2^-20 below 2^32 in magnitude; {@link Double}. */
        DOUBLE("f64", PrimitiveTypeName.DOUBLE, 0),
        /** BOOLEAN; {@link Boolean}. */
        BOOLEAN("flag", PrimitiveTypeName.BOOLEAN, 0),
        /** BINARY STRING, 0 to 31 code points including 2-, 3- and 4-byte UTF-8; {@link String}. */
        STRING("name", PrimitiveTypeName.BINARY, 0),
        /** BINARY STRING drawn from 16 values, a dictionary-friendly column; {@link String}. */
        CATEGORY("cat", PrimitiveTypeName.BINARY, 0),
        /** BINARY, 0 to 31 arbitrary bytes; {@code byte[]} (a fresh copy). */
        BINARY("blob", PrimitiveTypeName.BINARY, 0),
        /** INT32 DECIMAL(9, 2); {@link BigDecimal} with scale 2. */
        DECIMAL_INT32("price", PrimitiveTypeName.INT32, 2),
        /** INT64 DECIMAL(18, 4); {@link BigDecimal} with scale 4. */
        DECIMAL_INT64("amount", PrimitiveTypeName.INT64, 4),
        /** FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38, 9); {@link BigDecimal} with scale 9. */
        DECIMAL_FIXED("big_amount", PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, 9),
        /** INT32 DATE in [1900-01-01, 2100-01-01); {@link LocalDate}. */
        DATE("day", PrimitiveTypeName.INT32, 0),
        /** INT64 TIMESTAMP(MILLIS, UTC) in [1900, 2100); {@link Instant}. */
        TIMESTAMP_MILLIS("ts_ms", PrimitiveTypeName.INT64, 0),
        /** INT64 TIMESTAMP(MICROS, UTC) in [1900, 2100); {@link Instant}. */
        TIMESTAMP_MICROS("ts", PrimitiveTypeName.INT64, 0);

        private final String defaultName;
        private final PrimitiveTypeName physical;
        private final int scale;

        ColumnType(String defaultName, PrimitiveTypeName physical, int scale) {
            this.defaultName = defaultName;
            this.physical = physical;
            this.scale = scale;
        }

        /** The column name used for this type by {@link #defaultColumns()}. */
        public String defaultName() {
            return defaultName;
        }

        int scale() {
            return scale;
        }
    }

    /**
     * A value column.
     *
     * @param name column name, unique and not {@value #KEY_COLUMN}
     * @param type value type
     * @param nullable whether the column is OPTIONAL (else REQUIRED)
     * @param nullFraction the probability that a cell is null; 0 for a required column
     */
    public record Column(String name, ColumnType type, boolean nullable, double nullFraction) {
        /** Validates the fields. */
        public Column {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            if (!NAME.matcher(name).matches() || name.equals(KEY_COLUMN)) {
                throw new IllegalArgumentException("invalid column name: " + name);
            }
            if (!(nullFraction >= 0 && nullFraction <= 1) || (!nullable && nullFraction != 0)) {
                throw new IllegalArgumentException("null fraction " + nullFraction + " invalid for column " + name);
            }
        }

        /** A REQUIRED column. */
        public static Column required(String name, ColumnType type) {
            return new Column(name, type, false, 0);
        }

        /** An OPTIONAL column whose cells are null with probability {@code nullFraction}. */
        public static Column nullable(String name, ColumnType type, double nullFraction) {
            return new Column(name, type, true, nullFraction);
        }
    }

    /**
     * What a write produced.
     *
     * @param location the local path or {@code s3://bucket/key}
     * @param rows row count
     * @param bytes file size
     * @param rowGroupRows row count of each row group, in file order
     */
    public record Written(String location, long rows, long bytes, List<Long> rowGroupRows) {
        /** Copies the row-group list. */
        public Written {
            rowGroupRows = List.copyOf(rowGroupRows);
        }

        /** Number of row groups. */
        public int rowGroups() {
            return rowGroupRows.size();
        }
    }

    /** Fraction of null cells in the nullable columns of {@link #defaultColumns()}. */
    public static final double DEFAULT_NULL_FRACTION = 0.2;

    /** One REQUIRED column per {@link ColumnType} named {@link ColumnType#defaultName()}, then OPTIONAL ones with "_n". */
    public static List<Column> defaultColumns() {
        List<Column> columns = new ArrayList<>();
        for (ColumnType t : ColumnType.values()) {
            columns.add(Column.required(t.defaultName(), t));
        }
        for (ColumnType t : ColumnType.values()) {
            columns.add(Column.nullable(t.defaultName() + "_n", t, DEFAULT_NULL_FRACTION));
        }
        return columns;
    }

    /** A builder with defaults: 10,000 rows, unique sorted INT64 keys, {@link #defaultColumns()}, SNAPPY. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a {@link ParquetTable}; every setter validates its argument. */
    public static final class Builder {
        private long rows = 10_000;
        private KeyType keyType = KeyType.INT64;
        private KeyOrder keyOrder = KeyOrder.SORTED;
        private int duplicates = 1;
        private List<Column> columns = defaultColumns();
        private Codec codec = Codec.SNAPPY;
        private long rowGroupSize = ParquetWriter.DEFAULT_BLOCK_SIZE;
        private int rowGroupRowLimit = Integer.MAX_VALUE;
        private int pageSize = ParquetWriter.DEFAULT_PAGE_SIZE;
        private int pageRowLimit = 20_000;
        private boolean pageIndexes = true;
        private boolean dictionary = true;
        private boolean dataPageV2 = false;
        private boolean keyBloomFilter = false;
        private long seed = 42;

        private Builder() {}

        /** Number of rows, at least 0 (default 10,000). */
        public Builder rows(long rows) {
            if (rows < 0) {
                throw new IllegalArgumentException("rows must be >= 0: " + rows);
            }
            this.rows = rows;
            return this;
        }

        /** Type of the key column (default INT64). */
        public Builder keyType(KeyType keyType) {
            this.keyType = Objects.requireNonNull(keyType, "keyType");
            return this;
        }

        /** Order of the keys in the file (default SORTED). */
        public Builder keyOrder(KeyOrder keyOrder) {
            this.keyOrder = Objects.requireNonNull(keyOrder, "keyOrder");
            return this;
        }

        /** Rows per distinct key, at least 1 (default 1: unique keys); the largest key may have fewer. */
        public Builder duplicates(int copies) {
            if (copies < 1) {
                throw new IllegalArgumentException("duplicates must be >= 1: " + copies);
            }
            this.duplicates = copies;
            return this;
        }

        /** The value columns after {@code id}, in order (default {@link #defaultColumns()}; may be empty). */
        public Builder columns(List<Column> columns) {
            List<Column> copy = List.copyOf(columns);
            Map<String, Column> byName = new HashMap<>();
            for (Column c : copy) {
                if (byName.put(c.name(), c) != null) {
                    throw new IllegalArgumentException("duplicate column name: " + c.name());
                }
            }
            this.columns = copy;
            return this;
        }

        /** The value columns after {@code id}, in order. */
        public Builder columns(Column... columns) {
            return columns(Arrays.asList(columns));
        }

        /** Compression codec (default SNAPPY). */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Target row-group size in bytes, at least 1 KiB (default 128 MiB). */
        public Builder rowGroupSize(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("rowGroupSize must be >= 1024: " + bytes);
            }
            this.rowGroupSize = bytes;
            return this;
        }

        /** Maximum rows per row group, at least 1 (default unlimited). */
        public Builder rowGroupRowLimit(int rows) {
            if (rows < 1) {
                throw new IllegalArgumentException("rowGroupRowLimit must be >= 1: " + rows);
            }
            this.rowGroupRowLimit = rows;
            return this;
        }

        /** Target data page size in bytes, at least 64 (default 1 MiB). */
        public Builder pageSize(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("pageSize must be >= 64: " + bytes);
            }
            this.pageSize = bytes;
            return this;
        }

        /** Maximum rows per data page, at least 1 (default 20,000, parquet-java's default). */
        public Builder pageRowLimit(int rows) {
            if (rows < 1) {
                throw new IllegalArgumentException("pageRowLimit must be >= 1: " + rows);
            }
            this.pageRowLimit = rows;
            return this;
        }

        /** Whether to keep ColumnIndex and OffsetIndex for every column chunk (default true). */
        public Builder pageIndexes(boolean enabled) {
            this.pageIndexes = enabled;
            return this;
        }

        /** Whether dictionary encoding may be used (default true). */
        public Builder dictionary(boolean enabled) {
            this.dictionary = enabled;
            return this;
        }

        /** Whether to write DATA_PAGE_V2 pages (format 2.0 writer) instead of DATA_PAGE (default false). */
        public Builder dataPageV2(boolean enabled) {
            this.dataPageV2 = enabled;
            return this;
        }

        /** Whether to write a bloom filter for the key column of every row group (default false; needs page indexes). */
        public Builder keyBloomFilter(boolean enabled) {
            this.keyBloomFilter = enabled;
            return this;
        }

        /** Seed of every key permutation and cell value (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The table; throws {@link IllegalArgumentException} if the key type cannot hold this many keys. */
        public ParquetTable build() {
            return new ParquetTable(this);
        }
    }

    private final long rows;
    private final KeyType keyType;
    private final KeyOrder keyOrder;
    private final int duplicates;
    private final List<Column> columns;
    private final Codec codec;
    private final long rowGroupSize;
    private final int rowGroupRowLimit;
    private final int pageSize;
    private final int pageRowLimit;
    private final boolean pageIndexes;
    private final boolean dictionary;
    private final boolean dataPageV2;
    private final boolean keyBloomFilter;
    private final long seed;

    private final long distinctKeys;
    private final long keyCentre;
    private final KeyPermutation permutation;
    private final Map<String, Integer> columnIndex;
    private final long[] columnSeeds;
    private final long[] nullSeeds;
    private final MessageType schema;

    private ParquetTable(Builder b) {
        this.rows = b.rows;
        this.keyType = b.keyType;
        this.keyOrder = b.keyOrder;
        this.duplicates = b.duplicates;
        this.columns = b.columns;
        this.codec = b.codec;
        this.rowGroupSize = b.rowGroupSize;
        this.rowGroupRowLimit = b.rowGroupRowLimit;
        this.pageSize = b.pageSize;
        this.pageRowLimit = b.pageRowLimit;
        this.pageIndexes = b.pageIndexes;
        this.dictionary = b.dictionary;
        this.dataPageV2 = b.dataPageV2;
        this.keyBloomFilter = b.keyBloomFilter;
        if (keyBloomFilter && !pageIndexes) {
            throw new IllegalArgumentException("a key bloom filter needs page indexes (their remover expects none)");
        }
        this.seed = b.seed;

        this.distinctKeys = (rows + duplicates - 1) / duplicates;
        boolean intKey = keyType == KeyType.INT32 || keyType == KeyType.DATE;
        if ((intKey && distinctKeys > MAX_INT_KEYS) || 2 * distinctKeys + 1 >= STRING_KEY_LIMIT) {
            throw new IllegalArgumentException(distinctKeys + " distinct keys do not fit key type " + keyType);
        }
        this.keyCentre = keyType == KeyType.DATE ? 0 : 2 * (distinctKeys / 2);
        this.permutation = new KeyPermutation(rows, Mix.mix(seed ^ 0x4B4559L));
        this.columnIndex = new LinkedHashMap<>();
        this.columnSeeds = new long[columns.size()];
        this.nullSeeds = new long[columns.size()];
        Types.MessageTypeBuilder message = Types.buildMessage();
        message.addField(primitive(keyType.physical, logicalType(keyType), 0, Repetition.REQUIRED, KEY_COLUMN));
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            columnIndex.put(c.name(), i);
            columnSeeds[i] = Mix.at(seed, 2L * i);
            nullSeeds[i] = Mix.at(seed, 2L * i + 1);
            int length = c.type() == ColumnType.DECIMAL_FIXED ? 16 : 0;
            Repetition repetition = c.nullable() ? Repetition.OPTIONAL : Repetition.REQUIRED;
            message.addField(primitive(c.type().physical, logicalType(c.type()), length, repetition, c.name()));
        }
        this.schema = message.named("table");
    }

    private static @Nullable LogicalTypeAnnotation logicalType(KeyType t) {
        return switch (t) {
            case INT32, INT64 -> null;
            case STRING -> LogicalTypeAnnotation.stringType();
            case DATE -> LogicalTypeAnnotation.dateType();
            case TIMESTAMP_MILLIS -> LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS);
            case TIMESTAMP_MICROS -> LogicalTypeAnnotation.timestampType(true, TimeUnit.MICROS);
            case DECIMAL -> LogicalTypeAnnotation.decimalType(DECIMAL_KEY_SCALE, 18);
        };
    }

    private static @Nullable LogicalTypeAnnotation logicalType(ColumnType t) {
        return switch (t) {
            case INT32, INT64, FLOAT, DOUBLE, BOOLEAN, BINARY -> null;
            case STRING, CATEGORY -> LogicalTypeAnnotation.stringType();
            case DECIMAL_INT32 -> LogicalTypeAnnotation.decimalType(t.scale(), 9);
            case DECIMAL_INT64 -> LogicalTypeAnnotation.decimalType(t.scale(), 18);
            case DECIMAL_FIXED -> LogicalTypeAnnotation.decimalType(t.scale(), 38);
            case DATE -> LogicalTypeAnnotation.dateType();
            case TIMESTAMP_MILLIS -> LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS);
            case TIMESTAMP_MICROS -> LogicalTypeAnnotation.timestampType(true, TimeUnit.MICROS);
        };
    }

    private static PrimitiveType primitive(
            PrimitiveTypeName physical,
            @Nullable LogicalTypeAnnotation logical,
            int length,
            Repetition repetition,
            String name) {
        Types.PrimitiveBuilder<PrimitiveType> b = Types.primitive(physical, repetition);
        if (logical != null) {
            b = b.as(logical);
        }
        if (length > 0) {
            b = b.length(length);
        }
        return b.named(name);
    }

    // ---------------------------------------------------------------- settings

    /** Number of rows. */
    public long rows() {
        return rows;
    }

    /** Type of the key column. */
    public KeyType keyType() {
        return keyType;
    }

    /** Order of the keys. */
    public KeyOrder keyOrder() {
        return keyOrder;
    }

    /** Rows per distinct key (the largest key may have fewer). */
    public int duplicates() {
        return duplicates;
    }

    /** The value columns after {@code id}. */
    public List<Column> columns() {
        return columns;
    }

    /** Compression codec. */
    public Codec codec() {
        return codec;
    }

    /** Seed. */
    public long seed() {
        return seed;
    }

    /** The Parquet schema written: {@code id} then {@link #columns()}. */
    public MessageType schema() {
        return schema;
    }

    // ---------------------------------------------------------------- oracle

    /** Number of distinct key values: {@code ceil(rows / duplicates)}. */
    public long distinctKeys() {
        return distinctKeys;
    }

    /** The key of row {@code row} (0-based, in file order). */
    public Object key(long row) {
        return keyValue(keyNumber(keyOrdinal(row)));
    }

    /** The rank of row {@code row}'s key among the distinct keys, in [0, {@link #distinctKeys()}). */
    public long keyOrdinal(long row) {
        long position = keyOrder == KeyOrder.SORTED ? checkRow(row) : permutation.forward(row);
        return position / duplicates;
    }

    /** The {@code ordinal}-th smallest key, {@code ordinal} in [0, {@link #distinctKeys()}). */
    public Object distinctKey(long ordinal) {
        if (ordinal < 0 || ordinal >= distinctKeys) {
            throw new IndexOutOfBoundsException("ordinal " + ordinal + " outside [0, " + distinctKeys + ")");
        }
        return keyValue(keyNumber(ordinal));
    }

    /**
     * A key value held by no row, strictly between {@code distinctKey(ordinal)} and {@code distinctKey(ordinal + 1)};
     * {@code ordinal} -1 gives a value below every key and {@code distinctKeys() - 1} one above every key.
     */
    public Object absentKeyAfter(long ordinal) {
        if (ordinal < -1 || ordinal >= distinctKeys) {
            throw new IndexOutOfBoundsException("ordinal " + ordinal + " outside [-1, " + distinctKeys + ")");
        }
        return keyValue(keyNumber(ordinal) + 1);
    }

    /**
     * The rows holding {@code key}, ascending; empty if no row does. The key must have the Java type of
     * {@link #keyType()} ({@link IllegalArgumentException} otherwise).
     */
    public long[] rowsForKey(Object key) {
        long number = keyNumberOf(key);
        if (number < 2 || number > 2 * distinctKeys || (number & 1) != 0) {
            return new long[0];
        }
        long first = (number / 2 - 1) * duplicates;
        long end = Math.min(first + duplicates, rows);
        long[] out = new long[(int) (end - first)];
        for (int i = 0; i < out.length; i++) {
            out[i] = keyOrder == KeyOrder.SORTED ? first + i : permutation.inverse(first + i);
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * The value of cell ({@code column}, {@code row}), null for a null cell; {@value #KEY_COLUMN} gives {@link #key}.
     * Java types are listed on {@link ColumnType}; a {@code byte[]} is a fresh copy.
     */
    public @Nullable Object value(String column, long row) {
        if (column.equals(KEY_COLUMN)) {
            return key(row);
        }
        Integer index = columnIndex.get(column);
        if (index == null) {
            throw new IllegalArgumentException("no column " + column);
        }
        checkRow(row);
        int i = index;
        Column c = columns.get(i);
        return isNull(c, i, row) ? null : Cells.value(c.type(), Mix.at(columnSeeds[i], row));
    }

    private boolean isNull(Column c, int i, long row) {
        return c.nullable() && Mix.unit(Mix.at(nullSeeds[i], row)) < c.nullFraction();
    }

    private long checkRow(long row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " outside [0, " + rows + ")");
        }
        return row;
    }

    /** Key number of ordinal o: 2o + 2 for present keys; odd numbers are absent keys, 1 lies below all. */
    private static long keyNumber(long ordinal) {
        return 2 * ordinal + 2;
    }

    private Object keyValue(long number) {
        return switch (keyType) {
            case INT32 -> (int) (number - keyCentre);
            case INT64 -> number - keyCentre;
            case DECIMAL -> BigDecimal.valueOf((number - keyCentre) * DECIMAL_KEY_STEP, DECIMAL_KEY_SCALE);
            case STRING -> new String(stringKey(number), StandardCharsets.US_ASCII);
            case DATE -> LocalDate.ofEpochDay(number);
            case TIMESTAMP_MILLIS -> Instant.ofEpochMilli(KEY_EPOCH_MILLIS + number);
            case TIMESTAMP_MICROS -> Cells.microsToInstant(KEY_EPOCH_MILLIS * 1000 + number);
        };
    }

    private static byte[] stringKey(long number) {
        byte[] out = new byte[STRING_KEY_DIGITS + 1];
        out[0] = 'k';
        long n = number;
        for (int i = STRING_KEY_DIGITS; i >= 1; i--) {
            out[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        return out;
    }

    /** The key number of a key value, or -1 if no key number maps to it. */
    private long keyNumberOf(Object key) {
        Objects.requireNonNull(key, "key");
        try {
            return switch (keyType) {
                case INT32 -> (Integer) key + keyCentre;
                case INT64 -> Math.addExact((Long) key, keyCentre);
                case DECIMAL -> decimalKeyNumber((BigDecimal) key);
                case STRING -> stringKeyNumber((String) key);
                case DATE -> ((LocalDate) key).toEpochDay();
                case TIMESTAMP_MILLIS -> instantKeyNumber((Instant) key, 1_000_000);
                case TIMESTAMP_MICROS -> instantKeyNumber((Instant) key, 1_000);
            };
        } catch (ClassCastException e) {
            throw new IllegalArgumentException(
                    "key of type " + key.getClass().getName() + " given for key type " + keyType, e);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    private long decimalKeyNumber(BigDecimal key) {
        long unscaled = key.setScale(DECIMAL_KEY_SCALE, RoundingMode.UNNECESSARY)
                .unscaledValue()
                .longValueExact();
        return unscaled % DECIMAL_KEY_STEP == 0 ? Math.addExact(unscaled / DECIMAL_KEY_STEP, keyCentre) : -1;
    }

    private static long stringKeyNumber(String key) {
        if (key.length() != STRING_KEY_DIGITS + 1 || key.charAt(0) != 'k') {
            return -1;
        }
        long n = 0;
        for (int i = 1; i < key.length(); i++) {
            char ch = key.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n;
    }

    /** Whole units of {@code nanosPerUnit} nanoseconds since 2020-01-01, or -1 if {@code t} is not a whole unit. */
    private static long instantKeyNumber(Instant t, int nanosPerUnit) {
        long seconds = t.getEpochSecond();
        int nanos = t.getNano();
        if (nanos % nanosPerUnit != 0) {
            return -1;
        }
        long unitsPerSecond = 1_000_000_000L / nanosPerUnit;
        long units = Math.addExact(Math.multiplyExact(seconds, unitsPerSecond), nanos / nanosPerUnit);
        return Math.subtractExact(units, KEY_EPOCH_MILLIS * (unitsPerSecond / 1000));
    }

    // ---------------------------------------------------------------- writing

    /** Writes the file to {@code path}, replacing any file there. */
    public Written writeTo(Path path) throws IOException {
        return write(path, OptionalLong.empty());
    }

    /**
     * Writes the file to {@code path} with {@code keyShift} added to every key, as a part of a
     * {@link PartitionedTable} (its metadata says so); the oracle still gives the keys unshifted.
     */
    Written writeTo(Path path, long keyShift) throws IOException {
        if (keyType != KeyType.INT64) {
            throw new IllegalArgumentException("a key shift needs INT64 keys, not " + keyType);
        }
        return write(path, OptionalLong.of(keyShift));
    }

    private Written write(Path path, OptionalLong keyShift) throws IOException {
        List<Long> rowGroupRows = new ArrayList<>();
        ParquetWriter<Long> writer = new TableWriteSupport.Builder(new LocalOutputFile(path), this, keyShift)
                .withConf(new PlainParquetConfiguration())
                .withCodecFactory(new NoHadoopCodecs())
                .withCompressionCodec(codec.parquetName())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withRowGroupSize(rowGroupSize)
                .withRowGroupRowCountLimit(rowGroupRowLimit)
                .withPageSize(pageSize)
                .withPageRowCountLimit(pageRowLimit)
                .withDictionaryEncoding(dictionary)
                .withWriterVersion(dataPageV2 ? WriterVersion.PARQUET_2_0 : WriterVersion.PARQUET_1_0)
                .withBloomFilterEnabled(KEY_COLUMN, keyBloomFilter)
                .build();
        try (writer) {
            for (long r = 0; r < rows; r++) {
                writer.write(r);
            }
        }
        for (BlockMetaData block : writer.getFooter().getBlocks()) {
            rowGroupRows.add(block.getRowCount());
        }
        if (!pageIndexes) {
            PageIndexRemover.removePageIndexes(path);
        }
        return new Written(path.toString(), rows, Files.size(path), rowGroupRows);
    }

    /** Writes the file to a temporary file, uploads it with one PutObject and deletes the temporary file. */
    public Written uploadTo(S3Client s3, String bucket, String key) throws IOException {
        Path tmp = Files.createTempFile("parquet-table-", ".parquet");
        try {
            Written local = writeTo(tmp);
            s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromFile(tmp));
            return new Written("s3://" + bucket + "/" + key, local.rows(), local.bytes(), local.rowGroupRows());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A one-line description of the settings, stored in the file's key-value metadata. */
    @Override
    public String toString() {
        return "ParquetTable{rows=" + rows + ", keyType=" + keyType + ", keyOrder=" + keyOrder + ", duplicates="
                + duplicates + ", columns=" + columns.size() + ", codec=" + codec + ", rowGroupSize=" + rowGroupSize
                + ", rowGroupRowLimit=" + rowGroupRowLimit + ", pageSize=" + pageSize + ", pageRowLimit=" + pageRowLimit
                + ", pageIndexes=" + pageIndexes + ", dictionary=" + dictionary + ", dataPageV2=" + dataPageV2
                + ", keyBloomFilter=" + keyBloomFilter
                + ", seed="
                + seed + "}";
    }

    /** Writes row {@code row} as one record: the key (an INT64 one plus {@code keyShift}), then each non-null cell. */
    void writeRow(long row, long keyShift, RecordConsumer out) {
        out.startMessage();
        out.startField(KEY_COLUMN, 0);
        long number = keyNumber(keyOrdinal(row));
        switch (keyType) {
            case INT32 -> out.addInteger((int) (number - keyCentre));
            case INT64 -> out.addLong(number - keyCentre + keyShift);
            case DECIMAL -> out.addLong((number - keyCentre) * DECIMAL_KEY_STEP);
            case STRING -> out.addBinary(Binary.fromConstantByteArray(stringKey(number)));
            case DATE -> out.addInteger((int) number);
            case TIMESTAMP_MILLIS -> out.addLong(KEY_EPOCH_MILLIS + number);
            case TIMESTAMP_MICROS -> out.addLong(KEY_EPOCH_MILLIS * 1000 + number);
        }
        out.endField(KEY_COLUMN, 0);
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            if (isNull(c, i, row)) {
                continue;
            }
            out.startField(c.name(), i + 1);
            Cells.write(c.type(), Mix.at(columnSeeds[i], row), out);
            out.endField(c.name(), i + 1);
        }
        out.endMessage();
    }
}
