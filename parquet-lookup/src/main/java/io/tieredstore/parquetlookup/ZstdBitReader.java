package io.tieredstore.parquetlookup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads a Zstandard backward bit stream (RFC 8878, 4.1): the stream is written forwards and read from its last byte
 * towards its first, whose highest set bit is a marker above the first bit to read. Fields come out most
 * significant bit first. Reads past the first byte return zeros and are counted, so a caller checks with
 * {@link #remaining()} that a stream ended exactly where it should.
 *
 * <p>The reader keeps 64 bits of the stream in a register, {@code container} = the little-endian long at
 * {@code ptr}, of which the top {@code consumed} are read; {@link #reload()} moves {@code ptr} down by whole bytes.
 * After a reload at least 57 bits can be read, unless the stream's start is near.
 */
final class ZstdBitReader {
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final String object;
    private byte[] src = new byte[0];
    private int start;
    private int ptr;
    private long container;
    private int consumed;

    ZstdBitReader(String object) {
        this.object = object;
    }

    /** Starts reading {@code src[start, end)} from its end; {@code what} names the stream in errors. */
    void init(byte[] src, int start, int end, String what) {
        if (end <= start) {
            throw ZstdDecoder.corrupt(object, what + " is empty");
        }
        int last = src[end - 1] & 0xff;
        if (last == 0) {
            throw ZstdDecoder.corrupt(object, what + " has no end marker");
        }
        this.src = src;
        this.start = start;
        int size = end - start;
        int marker = Integer.numberOfLeadingZeros(last) - 23; // bits of the last byte from its top to the marker
        if (size >= Long.BYTES) {
            ptr = end - Long.BYTES;
            container = (long) LONG_LE.get(src, ptr);
            consumed = marker;
        } else {
            ptr = start;
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= (long) (src[start + i] & 0xff) << (8 * i);
            }
            container = v;
            consumed = marker + 8 * (Long.BYTES - size);
        }
    }

    /** Reads the next {@code n} bits (0..57, fewer since the last reload). */
    long read(int n) {
        long v = bits(container, consumed, n);
        consumed += n;
        return v;
    }

    /** The next {@code n} bits (1..57), not consumed. */
    int peek(int n) {
        return consumed >= 64 ? 0 : (int) ((container << consumed) >>> (64 - n));
    }

    /** Consumes {@code n} bits. */
    void skip(int n) {
        consumed += n;
    }

    /** Refills the register, so that 57 bits can be read unless the start of the stream is within them. */
    void reload() {
        if (consumed > 64) {
            return; // read past the start: nothing more to load
        }
        int bytes = Math.min(consumed >>> 3, ptr - start);
        if (bytes > 0) {
            ptr -= bytes;
            consumed -= bytes << 3;
            container = (long) LONG_LE.get(src, ptr);
        }
    }

    /** The register: the little-endian long at {@link #ptr()} (for a stream under 8 bytes, the stream). */
    long container() {
        return container;
    }

    /** How many of the register's bits, from its top, are read. */
    int consumed() {
        return consumed;
    }

    /** Where the register was loaded from. */
    int ptr() {
        return ptr;
    }

    /** The little-endian long at {@code src[at, at + 8)}. */
    static long longLe(byte[] src, int at) {
        return (long) LONG_LE.get(src, at);
    }

    /** Writes {@code v} little endian at {@code dst[at, at + 8)}. */
    static void setLongLe(byte[] dst, int at, long v) {
        LONG_LE.set(dst, at, v);
    }

    /** The {@code n} (0..57) bits of register {@code c} below its top {@code consumed}; zeros past its end. */
    static long bits(long c, int consumed, int n) {
        return consumed >= 64 ? 0 : ((c << consumed) >>> 1) >>> (63 - n);
    }

    /** Bits not yet read: 0 when the stream was read exactly, negative when reads went past its start. */
    long remaining() {
        return (long) (ptr - start) * 8 + 64 - consumed;
    }
}
