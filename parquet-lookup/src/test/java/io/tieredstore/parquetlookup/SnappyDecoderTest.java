package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.airlift.compress.snappy.SnappyCompressor;
import io.tieredstore.parquetlookup.CodecInputs.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.parquet.format.CompressionCodec;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xerial.snappy.Snappy;

/**
 * {@link SnappyDecoder} against two independent Snappy implementations: whatever snappy-java (the C++ reference,
 * native) or aircompressor compresses decodes to the same bytes; blocks built element by element in every form
 * the format allows (including those compressors never emit) decode as snappy-java decodes them; and damaged
 * blocks are a {@link CorruptParquetException} or decode exactly as snappy-java decodes the same damaged bytes.
 */
class SnappyDecoderTest {
    private static final String OBJECT = "b/t.parquet";
    private static final SnappyCompressor AIRCOMPRESSOR = new SnappyCompressor();

    /* --------------- Differential --------------- */

    @Test
    void decodesWhatSnappyJavaAndAircompressorEncode() throws IOException {
        SplittableRandom random = new SplittableRandom(20_261_121);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 3_000; i++) {
            Kind kind = kinds[i % kinds.length];
            byte[] input = CodecInputs.generate(random, kind, CodecInputs.size(random, 256 << 10));
            String what = "case " + i + " (" + kind + ", " + input.length + " bytes)";
            assertDecodes(input, Snappy.compress(input), random, what + " snappy-java");
            assertDecodes(input, aircompressor(input), random, what + " aircompressor");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void decodesPagesOfSomeMebibytes(Kind kind) throws IOException {
        SplittableRandom random = new SplittableRandom(kind.name().hashCode());
        for (int size : new int[] {1 << 20, (3 << 20) + 17, 4 << 20}) {
            byte[] input = CodecInputs.generate(random, kind, size);
            assertDecodes(input, Snappy.compress(input), random, kind + " " + size + " snappy-java");
            assertDecodes(input, aircompressor(input), random, kind + " " + size + " aircompressor");
        }
    }

    @Test
    void decodesEveryElementFormAsSnappyJavaDoes() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            BlockWriter block = new BlockWriter();
            int elements = random.nextInt(1, 40);
            for (int e = 0; e < elements; e++) {
                int choice = random.nextInt(4);
                if (choice == 0 || block.size() == 0) {
                    byte[] literal =
                            new byte[random.nextInt(3) == 0 ? 61 + random.nextInt(300) : 1 + random.nextInt(60)];
                    random.nextBytes(literal);
                    block.literal(literal, random.nextInt(5)); // 0: length in the tag (if it fits), else 1..4 bytes
                } else {
                    int kind = choice; // 1, 2 or 3: 1-, 2- or 4-byte offset
                    int maxOffset = Math.min(block.size(), kind == 1 ? 2047 : kind == 2 ? 65_535 : Integer.MAX_VALUE);
                    int offset = random.nextInt(4) == 0
                            ? 1 + random.nextInt(Math.min(maxOffset, 64))
                            : 1 + random.nextInt(maxOffset);
                    int length = kind == 1 ? 4 + random.nextInt(8) : 1 + random.nextInt(64);
                    block.copy(kind, offset, length);
                }
            }
            byte[] compressed = block.finish();
            byte[] expected = block.output();
            assertArrayEquals(expected, Snappy.uncompress(compressed), "snappy-java, case " + i);
            assertDecodes(expected, compressed, random, "element case " + i);
        }
    }

    @Test
    void decodesLiteralsWhoseLengthNeedsThreeAndFourBytes() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        for (int length : new int[] {(1 << 16) + 1, (1 << 24) + 1}) {
            byte[] literal = new byte[length];
            random.nextBytes(literal);
            BlockWriter block = new BlockWriter();
            block.literal(literal, 0);
            block.copy(3, length, 64);
            byte[] compressed = block.finish();
            int lengthBytes = length > 1 << 24 ? 4 : 3;
            assertEquals(59 + lengthBytes, (compressed[preambleSize(compressed)] & 0xff) >>> 2, "minimal length form");
            assertArrayEquals(Snappy.uncompress(compressed), block.output());
            assertDecodes(block.output(), compressed, random, length + "-byte literal");
        }
    }

    @Test
    void decodesAnEmptyBlock() {
        assertArrayEquals(new byte[0], SnappyDecoder.decompress(OBJECT, new byte[] {0}, 0, 1, 0));
    }

    /* --------------- Malformed input --------------- */

    @Test
    void rejectsEachMalformedForm() {
        byte[][] blocks = {
            {}, // no preamble
            {(byte) 0x80}, // varint cut
            {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0}, // varint of 6 bytes
            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, // 2^32 - 1 bytes
            {3, 0, 'a'}, // two bytes short
            {1, 4, 'a', 'b'}, // literal past the declared output
            {2, 4, 'a'}, // literal past the input
            {4, 0, 'a', 0x01, 0}, // offset 0
            {6, 0, 'a', 0x05, 2}, // offset before the start
            {3, 0, 'a', 0x0a, 1, 0}, // a copy of 3 bytes where 2 are left in the output
            {3, 0, 'a', 0x07, 1, 0, 0}, // 4-byte offset cut
            {3, 0, 'a', 0x07, 0, 0, 0, (byte) 0x80}, // 4-byte offset with the top bit set
            {3, 0, 'a', 0x06, 1}, // 2-byte offset cut
            {3, 0, 'a', 0x01}, // 1-byte offset cut
            {70, (byte) (61 << 2), 69}, // literal length in 2 bytes, cut
            {70, (byte) (63 << 2), 69, 0, 0, 0}, // 4-byte literal length, input ends before the literal
            {1, (byte) (63 << 2), (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a'}, // length 2^32
            {2, 0, 'a', 0, 'b', 0, 'c'}, // more elements after the output is full
        };
        for (byte[] block : blocks) {
            assertThrows(
                    CorruptParquetException.class,
                    () -> SnappyDecoder.decompress(OBJECT, block, 0, block.length, 1 << 20),
                    () -> "accepted " + Arrays.toString(block));
        }
    }

    @Test
    void rejectsADeclaredLengthAboveTheCapBeforeAllocating() {
        byte[] block = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}; // 2^31 - 1 bytes, nothing else
        CorruptParquetException e = assertThrows(
                CorruptParquetException.class, () -> SnappyDecoder.decompress(OBJECT, block, 0, block.length, 1 << 20));
        assertTrue(e.getMessage().contains("cap"), e.getMessage());
        assertEquals(OBJECT, e.object());
    }

    @Test
    void rejectsABlockDeclaringOtherThanThePageHeader() throws IOException {
        byte[] compressed = Snappy.compress(new byte[100]);
        assertThrows(
                CorruptParquetException.class,
                () -> Codecs.decompress(OBJECT, CompressionCodec.SNAPPY, compressed, 0, compressed.length, 101));
        assertThrows(
                CorruptParquetException.class,
                () -> Codecs.decompress(OBJECT, CompressionCodec.SNAPPY, compressed, 0, compressed.length, 99));
    }

    @Test
    void everyTruncationIsCorrupt() throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 120; i++) {
            byte[] input = CodecInputs.generate(random, kinds[i % kinds.length], CodecInputs.size(random, 64 << 10));
            byte[] block = (i / kinds.length) % 2 == 0 ? Snappy.compress(input) : aircompressor(input);
            int step = Math.max(1, block.length / 300);
            for (int cut = 0; cut < block.length; cut += 1 + random.nextInt(step)) {
                int n = cut;
                assertThrows(
                        CorruptParquetException.class,
                        () -> SnappyDecoder.decompress(OBJECT, block, 0, n, input.length),
                        () -> "a prefix of " + n + " of " + block.length + " bytes decoded");
            }
        }
    }

    @Test
    void flippedBitsAreCorruptOrDecodeAsSnappyJavaDoes() throws IOException {
        SplittableRandom random = new SplittableRandom(13);
        Kind[] kinds = Kind.values();
        int rejected = 0;
        int trials = 0;
        for (int i = 0; i < 300; i++) {
            byte[] input = CodecInputs.generate(random, kinds[i % kinds.length], 1 + random.nextInt(8 << 10));
            byte[] block = (i / kinds.length) % 2 == 0 ? Snappy.compress(input) : aircompressor(input);
            for (int t = 0; t < 20; t++, trials++) {
                byte[] damaged = block.clone();
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
                }
                int cap = 2 * input.length + 64;
                byte @Nullable [] ours;
                try {
                    ours = SnappyDecoder.decompress(OBJECT, damaged, 0, damaged.length, cap);
                } catch (CorruptParquetException e) {
                    ours = null;
                    rejected++;
                }
                byte @Nullable [] reference = snappyJava(damaged, cap);
                if (ours == null) {
                    assertNull(reference, "snappy-java accepts what we reject, trial " + trials);
                } else {
                    assertArrayEquals(reference, ours, "trial " + trials);
                }
            }
        }
        // both outcomes must be common, or one half of the property went untested (about 47% are rejected)
        assertTrue(
                rejected > trials / 4 && rejected < trials * 3 / 4,
                rejected + " of " + trials + " damaged blocks were rejected");
    }

    /* --------------- Helpers --------------- */

    /** Decodes {@code compressed} alone, inside a larger array, and through {@link Codecs}: always {@code input}. */
    private static void assertDecodes(byte[] input, byte[] compressed, SplittableRandom random, String what) {
        assertArrayEquals(
                input, SnappyDecoder.decompress(OBJECT, compressed, 0, compressed.length, input.length), what);
        OffsetDecode.assertDecodesAtAnOffset(OBJECT, CompressionCodec.SNAPPY, input, compressed, random, what);
    }

    private static byte[] aircompressor(byte[] input) {
        byte[] out = new byte[AIRCOMPRESSOR.maxCompressedLength(input.length)];
        int n = AIRCOMPRESSOR.compress(input, 0, input.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    /** snappy-java's decoding of {@code block}, or null if it rejects it or declares more than {@code cap}. */
    private static byte @Nullable [] snappyJava(byte[] block, int cap) {
        try {
            int size = Snappy.uncompressedLength(block);
            if (size < 0 || size > cap) {
                return null;
            }
            byte[] out = new byte[size];
            int n = Snappy.uncompress(block, 0, block.length, out, 0);
            return n == size ? out : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static int preambleSize(byte[] block) {
        int i = 0;
        while ((block[i] & 0x80) != 0) {
            i++;
        }
        return i + 1;
    }

    /** Writes a Snappy block element by element in a chosen form, and keeps the output it stands for. */
    private static final class BlockWriter {
        private final ByteArrayOutputStream elements = new ByteArrayOutputStream();
        private byte[] output = new byte[64];
        private int size;

        int size() {
            return size;
        }

        /** A literal with its length in the tag ({@code lengthBytes} 0, if it fits) or in 1..4 extra bytes. */
        void literal(byte[] literal, int lengthBytes) {
            int n = literal.length - 1;
            if (lengthBytes == 0 && n < 60) {
                elements.write(n << 2);
            } else {
                int bytes = Math.max(Math.max(lengthBytes, 1), (32 - Integer.numberOfLeadingZeros(n) + 7) / 8);
                elements.write((59 + bytes) << 2);
                for (int i = 0; i < bytes; i++) {
                    elements.write(n >>> (8 * i));
                }
            }
            elements.writeBytes(literal);
            for (byte b : literal) {
                append(b);
            }
        }

        /** A copy with a 1-, 2- or 4-byte offset ({@code kind} 1, 2, 3), byte by byte as the format defines it. */
        void copy(int kind, int offset, int length) {
            if (kind == 1) {
                elements.write(1 | (length - 4) << 2 | (offset >>> 8) << 5);
                elements.write(offset);
            } else {
                elements.write(kind | (length - 1) << 2);
                for (int i = 0; i < (kind == 2 ? 2 : 4); i++) {
                    elements.write(offset >>> (8 * i));
                }
            }
            for (int i = 0; i < length; i++) {
                append(output[size - offset]);
            }
        }

        private void append(byte b) {
            if (size == output.length) {
                output = Arrays.copyOf(output, 2 * size);
            }
            output[size++] = b;
        }

        byte[] finish() {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            int n = size;
            while (n >= 0x80) {
                block.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            block.write(n);
            block.writeBytes(elements.toByteArray());
            return block.toByteArray();
        }

        byte[] output() {
            return Arrays.copyOf(output, size);
        }
    }
}
