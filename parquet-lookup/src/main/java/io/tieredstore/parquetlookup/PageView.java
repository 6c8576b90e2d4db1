package io.tieredstore.parquetlookup;

import org.apache.parquet.format.Type;
import org.jspecify.annotations.Nullable;

/**
 * A data page read in place: a row's null bit and value index from {@link Nulls} (or the row itself when no row is
 * null), its value from a {@link ValueColumn} over the decompressed body. Holds only the body it reads and its small
 * tables; immutable, so shared between threads.
 */
final class PageView implements PageRows {
    private final long firstRow;
    private final int rows;
    private final @Nullable Nulls nulls;
    private final ValueColumn values;
    private final boolean ascending;
    private final int bodyBytes;
    private final boolean direct;

    PageView(
            long firstRow,
            int rows,
            @Nullable Nulls nulls,
            ValueColumn values,
            Type type,
            int bodyBytes,
            boolean direct) {
        this.firstRow = firstRow;
        this.rows = rows;
        this.nulls = nulls;
        this.values = values;
        this.ascending = nulls == null && values.ascends(type, rows);
        this.bodyBytes = bodyBytes;
        this.direct = direct;
    }

    private int index(int i) {
        Nulls n = nulls;
        return n == null ? i : n.index(i);
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
        Nulls n = nulls;
        return n != null && n.isNull(i);
    }

    @Override
    public boolean ascending() {
        return ascending;
    }

    @Override
    public boolean bool(int i) {
        return values.bool(index(i));
    }

    @Override
    public int int32(int i) {
        return values.int32(index(i));
    }

    @Override
    public long int64(int i) {
        return values.int64(index(i));
    }

    @Override
    public float float32(int i) {
        return values.float32(index(i));
    }

    @Override
    public double float64(int i) {
        return values.float64(index(i));
    }

    @Override
    public byte[] bytes(int i) {
        return values.bytes(index(i));
    }

    @Override
    public int compareBytes(int i, byte[] key) {
        return values.compareBytes(index(i), key);
    }

    @Override
    public long heapBytes() {
        Nulls n = nulls;
        return 48L + values.heapBytes() + (n == null ? 0 : n.heapBytes());
    }

    @Override
    public long offHeapBytes() {
        return direct ? bodyBytes : 0;
    }
}
