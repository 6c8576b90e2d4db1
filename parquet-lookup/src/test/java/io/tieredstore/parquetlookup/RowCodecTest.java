package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The result cache's row form gives back every value a Row can hold, type and bits included. */
class RowCodecTest {
    private static final ObjectVersion A = new ObjectVersion(new ObjectId("s3", "b", "t/a.parquet"), "\"1\"", 10);
    private static final ObjectVersion B = new ObjectVersion(new ObjectId("s3", "b", "t/b.parquet"), "\"2\"", 20);

    @Test
    void everyValueKind_comesBackWithItsTypeAndBits() {
        List<@Nullable Object> values = new ArrayList<>(Arrays.asList(
                null,
                true,
                false,
                Integer.MIN_VALUE,
                -1L,
                Float.intBitsToFloat(0x7fc00001), // a NaN with a payload
                -0.0f,
                Double.longBitsToDouble(0x7ff0000000000001L),
                -0.0,
                "",
                "héllo 😀",
                new byte[0],
                new byte[] {-1, 0, 1},
                LocalDate.of(-300, 2, 28),
                LocalTime.of(23, 59, 59, 999_999_999),
                Instant.ofEpochSecond(-86_401, 7),
                LocalDateTime.of(1969, 12, 31, 23, 59, 59, 123_456_789),
                new BigDecimal("-0.000"),
                new BigDecimal("123456789012345678901234567890.123456789"),
                new UUID(-1L, 42L)));
        List<Row> rows = List.of(new Row(A.id().key(), 3, values), new Row(B.id().key(), 1L << 40, List.of(7)));
        byte[] encoded = RowCodec.encode(rows, new ObjectVersion[] {A, B});
        List<Row> back = RowCodec.decode(Objects.requireNonNull(encoded), 2, new ObjectVersion[] {A, B});
        assertEquals(rows, back);
        Row r = back.get(0);
        assertNull(r.get(0));
        for (int i = 1; i < values.size(); i++) {
            Object expected = values.get(i);
            Object actual = r.get(i);
            assertEquals(Objects.requireNonNull(expected).getClass(), actual == null ? null : actual.getClass());
            if (expected instanceof Float f) {
                assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits((Float) actual), "value " + i);
            } else if (expected instanceof Double d) {
                assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) actual), "value " + i);
            } else if (expected instanceof byte[] b) {
                assertArrayEquals(b, (byte[]) actual, "value " + i);
            } else if (expected instanceof BigDecimal d) {
                assertEquals(d.scale(), ((BigDecimal) actual).scale(), "value " + i);
                assertEquals(d, actual, "value " + i);
            } else {
                assertEquals(expected, actual, "value " + i);
            }
        }
        assertEquals("t/b.parquet", back.get(1).object());
        assertEquals(1L << 40, back.get(1).rowIndex());
    }

    @Test
    void aRowOfAnObjectThatIsNoCandidate_isNotEncoded() {
        List<Row> rows = List.of(new Row("t/elsewhere.parquet", 0, List.of(1)));
        assertNull(RowCodec.encode(rows, new ObjectVersion[] {A, B}));
    }
}
