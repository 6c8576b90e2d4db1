package io.tieredstore.jmh;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.parquetlookup.LookupResult;
import io.tieredstore.parquetlookup.ParquetLookup;
import io.tieredstore.parquetlookup.Row;
import io.tieredstore.s3.CachingS3Client;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.OriginCounters;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import io.tieredstore.testfixtures.parquet.PageLocator;
import io.tieredstore.testfixtures.parquet.ParquetJavaLookup;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.PartitionedTable;
import io.tieredstore.testfixtures.parquet.S3InputFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The Parquet lookup benchmarks' world: a sorted table of several Parquet files (written once under
 * {@code target/parquet-bench/} and reused), uploaded to a fresh bucket of the embedded S3 behind the fault proxy,
 * and every way of answering {@code SELECT name, cat, amount, ts WHERE id = ?} on it (see {@link Way}).
 */
final class ParquetBench implements AutoCloseable {
    /** The projected columns: a string, a dictionary-encoded string, a nullable decimal and a timestamp. */
    static final List<String> PROJECTION = List.of("name", "cat", "amount", "ts");

    /** Seven value columns after {@code id}: eight in all. */
    static final List<Column> COLUMNS = List.of(
            Column.required("i64", ColumnType.INT64),
            Column.required("f64", ColumnType.DOUBLE),
            Column.required("name", ColumnType.STRING),
            Column.required("cat", ColumnType.CATEGORY),
            Column.nullable("amount", ColumnType.DECIMAL_INT64, 0.1),
            Column.required("day", ColumnType.DATE),
            Column.required("ts", ColumnType.TIMESTAMP_MICROS));

    /** The page-cache bound of {@code oursHot}: room for every decompressed page of the projected columns. */
    static final long DECODED_BYTES_HOT = 1L << 30;

    /** Rows per row group: 100,000 (a 250,000-row file has three). */
    static final int ROW_GROUP_ROWS = 100_000;

    /** The ways of answering a lookup. */
    enum Way {
        /**
         * ParquetLookup, everything cached: metadata, pages in the memory tier, and decompressed pages off the heap
         * (bound 1 GiB, room for the whole table's projected columns); no S3 request.
         */
        OURS_HOT(false),
        /** ParquetLookup with metadata and pages cached in the memory tier, but the page cache off. */
        OURS_HOT_UNDECODED(false),
        /** ParquetLookup with metadata cached but no page: memory tier emptied, the page cache off. */
        OURS_COLD_METADATA(true),
        /** ParquetLookup with nothing cached: a new lookup over a store that has forgotten every object. */
        OURS_COLD(true),
        /** OURS_COLD with each object's key range declared, as a table format's manifest gives them. */
        OURS_COLD_DECLARED(true),
        /** parquet-java's reader with column-index filtering, through the bare S3 client. */
        PARQUET_JAVA_S3(true),
        /** parquet-java's reader through the caching S3Client, every page in the memory tier. */
        PARQUET_JAVA_CACHED_HOT(false),
        /** DuckDB (JDBC, prepared statement) over a local copy of the files. */
        DUCKDB_LOCAL(false),
        /** The data pages holding the row, one ranged GET each, in parallel, through the bare client. */
        DIRECT_S3(true);

        private final boolean standard;

        Way(boolean standard) {
            this.standard = standard;
        }

        /** The latency profile the path is measured under: STANDARD if it reads S3, NONE if it does not. */
        LatencyProfile profile() {
            return standard ? LatencyProfile.STANDARD : LatencyProfile.NONE;
        }

        static Way parse(String name) {
            return valueOf(name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        }
    }

    /** One thread's way of looking a key up. */
    interface Reader extends AutoCloseable {
        /** The projected rows of {@code key} (a result whose size depends on the path). */
        Object get(long key) throws Exception;

        /** The projected values of {@code key}'s rows, for checks. */
        List<List<@Nullable Object>> rows(long key) throws Exception;

        @Override
        default void close() throws SQLException {}
    }

    final Way path;
    final PartitionedTable table;
    final List<Path> files;
    final String bucket;
    final List<String> keys;
    final FaultProxy proxy;
    final S3Client bare;
    final OriginCounters counters;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService executor;

    private @Nullable TieredStore store;
    private @Nullable MemoryTier memory;
    private @Nullable ParquetLookup lookup;
    private @Nullable Connection duckdb;
    private final List<S3InputFile> inputFiles = new ArrayList<>();
    private final List<PageLocator> locators = new ArrayList<>();
    private final int storePageBytes;

