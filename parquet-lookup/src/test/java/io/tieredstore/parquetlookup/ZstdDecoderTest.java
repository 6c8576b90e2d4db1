package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.tieredstore.parquetlookup.CodecInputs.Kind;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.parquet.format.CompressionCodec;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ZstdDecoder} against two independent Zstandard encoders: whatever zstd-jni (libzstd, native) compresses at
 * fast, default, high and negative levels, with and without checksum and content size, with long-distance matching
 * and large windows, in several frames with skippable frames between, and whatever aircompressor compresses, decodes
 * to the same bytes. {@link FrameWalker} shows that those frames use every block, literals and sequence-table form.
 * Truncated and bit-flipped frames are a {@link CorruptParquetException} or decode exactly as zstd-jni decodes the
 * same damaged bytes.
 */
class ZstdDecoderTest {
    private static final String OBJECT = "b/t.parquet";
    private static final int[] LEVELS = {1, 3, 9, 19, -1, -7};
    private static final ZstdCompressor AIRCOMPRESSOR = new ZstdCompressor();

    /* --------------- Differential --------------- */

    @Test
    void decodesWhatZstdJniEncodesAtEveryLevel() {
        SplittableRandom random = new SplittableRandom(20_261_201);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 2_400; i++) {
            Kind kind = kinds[i % kinds.length];
            int level = LEVELS[(i / kinds.length) % LEVELS.length];
            byte[] input =
                    CodecInputs.generate(random, kind, CodecInputs.size(random, level >= 19 ? 64 << 10 : 256 << 10));
            boolean checksum = random.nextBoolean();
            boolean contentSize = random.nextBoolean();
            byte[] frame = zstdJni(input, level, checksum, contentSize);
            assertDecodes(
                    input,
                    frame,
                    random,
                    "case " + i + " (" + kind + ", " + input.length + " bytes, level " + level + ", checksum "
                            + checksum + ", content size " + contentSize + ")");
        }
    }

    @Test
    void decodesConcatenatedAndSkippableFrames() {
        SplittableRandom random = new SplittableRandom(17);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 400; i++) {
            ByteArrayOutputStream page = new ByteArrayOutputStream();
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            int frames = 1 + random.nextInt(4);
            for (int f = 0; f < frames; f++) {
                if (random.nextInt(3) == 0) {
                    page.writeBytes(skippable(random, random.nextInt(40)));
                }
                byte[] part = CodecInputs.generate(
                        random, kinds[random.nextInt(kinds.length)], CodecInputs.size(random, 64 << 10));
                content.writeBytes(part);
                page.writeBytes(
                        random.nextInt(4) == 0
                                ? aircompressor(part)
                                : zstdJni(
                                        part,
                                        LEVELS[random.nextInt(LEVELS.length)],
                                        random.nextBoolean(),
                                        random.nextBoolean()));
            }
            if (random.nextBoolean()) {
                page.writeBytes(skippable(random, random.nextInt(40)));
            }
            assertDecodes(content.toByteArray(), page.toByteArray(), random, "case " + i + ", " + frames + " frames");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void decodesPagesOfSomeMebibytes(Kind kind) {
        SplittableRandom random = new SplittableRandom(kind.name().hashCode());
        for (int size : new int[] {1 << 20, (3 << 20) + 17}) {
            byte[] input = CodecInputs.generate(random, kind, size);
            for (int level : new int[] {-3, 1, 3, 9}) {
                assertDecodes(
                        input,
                        zstdJni(input, level, true, size > 1 << 20),
                        random,
                        kind + " " + size + " level " + level);
            }
            assertDecodes(input, aircompressor(input), random, kind + " " + size + " aircompressor");
        }
        byte[] input = CodecInputs.generate(random, kind, 1 << 20);
        assertDecodes(input, zstdJni(input, 19, true, true), random, kind + " level 19");
    }

    @Test
    void decodesLongDistanceMatchesInLargeWindows() {
        SplittableRandom random = new SplittableRandom(23);
        // 6 MiB whose second half repeats its first, far beyond a default window
        byte[] half = CodecInputs.generate(random, Kind.MIXED, 3 << 20);
        byte[] input = Arrays.copyOf(half, 6 << 20);
        System.arraycopy(half, 0, input, 3 << 20, 3 << 20);
        for (int level : new int[] {1, 3, 9}) {
            for (int windowLog : new int[] {23, 27}) {
                byte[] frame;
                try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
                    ctx.setLevel(level)
                            .setChecksum(true)
                            .setContentSize(level != 3)
                            .setLong(windowLog);
                    frame = ctx.compress(input);
                }
                assertTrue(
                        frame.length < half.length * 0.8 + 1_000, "the repeat was found: " + frame.length + " bytes");
                assertDecodes(input, frame, random, "long distance, level " + level + ", window 2^" + windowLog);
            }
        }
    }

    @Test
    void decodesWhatAircompressorEncodes() {
        SplittableRandom random = new SplittableRandom(20_261_202);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 1_500; i++) {
            Kind kind = kinds[i % kinds.length];
            byte[] input = CodecInputs.generate(random, kind, CodecInputs.size(random, 512 << 10));
            assertDecodes(
                    input, aircompressor(input), random, "case " + i + " (" + kind + ", " + input.length + " bytes)");
        }
    }

    /* --------------- Structure --------------- */

    @Test
    void theEncodersUseEveryBlockLiteralsAndTableForm() {
        SplittableRandom random = new SplittableRandom(29);
        Kind[] kinds = Kind.values();
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 240; i++) {
            int size = CodecInputs.size(random, 1 << 20);
            // skewed bytes: many literals with a Huffman table worth reusing (treeless literals, 4 streams)
            byte[] input = i % 7 == 6
                    ? skewed(random, size, 2 + random.nextInt(40), random.nextBoolean() ? 0 : 'a')
                    : CodecInputs.generate(random, kinds[i % kinds.length], size);
            byte[] frame = i % 5 == 4 ? aircompressor(input) : zstdJni(input, LEVELS[i % LEVELS.length], false, true);
            seen.addAll(FrameWalker.features(frame));
            assertDecodes(input, frame, random, "case " + i);
        }
        // libzstd writes RLE literals only for runs no match covers; this block is built by hand
        byte[] rleLiterals = rleLiteralsFrame();
        seen.addAll(FrameWalker.features(rleLiterals));
        byte[] expected = new byte[13];
        Arrays.fill(expected, (byte) 'q');
        assertArrayEquals(expected, reference(rleLiterals, 13), "zstd-jni");
        assertArrayEquals(expected, decode(rleLiterals, 13));
        for (String feature : FrameWalker.ALL) {
            assertTrue(seen.contains(feature), feature + " never seen, only " + seen);
        }
    }

    /**
     * A frame with one compressed block: 10 RLE literals 'q', then one sequence with RLE tables (2 literals, a
     * match of 3 from 1 back), then the 8 literals left: 13 times 'q'.
     */
    private static byte[] rleLiteralsFrame() {
        return new byte[] {
            0x28,
            (byte) 0xb5,
            0x2f,
            (byte) 0xfd, // magic
            0x20,
            13, // single segment, content size 13 in 1 byte
            (8 << 3) | (2 << 1) | 1,
            0,
            0, // the last block, compressed, 8 bytes
            (10 << 3) | 1,
            'q', // RLE literals, 10 of them
            1,
            0x54,
            2,
            2,
            0, // 1 sequence; LL, OF, ML all RLE: literal length code 2, offset code 2, match code 0
            0x04 // offset code 2's two extra bits (0: offset 1), under the end marker
        };
    }

    /** Bytes {@code base + k} with k geometrically distributed below {@code alphabet}. */
    private static byte[] skewed(SplittableRandom random, int size, int alphabet, int base) {
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            int k = 0;
            while (k < alphabet - 1 && random.nextInt(3) != 0) {
                k++;
            }
            out[i] = (byte) (base + k);
        }
        return out;
    }

    @Test
    void repetitiveInputIsAnRleBlockAndIncompressibleInputARawOne() {
        byte[] run = new byte[300_000];
        Arrays.fill(run, (byte) 7);
        byte[] rle = zstdJni(run, 3, true, true);
        assertTrue(
                FrameWalker.features(rle).contains("block RLE"),
                FrameWalker.features(rle).toString());
        assertArrayEquals(run, decode(rle, run.length));

        byte[] noise = CodecInputs.generate(new SplittableRandom(1), Kind.RANDOM, 300_000);
        byte[] raw = zstdJni(noise, 3, true, false);
        assertEquals(Set.of("block RAW"), FrameWalker.features(raw));
        assertArrayEquals(noise, decode(raw, noise.length));
    }

    @Test
    void decodesEmptyFrames() {
        for (boolean checksum : new boolean[] {false, true}) {
            for (boolean contentSize : new boolean[] {false, true}) {
                byte[] frame = zstdJni(new byte[0], 3, checksum, contentSize);
                assertEquals(0, ZstdDecoder.decompress(OBJECT, frame, 0, frame.length, new byte[0]));
                byte[] twice = concat(frame, skippable(new SplittableRandom(2), 0), frame);
                assertEquals(0, ZstdDecoder.decompress(OBJECT, twice, 0, twice.length, new byte[5]));
            }
        }
        byte[] airEmpty = aircompressor(new byte[0]);
        assertEquals(0, ZstdDecoder.decompress(OBJECT, airEmpty, 0, airEmpty.length, new byte[0]));
    }

    @Test
    void dictionariesAreRejectedAndAZeroDictionaryIdIsNone() {
        byte[] input = CodecInputs.generate(new SplittableRandom(3), Kind.TEXT, 10_000);
        byte[] frame = zstdJni(input, 3, false, true);
        int descriptor = frame[4] & 0xff;
        assertEquals(0, descriptor & 3, "zstd-jni writes no dictionary id");
        int headerEnd = (descriptor & 0x20) != 0 ? 5 : 6; // after the window descriptor, where the id goes
        for (int id : new int[] {0, 7}) {
            byte[] withId = new byte[frame.length + 1];
            System.arraycopy(frame, 0, withId, 0, headerEnd);
            withId[4] = (byte) (descriptor | 1);
            withId[headerEnd] = (byte) id;
            System.arraycopy(frame, headerEnd, withId, headerEnd + 1, frame.length - headerEnd);
            if (id == 0) {
                assertArrayEquals(input, decode(withId, input.length));
                assertArrayEquals(input, reference(withId, input.length), "zstd-jni agrees");
            } else {
                CorruptParquetException e =
                        assertThrows(CorruptParquetException.class, () -> decode(withId, input.length));
                assertTrue(e.getMessage().contains("ZSTD dictionaries are not supported"), e.getMessage());
            }
        }
    }

    @Test
    void rejectsAContentSizeAboveThePageBeforeDecoding() {
        byte[] frame = zstdJni(new byte[1000], 3, false, true);
        CorruptParquetException e = assertThrows(
                CorruptParquetException.class,
                () -> ZstdDecoder.decompress(OBJECT, frame, 0, frame.length, new byte[999]));
        assertTrue(e.getMessage().contains("declares 1000 bytes"), e.getMessage());
        assertEquals(OBJECT, e.object());
        assertThrows(
                CorruptParquetException.class,
                () -> Codecs.decompress(OBJECT, CompressionCodec.ZSTD, frame, 0, frame.length, 1001));
    }

    @Test
    void rejectsEachMalformedForm() {
        byte[] frame = zstdJni(CodecInputs.generate(new SplittableRandom(4), Kind.TEXT, 5_000), 3, true, true);
        byte[][] pages = {
            {1, 2, 3}, // shorter than a magic
            {0x28, (byte) 0xb5, 0x2f, (byte) 0xfe, 0, 0, 0, 0, 0}, // wrong magic
            concat(frame, new byte[] {0}), // a trailing byte
            with(frame, 4, frame[4] | 0x08), // the reserved header bit
            with(frame, frame.length - 1, frame[frame.length - 1] ^ 1), // the checksum
            {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, (byte) 0xf8, 1, 0, 0}, // a window of 2^41 bytes
            {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 7, 0, 0}, // the reserved block type
            {0x50, 0x2a, 0x4d, 0x18, 9, 0, 0, 0, 1}, // a skippable frame longer than the page
        };
        for (byte[] page : pages) {
            assertThrows(
                    CorruptParquetException.class,
                    () -> ZstdDecoder.decompress(OBJECT, page, 0, page.length, new byte[1 << 16]),
                    () -> "accepted " + Arrays.toString(Arrays.copyOf(page, Math.min(page.length, 12))));
        }
    }

    @Test
    void huffmanTreesNeedTwoLongestCodesAsInLibzstd() {
        // weights [1] and the implied 1: two 1-bit codes. Weights [2] and the implied 2: also two 1-bit codes, but
        // stated with a table log of 2 and no code that long, which libzstd rejects, so we do too
        byte[] valid = huffmanFrame(0x10);
        byte[] expected = reference(valid, 8);
        assertTrue(expected != null, "zstd-jni decodes the frame with two 1-bit codes");
        assertArrayEquals(expected, decode(valid, 8));
        byte[] odd = huffmanFrame(0x20);
        assertEquals(null, reference(odd, 8), "zstd-jni rejects a tree without two longest codes");
        assertThrows(CorruptParquetException.class, () -> decode(odd, 8));
    }

    /** A frame of 8 Huffman-coded literals (one stream of 1-bit codes) with one direct weight, {@code weightByte}. */
    private static byte[] huffmanFrame(int weightByte) {
        int literalsHeader = 2 | (8 << 4) | (4 << 14); // compressed, 1 stream, 8 literals, 4 bytes with the tree
        return new byte[] {
            0x28,
            (byte) 0xb5,
            0x2f,
            (byte) 0xfd, // magic
            0x20,
            8, // single segment, content size 8
            (8 << 3) | (2 << 1) | 1,
            0,
            0, // the last block, compressed, 8 bytes
            (byte) literalsHeader,
            (byte) (literalsHeader >>> 8),
            (byte) (literalsHeader >>> 16),
            (byte) 128,
            (byte) weightByte, // one weight, direct
            0x5a,
            0x01, // eight 1-bit codes under the end marker
            0 // no sequences
        };
    }

    /* --------------- Damaged input --------------- */

    @Test
    void truncationsAreCorruptOrDecodeAsZstdJniDoes() {
        SplittableRandom random = new SplittableRandom(31);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 120; i++) {
            byte[] input = CodecInputs.generate(random, kinds[i % kinds.length], CodecInputs.size(random, 64 << 10));
            byte[] frame = i % 4 == 3
                    ? aircompressor(input)
                    : zstdJni(input, LEVELS[i % LEVELS.length], random.nextBoolean(), random.nextBoolean());
            int step = Math.max(1, frame.length / 200);
            for (int cut = 1; cut < frame.length; cut += 1 + random.nextInt(step)) {
                byte[] prefix = Arrays.copyOf(frame, cut);
                assertAgreesWithZstdJni(prefix, input.length, "a prefix of " + cut + " of " + frame.length + " bytes");
                assertThrows(CorruptParquetException.class, () -> decode(prefix, input.length));
            }
        }
    }

    @Test
    void flippedBitsAreCorruptOrDecodeAsZstdJniDoes() {
        SplittableRandom random = new SplittableRandom(37);
        Kind[] kinds = Kind.values();
        int rejected = 0;
        int stricter = 0;
        int trials = 0;
        for (int i = 0; i < 300; i++) {
            byte[] input = CodecInputs.generate(random, kinds[i % kinds.length], 1 + random.nextInt(24 << 10));
            byte[] frame = i % 4 == 3
                    ? aircompressor(input)
                    : zstdJni(input, LEVELS[i % LEVELS.length], random.nextInt(3) == 0, random.nextBoolean());
            for (int t = 0; t < 20; t++, trials++) {
                byte[] damaged = frame.clone();
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
                }
                if (!assertAgreesWithZstdJni(damaged, input.length, "trial " + trials)) {
                    rejected++;
                    if (reference(damaged, input.length) != null) {
                        CorruptParquetException e =
                                assertThrows(CorruptParquetException.class, () -> decode(damaged, input.length));
                        // the one rule libzstd leaves out: a block regenerates at most min(window, 128 KiB)
                        assertTrue(e.getMessage().contains("maximum block size"), "trial " + trials + ": " + e);
                        stricter++;
                    }
                }
            }
        }
        assertTrue(
                rejected > trials / 10 && rejected < trials * 9 / 10,
                rejected + " of " + trials + " damaged frames were rejected");
        assertTrue(stricter < trials / 1_000, stricter + " damaged frames were rejected here but decoded by zstd-jni");
    }

    /* --------------- Helpers --------------- */

    /**
     * Decodes {@code page} (expecting {@code size} bytes) and returns whether it was accepted; if so, zstd-jni must
     * decode it to the same bytes. Any exception but {@link CorruptParquetException} fails the test.
     */
    private static boolean assertAgreesWithZstdJni(byte[] page, int size, String what) {
        byte[] ours;
        try {
            ours = decode(page, size);
        } catch (CorruptParquetException e) {
            assertTrue(e.getCause() == null, what + ": " + e);
            return false;
        }
        byte @Nullable [] reference = reference(page, size);
        assertTrue(reference != null, what + ": we accept what zstd-jni rejects");
        assertArrayEquals(reference, ours, what);
        return true;
    }

    /** Our decoding of exactly {@code size} bytes, through {@link Codecs} as a page is read. */
    private static byte[] decode(byte[] page, int size) {
        return Codecs.decompress(OBJECT, CompressionCodec.ZSTD, page, 0, page.length, size);
    }

    /** zstd-jni's decoding of {@code page}, or null if it rejects it or it does not hold exactly {@code size} bytes. */
    private static byte @Nullable [] reference(byte[] page, int size) {
        byte[] out = new byte[size];
        try {
            long n = Zstd.decompressByteArray(out, 0, size, page, 0, page.length);
            return n == size && !Zstd.isError(n) ? out : null;
        } catch (ZstdException e) {
            return null;
        }
    }

    /** Decodes {@code compressed} alone, inside a larger array, and through {@link Codecs}: always {@code input}. */
    private static void assertDecodes(byte[] input, byte[] compressed, SplittableRandom random, String what) {
        byte[] out = new byte[input.length];
        assertEquals(input.length, ZstdDecoder.decompress(OBJECT, compressed, 0, compressed.length, out), what);
        assertArrayEquals(input, out, what);
        OffsetDecode.assertDecodesAtAnOffset(OBJECT, CompressionCodec.ZSTD, input, compressed, random, what);
    }

    private static byte[] zstdJni(byte[] input, int level, boolean checksum, boolean contentSize) {
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(level).setChecksum(checksum).setContentSize(contentSize);
            return ctx.compress(input);
        }
    }

    private static byte[] aircompressor(byte[] input) {
        byte[] out = new byte[AIRCOMPRESSOR.maxCompressedLength(input.length)];
        int n = AIRCOMPRESSOR.compress(input, 0, input.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    /** A skippable frame of {@code size} random bytes, with a random one of its 16 magic numbers. */
    private static byte[] skippable(SplittableRandom random, int size) {
        byte[] frame = new byte[8 + size];
        random.nextBytes(frame);
        frame[0] = (byte) (0x50 + random.nextInt(16));
        frame[1] = 0x2a;
        frame[2] = 0x4d;
        frame[3] = 0x18;
        frame[4] = (byte) size;
        frame[5] = 0;
        frame[6] = 0;
        frame[7] = 0;
        return frame;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] with(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        copy[at] = (byte) value;
        return copy;
    }
}
