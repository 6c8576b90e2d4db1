package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.apache.parquet.format.CompressionCodec;

/** The decoder tests' shared check: a compressed page inside a larger array of noise decodes through Codecs. */
final class OffsetDecode {
    private OffsetDecode() {}

    /** Embeds {@code compressed} at a random offset among random bytes and decodes it with {@code codec}. */
    static void assertDecodesAtAnOffset(
            String object,
            CompressionCodec codec,
            byte[] input,
            byte[] compressed,
            SplittableRandom random,
            String what) {
        int before = random.nextInt(16);
        byte[] padded = new byte[before + compressed.length + random.nextInt(16)];
        random.nextBytes(padded);
        System.arraycopy(compressed, 0, padded, before, compressed.length);
        assertArrayEquals(
                input,
                Codecs.decompress(object, codec, padded, before, compressed.length, input.length),
                what + " at offset " + before);
    }
}
