package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.TieredStore;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Point lookups ({@code SELECT columns WHERE key = x}) over a table of Parquet objects, every byte read through
 * a {@link TieredStore}.
 *
 * <p>Footers, page indexes, bloom filters and dictionaries are cached per object version, bounded by bytes, and so
 * are decoded pages; a lookup prunes objects, row groups and pages by the key's statistics, then reads only the
 * key pages that may hold the key and the projected columns' pages holding the matching rows. Which version of
 * an object is read follows the store's consistency policy for its key: tables of immutable files are best
 * served with {@code ConsistencyPolicy.IMMUTABLE} for their prefix, which spares a HEAD per object per lookup.
 *
 * <p>A key is given as the Java type its column's values come back as (see {@link Row}); integral columns also
 * take any {@code Integer} or {@code Long}, string columns a {@code String} or {@code byte[]}, decimal columns any
 * {@code BigDecimal} equal to a value of the column's scale. A key no value of the column can equal matches no
 * row. Thread-safe.
 */
public final class ParquetLookup implements AutoCloseable {
    private final TableEngine engine;

    private ParquetLookup(TableEngine engine) {
        this.engine = engine;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The rows whose key column equals {@code key}.
     *
     * @throws CorruptParquetException if an object of the table is not valid Parquet
     * @throws UnsupportedParquetException if an object uses a feature this library does not read
     * @throws ObjectChangedException if an object changed again while being re-read after a change
     */
    public LookupResult get(Object key) {
        return engine.getAll(List.of(key)).get(0);
    }

    /** The rows of each of {@code keys}, in the same order, sharing every read between keys. */
    public List<LookupResult> getAll(List<?> keys) {
        return engine.getAll(keys);
    }

    /** The projected columns' names. */
    public List<String> columns() {
        return engine.columns();
    }

    /** The table's objects (keys within the bucket), as of the last listing. */
    public List<String> objects() {
        return engine.objects();
    }

    /** Lists the table's prefix again (an explicit list stays as it is) and returns the objects. */
    public List<String> refresh() {
        return engine.refresh();
    }

    /** A snapshot of the counters. */
    public LookupStats stats() {
        return engine.stats();
    }

    /** Drops the caches and stops the default executor; the store is the caller's to close. */
    @Override
    public void close() {
        engine.close();
    }

    /** Configures a {@link ParquetLookup}; every setter may be called once. */
    public static final class Builder {
        /** The default bound on cached metadata. */
        public static final long DEFAULT_MAX_METADATA_BYTES = 64L << 20;

        /** The default bound on decoded pages. */
        public static final long DEFAULT_MAX_DECODED_BYTES = 64L << 20;

        /** The default cap on a footer (and on one page index or bloom filter header). */
        public static final int DEFAULT_MAX_FOOTER_BYTES = 16 << 20;

        /** The default cap on a page, compressed or not. */
        public static final int DEFAULT_MAX_PAGE_BYTES = 64 << 20;

        /** Threads of the default executor: enough for one round of reads of a few keys in flight at once. */
        static final int DEFAULT_THREADS = 16;

        private @Nullable TieredStore store;
        private @Nullable String bucket;
        private @Nullable List<String> objects;
        private @Nullable S3Client lister;
        private @Nullable String prefix;
        private @Nullable String keyColumn;
        private @Nullable List<String> columns;
        private long maxMetadataBytes = -1;
        private long maxDecodedBytes = -1;
        private int maxFooterBytes = -1;
        private int maxPageBytes = -1;
        private @Nullable Executor executor;

        private Builder() {}

        /** The store every byte is read through (required). */
        public Builder store(TieredStore store) {
            Checks.once(this.store == null, "store");
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The bucket holding the table (required). */
        public Builder bucket(String bucket) {
            Checks.once(this.bucket == null, "bucket");
            Checks.argument(!bucket.isEmpty(), "bucket must not be empty");
            this.bucket = bucket;
            return this;
        }

        /** The table is exactly these objects, in this order. */
        public Builder objects(List<String> keys) {
            Checks.once(this.objects == null && this.prefix == null, "objects or prefix");
            List<String> copy = List.copyOf(keys);
            Checks.argument(!copy.isEmpty(), "a table needs at least one object");
            this.objects = copy;
            return this;
        }

        /** The table is every {@code .parquet} object under {@code prefix}, listed with {@code lister}. */
        public Builder prefix(S3Client lister, String prefix) {
            Checks.once(this.objects == null && this.prefix == null, "objects or prefix");
            this.lister = Objects.requireNonNull(lister, "lister");
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** The key column: a top-level, non-repeated primitive column (required). */
        public Builder keyColumn(String name) {
            Checks.once(this.keyColumn == null, "keyColumn");
            Checks.argument(!name.isEmpty(), "key column must not be empty");
            this.keyColumn = name;
            return this;
        }

        /** The projected columns, in the order rows give their values (required; may be empty). */
        public Builder columns(List<String> names) {
            Checks.once(this.columns == null, "columns");
            this.columns = List.copyOf(names);
            return this;
        }

        /** The bound on cached metadata: footers, page indexes, bloom filters, dictionaries (default 64 MiB). */
        public Builder maxMetadataBytes(long bytes) {
            Checks.once(this.maxMetadataBytes < 0, "maxMetadataBytes");
            Checks.argument(bytes >= 0, "maxMetadataBytes must not be negative");
            this.maxMetadataBytes = bytes;
            return this;
        }

        /** The bound on decoded pages kept for hot lookups (default 64 MiB; 0 decodes every time). */
        public Builder maxDecodedBytes(long bytes) {
            Checks.once(this.maxDecodedBytes < 0, "maxDecodedBytes");
            Checks.argument(bytes >= 0, "maxDecodedBytes must not be negative");
            this.maxDecodedBytes = bytes;
            return this;
        }

        /** The largest footer accepted (default 16 MiB); a larger one is reported as corrupt. */
        public Builder maxFooterBytes(int bytes) {
            Checks.once(this.maxFooterBytes < 0, "maxFooterBytes");
            Checks.argument(bytes > 0, "maxFooterBytes must be positive");
            this.maxFooterBytes = bytes;
            return this;
        }

        /** The largest page accepted, compressed or not (default 64 MiB); a larger one is reported as corrupt. */
        public Builder maxPageBytes(int bytes) {
            Checks.once(this.maxPageBytes < 0, "maxPageBytes");
            Checks.argument(bytes > 0, "maxPageBytes must be positive");
            this.maxPageBytes = bytes;
            return this;
        }

        /** Where parallel reads run (default: a pool of daemon threads owned by the lookup). */
        public Builder executor(Executor executor) {
            Checks.once(this.executor == null, "executor");
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** A lookup as configured; reads nothing yet. May be called again for another lookup. */
        public ParquetLookup build() {
            TieredStore s = Checks.required(store, "store");
            String b = Checks.required(bucket, "bucket");
            String key = Checks.required(keyColumn, "keyColumn");
            List<String> cols = Checks.required(columns, "columns");
            Checks.state(objects != null || prefix != null, "objects or prefix is required");
            Executor run = executor;
            ExecutorService owned = null;
            if (run == null) {
                owned = Executors.newFixedThreadPool(DEFAULT_THREADS, new Daemons());
                run = owned;
            }
            ExecutorService shut = owned;
            return new ParquetLookup(new TableEngine(
                    s,
                    b,
                    objects,
                    lister,
                    prefix,
                    key,
                    cols,
                    maxMetadataBytes < 0 ? DEFAULT_MAX_METADATA_BYTES : maxMetadataBytes,
                    maxDecodedBytes < 0 ? DEFAULT_MAX_DECODED_BYTES : maxDecodedBytes,
                    maxFooterBytes < 0 ? DEFAULT_MAX_FOOTER_BYTES : maxFooterBytes,
                    maxPageBytes < 0 ? DEFAULT_MAX_PAGE_BYTES : maxPageBytes,
                    run,
                    shut == null ? null : shut::shutdownNow));
        }
    }

    /** Daemon threads named after the lookup, so an unclosed lookup never holds a JVM open. */
    private static final class Daemons implements ThreadFactory {
        private static final AtomicInteger POOLS = new AtomicInteger();
        private final int pool = POOLS.incrementAndGet();
        private final AtomicInteger threads = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "parquet-lookup-" + pool + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
