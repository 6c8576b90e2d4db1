package io.tieredstore.testfixtures.parquet;

import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * A {@link CompressionCodecFactory} that needs no Hadoop class: parquet-java's own {@code CodecFactory} loads Hadoop
 * compression classes as soon as it is created. Block formats are those of the Parquet spec: raw Snappy, a zstd
 * frame, an RFC 1952 gzip member and a raw LZ4 block. Compressors and decompressors are stateless and thread-safe.
 */
final class NoHadoopCodecs implements CompressionCodecFactory {

    /** One codec: byte-array compression and decompression, with the decompressed size known to the caller. */
    private interface Codec {
        byte[] compress(byte[] in) throws IOException;

        byte[] decompress(byte[] in, int uncompressedSize) throws IOException;
    }

    private static final int ZSTD_LEVEL = 3;

    private static Codec codec(CompressionCodecName name) {
        return switch (name) {
            case UNCOMPRESSED ->
                new Codec() {
                    @Override
                    public byte[] compress(byte[] in) {
                        return in;
                    }

                    @Override
                    public byte[] decompress(byte[] in, int uncompressedSize) {
                        return in;
                    }
                };
            case SNAPPY ->
                new Codec() {
                    @Override
                    public byte[] compress(byte[] in) throws IOException {
                        return Snappy.compress(in);
                    }

                    @Override
                    public byte[] decompress(byte[] in, int uncompressedSize) throws IOException {
                        return Snappy.uncompress(in);
                    }
                };
            case ZSTD ->
                new Codec() {
                    @Override
                    public byte[] compress(byte[] in) {
                        return com.github.luben.zstd.Zstd.compress(in, ZSTD_LEVEL);
                    }

                    @Override
                    public byte[] decompress(byte[] in, int uncompressedSize) {
                        return com.github.luben.zstd.Zstd.decompress(in, uncompressedSize);
                    }
                };
            case GZIP ->
                new Codec() {
                    @Override
                    public byte[] compress(byte[] in) throws IOException {
                        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 2 + 64);
                        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                            gz.write(in);
                        }
                        return out.toByteArray();
                    }

                    @Override
                    public byte[] decompress(byte[] in, int uncompressedSize) throws IOException {
                        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in))) {
                            return gz.readNBytes(uncompressedSize);
                        }
                    }
                };
            case LZ4_RAW ->
                new Codec() {
                    @Override
                    public byte[] compress(byte[] in) {
                        Lz4Compressor lz4 = new Lz4Compressor();
                        byte[] out = new byte[lz4.maxCompressedLength(in.length)];
                        int n = lz4.compress(in, 0, in.length, out, 0, out.length);
                        return Arrays.copyOf(out, n);
                    }

                    @Override
                    public byte[] decompress(byte[] in, int uncompressedSize) throws IOException {
                        byte[] out = new byte[uncompressedSize];
                        int n = new Lz4Decompressor().decompress(in, 0, in.length, out, 0, out.length);
                        if (n != uncompressedSize) {
                            throw new IOException(
                                    "LZ4_RAW block decompressed to " + n + " bytes, expected " + uncompressedSize);
                        }
                        return out;
                    }
                };
            default -> throw new IllegalArgumentException("unsupported codec " + name);
        };
    }

    /** The bytes of {@code in}, copied through {@code writeAllTo} ({@code toByteArray} is deprecated). */
    private static byte[] toArray(BytesInput in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.toIntExact(in.size()));
        in.writeAllTo(out);
        return out.toByteArray();
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName name) {
        Codec codec = codec(name);
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput bytes) throws IOException {
                return BytesInput.from(codec.compress(toArray(bytes)));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return name;
            }

            @Override
            public void release() {}
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName name) {
        Codec codec = codec(name);
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                return BytesInput.from(codec.decompress(toArray(bytes), uncompressedSize));
            }

            @Override
            public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                    throws IOException {
                byte[] in = new byte[compressedSize];
                input.duplicate().get(in);
                output.put(codec.decompress(in, uncompressedSize));
            }

            @Override
            public void release() {}
        };
    }

    @Override
    public void release() {}
}
