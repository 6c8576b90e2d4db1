package io.tieredstore.parquetlookup;

import static io.tieredstore.core.internal.Checks.requireArgument;
import static io.tieredstore.core.internal.Checks.requireState;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.TieredStore;
import io.tieredstore.core.internal.DaemonThreads;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Point lookups ({@code SELECT columns WHERE key = x}) over a table of Parquet objects, every byte read through
 * a {@link TieredStore}.
 *
 * <p>Footers, page indexes, bloom filters and dictionaries are cached per object version, bounded by bytes, and so
 * are decompressed pages, off the heap, read by row where they lie, and the rows of recently looked-up keys, each
 * for the object versions it was read from; a lookup prunes objects, row groups and pages by the key's statistics, then reads only the
 * key pages that may hold the key and the projected columns' pages holding the matching rows. Which version of
 * an object is read follows the store's consistency policy for its key: tables of immutable files are best
 * served with {@code ConsistencyPolicy.IMMUTABLE} for their prefix, which spares a HEAD per object per lookup and
 * lets a lookup open only the objects whose key range may hold its key.
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

    /**
     * Lists the table's prefix again (an explicit list stays as it is) and returns the objects. Only the listing
     * is read: objects whose ETag and size are unchanged keep their catalog summary; new and changed objects are
     * read by the next lookup that may need them, or by {@link #preload()}. When refreshes overlap, the listing
     * that started last stays in place, whichever finishes last.
     */
    public List<String> refresh() {
        return engine.refresh();
    }

    /**
     * Loads, in the background on the lookup's executor, every object's footer and the page maps of the key and
     * projected columns of every row group (bloom filters too where lookups consult them), and fills the catalog,
     * with at most {@value Builder#DEFAULT_PRELOAD_CONCURRENCY} reads in flight; see {@link #preload(int)}.
     */
    public CompletableFuture<PreloadResult> preload() {
        return preload(Builder.DEFAULT_PRELOAD_CONCURRENCY);
    }

    /**
     * Loads, in the background, what {@link #preload()} loads with at most {@code concurrency} reads in flight,
     * so that a service can warm up before it takes traffic. Lookups meanwhile stay correct. The future completes
     * with what was loaded and, per object that failed, its typed exception (the other objects still load); it
     * fails only if the table cannot be listed or the lookup is closed. Metadata beyond {@code maxMetadataBytes}
     * is evicted as usual (later lookups read it again); the catalog's per-object summaries are never evicted.
     *
     * @throws IllegalArgumentException if {@code concurrency} is not positive
     */
    public CompletableFuture<PreloadResult> preload(int concurrency) {
        requireArgument(concurrency > 0, "concurrency must be positive: %s", concurrency);
        return engine.preload(concurrency);
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

    /**
     * Configures a {@link ParquetLookup}. Every setter validates its argument and may be called once;
     * {@link #build()} checks the combination and may be called again.
     */
    public static final class Builder {
        /** The default bound on cached metadata. */
        public static final long DEFAULT_MAX_METADATA_BYTES = 64L << 20;

        /** The default bound on the off-heap cache of decompressed pages (reserved as pages arrive). */
        public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 256L << 20;

        /** The default bound on the heap cache of recently looked-up keys' rows. */
        public static final long DEFAULT_MAX_RESULT_BYTES = 32L << 20;

        /** The default cap on a footer (and on one page index or bloom filter header). */
        public static final int DEFAULT_MAX_FOOTER_BYTES = 16 << 20;

        /** The default cap on a page, compressed or not. */
        public static final int DEFAULT_MAX_PAGE_BYTES = 64 << 20;

        /** Reads in flight during {@link ParquetLookup#preload()}: half the default executor's threads. */
        public static final int DEFAULT_PRELOAD_CONCURRENCY = 8;

        /** Threads of the default executor: enough for one round of reads of a few keys in flight at once. */
        static final int DEFAULT_THREADS = 16;

        private static final int UNSET = -1;

        /** Numbers the default executors, so that the threads of two lookups have names of their own. */
        private static final AtomicInteger POOLS = new AtomicInteger();

        private @Nullable TieredStore store;
        private @Nullable String bucket;
        private @Nullable List<String> objects;
        private @Nullable S3Client lister;
        private @Nullable String prefix;
        private final Map<String, DeclaredKeys.Range> keyRanges = new LinkedHashMap<>();
        private @Nullable String keyColumn;
        private @Nullable List<String> columns;
        private long maxMetadataBytes = UNSET;
        private long maxDecompressedBytes = UNSET;
        private long maxResultBytes = UNSET;
        private int maxFooterBytes = UNSET;
        private int maxPageBytes = UNSET;
        private @Nullable Executor executor;

        private Builder() {}

        /** The store every byte is read through (required). */
        @CanIgnoreReturnValue
        public Builder store(TieredStore store) {
            TieredStore set = this.store;
            requireState(
                    set == null,
                    "store was already set to a store over origin %s",
                    set == null ? null : set.originId());
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The bucket holding the table (required). */
        @CanIgnoreReturnValue
        public Builder bucket(String bucket) {
            requireState(this.bucket == null, "bucket was already set to %s", this.bucket);
            requireArgument(!bucket.isEmpty(), "bucket must not be empty");
            this.bucket = bucket;
            return this;
        }

        /** The table is exactly these objects, in this order; not with {@link #prefix}. */
        @CanIgnoreReturnValue
        public Builder objects(List<String> keys) {
            requireTableUnset();
            List<String> copy = List.copyOf(keys);
            requireArgument(!copy.isEmpty(), "a table needs at least one object");
            this.objects = copy;
            return this;
        }

        /**
         * The table is every {@code .parquet} object under {@code prefix}, listed with {@code lister}; not with
         * {@link #objects}.
         */
        @CanIgnoreReturnValue
        public Builder prefix(S3Client lister, String prefix) {
            requireTableUnset();
            this.lister = Objects.requireNonNull(lister, "lister");
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * Declares that every key of {@code object} lies in {@code [min, max]}, as a table format's manifest or a
         * partition layout records it, so that a lookup opens the object only for keys in that range until it has
         * read the object's footer, whose statistics then take over. A declaration that leaves out a key the object
         * holds makes lookups of that key miss its rows while the footer is unread. Bounds are integers,
         * {@code BigInteger}s or {@code BigDecimal}s (compared numerically), strings, byte arrays or UUIDs (as unsigned
         * bytes, strings in UTF-8), or {@code LocalDate}, {@code LocalTime}, {@code LocalDateTime} or {@code Instant}s,
         * of one kind for the whole table; a key of another kind is looked up in every declared object. Once per
         * object; optional.
         */
        @CanIgnoreReturnValue
        public Builder keyRange(String object, Object min, Object max) {
            requireArgument(!object.isEmpty(), "object must not be empty");
            requireState(
                    !keyRanges.containsKey(object),
                    "keyRange of %s was already set to %s",
                    object,
                    keyRanges.get(object));
            DeclaredKeys.Range range = DeclaredKeys.range(Objects.requireNonNull(min), Objects.requireNonNull(max));
            DeclaredKeys.Kind kind = keyRanges.isEmpty()
                    ? range.kind()
                    : keyRanges.values().iterator().next().kind();
            requireArgument(
                    range.kind() == kind,
                    "key ranges must be of one kind: %s is %s, not %s",
                    object,
                    range.kind(),
                    kind);
            keyRanges.put(object, range);
            return this;
        }

        /** The key column: a top-level, non-repeated primitive column (required). */
        @CanIgnoreReturnValue
        public Builder keyColumn(String name) {
            requireState(this.keyColumn == null, "keyColumn was already set to %s", this.keyColumn);
            requireArgument(!name.isEmpty(), "key column must not be empty");
            this.keyColumn = name;
            return this;
        }

        /** The projected columns, in the order rows give their values (required; may be empty). */
        @CanIgnoreReturnValue
        public Builder columns(List<String> names) {
            requireState(this.columns == null, "columns was already set to %s", this.columns);
            this.columns = List.copyOf(names);
            return this;
        }

        /** The bound on cached metadata: footers, page indexes, bloom filters, dictionaries (default 64 MiB). */
        @CanIgnoreReturnValue
        public Builder maxMetadataBytes(long bytes) {
            requireState(
                    this.maxMetadataBytes == UNSET, "maxMetadataBytes was already set to %s", this.maxMetadataBytes);
            requireArgument(bytes >= 0, "maxMetadataBytes must not be negative: %s", bytes);
            this.maxMetadataBytes = bytes;
            return this;
        }

        /**
         * The bound on decompressed pages kept off the heap for hot lookups (default 256 MiB, reserved in 16 MiB
         * arenas as pages arrive; under 4 KiB keeps none, so every lookup decompresses its pages again).
         */
        @CanIgnoreReturnValue
        public Builder maxDecompressedBytes(long bytes) {
            requireState(
                    this.maxDecompressedBytes == UNSET,
                    "maxDecompressedBytes was already set to %s",
                    this.maxDecompressedBytes);
            requireArgument(bytes >= 0, "maxDecompressedBytes must not be negative: %s", bytes);
            this.maxDecompressedBytes = bytes;
            return this;
        }

        /**
         * The bound on the rows of recently looked-up keys kept on the heap (default 32 MiB, an estimate of their
         * heap; under 256 bytes keeps none). A key whose rows are held is answered without reading a page, as long
         * as every object that may hold it is still at the version its rows were read from.
         */
        @CanIgnoreReturnValue
        public Builder maxResultBytes(long bytes) {
            requireState(this.maxResultBytes == UNSET, "maxResultBytes was already set to %s", this.maxResultBytes);
            requireArgument(bytes >= 0, "maxResultBytes must not be negative: %s", bytes);
            this.maxResultBytes = bytes;
            return this;
        }

        /** The largest footer accepted (default 16 MiB); a larger one is reported as corrupt. */
        @CanIgnoreReturnValue
        public Builder maxFooterBytes(int bytes) {
            requireState(this.maxFooterBytes == UNSET, "maxFooterBytes was already set to %s", this.maxFooterBytes);
            requireArgument(bytes > 0, "maxFooterBytes must be positive: %s", bytes);
            this.maxFooterBytes = bytes;
            return this;
        }

        /** The largest page accepted, compressed or not (default 64 MiB); a larger one is reported as corrupt. */
        @CanIgnoreReturnValue
        public Builder maxPageBytes(int bytes) {
            requireState(this.maxPageBytes == UNSET, "maxPageBytes was already set to %s", this.maxPageBytes);
            requireArgument(bytes > 0, "maxPageBytes must be positive: %s", bytes);
            this.maxPageBytes = bytes;
            return this;
        }

        /** Where parallel reads run (default: a pool of daemon threads owned by the lookup). */
        @CanIgnoreReturnValue
        public Builder executor(Executor executor) {
            requireState(this.executor == null, "executor was already set to %s", this.executor);
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * A lookup as configured; reads nothing yet. This method does not alter the state of this builder, so it
         * can be invoked again to build another lookup (with a default executor of its own).
         *
         * @throws IllegalStateException if the store, bucket, key column, columns, or objects or prefix are unset
         */
        public ParquetLookup build() {
            TieredStore s = required(store, "store");
            String b = required(bucket, "bucket");
            String key = required(keyColumn, "keyColumn");
            List<String> cols = required(columns, "columns");
            requireState(objects != null || prefix != null, "objects or prefix is required");
            if (objects != null) {
                Set<String> fixed = new HashSet<>(objects);
                for (String declared : keyRanges.keySet()) {
                    requireState(fixed.contains(declared), "keyRange names %s, not one of the objects", declared);
                }
            }
            Executor run = executor;
            ExecutorService owned = null;
            if (run == null) {
                owned = Executors.newFixedThreadPool(
                        DEFAULT_THREADS, new DaemonThreads("parquet-lookup-" + POOLS.incrementAndGet()));
                run = owned;
            }
            ExecutorService shut = owned;
            return new ParquetLookup(new TableEngine(new LookupConfig(
                    s,
                    b,
                    objects,
                    lister,
                    prefix,
                    keyRanges,
                    key,
                    cols,
                    maxMetadataBytes == UNSET ? DEFAULT_MAX_METADATA_BYTES : maxMetadataBytes,
                    maxDecompressedBytes == UNSET ? DEFAULT_MAX_DECOMPRESSED_BYTES : maxDecompressedBytes,
                    maxResultBytes == UNSET ? DEFAULT_MAX_RESULT_BYTES : maxResultBytes,
                    maxFooterBytes == UNSET ? DEFAULT_MAX_FOOTER_BYTES : maxFooterBytes,
                    maxPageBytes == UNSET ? DEFAULT_MAX_PAGE_BYTES : maxPageBytes,
                    run,
                    shut == null ? null : shut::shutdownNow)));
        }

        /** Objects and prefix name the table two ways: only one of them, once. */
        private void requireTableUnset() {
            requireState(
                    objects == null && prefix == null,
                    "objects or prefix was already set to %s",
                    objects != null ? objects : prefix);
        }

        private static <T> T required(@Nullable T value, String setting) {
            requireState(value != null, "%s is required", setting);
            return Objects.requireNonNull(value);
        }
    }
}