    private ParquetBench(Way path, int objects, int rowsPerObject, int storePageBytes) throws Exception {
        this.path = path;
        this.storePageBytes = storePageBytes;
        this.table = PartitionedTable.builder()
                .parts(objects)
                .rowsPerPart(rowsPerObject)
                .columns(COLUMNS)
                .codec(Codec.ZSTD)
                .rowGroupRowLimit(ROW_GROUP_ROWS)
                .build();
        Path dir = localCopy(table);
        this.files = new ArrayList<>();
        for (int p = 0; p < objects; p++) {
            files.add(dir.resolve(PartitionedTable.fileName(p)));
        }
        S3Endpoint endpoint = S3Endpoint.shared();
        this.bucket = endpoint.newBucket();
        this.keys = table.upload(dir, endpoint.directClient(), bucket, "tables/events/");
        this.proxy = endpoint.newProxy(FaultPlan.of(path.profile()));
        this.bare = S3Clients.sync(proxy.uri());
        this.counters = proxy.counters();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-io");
            t.setDaemon(true);
            return t;
        });
        bare.headObject(b -> b.bucket(bucket).key(keys.get(0))); // the client's connection, not measured
        switch (path) {
            case OURS_HOT, OURS_HOT_UNDECODED, OURS_COLD_METADATA, OURS_COLD, OURS_COLD_DECLARED -> {
                newStore();
                lookup = newLookup();
            }
            case PARQUET_JAVA_S3 -> openInputFiles(bare);
            case PARQUET_JAVA_CACHED_HOT -> {
                TieredStore s = newStore();
                openInputFiles(CachingS3Client.create(s, S3Origin.create(bare)));
            }
            case DUCKDB_LOCAL -> {
                Connection c = DriverManager.getConnection("jdbc:duckdb:");
                closeables.add(c);
                duckdb = c;
            }
            case DIRECT_S3 -> {
                for (Path f : files) {
                    locators.add(PageLocator.of(new org.apache.parquet.io.LocalInputFile(f), concat("id", PROJECTION)));
                }
            }
        }
    }

    /** The world for {@code path}; {@code storePageKiB} is the store's page size. */
    static ParquetBench start(String path, int objects, int rowsPerObject, int storePageKiB) throws Exception {
        return new ParquetBench(Way.parse(path), objects, rowsPerObject, storePageKiB << 10);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> out = new ArrayList<>();
        out.add(first);
        out.addAll(rest);
        return out;
    }

    /** The table's files under target/parquet-bench/, written on first use (about 2 s per 250,000 rows). */
    private static Path localCopy(PartitionedTable table) throws IOException {
        Path dir = Path.of(
                "target",
                "parquet-bench",
                table.partCount() + "x" + table.rowsPerPart() + "-"
                        + Integer.toHexString(table.toString().hashCode()));
        Path done = dir.resolve("complete");
        if (!Files.exists(done)) {
            table.writeTo(dir);
            Files.writeString(done, table.toString());
        }
        return dir;
    }

    private TieredStore newStore() {
        MemoryTier m =
                MemoryTier.builder().capacity(1L << 30).pageSize(storePageBytes).build();
        TieredStore s = TieredStore.builder()
                .origin(S3Origin.create(bare))
                .tier(m)
                .pageSize(storePageBytes)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE) // data-lake files: written once
                .build();
        closeables.add(s);
        memory = m;
        store = s;
        return s;
    }

    private ParquetLookup newLookup() {
        ParquetLookup.Builder b = ParquetLookup.builder()
                .store(Objects.requireNonNull(store))
                .bucket(bucket)
                .objects(keys)
                .keyColumn("id")
                .columns(PROJECTION);
        if (path == Way.OURS_HOT) {
            b.maxDecompressedBytes(DECODED_BYTES_HOT);
        } else if (path == Way.OURS_HOT_UNDECODED || path == Way.OURS_COLD_METADATA) {
            b.maxDecompressedBytes(0); // every lookup decompresses its pages again
        }
        if (path == Way.OURS_COLD || path == Way.OURS_COLD_DECLARED) {
            b.executor(executor); // a lookup per call: share one pool rather than start one each time
        }
        if (path == Way.OURS_COLD_DECLARED) {
            long rows = table.rowsPerPart();
            for (int p = 0; p < keys.size(); p++) {
                b.keyRange(keys.get(p), table.key(p * rows), table.key((p + 1) * rows - 1));
            }
        }
        return b.build();
    }

    private void openInputFiles(S3Client s3) throws IOException {
        for (int p = 0; p < keys.size(); p++) {
            inputFiles.add(S3InputFile.of(s3, bucket, keys.get(p), Files.size(files.get(p))));
        }
    }

    /** Brings every page of the table into the memory tier (hot paths over the store). */
    void warmPages() throws IOException {
        TieredStore s = Objects.requireNonNull(store);
        for (String key : keys) {
            ObjectVersion v = s.open(bucket, key);
            try (InputStream in = s.newInputStream(v, 0, v.length())) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }
    }

    /**
     * One lookup in every row group of every file, which loads the lookup's metadata; for {@code oursHot}, one every
     * 5,000 rows, which also decodes every page of the projected columns (pages hold up to 20,000 rows).
     */
    void warmMetadata(Reader reader) throws Exception {
        long step = path == Way.OURS_HOT ? 5_000 : Math.min(ROW_GROUP_ROWS, table.rowsPerPart());
        for (long row = 0; row < table.rows(); row += step) {
            reader.get(table.key(row));
        }
    }

    /** Before each cold call: drops the store's pages (and, fully cold, versions and the lookup's metadata). */
    void evict() {
        if (path == Way.OURS_COLD_METADATA) {
            MemoryTier m = Objects.requireNonNull(memory);
            String origin = S3Origin.create(bare).id();
            for (String key : keys) {
                m.invalidate(new ObjectId(origin, bucket, key));
            }
        } else if (path == Way.OURS_COLD || path == Way.OURS_COLD_DECLARED) {
            TieredStore s = Objects.requireNonNull(store);
            Objects.requireNonNull(lookup).close();
            for (String key : keys) {
                s.invalidate(bucket, key);
            }
            lookup = newLookup();
        }
    }

    /** The store's counters, or null for paths without a store. */
    @Nullable
    TieredStore store() {
        return store;
    }

    @Nullable
    ParquetLookup lookup() {
        return lookup;
    }

    /** A reader for one thread. */
    Reader reader() throws SQLException {
        return switch (path) {
            case OURS_HOT, OURS_HOT_UNDECODED, OURS_COLD_METADATA, OURS_COLD, OURS_COLD_DECLARED ->
                new Reader() {
                    @Override
                    public Object get(long key) {
                        return Objects.requireNonNull(lookup).get(key);
                    }

                    @Override
                    public List<List<@Nullable Object>> rows(long key) {
                        LookupResult r = Objects.requireNonNull(lookup).get(key);
                        List<List<@Nullable Object>> out = new ArrayList<>();
                        for (Row row : r.rows()) {
                            out.add(row.values());
                        }
                        return out;
                    }
                };
            case PARQUET_JAVA_S3, PARQUET_JAVA_CACHED_HOT ->
                new Reader() {
                    @Override
                    public Object get(long key) throws IOException {
                        return rows(key);
                    }

                    @Override
                    public List<List<@Nullable Object>> rows(long key) throws IOException {
                        long row = table.rowOf(key);
                        int part = row < 0 ? 0 : table.partOf(row); // a reader that knows which file holds the key
                        return ParquetJavaLookup.lookup(inputFiles.get(part), "id", key, PROJECTION);
                    }
                };
            case DUCKDB_LOCAL -> duckdbReader();
            case DIRECT_S3 ->
                new Reader() {
                    @Override
                    public Object get(long key) {
                        long row = table.rowOf(key);
                        int part = table.partOf(row);
                        List<PageLocator.Range> ranges = locators.get(part).pagesHolding(row % table.rowsPerPart());
                        List<CompletableFuture<byte[]>> gets = new ArrayList<>();
                        for (PageLocator.Range r : ranges) {
                            String range = "bytes=" + r.offset() + "-" + (r.offset() + r.length() - 1);
                            String object = keys.get(part);
                            gets.add(CompletableFuture.supplyAsync(
                                    () -> bare.getObjectAsBytes(b ->
                                                    b.bucket(bucket).key(object).range(range))
                                            .asByteArrayUnsafe(),
                                    executor));
                        }
                        long bytes = 0;
                        for (CompletableFuture<byte[]> g : gets) {
                            bytes += g.join().length;
                        }
                        return bytes;
                    }

                    @Override
                    public List<List<@Nullable Object>> rows(long key) {
                        throw new UnsupportedOperationException("direct reads return bytes, not rows");
                    }
                };
        };
    }

    private Reader duckdbReader() throws SQLException {
        return duckdbReader(((DuckDBConnection) Objects.requireNonNull(duckdb)).duplicate(), files);
    }

    /**
     * A DuckDB reader of {@code SELECT PROJECTION WHERE id = ?} over the local {@code files} on {@code c}, its
     * parquet metadata cache on; closing the reader closes {@code c}.
     */
    static Reader duckdbReader(Connection c, List<Path> files) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET parquet_metadata_cache = true"); // keep parsed footers between queries: DuckDB hot
        }
        String list =
                files.stream().map(f -> "'" + f.toAbsolutePath() + "'").collect(Collectors.joining(", ", "[", "]"));
        PreparedStatement ps = c.prepareStatement(
                "SELECT " + String.join(", ", PROJECTION) + " FROM read_parquet(" + list + ") WHERE id = ?");
        return new Reader() {
            @Override
            public Object get(long key) throws SQLException {
                return rows(key);
            }

            @Override
            public List<List<@Nullable Object>> rows(long key) throws SQLException {
                ps.setLong(1, key);
                List<List<@Nullable Object>> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<@Nullable Object> row = new ArrayList<>(PROJECTION.size());
                        for (int i = 1; i <= PROJECTION.size(); i++) {
                            row.add(rs.getObject(i));
                        }
                        out.add(row);
                    }
                }
                return out;
            }

            @Override
            public void close() throws SQLException {
                ps.close();
                c.close();
            }
        };
    }

    /**
     * Checks that {@code reader} returns the table's values for a few keys (present and absent), normalising the
     * types DuckDB returns (timestamps with time zone as {@link OffsetDateTime}).
     */
    void check(Reader reader) throws Exception {
        if (path == Way.DIRECT_S3) {
            return;
        }
        long[] rows = {0, table.rows() / 3, table.rows() - 1};
        for (long row : rows) {
            long key = table.key(row);
            List<List<@Nullable Object>> got = reader.rows(key);
            List<@Nullable Object> expected = new ArrayList<>();
            for (String c : PROJECTION) {
                expected.add(table.value(c, row));
            }
            if (got.size() != 1 || !normalise(got.get(0)).equals(expected)) {
                throw new IllegalStateException(path + ": key " + key + " gave " + got + ", expected " + expected);
            }
        }
        if (!reader.rows(table.key(5) + 1).isEmpty()) {
            throw new IllegalStateException(path + ": an absent key returned rows");
        }
    }

    private static List<@Nullable Object> normalise(List<@Nullable Object> row) {
        List<@Nullable Object> out = new ArrayList<>();
        for (Object v : row) {
            if (v instanceof OffsetDateTime t) {
                out.add(t.toInstant());
            } else if (v instanceof java.sql.Timestamp t) {
                out.add(t.toInstant());
            } else if (v instanceof BigDecimal d) {
                out.add(d);
            } else {
                out.add(v);
            }
        }
        return out;
    }

    /** A one-line summary of S3 requests and store fetches per lookup since the counters were reset. */
    String requestsPerLookup(long lookups, long storeFetchesBefore) {
        if (lookups == 0) {
            return path + ": no lookup";
        }
        StringBuilder s = new StringBuilder()
                .append(String.format(
                        Locale.ROOT,
                        "%n[%s] %,d lookups; S3 requests per lookup: %.2f",
                        path,
                        lookups,
                        counters.totalRequests() / (double) lookups));
        counters.requestsByOperation()
                .forEach((op, n) -> s.append(String.format(Locale.ROOT, " %s %.2f", op, n / (double) lookups)));
        s.append(String.format(Locale.ROOT, ", KiB per lookup %.1f", counters.totalResponseBytes() / 1024.0 / lookups));
        TieredStore st = store;
        if (st != null) {
            s.append(String.format(
                    Locale.ROOT,
                    "; store origin fetches per lookup %.2f",
                    (st.stats().originFetches() - storeFetchesBefore) / (double) lookups));
        }
        if (!inputFiles.isEmpty()) {
            s.append("; bodies read again after breaking off (since the start): ")
                    .append(inputFiles.stream().mapToLong(S3InputFile::retries).sum());
        }
        ParquetLookup l = lookup;
        if (l != null && path != Way.OURS_COLD && path != Way.OURS_COLD_DECLARED) {
            s.append("; ").append(l.stats());
        }
        return s.toString();
    }

    long storeFetches() {
        TieredStore st = store;
        return st == null ? 0 : st.stats().originFetches();
    }

    @Override
    public void close() {
        ParquetLookup l = lookup;
        if (l != null) {
            l.close();
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // closing at the end of a trial: nothing to do about it
            }
        }
        executor.shutdownNow();
        bare.close();
        proxy.close();
    }
}
