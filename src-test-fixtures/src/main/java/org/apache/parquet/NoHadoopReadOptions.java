package org.apache.parquet;

import java.util.HashMap;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.jspecify.annotations.NullMarked;

/**
 * Read options built without Hadoop. Every public way to build {@link ParquetReadOptions} in parquet-java 1.18.1
 * creates a Hadoop-backed codec factory and filter first, so this calls the package-private constructor; it is tied
 * to 1.18.1's 18-argument signature (the tests that use it fail to compile or link on a change).
 */
@NullMarked
public final class NoHadoopReadOptions {
    private NoHadoopReadOptions() {}

    /** Options that read with {@code codecs}, without filters, with page checksum verification. */
    public static ParquetReadOptions create(CompressionCodecFactory codecs) {
        return create(codecs, FilterCompat.NOOP);
    }

    /**
     * Options that read with {@code codecs} and apply {@code filter} to row groups (statistics, dictionaries,
     * bloom filters) and to pages (column indexes), with page checksum verification.
     */
    public static ParquetReadOptions create(CompressionCodecFactory codecs, FilterCompat.Filter filter) {
        return new ParquetReadOptions(
                false, // useSignedStringMinMax
                true, // useStatsFilter
                true, // useDictionaryFilter
                true, // useRecordFilter
                true, // useColumnIndexFilter
                true, // usePageChecksumVerification
                true, // useBloomFilter
                false, // useOffHeapDecryptBuffer
                false, // useHadoopVectoredIo
                filter,
                ParquetMetadataConverter.NO_FILTER,
                codecs,
                new HeapByteBufferAllocator(),
                8 << 20,
                new HashMap<>(),
                null,
                null,
                new PlainParquetConfiguration());
    }
}
