package io.tieredstore.parquetlookup;

import io.tieredstore.parquetlookup.proto.LookupResultMessage;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The rows matching one key: none when the key is absent, several when it is not unique, in table order
 * (objects in listing order, rows in file order).
 *
 * @param key the key as it was asked for
 * @param columns the projected columns' names, the order of every row's values
 * @param rows the matching rows
 */
public record LookupResult(Object key, List<String> columns, List<Row> rows) {

    /** Copies the lists. */
    public LookupResult {
        Objects.requireNonNull(key, "key");
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** Whether no row matched. */
    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The compact protobuf form, for shipping a result to another instance. */
    public LookupResultMessage toProto() {
        return ResultCodec.encode(this);
    }

    /**
     * A result from its protobuf form; every value comes back with the Java type it had.
     *
     * @throws IllegalArgumentException if the message is not a well-formed result
     */
    public static LookupResult fromProto(LookupResultMessage message) {
        return ResultCodec.decode(message);
    }

    /** The first matching row, or {@code null} when none matched. */
    public @Nullable Row first() {
        return rows.isEmpty() ? null : rows.get(0);
    }
}
