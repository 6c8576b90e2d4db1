package io.tieredstore.parquetlookup;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.apache.commons.compress.compressors.lz4.BlockLZ4CompressorInputStream;
import org.apache.commons.compress.compressors.snappy.SnappyCompressorInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xerial.snappy.Snappy;

/**
 * Decompression of one 1 MiB Parquet-like page, every decoder side by side, 1 thread: a PLAIN INT64 column of
 * sorted keys ({@code sortedLongs}) or a PLAIN BYTE_ARRAY column of sorted customer names and cities
 * ({@code strings}), compressed as parquet-java writes it (SNAPPY by snappy-java, LZ4_RAW by aircompressor, ZSTD by
 * zstd-jni at parquet-java's default level 3).
 * Each call decodes into a new array of the page's size, as {@code Codecs} does.
 *
 * <ul>
 *   <li>SNAPPY: {@code snappyOurs} ({@link SnappyDecoder}), {@code snappyJava} (native), {@code snappyAircompressor}
 *       ({@code sun.misc.Unsafe}), {@code snappyCommonsCompress} (the stream Codecs used before);
 *   <li>LZ4: {@code lz4Ours} ({@link Lz4Decoder}), {@code lz4JavaSafe} (lz4-java's pure-Java safe decoder),
 *       {@code lz4Aircompressor}, {@code lz4CommonsCompress}.
 * </ul>
 *
 * <p>It sits in the package of the decoders, which are package-private. MB/s = 1.048576 / (us/op) * 10^6 / 10^6.
 * Run: {@code java -jar jmh/target/benchmarks.jar PageDecompression -f 1 -wi 2 -i 3 -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@SuppressWarnings("NullAway.Init")
public class PageDecompressionBenchmark {
    private static final int PAGE_BYTES = 1 << 20;
    private static final String OBJECT = "bench/page.parquet";
    private static final String[] CITIES = {"Lisbon", "Oslo", "Nairobi", "Osaka", "Lima", "Quebec", "Tunis", "Perth"};

    private static final SnappyDecompressor AIR_SNAPPY = new SnappyDecompressor();
    private static final Lz4Decompressor AIR_LZ4 = new Lz4Decompressor();
    private static final ZstdDecompressor AIR_ZSTD = new ZstdDecompressor();
    private static final LZ4SafeDecompressor LZ4_JAVA_SAFE =
            LZ4Factory.safeInstance().safeDecompressor();

    /** The page's column: "sortedLongs" or "strings". */
    @Param({"sortedLongs", "strings"})
    public String column;

    private byte[] page;
    private byte[] snappy;
    private byte[] lz4;
    private byte[] zstd;

    @Setup
    public void setUp() throws IOException {
        page = column.equals("sortedLongs") ? sortedLongs() : strings();
        snappy = Snappy.compress(page);
        Lz4Compressor compressor = new Lz4Compressor();
        byte[] out = new byte[compressor.maxCompressedLength(page.length)];
        lz4 = Arrays.copyOf(out, compressor.compress(page, 0, page.length, out, 0, out.length));
        zstd = Zstd.compress(page, 3);
        System.out.printf(
                "%n%s page: %d bytes, SNAPPY %d bytes, LZ4 %d bytes, ZSTD %d bytes%n",
                column, page.length, snappy.length, lz4.length, zstd.length);
        byte[][] decoded = {
            snappyOurs(), snappyJava(), snappyAircompressor(), snappyCommonsCompress(),
            lz4Ours(), lz4JavaSafe(), lz4Aircompressor(), lz4CommonsCompress(),
            zstdOurs(), zstdJni(), zstdAircompressor()
        };
        for (byte[] d : decoded) {
            if (!Arrays.equals(page, d)) {
                throw new IllegalStateException("a decoder does not give the page back");
            }
        }
    }

    /** PLAIN INT64, little endian: ascending keys with gaps of 1..16, as a sorted key column. */
    private static byte[] sortedLongs() {
        SplittableRandom random = new SplittableRandom(42);
        byte[] out = new byte[PAGE_BYTES];
        long key = 1_700_000_000_000L;
        for (int i = 0; i < out.length; i += 8) {
            key += random.nextInt(1, 17);
            for (int b = 0; b < 8; b++) {
                out[i + b] = (byte) (key >>> (8 * b));
            }
        }
        return out;
    }

    /** PLAIN BYTE_ARRAY: a 4-byte little-endian length, then "customer#000123456 Lisbon"-like values, sorted. */
    private static byte[] strings() {
        SplittableRandom random = new SplittableRandom(43);
        byte[] out = new byte[PAGE_BYTES];
        int at = 0;
        int id = 100_000;
        while (true) {
            id += random.nextInt(1, 4);
            byte[] value = ("customer#" + String.format("%09d", id) + " " + CITIES[random.nextInt(CITIES.length)])
                    .getBytes(StandardCharsets.UTF_8);
            if (at + 4 + value.length > out.length) {
                break;
            }
            for (int b = 0; b < 4; b++) {
                out[at + b] = (byte) (value.length >>> (8 * b));
            }
            System.arraycopy(value, 0, out, at + 4, value.length);
            at += 4 + value.length;
        }
        return Arrays.copyOf(out, at);
    }

    @Benchmark
    public byte[] snappyOurs() {
        byte[] out = new byte[page.length];
        SnappyDecoder.decompress(OBJECT, snappy, 0, snappy.length, out);
        return out;
    }

    @Benchmark
    public byte[] snappyJava() throws IOException {
        byte[] out = new byte[page.length];
        Snappy.uncompress(snappy, 0, snappy.length, out, 0);
        return out;
    }

    @Benchmark
    public byte[] snappyAircompressor() {
        byte[] out = new byte[page.length];
        AIR_SNAPPY.decompress(snappy, 0, snappy.length, out, 0, out.length);
        return out;
    }

    @Benchmark
    public byte[] snappyCommonsCompress() throws IOException {
        try (InputStream in = new SnappyCompressorInputStream(new ByteArrayInputStream(snappy), 1 << 16)) {
            return readExactly(in);
        }
    }

    @Benchmark
    public byte[] lz4Ours() {
        byte[] out = new byte[page.length];
        Lz4Decoder.decompress(OBJECT, lz4, 0, lz4.length, out, 0, out.length);
        return out;
    }

    @Benchmark
    public byte[] lz4JavaSafe() {
        byte[] out = new byte[page.length];
        LZ4_JAVA_SAFE.decompress(lz4, 0, lz4.length, out, 0, out.length);
        return out;
    }

    @Benchmark
    public byte[] lz4Aircompressor() {
        byte[] out = new byte[page.length];
        AIR_LZ4.decompress(lz4, 0, lz4.length, out, 0, out.length);
        return out;
    }

    @Benchmark
    public byte[] lz4CommonsCompress() throws IOException {
        try (InputStream in = new BlockLZ4CompressorInputStream(new ByteArrayInputStream(lz4))) {
            return readExactly(in);
        }
    }

    @Benchmark
    public byte[] zstdOurs() {
        byte[] out = new byte[page.length];
        ZstdDecoder.decompress(OBJECT, zstd, 0, zstd.length, out);
        return out;
    }

    @Benchmark
    public byte[] zstdJni() {
        byte[] out = new byte[page.length];
        Zstd.decompressByteArray(out, 0, out.length, zstd, 0, zstd.length);
        return out;
    }

    @Benchmark
    public byte[] zstdAircompressor() {
        byte[] out = new byte[page.length];
        AIR_ZSTD.decompress(zstd, 0, zstd.length, out, 0, out.length);
        return out;
    }

    private byte[] readExactly(InputStream in) throws IOException {
        byte[] out = new byte[page.length];
        in.readNBytes(out, 0, out.length);
        return out;
    }
}
