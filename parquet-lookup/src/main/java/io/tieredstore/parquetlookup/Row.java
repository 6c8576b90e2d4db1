package io.tieredstore.parquetlookup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One matching row: its projected values in projection order, and where it came from.
 *
 * <p>Values are typed by the column's Parquet type: {@code Boolean}; {@code Integer} (INT32, INT_8/16/32,
 * UINT_8/16); {@code Long} (INT64, UINT_32, and UINT_64 as its two's-complement bits); {@code Float}
 * (FLOAT, FLOAT16); {@code Double}; {@code String} (STRING, ENUM, JSON); {@code byte[]} (other BYTE_ARRAY and
 * FIXED_LEN_BYTE_ARRAY); {@code java.time.LocalDate} (DATE); {@code java.time.LocalTime} (TIME);
 * {@code java.time.Instant} (TIMESTAMP adjusted to UTC, and INT96); {@code java.time.LocalDateTime}
 * (TIMESTAMP not adjusted to UTC); {@code java.math.BigDecimal} (DECIMAL); {@code java.util.UUID} (UUID);
 * {@code null} for a null value.
 */
public final class Row {
    private final String object;
    private final long rowIndex;
    private final @Nullable Object[] values;

    /** A row of {@code object} at {@code rowIndex} (0-based within the object) holding {@code values}. */
    public Row(String object, long rowIndex, List<? extends @Nullable Object> values) {
        this.object = Objects.requireNonNull(object, "object");
        this.rowIndex = rowIndex;
        this.values = values.toArray();
    }

    /** The object the row is in, as its key within the bucket. */
    public String object() {
        return object;
    }

    /** The row's position within its object, counting from 0 over all row groups. */
    public long rowIndex() {
        return rowIndex;
    }

    /** The number of values: the projection's size. */
    public int size() {
        return values.length;
    }

    /** The value of projected column {@code i}; a {@code byte[]} comes back as a copy. */
    public @Nullable Object get(int i) {
        Object v = values[i];
        return v instanceof byte[] b ? b.clone() : v;
    }

    /** The value of projected column {@code i} itself, not copied: for the lookup's own result cache only. */
    @Nullable
    Object peek(int i) {
        return values[i];
    }

    /** All values in projection order (byte arrays copied). */
    public List<@Nullable Object> values() {
        List<@Nullable Object> out = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            out.add(get(i));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof Row r
                && rowIndex == r.rowIndex
                && object.equals(r.object)
                && Arrays.deepEquals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(object, rowIndex, Arrays.deepHashCode(values));
    }

    @Override
    public String toString() {
        StringBuilder s =
                new StringBuilder().append(object).append('#').append(rowIndex).append('[');
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            s.append(i == 0 ? "" : ", ").append(v instanceof byte[] b ? Arrays.toString(b) : String.valueOf(v));
        }
        return s.append(']').toString();
    }
}
