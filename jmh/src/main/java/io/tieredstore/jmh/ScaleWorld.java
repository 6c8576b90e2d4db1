package io.tieredstore.jmh;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.parquetlookup.LookupResult;
import io.tieredstore.parquetlookup.LookupStats;
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
import io.tieredstore.testfixtures.parquet.ParquetJavaLookup;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.PartitionedTable;
import io.tieredstore.testfixtures.parquet.S3InputFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The world of {@link ParquetScaleBenchmark}: a sorted table of {@code objects} ZSTD Parquet files (by default 40 of
 * 250,000 rows, 10M rows; the eight columns of {@link ParquetBench#COLUMNS}, page indexes on, row groups of 100,000
 * rows, pages of up to {@code pageRows} rows, parquet-java's default 20,000 unless asked) written once under {@code jmh/target/parquet-scale/} and reused, uploaded to the embedded S3 (latency profile
 * NONE: every measured way is hot), and one way of answering {@code SELECT name, cat, amount, ts WHERE id = ?}.
 */
final class ScaleWorld implements AutoCloseable {
    /** The store's (and memory tier's) page size: 1 MiB, as in the other Parquet benchmarks. */
    static final int STORE_PAGE_BYTES = 1 << 20;

    /** The ways of answering a lookup at scale. */
    enum Way {
        /** ParquetLookup, pages in the memory tier, the page and result caches bounded to shares of the projected bytes. */
        OURS_HOT,
        /** ParquetLookup, pages in the memory tier only: page and result caches off, every lookup decodes its pages. */
        OURS_MEMORY_TIER,
        /** DuckDB (JDBC prepared statement, parquet metadata cache on) over the local copy of the files. */
        DUCKDB_LOCAL,
        /** parquet-java's reader with column-index filtering through the caching S3Client, pages in memory. */
        PARQUET_JAVA_CACHED_HOT;

        static Way parse(String name) {
            return valueOf(name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        }
    }

    final Way way;
    final PartitionedTable table;
    final List<Path> files;
    /** The decompressed bytes of the key and projected columns' chunks, summed over every file's footer. */
    final long projectedBytes;
    /** The page-cache bound of {@link Way#OURS_HOT}: {@code pageCachePercent} % of {@link #projectedBytes}. */
    final long pageCacheBytes;

    /** The result-cache bound of {@link Way#OURS_HOT}: {@code resultCachePercent} % of {@link #projectedBytes}. */
    final long resultCacheBytes;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private @Nullable String bucket;
    private List<String> objectKeys = List.of();
    private @Nullable FaultProxy proxy;
    private @Nullable S3Client bare;
    private @Nullable TieredStore store;
    private @Nullable ParquetLookup lookup;
    private final List<S3InputFile> inputFiles = new ArrayList<>();

    private ScaleWorld(
            Way way, int objects, int rowsPerObject, int pageRows, int pageCachePercent, int resultCachePercent)
            throws Exception {
        this.way = way;
        this.table = table(objects, rowsPerObject, pageRows);
        Path dir = localCopy(table);
        this.files = new ArrayList<>();
        for (int p = 0; p < objects; p++) {
            files.add(dir.resolve(PartitionedTable.fileName(p)));
        }
        this.projectedBytes = projectedBytes(files);
        this.pageCacheBytes = projectedBytes * pageCachePercent / 100;
        this.resultCacheBytes = projectedBytes * resultCachePercent / 100;
        System.out.printf(
                Locale.ROOT,
                "%nscale-table: %,d rows in %d objects, pages of up to %,d rows, %,d bytes on disk; decompressed bytes"
                        + " of id + %s: %,d; oursHot's page cache (%d %%): %,d bytes, result cache (%d %%): %,d bytes%n",
                table.rows(),
                objects,
                pageRows,
                totalFileBytes(),
                PROJECTION_NAMES,
                projectedBytes,
                pageCachePercent,
                pageCacheBytes,
                resultCachePercent,
                resultCacheBytes);
        if (way == Way.DUCKDB_LOCAL) {
            return; // reads the local copy only
        }
        S3Endpoint endpoint = S3Endpoint.shared();
        String b = endpoint.newBucket();
        this.bucket = b;
        this.objectKeys = table.upload(dir, endpoint.directClient(), b, "tables/events/");
        FaultProxy p = endpoint.newProxy(FaultPlan.of(LatencyProfile.NONE));
        this.proxy = p;
        S3Client s3 = S3Clients.sync(p.uri());
        this.bare = s3;
        s3.headObject(h -> h.bucket(b).key(objectKeys.get(0))); // the client's connection, not measured
        TieredStore s = newStore(s3);
        if (way == Way.PARQUET_JAVA_CACHED_HOT) {
            S3Client caching = CachingS3Client.create(s, S3Origin.create(s3));
            for (int i = 0; i < objectKeys.size(); i++) {
                inputFiles.add(S3InputFile.of(caching, b, objectKeys.get(i), Files.size(files.get(i))));
            }
        }
    }

    private static final String PROJECTION_NAMES = String.join(", ", ParquetBench.PROJECTION);

    /** The world for {@code way} (a {@link Way} in camel case); the percentages size oursHot's two caches. */
    static ScaleWorld start(
            String way, int objects, int rowsPerObject, int pageRows, int pageCachePercent, int resultCachePercent)
            throws Exception {
        return new ScaleWorld(Way.parse(way), objects, rowsPerObject, pageRows, pageCachePercent, resultCachePercent);
    }

    /** The scale table's definition: deterministic (fixed seeds), so a file written once serves every run. */
    static PartitionedTable table(int objects, int rowsPerObject, int pageRows) {
        return PartitionedTable.builder()
                .parts(objects)
                .rowsPerPart(rowsPerObject)
                .columns(ParquetBench.COLUMNS)
                .codec(Codec.ZSTD)
                .rowGroupRowLimit(ParquetBench.ROW_GROUP_ROWS)
                .pageRowLimit(pageRows)
                .build();
    }

    /** parquet-java's default page row limit, the scale table's unless a run asks for smaller pages. */
    static final int DEFAULT_PAGE_ROWS = 20_000;

    /**
     * The table's files under {@code jmh/target/parquet-scale/} (beside the benchmarks jar, whatever the working
     * directory; {@code -Dtieredstore.scale.dir} overrides), written on first use (10M rows: about 11 s).
     */
    static Path localCopy(PartitionedTable table) throws IOException {
        Path dir = baseDir()
                .resolve(table.partCount() + "x" + table.rowsPerPart() + "-"
                        + Integer.toHexString(table.toString().hashCode()));
        Path done = dir.resolve("complete");
        if (!Files.exists(done)) {
            long start = System.nanoTime();
            System.out.println("scale-table: writing " + table.rows() + " rows into " + dir);
            table.writeTo(dir);
            Files.writeString(done, table.toString());
            System.out.printf(Locale.ROOT, "scale-table: written in %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
        return dir;
    }

    /** Writes the scale table ahead of a run: {@code java -cp jmh/target/benchmarks.jar ... ScaleWorld [40 250000 [pageRows]]}. */
    public static void main(String[] args) throws IOException {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 250_000;
        int pageRows = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_PAGE_ROWS;
        PartitionedTable t = table(objects, rows, pageRows);
        Path dir = localCopy(t);
        List<Path> files = new ArrayList<>();
        for (int p = 0; p < objects; p++) {
            files.add(dir.resolve(PartitionedTable.fileName(p)));
        }
        System.out.printf(
                Locale.ROOT, "scale-table: %s; decompressed id + projection: %,d bytes%n", dir, projectedBytes(files));
    }

    private static Path baseDir() {
        String override = System.getProperty("tieredstore.scale.dir");
        if (override != null) {
            return Path.of(override);
        }
        try {
            Path code = Path.of(ScaleWorld.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            // jmh/target/benchmarks.jar or jmh/target/classes: either way, jmh/target
            Path target = Objects.requireNonNull(code.getParent(), "no parent of " + code);
            return target.resolve("parquet-scale");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("target", "parquet-scale");
        }
    }

    /** Sum over every file of the decompressed size of the chunks of {@code id} and the projected columns. */
    static long projectedBytes(List<Path> files) throws IOException {
        List<String> wanted = new ArrayList<>();
        wanted.add("id");
        wanted.addAll(ParquetBench.PROJECTION);
        long sum = 0;
        for (Path f : files) {
            for (RowGroup group : footer(f).getRow_groups()) {
                for (ColumnChunk chunk : group.getColumns()) {
                    ColumnMetaData meta = chunk.getMeta_data();
                    if (wanted.contains(String.join(".", meta.getPath_in_schema()))) {
                        sum += meta.getTotal_uncompressed_size();
                    }
                }
            }
        }
        return sum;
    }

    /** The Thrift footer of {@code file}: its last 8 bytes are the footer's length and {@code PAR1}. */
    static FileMetaData footer(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(tail, size - 8);
            int length = tail.getInt(0);
            ByteBuffer footer = ByteBuffer.allocate(length);
            long at = size - 8 - length;
            while (footer.hasRemaining()) {
                if (ch.read(footer, at + footer.position()) < 0) {
                    throw new IOException(file + ": footer cut short");
                }
            }
            return Util.readFileMetaData(new ByteArrayInputStream(footer.array()));
        }
    }

    private long totalFileBytes() throws IOException {
        long sum = 0;
        for (Path f : files) {
            sum += Files.size(f);
        }
        return sum;
    }

    private TieredStore newStore(S3Client s3) throws IOException {
        long pages = 0;
        for (Path f : files) {
            pages += (Files.size(f) + STORE_PAGE_BYTES - 1) / STORE_PAGE_BYTES;
        }
        MemoryTier m = MemoryTier.builder()
                .capacity((pages + 16) * STORE_PAGE_BYTES) // room for every page of the table
                .pageSize(STORE_PAGE_BYTES)
                .build();
        TieredStore s = TieredStore.builder()
                .origin(S3Origin.create(s3))
                .tier(m)
                .pageSize(STORE_PAGE_BYTES)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
        closeables.add(s);
        store = s;
        return s;
    }

    /** The one place the page cache (off-heap decompressed pages) and the result cache (heap rows) are bounded. */
    static ParquetLookup.Builder caches(ParquetLookup.Builder b, long pageBytes, long resultBytes) {
        return b.maxDecompressedBytes(pageBytes).maxResultBytes(resultBytes);
    }

    /** Builds the way's lookup (ours only), after {@link #warmPages} so that a heap baseline can be taken between. */
    void buildLookup() {
        if (way != Way.OURS_HOT && way != Way.OURS_MEMORY_TIER) {
            return;
        }
        ParquetLookup.Builder b = ParquetLookup.builder()
                .store(Objects.requireNonNull(store))
                .bucket(Objects.requireNonNull(bucket))
                .objects(objectKeys)
                .keyColumn("id")
                .columns(ParquetBench.PROJECTION);
        if (way == Way.OURS_HOT) {
            caches(b, pageCacheBytes, resultCacheBytes);
        } else {
            caches(b, 0, 0);
        }
        lookup = b.build();
    }

    /** Brings every page of every file into the memory tier (no-op for DuckDB). */
    void warmPages() throws IOException {
        TieredStore s = store;
        if (s == null) {
            return;
        }
        String b = Objects.requireNonNull(bucket);
        for (String key : objectKeys) {
            ObjectVersion v = s.open(b, key);
            try (InputStream in = s.newInputStream(v, 0, v.length())) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }
    }

    /** One lookup in every row group of every file: loads every footer and page index (and DuckDB's metadata). */
    void warmMetadata(ParquetBench.Reader reader) throws Exception {
        for (long row = 0; row < table.rows(); row += Math.min(ParquetBench.ROW_GROUP_ROWS, table.rowsPerPart())) {
            reader.get(table.key(row));
        }
    }

    /** The lookup of the ours ways, null otherwise. */
    @Nullable
    ParquetLookup lookup() {
        return lookup;
    }

    /** A reader for one thread (DuckDB: a connection of its own). */
    ParquetBench.Reader reader() throws SQLException {
        return switch (way) {
            case OURS_HOT, OURS_MEMORY_TIER -> {
                ParquetLookup l = Objects.requireNonNull(lookup, "buildLookup first");
                yield new ParquetBench.Reader() {
                    @Override
                    public Object get(long key) {
                        return l.get(key);
                    }

                    @Override
                    public List<List<@Nullable Object>> rows(long key) {
                        LookupResult r = l.get(key);
                        List<List<@Nullable Object>> out = new ArrayList<>();
                        for (Row row : r.rows()) {
                            out.add(row.values());
                        }
                        return out;
                    }
                };
            }
            case PARQUET_JAVA_CACHED_HOT ->
                new ParquetBench.Reader() {
                    @Override
                    public Object get(long key) throws IOException {
                        return rows(key);
                    }

                    @Override
                    public List<List<@Nullable Object>> rows(long key) throws IOException {
                        long row = table.rowOf(key);
                        int part = row < 0 ? 0 : table.partOf(row); // a reader that knows which file holds the key
                        return ParquetJavaLookup.lookup(inputFiles.get(part), "id", key, ParquetBench.PROJECTION);
                    }
                };
            case DUCKDB_LOCAL -> duckdb(files);
        };
    }

    /** A DuckDB reader over the local {@code files} on a connection of its own (closed with the reader). */
    static ParquetBench.Reader duckdb(List<Path> files) throws SQLException {
        return ParquetBench.duckdbReader(DriverManager.getConnection("jdbc:duckdb:"), files);
    }

    /**
     * Checks {@code reader} on the first {@code sample} of {@code keys} and an absent key: each answer must equal
     * the table's values, and (but for DuckDB itself) DuckDB's answer on the local copy. A benchmark that measured
     * wrong answers would be worthless.
     */
    void check(ParquetBench.Reader reader, long[] keys, int sample) throws Exception {
        try (ParquetBench.Reader duck = way == Way.DUCKDB_LOCAL ? null : duckdb(files)) {
            int n = Math.min(sample, keys.length);
            for (int i = 0; i < n; i++) {
                long key = keys[i];
                long row = table.rowOf(key);
                List<@Nullable Object> expected = new ArrayList<>();
                for (String c : ParquetBench.PROJECTION) {
                    expected.add(table.value(c, row));
                }
                List<List<@Nullable Object>> got = normalise(reader.rows(key));
                if (got.size() != 1 || !got.get(0).equals(expected)) {
                    throw new IllegalStateException(way + ": key " + key + " gave " + got + ", expected " + expected);
                }
                if (duck != null) {
                    List<List<@Nullable Object>> d = normalise(duck.rows(key));
                    if (!d.equals(got)) {
                        throw new IllegalStateException(way + ": key " + key + " gave " + got + ", DuckDB " + d);
                    }
                }
            }
            if (!reader.rows((keys.length == 0 ? table.key(0) : keys[0]) + 1).isEmpty()) {
                throw new IllegalStateException(way + ": an absent key returned rows");
            }
        }
    }

    private static List<List<@Nullable Object>> normalise(List<List<@Nullable Object>> rows) {
        List<List<@Nullable Object>> out = new ArrayList<>();
        for (List<@Nullable Object> row : rows) {
            List<@Nullable Object> r = new ArrayList<>();
            for (Object v : row) {
                if (v instanceof OffsetDateTime t) {
                    r.add(t.toInstant());
                } else if (v instanceof java.sql.Timestamp t) {
                    r.add(t.toInstant());
                } else if (v instanceof BigDecimal d) {
                    r.add(d);
                } else {
                    r.add(v);
                }
            }
            out.add(r);
        }
        return out;
    }

    /** The request counters of the proxy in front of S3, or null for DuckDB. */
    @Nullable
    OriginCounters counters() {
        FaultProxy p = proxy;
        return p == null ? null : p.counters();
    }

    /** The store's origin fetches so far (0 without a store). */
    long originFetches() {
        TieredStore s = store;
        return s == null ? 0 : s.stats().originFetches();
    }

    /** Heap used after a full GC, and direct buffers' bytes: what the process holds right now. */
    record Memory(long heap, long direct) {
        /** Measures after {@link System#gc()} (twice, so that finalised objects' memory goes too). */
        static Memory now() {
            System.gc();
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long direct = 0;
            for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    direct = pool.getMemoryUsed();
                }
            }
            return new Memory(heap, direct);
        }
    }

    /**
     * The line {@code scale-stats: ...}: the lookup's stats, heap and direct bytes held since {@code before} (taken
     * after the memory tier was filled and before the lookup was built) per object and per row the page and result
     * caches hold (heap per row mixes the caches' heap with the metadata's), and origin requests during the
     * measurement.
     */
    String stats(Memory before, long lookups, long requestsBefore, long fetchesBefore) {
        Memory now = Memory.now();
        long heap = now.heap() - before.heap();
        long direct = now.direct() - before.direct();
        ParquetLookup held = lookup;
        LookupStats stats = held == null ? null : held.stats();
        long cachedRows = stats == null
                ? 0
                : stats.pageCache().rows() + stats.resultCache().rows();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("way", way.toString());
        f.put("lookups", String.format(Locale.ROOT, "%,d", lookups));
        f.put("heapHeld", String.format(Locale.ROOT, "%,d", heap));
        f.put("directHeld", String.format(Locale.ROOT, "%,d", direct));
        f.put("heapHeldPerObject", String.format(Locale.ROOT, "%,d", heap / table.partCount()));
        if (cachedRows > 0) {
            f.put("rowsInCacheBound", String.format(Locale.ROOT, "%,d", cachedRows));
            f.put("heapPerCachedRow", String.format(Locale.ROOT, "%.1f", heap / (double) cachedRows));
            f.put("directPerCachedRow", String.format(Locale.ROOT, "%.1f", direct / (double) cachedRows));
        }
        f.put("heapTotal", String.format(Locale.ROOT, "%,d", now.heap()));
        f.put("directTotal", String.format(Locale.ROOT, "%,d", now.direct()));
        OriginCounters c = counters();
        if (c != null) {
            f.put("originRequests", Long.toString(c.totalRequests() - requestsBefore));
            f.put("storeOriginFetches", Long.toString(originFetches() - fetchesBefore));
        }
        String line =
                f.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return "scale-stats: " + line + (stats == null ? "" : " " + stats);
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
        S3Client s = bare;
        if (s != null) {
            s.close();
        }
        FaultProxy p = proxy;
        if (p != null) {
            p.close();
        }
        String b = bucket;
        if (b != null) {
            deleteBucket(S3Endpoint.shared().directClient(), b, objectKeys);
        }
    }

    /** Deletes the uploaded copy: S3Mock keeps every bucket on disk, 500 MB per trial at full size. */
    static void deleteBucket(S3Client s3, String bucket, List<String> keys) {
        for (String key : keys) {
            s3.deleteObject(d -> d.bucket(bucket).key(key));
        }
        s3.deleteBucket(d -> d.bucket(bucket));
    }
}
