package io.tieredstore.parquetlookup;

import io.airlift.compress.lz4.Lz4Decompressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Decompressors for the reference reader (parquet-java without Hadoop): written here, independently of the engine
 * and of the fixtures' writer codecs. Covers every codec the Parquet spec defines except BROTLI and LZO, which the
 * reference cannot read (the corpus tests then accept a typed error). LZ4 (the deprecated Hadoop-framed codec) is
 * read as Hadoop frames, falling back to one raw block as other readers do.
 */
final class ReferenceCodecs implements CompressionCodecFactory {

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName name) {
        throw new UnsupportedOperationException("the reference only reads");
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName name) {
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                ByteArrayOutputStream out = new ByteArrayOutputStream(Math.toIntExact(bytes.size()));
                bytes.writeAllTo(out);
                return BytesInput.from(ReferenceCodecs.decompress(name, out.toByteArray(), uncompressedSize));
            }

            @Override
            public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                    throws IOException {
                byte[] in = new byte[compressedSize];
                input.duplicate().get(in);
                output.put(ReferenceCodecs.decompress(name, in, uncompressedSize));
            }

            @Override
            public void release() {}
        };
    }

    @Override
    public void release() {}

    static byte[] decompress(CompressionCodecName name, byte[] in, int size) throws IOException {
        byte[] out = switch (name) {
            case UNCOMPRESSED -> in;
            case SNAPPY -> Snappy.uncompress(in);
            case ZSTD -> com.github.luben.zstd.Zstd.decompress(in, size);
            case GZIP -> {
                // GZIPInputStream reads concatenated members too.
                try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in))) {
                    yield gz.readNBytes(size);
                }
            }
            case LZ4_RAW -> lz4Block(in, 0, in.length, size);
            case LZ4 -> hadoopLz4(in, size);
            default -> throw new IOException("the reference reader has no " + name + " decoder");
        };
        if (out.length != size) {
            throw new IOException(name + " decompressed to " + out.length + " bytes, expected " + size);
        }
        return out;
    }

    private static byte[] lz4Block(byte[] in, int offset, int length, int size) {
        byte[] out = new byte[size];
        int n = new Lz4Decompressor().decompress(in, offset, length, out, 0, size);
        if (n != size) {
            throw new IllegalStateException("LZ4 block gave " + n + " bytes, expected " + size);
        }
        return out;
    }

    /** Hadoop framing: repeated [uncompressed length][compressed length][block], big-endian; else one raw block. */
    private static byte[] hadoopLz4(byte[] in, int size) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(size);
            ByteBuffer b = ByteBuffer.wrap(in);
            while (b.remaining() > 0) {
                int uncompressed = b.getInt();
                int compressed = b.getInt();
                if (uncompressed < 0 || compressed < 0 || compressed > b.remaining() || uncompressed > size) {
                    throw new IllegalStateException("not Hadoop framing");
                }
                out.write(lz4Block(in, b.position(), compressed, uncompressed), 0, uncompressed);
                b.position(b.position() + compressed);
            }
            if (out.size() != size) {
                throw new IllegalStateException("Hadoop frames hold " + out.size() + " bytes");
            }
            return out.toByteArray();
        } catch (RuntimeException notFramed) {
            return lz4Block(in, 0, in.length, size);
        }
    }
}
