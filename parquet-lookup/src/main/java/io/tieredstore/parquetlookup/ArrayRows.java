package io.tieredstore.parquetlookup;

import java.io.IOException;
import java.util.Arrays;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.column.values.dictionary.DictionaryValuesReader;
import org.apache.parquet.format.Type;
import org.jspecify.annotations.Nullable;

/**
 * A data page decoded whole into a primitive array by physical type ({@code boolean[]}, {@code int[]},
 * {@code long[]}, {@code float[]}, {@code double[]}, or {@code byte[][]} for INT96 and byte arrays), a value per
 * row, nulls marked: for what cannot be read by row (DELTA_BYTE_ARRAY, whose values are prefixes of the previous
 * ones, and definition levels in the deprecated BIT_PACKED encoding). Keeps nothing of the page body. Immutable.
 */
final class ArrayRows implements PageRows {
    /** Where definition levels come from. */
    interface LevelSource {
        /** The next level. */
        int next() throws IOException;
    }

    private final long firstRow;
    private final int rows;
    private final boolean @Nullable [] nulls;
    private final Object values;
    private final boolean ascending;
    private final long heapBytes;

    ArrayRows(long firstRow, int rows, boolean @Nullable [] nulls, Object values) {
        this.firstRow = firstRow;
        this.rows = rows;
        this.nulls = nulls;
        this.values = values;
        this.ascending = nulls == null && ascending(values, rows);
        this.heapBytes = 64L + (nulls == null ? 0 : 16L + rows) + weight(values, rows);
    }

    /**
     * Decodes {@code n} rows: levels from {@code defs} (or none), values from {@code reader}, dictionary ids looked
     * up in {@code dict}.
     */
    static ArrayRows decode(
            Schema.Leaf leaf,
            long firstRow,
            int n,
            @Nullable LevelSource defs,
            ValuesReader reader,
            PageDecoder.@Nullable Dict dict)
            throws IOException {
        Object values = newArray(leaf.type(), n);
        boolean[] nulls = null;
        int max = leaf.maxDefinition();
        Object dictValues = dict == null ? null : dict.values();
        boolean byId = reader instanceof DictionaryValuesReader;
        for (int i = 0; i < n; i++) {
            if (defs != null && defs.next() != max) {
                if (nulls == null) {
                    nulls = new boolean[n];
                }
                nulls[i] = true;
                continue;
            }
            if (byId && dictValues != null) {
                int id = reader.readValueDictionaryId();
                switch (leaf.type()) {
                    case INT32 -> ((int[]) values)[i] = ((int[]) dictValues)[id];
                    case INT64 -> ((long[]) values)[i] = ((long[]) dictValues)[id];
                    case FLOAT -> ((float[]) values)[i] = ((float[]) dictValues)[id];
                    case DOUBLE -> ((double[]) values)[i] = ((double[]) dictValues)[id];
                    case BOOLEAN -> ((boolean[]) values)[i] = ((boolean[]) dictValues)[id];
                    default -> ((byte[][]) values)[i] = ((byte[][]) dictValues)[id];
                }
                continue;
            }
            switch (leaf.type()) {
                case INT32 -> ((int[]) values)[i] = reader.readInteger();
                case INT64 -> ((long[]) values)[i] = reader.readLong();
                case FLOAT -> ((float[]) values)[i] = reader.readFloat();
                case DOUBLE -> ((double[]) values)[i] = reader.readDouble();
                case BOOLEAN -> ((boolean[]) values)[i] = reader.readBoolean();
                default -> ((byte[][]) values)[i] = reader.readBytes().getBytes();
            }
        }
        if (leaf.type() == Type.FIXED_LEN_BYTE_ARRAY || leaf.type() == Type.INT96) {
            int width = leaf.type() == Type.INT96
                    ? 12
                    : leaf.descriptor().getPrimitiveType().getTypeLength();
            byte[][] b = (byte[][]) values;
            for (int i = 0; i < n; i++) {
                if (b[i] != null && b[i].length != width) {
                    throw new IOException("fixed-length value of " + b[i].length + " bytes, not " + width);
                }
            }
        }
        return new ArrayRows(firstRow, n, nulls, values);
    }

    /** An estimate of the heap {@code rows} values in {@code values} hold. */
    static int weight(Object values, int rows) {
        long sum;
        if (values instanceof byte[][] b) {
            sum = 16L + 8L * rows;
            for (int i = 0; i < rows; i++) {
                byte[] v = b[i];
                sum += v == null ? 0 : 16 + v.length;
            }
        } else if (values instanceof long[] || values instanceof double[]) {
            sum = 16L + 8L * rows;
        } else if (values instanceof boolean[]) {
            sum = 16L + rows;
        } else {
            sum = 16L + 4L * rows;
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    private static Object newArray(Type type, int n) {
        return switch (type) {
            case INT32 -> new int[n];
            case INT64 -> new long[n];
            case FLOAT -> new float[n];
            case DOUBLE -> new double[n];
            case BOOLEAN -> new boolean[n];
            default -> new byte[n][];
        };
    }

    private static boolean ascending(Object values, int rows) {
        if (values instanceof long[] v) {
            for (int i = 1; i < rows; i++) {
                if (v[i - 1] > v[i]) {
                    return false;
                }
            }
            return true;
        }
        if (values instanceof int[] v) {
            for (int i = 1; i < rows; i++) {
                if (v[i - 1] > v[i]) {
                    return false;
                }
            }
            return true;
        }
        if (values instanceof byte[][] v) {
            for (int i = 1; i < rows; i++) {
                if (Arrays.compareUnsigned(v[i - 1], v[i]) > 0) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public long firstRow() {
        return firstRow;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public boolean isNull(int i) {
        boolean[] n = nulls;
        return n != null && n[i];
    }

    @Override
    public boolean ascending() {
        return ascending;
    }

    @Override
    public boolean bool(int i) {
        return ((boolean[]) values)[i];
    }

    @Override
    public int int32(int i) {
        return ((int[]) values)[i];
    }

    @Override
    public long int64(int i) {
        return ((long[]) values)[i];
    }

    @Override
    public float float32(int i) {
        return ((float[]) values)[i];
    }

    @Override
    public double float64(int i) {
        return ((double[]) values)[i];
    }

    @Override
    public byte[] bytes(int i) {
        return ((byte[][]) values)[i].clone();
    }

    @Override
    public int compareBytes(int i, byte[] key) {
        return Arrays.compareUnsigned(((byte[][]) values)[i], key);
    }

    @Override
    public long heapBytes() {
        return heapBytes;
    }

    @Override
    public long offHeapBytes() {
        return 0;
    }
}
