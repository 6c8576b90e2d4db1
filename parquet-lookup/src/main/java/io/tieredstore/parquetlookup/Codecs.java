package io.tieredstore.parquetlookup;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import io.airlift.compress.Decompressor;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.lzo.LzoDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.format.CompressionCodec;
import org.xerial.snappy.Snappy;

/**
 * Page decompression for every codec Parquet names except BROTLI, each into a buffer of exactly the size the
 * page header promises, so that a decompression bomb costs at most that (already capped) size.
 *
 * <p>Parquet's LZ4 (not LZ4_RAW) is written in Hadoop's framing by parquet-java and in the raw block format by
 * old Arrow versions; like Arrow, we try the framing first and fall back to a raw block. LZO is always
 * Hadoop-framed.
 */
final class Codecs {
    private Codecs() {}

    /** Whether pages compressed with {@code codec} can be read. */
    static boolean supported(CompressionCodec codec) {
        return codec != CompressionCodec.BROTLI;
    }

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
                case SNAPPY -> snappy(src, offset, length, out);
                case GZIP -> gzip(src, offset, length, out);
                case ZSTD -> (int) Zstd.decompressByteArray(out, 0, size, src, offset, length);
                case LZ4_RAW -> new Lz4Decompressor().decompress(src, offset, length, out, 0, size);
                case LZ4 -> lz4(src, offset, length, out);
                case LZO -> hadoopFramed(new LzoDecompressor(), src, offset, length, out);
                default -> throw new UnsupportedParquetException(object, "codec " + codec + " is not supported");
            };
            if (n != size) {
                throw new CorruptParquetException(
                        object, codec + " page decompressed to " + n + " bytes, header says " + size);
            }
            return out;
        } catch (IOException | MalformedInputException | ZstdException | IndexOutOfBoundsException e) {
            throw new CorruptParquetException(object, codec + " page does not decompress: " + e.getMessage(), e);
        }
    }

    private static int snappy(byte[] src, int offset, int length, byte[] out) throws IOException {
        int n = Snappy.uncompressedLength(src, offset, length);
        if (n != out.length) {
            return n; // reported by the caller, before anything is written
        }
        return Snappy.uncompress(src, offset, length, out, 0);
    }

    /** Reads every gzip member (some writers concatenate them); one byte past {@code out} means a lie. */
    private static int gzip(byte[] src, int offset, int length, byte[] out) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(src, offset, length))) {
            int n = in.readNBytes(out, 0, out.length);
            return in.read() < 0 ? n : n + 1;
        }
    }

    private static int lz4(byte[] src, int offset, int length, byte[] out) {
        try {
            return hadoopFramed(new Lz4Decompressor(), src, offset, length, out);
        } catch (MalformedInputException | IndexOutOfBoundsException framing) {
            return new Lz4Decompressor().decompress(src, offset, length, out, 0, out.length);
        }
    }

    /**
     * Hadoop's block framing: blocks of [uncompressed length][compressed length][compressed bytes]..., big
     * endian, where one uncompressed block may be split over several compressed chunks.
     */
    private static int hadoopFramed(Decompressor codec, byte[] src, int offset, int length, byte[] out) {
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
                written += codec.decompress(src, in, chunk, out, written, blockEnd - written);
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
