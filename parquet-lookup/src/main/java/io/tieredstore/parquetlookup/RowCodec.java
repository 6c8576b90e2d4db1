package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/*
 * The result cache's form of a key's rows: one byte array, per row the index of its object among the key's
 * candidate versions, its row index and value count, then each value as a one-byte type tag and its bytes (fixed
 * width, or a length and the bytes). It keeps every Java type a Row can hold, as ResultCodec's protobuf form does,
 * without protobuf's message objects: encoding and decoding allocate only the array and the values, and the first
 * lookup of a process loads no protobuf class for it. Strings are kept as UTF-8, which is exact: they come from
 * decoding UTF-8, so they hold no unpaired surrogate. The arrays are only ever read back by decode(), in the process
 * that wrote them.
 */
final class RowCodec {
    private static final byte NULL = 0;
    private static final byte FALSE = 1;
    private static final byte TRUE = 2;
    private static final byte INT = 3;
    private static final byte LONG = 4;
    private static final byte FLOAT = 5;
    private static final byte DOUBLE = 6;
    private static final byte STRING = 7;
    private static final byte BYTES = 8;
    private static final byte DATE = 9;
    private static final byte TIME = 10;
    private static final byte INSTANT = 11;
    private static final byte LOCAL_DATE_TIME = 12;
    private static final byte DECIMAL = 13;
    private static final byte UUID_VALUE = 14;

    private RowCodec() {}

    /** {@code rows} in the cache's form, or null if one is in none of {@code versions}' objects (in table order). */
    static byte @Nullable [] encode(List<Row> rows, ObjectVersion[] versions) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * rows.size() + 8);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            int at = 0;
            for (Row r : rows) {
                while (at < versions.length && !versions[at].id().key().equals(r.object())) {
                    at++; // rows come in table order, as the versions do
                }
                if (at == versions.length) {
                    return null;
                }
                out.writeInt(at);
                out.writeLong(r.rowIndex());
                out.writeInt(r.size());
                for (int i = 0; i < r.size(); i++) {
                    value(out, r.peek(i));
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return bytes.toByteArray();
    }

    /** The {@code count} rows of {@code encoded}, in the objects of {@code versions}. */
    static List<Row> decode(byte[] encoded, int count, ObjectVersion[] versions) {
        ByteBuffer in = ByteBuffer.wrap(encoded);
        List<Row> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            String object = versions[in.getInt()].id().key();
            long rowIndex = in.getLong();
            int width = in.getInt();
            List<@Nullable Object> values = new ArrayList<>(width);
            for (int i = 0; i < width; i++) {
                values.add(value(in));
            }
            out.add(new Row(object, rowIndex, values));
        }
        return out;
    }

    private static void value(DataOutputStream out, @Nullable Object v) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Integer x) {
            out.writeByte(INT);
            out.writeInt(x);
        } else if (v instanceof Long x) {
            out.writeByte(LONG);
            out.writeLong(x);
        } else if (v instanceof Float x) {
            out.writeByte(FLOAT);
            out.writeInt(Float.floatToRawIntBits(x));
        } else if (v instanceof Double x) {
            out.writeByte(DOUBLE);
            out.writeLong(Double.doubleToRawLongBits(x));
        } else if (v instanceof String x) {
            out.writeByte(STRING);
            lengthAndBytes(out, x.getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof byte[] x) {
            out.writeByte(BYTES);
            lengthAndBytes(out, x);
        } else if (v instanceof LocalDate x) {
            out.writeByte(DATE);
            out.writeLong(x.toEpochDay());
        } else if (v instanceof LocalTime x) {
            out.writeByte(TIME);
            out.writeLong(x.toNanoOfDay());
        } else if (v instanceof Instant x) {
            out.writeByte(INSTANT);
            out.writeLong(x.getEpochSecond());
            out.writeInt(x.getNano());
        } else if (v instanceof LocalDateTime x) {
            out.writeByte(LOCAL_DATE_TIME);
            Instant utc = x.toInstant(ZoneOffset.UTC);
            out.writeLong(utc.getEpochSecond());
            out.writeInt(utc.getNano());
        } else if (v instanceof BigDecimal x) {
            out.writeByte(DECIMAL);
            out.writeInt(x.scale());
            lengthAndBytes(out, x.unscaledValue().toByteArray());
        } else if (v instanceof UUID x) {
            out.writeByte(UUID_VALUE);
            out.writeLong(x.getMostSignificantBits());
            out.writeLong(x.getLeastSignificantBits());
        } else {
            throw new IllegalArgumentException("a row holds no " + v.getClass().getName());
        }
    }

    private static @Nullable Object value(ByteBuffer in) {
        byte tag = in.get();
        return switch (tag) {
            case NULL -> null;
            case FALSE -> false;
            case TRUE -> true;
            case INT -> in.getInt();
            case LONG -> in.getLong();
            case FLOAT -> Float.intBitsToFloat(in.getInt());
            case DOUBLE -> Double.longBitsToDouble(in.getLong());
            case STRING -> new String(bytes(in), StandardCharsets.UTF_8);
            case BYTES -> bytes(in);
            case DATE -> LocalDate.ofEpochDay(in.getLong());
            case TIME -> LocalTime.ofNanoOfDay(in.getLong());
            case INSTANT -> Instant.ofEpochSecond(in.getLong(), in.getInt());
            case LOCAL_DATE_TIME -> LocalDateTime.ofEpochSecond(in.getLong(), in.getInt(), ZoneOffset.UTC);
            case DECIMAL -> {
                int scale = in.getInt();
                byte[] unscaled = bytes(in);
                yield new BigDecimal(unscaled.length == 0 ? BigInteger.ZERO : new BigInteger(unscaled), scale);
            }
            case UUID_VALUE -> new UUID(in.getLong(), in.getLong());
            default -> throw new IllegalStateException("not a value tag of ours: " + tag);
        };
    }

    private static void lengthAndBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] bytes(ByteBuffer in) {
        byte[] b = new byte[in.getInt()];
        in.get(b);
        return b;
    }
}
