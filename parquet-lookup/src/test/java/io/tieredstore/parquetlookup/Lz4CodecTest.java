package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lz4.Lz4Compressor;
import io.tieredstore.parquetlookup.CodecInputs.Kind;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import org.apache.parquet.format.CompressionCodec;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Lz4Decoder}, for LZ4_RAW and LZ4 pages through {@link Codecs}: blocks from aircompressor and from lz4-java's fast and high
 * compressors decode to the input, raw and in Hadoop's framing (several blocks, blocks split over chunks);
 * truncated or bit-flipped pages are a {@link CorruptParquetException} raised on purpose (no index exception as
 * its cause), or decode exactly as a plain byte-by-byte decoder written here from the block format.
 */
class Lz4CodecTest {
    private static final String OBJECT = "b/t.parquet";
    private static final Lz4Compressor AIRCOMPRESSOR = new Lz4Compressor();
    private static final LZ4Compressor FAST = LZ4Factory.safeInstance().fastCompressor();
    private static final LZ4Compressor HIGH = LZ4Factory.safeInstance().highCompressor();
    private static final List<UnaryOperator<byte[]>> COMPRESSORS =
            List.of(Lz4CodecTest::aircompressor, FAST::compress, HIGH::compress);

    /* --------------- Differential --------------- */

