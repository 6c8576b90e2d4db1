package io.tieredstore.parquetlookup;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lzo.LzoDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.format.CompressionCodec;
import org.brotli.dec.BrotliInputStream;

/**
 * Page decompression for every codec Parquet names, each into a buffer of exactly the size the page header
 * promises, so that a decompression bomb costs at most that (already capped) size.
 *
 * <p>Parquet's LZ4 (not LZ4_RAW) is written in Hadoop's framing by parquet-java and in the raw block format by
 * old Arrow versions; like Arrow, we try the framing first and fall back to a raw block. LZO is always
 * Hadoop-framed.
 *
 * <p>Which decoder runs matters on JDK 24 and newer, where a library that loads native code or touches
 * {@code sun.misc.Unsafe} makes the JVM print warnings unless the application passes flags. SNAPPY, GZIP, LZ4_RAW,
 * LZ4, ZSTD and BROTLI are decoded in pure Java without either, so they print nothing: SNAPPY by our
 * {@link SnappyDecoder}, LZ4_RAW and LZ4 by our {@link Lz4Decoder}, ZSTD by our {@link ZstdDecoder} (each says why
 * no library is used: the libraries are native, use {@code Unsafe}, or are slow), GZIP by {@code java.util.zip},
 * BROTLI by Google's pure-Java decoder {@code org.brotli:dec}. Only LZO, decoded by aircompressor 2
 * ({@code sun.misc.Unsafe}), warns.
 */
final class Codecs {
    private Codecs() {}

    /**
     * Decompresses {@code length} bytes of {@code src} from {@code offset} into exactly {@code size} bytes.
     *
     * @throws CorruptParquetException naming {@code object} if the input is malformed or does not produce
     *     exactly {@code size} bytes
     */
    static byte[] decompress(String object, CompressionCodec codec, byte[] src, int offset, int length, int size) {
        if (codec == CompressionCodec.UNCOMPRESSED) {
            if (length != size) {
                throw new CorruptParquetException(
                        object, "uncompressed page of " + length + " bytes claims " + size + " bytes");
            }
            return java.util.Arrays.copyOfRange(src, offset, offset + length);
        }
        if (size == 0 && length == 0) {
            return new byte[0];
        }
        byte[] out = new byte[size];
        try {
            int n = switch (codec) {
                case SNAPPY -> snappy(object, src, offset, length, out);
                case GZIP -> gzip(src, offset, length, out);
                case ZSTD -> ZstdDecoder.decompress(object, src, offset, length, out);
                case LZ4_RAW -> Lz4Decoder.decompress(object, src, offset, length, out, 0, size);
                case LZ4 -> lz4(object, src, offset, length, out);
                case LZO -> hadoopFramed(new LzoDecompressor()::decompress, src, offset, length, out);
                case BROTLI -> brotli(src, offset, length, out);
                // Only a codec added to the format after this library (UNCOMPRESSED returned above).
                default -> throw new UnsupportedParquetException(object, "codec " + codec + " is not supported");
            };
            if (n != size) {
                throw new CorruptParquetException(
                        object, codec + " page decompressed to " + n + " bytes, header says " + size);
            }
            return out;
        } catch (IOException | MalformedInputException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new CorruptParquetException(object, codec + " page does not decompress: " + e.getMessage(), e);
        }
    }

    /** Raw Snappy: a varint preamble with the uncompressed length, then literals and copies. */
    private static int snappy(String object, byte[] src, int offset, int length, byte[] out) {
        SnappyDecoder.decompress(object, src, offset, length, out);
        return out.length;
    }

    /** Reads every gzip member (some writers concatenate them). */
    private static int gzip(byte[] src, int offset, int length, byte[] out) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(src, offset, length))) {
            return readAll(in, out, 0, out.length);
        }
    }

    /**
     * One brotli stream (Parquet's BROTLI is the bare RFC 7932 format, no framing). The decoder reports malformed
     * and truncated input as an {@code IOException}, or, from a few paths, as its package-private
     * {@code BrotliRuntimeException} or an index error; all of them become an {@code IOException} here, so the caller
     * names the page as corrupt. Its memory is bounded by the stream's window (at most 16 MiB) plus {@code out}.
     */
    @SuppressWarnings("CatchingUnchecked") // the library's own unchecked error type is not public
    private static int brotli(byte[] src, int offset, int length, byte[] out) throws IOException {
        try (InputStream in = new BrotliInputStream(new ByteArrayInputStream(src, offset, length))) {
            return readAll(in, out, 0, out.length);
        } catch (RuntimeException e) {
            throw new IOException("brotli: " + e, e);
        }
    }

    /** Hadoop-framed LZ4 blocks, or else one raw block. */
    private static int lz4(String object, byte[] src, int offset, int length, byte[] out) {
        try {
            return hadoopFramed(
                    (s, o, l, d, at, max) -> Lz4Decoder.decompress(object, s, o, l, d, at, max),
                    src,
                    offset,
                    length,
                    out);
        } catch (MalformedInputException | CorruptParquetException framing) {
            return Lz4Decoder.decompress(object, src, offset, length, out, 0, out.length);
        }
    }

    /**
     * Reads {@code in} to its end into {@code out[at, at + max)} and returns the count; a stream longer than
     * {@code max} returns {@code max + 1} (the caller reports the size mismatch) without writing past it.
     */
    private static int readAll(InputStream in, byte[] out, int at, int max) throws IOException {
        int n = in.readNBytes(out, at, max);
        return in.read() < 0 ? n : n + 1;
    }

    /** A block decompressor: {@code src[offset, offset + length)} into at most {@code max} bytes at {@code at}. */
    @FunctionalInterface
    private interface BlockDecoder {
        int decompress(byte[] src, int offset, int length, byte[] out, int at, int max);
    }

    /**
     * Hadoop's block framing: blocks of [uncompressed length][compressed length][compressed bytes]..., big
     * endian, where one uncompressed block may be split over several compressed chunks.
     */
    private static int hadoopFramed(BlockDecoder codec, byte[] src, int offset, int length, byte[] out) {
        int in = offset;
        int end = offset + length;
        int written = 0;
        while (in < end) {
            int blockSize = bigEndianInt(src, in, end);
            in += 4;
            if (blockSize < 0 || blockSize > out.length - written) {
                throw new MalformedInputException(in, "block of " + blockSize + " bytes overflows the page");
            }
            int blockEnd = written + blockSize;
            while (written < blockEnd) {
                int chunk = bigEndianInt(src, in, end);
                in += 4;
                if (chunk < 0 || chunk > end - in) {
                    throw new MalformedInputException(in, "chunk of " + chunk + " bytes overruns the page");
                }
                int n = codec.decompress(src, in, chunk, out, written, blockEnd - written);
                if (n > blockEnd - written) {
                    throw new MalformedInputException(in, "chunk decodes past its block");
                }
                written += n;
                in += chunk;
            }
        }
        return written;
    }

    private static int bigEndianInt(byte[] b, int at, int end) {
        if (end - at < 4) {
            throw new MalformedInputException(at, "truncated frame header");
        }
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
