package io.tieredstore.parquetlookup;

import com.google.protobuf.ByteString;
import io.tieredstore.parquetlookup.proto.Decimal;
import io.tieredstore.parquetlookup.proto.LookupResultMessage;
import io.tieredstore.parquetlookup.proto.RowMessage;
import io.tieredstore.parquetlookup.proto.Seconds;
import io.tieredstore.parquetlookup.proto.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Converts a {@link LookupResult} to and from its protobuf form, value by value, keeping every Java type. */
final class ResultCodec {
    private ResultCodec() {}

    static LookupResultMessage encode(LookupResult result) {
        LookupResultMessage.Builder out =
                LookupResultMessage.newBuilder().setKey(value(result.key())).addAllColumns(result.columns());
        Map<String, Integer> objects = new HashMap<>();
        for (Row row : result.rows()) {
            Integer index = objects.get(row.object());
            if (index == null) {
                index = objects.size();
                objects.put(row.object(), index);
                out.addObjects(row.object());
            }
            RowMessage.Builder r = RowMessage.newBuilder().setObject(index).setRowIndex(row.rowIndex());
            for (int i = 0; i < row.size(); i++) {
                r.addValues(value(row.get(i)));
            }
            out.addRows(r);
        }
        return out.build();
    }

    static LookupResult decode(LookupResultMessage message) {
        Object key = object(message.getKey());
        if (key == null) {
            throw new IllegalArgumentException("a lookup result's key can't be null");
        }
        List<Row> rows = new ArrayList<>(message.getRowsCount());
        for (RowMessage r : message.getRowsList()) {
            if (r.getObject() >= message.getObjectsCount()) {
                throw new IllegalArgumentException(
                        "row refers to object " + r.getObject() + " of " + message.getObjectsCount());
            }
            List<@Nullable Object> values = new ArrayList<>(r.getValuesCount());
            for (Value v : r.getValuesList()) {
                values.add(object(v));
            }
            rows.add(new Row(message.getObjects(r.getObject()), r.getRowIndex(), values));
        }
        return new LookupResult(key, message.getColumnsList(), rows);
    }

    static Value value(@Nullable Object v) {
        Value.Builder b = Value.newBuilder();
        if (v == null) {
            return b.setNullValue(true).build();
        }
        if (v instanceof Boolean x) {
            b.setBoolValue(x);
        } else if (v instanceof Integer x) {
            b.setIntValue(x);
        } else if (v instanceof Long x) {
            b.setLongValue(x);
        } else if (v instanceof Float x) {
            b.setFloatValue(x);
        } else if (v instanceof Double x) {
            b.setDoubleValue(x);
        } else if (v instanceof String x) {
            b.setStringValue(x);
        } else if (v instanceof byte[] x) {
            b.setBytesValue(ByteString.copyFrom(x));
        } else if (v instanceof LocalDate x) {
            b.setDateValue(x.toEpochDay());
        } else if (v instanceof LocalTime x) {
            b.setTimeValue(x.toNanoOfDay());
        } else if (v instanceof Instant x) {
            b.setInstantValue(seconds(x.getEpochSecond(), x.getNano()));
        } else if (v instanceof LocalDateTime x) {
            Instant utc = x.toInstant(ZoneOffset.UTC);
            b.setLocalDateTimeValue(seconds(utc.getEpochSecond(), utc.getNano()));
        } else if (v instanceof BigDecimal x) {
            b.setDecimalValue(Decimal.newBuilder()
                    .setUnscaled(ByteString.copyFrom(x.unscaledValue().toByteArray()))
                    .setScale(x.scale()));
        } else if (v instanceof UUID x) {
            b.setUuidValue(ByteString.copyFrom(ByteBuffer.allocate(16)
                    .putLong(x.getMostSignificantBits())
                    .putLong(x.getLeastSignificantBits())
                    .array()));
        } else {
            throw new IllegalArgumentException(
                    "no protobuf form for a " + v.getClass().getName());
        }
        return b.build();
    }

    private static Seconds seconds(long seconds, int nanos) {
        return Seconds.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    }

    static @Nullable Object object(Value v) {
        return switch (v.getKindCase()) {
            case NULL_VALUE, KIND_NOT_SET -> null;
            case BOOL_VALUE -> v.getBoolValue();
            case INT_VALUE -> v.getIntValue();
            case LONG_VALUE -> v.getLongValue();
            case FLOAT_VALUE -> v.getFloatValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case STRING_VALUE -> v.getStringValue();
            case BYTES_VALUE -> v.getBytesValue().toByteArray();
            case DATE_VALUE -> LocalDate.ofEpochDay(v.getDateValue());
            case TIME_VALUE -> LocalTime.ofNanoOfDay(v.getTimeValue());
            case INSTANT_VALUE ->
                Instant.ofEpochSecond(
                        v.getInstantValue().getSeconds(), v.getInstantValue().getNanos());
            case LOCAL_DATE_TIME_VALUE ->
                LocalDateTime.ofEpochSecond(
                        v.getLocalDateTimeValue().getSeconds(),
                        v.getLocalDateTimeValue().getNanos(),
                        ZoneOffset.UTC);
            case DECIMAL_VALUE -> decimal(v.getDecimalValue());
            case UUID_VALUE -> uuid(v.getUuidValue());
        };
    }

    private static BigDecimal decimal(Decimal d) {
        byte[] unscaled = d.getUnscaled().toByteArray();
        return new BigDecimal(unscaled.length == 0 ? BigInteger.ZERO : new BigInteger(unscaled), d.getScale());
    }

    private static UUID uuid(ByteString b) {
        if (b.size() != 16) {
            throw new IllegalArgumentException("a UUID has 16 bytes, not " + b.size());
        }
        ByteBuffer buf = b.asReadOnlyByteBuffer();
        return new UUID(buf.getLong(), buf.getLong());
    }
}