    @Test
    void decodesWhatAircompressorAndLz4JavaEncode() {
        SplittableRandom random = new SplittableRandom(20_261_122);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 2_000; i++) {
            Kind kind = kinds[i % kinds.length];
            byte[] input = CodecInputs.generate(random, kind, CodecInputs.size(random, 256 << 10));
            for (int c = 0; c < COMPRESSORS.size(); c++) {
                byte[] block = COMPRESSORS.get(c).apply(input);
                String what = "case " + i + " (" + kind + ", " + input.length + " bytes), compressor " + c;
                assertArrayEquals(input, decompress(CompressionCodec.LZ4_RAW, block, input.length), what + " LZ4_RAW");
                // LZ4 falls back to one raw block when the Hadoop framing does not parse
                assertArrayEquals(input, decompress(CompressionCodec.LZ4, block, input.length), what + " LZ4 raw");
            }
        }
    }

    @Test
    void decodesHadoopFramedPages() {
        SplittableRandom random = new SplittableRandom(5);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 600; i++) {
            byte[] input = CodecInputs.generate(random, kinds[i % kinds.length], CodecInputs.size(random, 512 << 10));
            byte[] framed = hadoopFramed(input, random, COMPRESSORS.get(i % COMPRESSORS.size()));
            assertArrayEquals(input, decompress(CompressionCodec.LZ4, framed, input.length), "case " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void decodesPagesOfSomeMebibytes(Kind kind) {
        SplittableRandom random = new SplittableRandom(kind.name().hashCode());
        for (int size : new int[] {1 << 20, (3 << 20) + 17, 4 << 20}) {
            byte[] input = CodecInputs.generate(random, kind, size);
            for (UnaryOperator<byte[]> compressor : COMPRESSORS) {
                byte[] block = compressor.apply(input);
                assertArrayEquals(input, decompress(CompressionCodec.LZ4_RAW, block, size), kind + " " + size);
            }
            byte[] framed = hadoopFramed(input, random, FAST::compress);
            assertArrayEquals(input, decompress(CompressionCodec.LZ4, framed, size), kind + " " + size + " framed");
        }
    }

    /* --------------- Malformed input --------------- */

    @Test
    void rejectsEachMalformedForm() {
        byte[][] blocks = {
            {}, // no sequence
            {0x10}, // a literal past the input
            {(byte) 0xf0}, // a literal length continued, cut
            {(byte) 0xf0, (byte) 0xff}, // again
            {0x10, 'a', 1}, // ends inside an offset
            {0x10, 'a', 0, 0, 0x00}, // offset 0 (lz4-java's safe decoder accepts it)
            {0x10, 'a', 2, 0, 0x00}, // offset before the start
            {0x1f, 'a', 1, 0, (byte) 0xff, 0x00}, // a match past the output
            {0x1f, 'a', 1, 0}, // ends inside a match length
            {0x10, 'a', 1, 0}, // ends after a match, without the last literals
            {(byte) 0xf0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0}, // a length above max
        };
        for (byte[] block : blocks) {
            assertThrows(
                    CorruptParquetException.class,
                    () -> Lz4Decoder.decompress(OBJECT, block, 0, block.length, new byte[40], 8, 16),
                    () -> "accepted " + Arrays.toString(block));
        }
        byte[] valid = {0x10, 'a', 1, 0, 0x00}; // 'a', then 4 more from 1 back, then no literal
        byte[] out = new byte[16];
        assertEquals(5, Lz4Decoder.decompress(OBJECT, valid, 0, valid.length, out, 3, 13));
        assertArrayEquals("aaaaa".getBytes(java.nio.charset.StandardCharsets.US_ASCII), Arrays.copyOfRange(out, 3, 8));
    }

    @Test
    void everyTruncationIsCorrupt() {
        SplittableRandom random = new SplittableRandom(17);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 120; i++) {
            byte[] input =
                    CodecInputs.generate(random, kinds[i % kinds.length], 1 + CodecInputs.size(random, 64 << 10));
            byte[] raw = COMPRESSORS.get(i % COMPRESSORS.size()).apply(input);
            byte[] framed = hadoopFramed(input, random, FAST::compress);
            int step = Math.max(1, raw.length / 200);
            for (int cut = 0; cut < raw.length; cut += 1 + random.nextInt(step)) {
                assertCorrupt(CompressionCodec.LZ4_RAW, Arrays.copyOf(raw, cut), input.length, "raw prefix " + cut);
                assertCorrupt(CompressionCodec.LZ4, Arrays.copyOf(raw, cut), input.length, "LZ4 raw prefix " + cut);
            }
            step = Math.max(1, framed.length / 200);
            for (int cut = 0; cut < framed.length; cut += 1 + random.nextInt(step)) {
                assertCorrupt(CompressionCodec.LZ4, Arrays.copyOf(framed, cut), input.length, "framed prefix " + cut);
            }
        }
    }

    @Test
    void flippedBitsAreCorruptOrDecodeAsTheFormatSays() {
        SplittableRandom random = new SplittableRandom(19);
        Kind[] kinds = Kind.values();
        int rejected = 0;
        int trials = 0;
        for (int i = 0; i < 300; i++) {
            byte[] input = CodecInputs.generate(random, kinds[i % kinds.length], 1 + random.nextInt(8 << 10));
            byte[] raw = COMPRESSORS.get(i % COMPRESSORS.size()).apply(input);
            byte[] framed = hadoopFramed(input, random, FAST::compress);
            for (int t = 0; t < 20; t++, trials++) {
                byte[] damaged = flip(raw, random);
                byte @Nullable [] ours = decompressOrNull(CompressionCodec.LZ4_RAW, damaged, input.length);
                if (ours == null) {
                    rejected++;
                } else {
                    byte @Nullable [] reference = plainDecode(damaged, input.length);
                    assertNotNull(reference, "accepted a block the format does not allow, trial " + trials);
                    assertArrayEquals(reference, ours, "trial " + trials);
                }
                byte[] damagedFrame = flip(framed, random);
                byte @Nullable [] framedResult = decompressOrNull(CompressionCodec.LZ4, damagedFrame, input.length);
                if (framedResult != null) {
                    assertTrue(framedResult.length == input.length, "framed trial " + trials);
                }
            }
        }
        assertTrue(
                rejected > trials / 10 && rejected < trials * 9 / 10,
                rejected + " of " + trials + " damaged blocks were rejected");
    }

    /* --------------- Helpers --------------- */

    private static byte[] decompress(CompressionCodec codec, byte[] page, int size) {
        return Codecs.decompress(OBJECT, codec, page, 0, page.length, size);
    }

    /** The page decoded, or null if it is corrupt; fails on any other exception or an index exception as cause. */
    private static byte @Nullable [] decompressOrNull(CompressionCodec codec, byte[] page, int size) {
        try {
            return decompress(codec, page, size);
        } catch (CorruptParquetException e) {
            Throwable cause = e.getCause();
            if (cause != null && !(cause instanceof MalformedInputException)) {
                fail("corruption found by accident, not by a check: " + cause, cause);
            }
            return null;
        }
    }

    private static void assertCorrupt(CompressionCodec codec, byte[] page, int size, String what) {
        if (decompressOrNull(codec, page, size) != null) {
            fail(codec + " " + what + " of a " + size + "-byte page decoded");
        }
    }

    private static byte[] flip(byte[] block, SplittableRandom random) {
        byte[] damaged = block.clone();
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips; f++) {
            damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return damaged;
    }

    private static byte[] aircompressor(byte[] input) {
        byte[] out = new byte[AIRCOMPRESSOR.maxCompressedLength(input.length)];
        int n = AIRCOMPRESSOR.compress(input, 0, input.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    /**
     * Hadoop's framing of {@code input}: blocks of random sizes, each [uncompressed length] then one or more
     * [compressed length][raw LZ4 block] chunks, big endian.
     */
    private static byte[] hadoopFramed(byte[] input, SplittableRandom random, UnaryOperator<byte[]> compressor) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < input.length) { // an empty page is no frame at all, as Hadoop's stream writes it
            int block = Math.min(input.length - at, 1 + random.nextInt(256 << 10));
            writeInt(out, block);
            int end = at + block;
            do {
                int chunk = random.nextInt(3) == 0 ? Math.min(end - at, 1 + random.nextInt(block)) : end - at;
                byte[] compressed = compressor.apply(Arrays.copyOfRange(input, at, at + chunk));
                writeInt(out, compressed.length);
                out.writeBytes(compressed);
                at += chunk;
            } while (at < end);
        }
        return out.toByteArray();
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /**
     * The LZ4 block format decoded plainly, byte by byte, into exactly {@code size} bytes: sequences of a token
     * (literal length high nibble, match length - 4 low nibble, 15 meaning more length bytes follow, each 255
     * meaning more again), the literals, a 2-byte little-endian offset (1..bytes written) and the match; the
     * last sequence has literals only. Null if the bytes do not follow it. It does not check the format's
     * end-of-block rules (last 5 bytes literal), so it accepts all a strict decoder accepts.
     */
    private static byte @Nullable [] plainDecode(byte[] src, int size) {
        byte[] out = new byte[size];
        int in = 0;
        int op = 0;
        while (true) {
            if (in >= src.length) {
                return null;
            }
            int token = src[in++] & 0xff;
            long literals = (long) (token >>> 4);
            if (literals == 15) {
                int b;
                do {
                    if (in >= src.length) {
                        return null;
                    }
                    b = src[in++] & 0xff;
                    literals += b;
                } while (b == 255);
            }
            if (literals > src.length - in || literals > size - op) {
                return null;
            }
            for (int i = 0; i < literals; i++) {
                out[op++] = src[in++];
            }
            if (in == src.length) {
                return op == size ? out : null;
            }
            if (src.length - in < 2) {
                return null;
            }
            int offset = (src[in] & 0xff) | (src[in + 1] & 0xff) << 8;
            in += 2;
            long match = (token & 15) + 4L;
            if ((token & 15) == 15) {
                int b;
                do {
                    if (in >= src.length) {
                        return null;
                    }
                    b = src[in++] & 0xff;
                    match += b;
                } while (b == 255);
            }
            if (offset == 0 || offset > op || match > size - op) {
                return null;
            }
            for (int i = 0; i < match; i++, op++) {
                out[op] = out[op - offset];
            }
        }
    }
}
