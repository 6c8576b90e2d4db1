package io.tieredstore.samples;

import io.tieredstore.core.CacheStats;
import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.parquetlookup.LookupResult;
import io.tieredstore.parquetlookup.ParquetLookup;
import io.tieredstore.s3.CachingS3Client;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.OriginCounters;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import io.tieredstore.testfixtures.parquet.ParquetJavaLookup;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.S3InputFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The demo: starts an S3 endpoint in this JVM behind the {@code standard} latency profile (first byte after
 * about 30 ms, tail to 200 ms), uploads a Parquet table, and prints what the same reads cost straight from
 * S3 and through TieredStore's caching {@code S3Client}, cold (first touch) and hot (memory tier); then Parquet
 * point lookups; then three instances reading the same ranges, alone and as peers ({@link ClusterDemo}).
 *
 * <p>Arguments: {@code --rows N} (default 1,000,000), {@code --profile none|express|standard}.
 */
public final class Demo {
    private static final String KEY = "tables/events/part-0.parquet";
    private static final int SMALL_READS = 40; // 4 KiB reads at random offsets: each touches a page
    private static final int LARGE_READS = 10;
    private static final int LOOKUP_KEYS = 5;
    private static final int HOT_LOOKUPS = 2_000;

    private final PrintStream out;

    private Demo(PrintStream out) {
        this.out = out;
    }

    /** Runs the demo; see the class comment for arguments. */
    public static void main(String[] args) throws IOException {
        long rows = 1_000_000;
        LatencyProfile profile = LatencyProfile.STANDARD;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[i + 1].replace("_", ""));
                case "--profile" -> profile = LatencyProfile.valueOf(args[i + 1].toUpperCase(Locale.ROOT));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        new Demo(System.out).run(rows, profile); // the JVM then ends by itself: the fixtures stop their S3
    }

    private void run(long rows, LatencyProfile profile) throws IOException {
        long t0 = System.nanoTime();
        out.printf(
                "TieredStore demo: S3 model '%s' (median first byte %d ms)%n",
                profile, profile.median().toMillis());
        out.println("  starting S3 in this JVM (S3Mock, about 5 s)...");
        S3Endpoint endpoint = S3Endpoint.shared();
        String bucket = endpoint.newBucket();
        out.printf("  S3 endpoint up in %.1f s%n", seconds(t0));

        long t1 = System.nanoTime();
        out.printf("  generating a %,d-row Parquet table and uploading it to S3...%n", rows);
        ParquetTable table = ParquetTable.builder()
                .rows(rows)
                .columns(
                        Column.required("i64", ColumnType.INT64),
                        Column.required("f64", ColumnType.DOUBLE),
                        Column.required("name", ColumnType.STRING),
                        Column.nullable("amount", ColumnType.DECIMAL_INT64, 0.1),
                        Column.required("day", ColumnType.DATE),
                        Column.required("ts", ColumnType.TIMESTAMP_MICROS))
                .codec(Codec.ZSTD)
                .rowGroupSize(16L << 20)
                .build();
        ParquetTable.Written written = table.uploadTo(endpoint.directClient(), bucket, KEY);
        out.printf(
                "  wrote and uploaded %,d rows (%s, %d row groups, %.1f MiB) in %.1f s%n",
                written.rows(), table.codec(), written.rowGroups(), written.bytes() / 1048576.0, seconds(t1));

        List<Row> results = new ArrayList<>();
        try (FaultProxy proxy = endpoint.newProxy(FaultPlan.of(profile));
                S3Client s3 = S3Clients.sync(proxy.uri())) {
            OriginCounters counters = proxy.counters();
            s3.headObject(b -> b.bucket(bucket).key(KEY)); // warm up the client's connection, not measured
            S3Origin origin = S3Origin.create(s3);
            try (TieredStore store = TieredStore.builder()
                    .origin(origin)
                    .tier(MemoryTier.builder()
                            .capacity(256L << 20)
                            .pageSize(TieredStore.DEFAULT_PAGE_SIZE)
                            .build())
                    .consistency(bucket, "tables/", ConsistencyPolicy.IMMUTABLE) // data-lake files: written once
                    .build()) {
                S3Client cached = CachingS3Client.create(store, origin);
                compare(
                        results,
                        "open Parquet file (tail + footer)",
                        counters,
                        10,
                        c -> readFooter(c, bucket),
                        s3,
                        cached);
                long size = written.bytes();
                compare(
                        results,
                        "ranged GET 4 KiB",
                        counters,
                        SMALL_READS,
                        c -> rangedGets(c, bucket, size, 4096),
                        s3,
                        cached);
                compare(
                        results,
                        "ranged GET 1 MiB",
                        counters,
                        LARGE_READS,
                        c -> rangedGets(c, bucket, size, 1 << 20),
                        s3,
                        cached);
                compare(results, "GET whole file", counters, 2, c -> wholeObject(c, bucket), s3, cached);
                // Last, so that every row above is the first touch of the object: a cold GET learns the version.
                compare(
                        results,
                        "HEAD object",
                        counters,
                        10,
                        c -> () -> c.headObject(b -> b.bucket(bucket).key(KEY)),
                        s3,
                        cached);
                printTable(results);
                out.println("  direct S3: the bare S3Client, every call a request to the S3 model");
                out.println("  TieredStore, cold: the caching S3Client on first touch (each page read from S3 once)");
                out.println("  TieredStore, hot: the same calls again, answered from the memory tier");
                out.println("  S3 reqs / S3 bytes: what reached S3 for all calls of the row; p50 / max: per call");
                printStats(store.stats());
            }
            parquetLookups(table, bucket, written.bytes(), s3, counters);
            new ClusterDemo(out).run(s3, counters, bucket, KEY, written.bytes());
        }
        out.printf("%nTotal %.1f s.%n", seconds(t0));
    }

    /**
     * Measures one read three ways: direct, then through the cache cold (first touch), then hot. Each way
     * replays the same sequence of offsets, so "hot" reads exactly what "cold" brought in.
     */
    private void compare(
            List<Row> rows,
            String what,
            OriginCounters counters,
            int calls,
            Function<S3Client, Runnable> call,
            S3Client direct,
            S3Client cached) {
        out.printf("  measuring %s: direct S3, then TieredStore cold and hot, %d calls each...%n", what, calls);
        rows.add(measure("direct S3", what, counters, calls, call.apply(direct)));
        rows.add(measure("TieredStore, cold", what, counters, calls, call.apply(cached)));
        rows.add(measure("TieredStore, hot", what, counters, calls, call.apply(cached)));
    }

    /** One line of the report. */
    private record Row(
            String path, String what, int calls, long requests, long bytes, double p50Millis, double maxMillis) {}

    private static Row measure(String path, String what, OriginCounters counters, int calls, Runnable call) {
        counters.reset();
        double[] millis = new double[calls];
        for (int i = 0; i < calls; i++) {
            long t = System.nanoTime();
            call.run();
            millis[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(millis);
        return new Row(
                path,
                what,
                calls,
                counters.totalRequests(),
                counters.totalResponseBytes(),
                millis[calls / 2],
                millis[calls - 1]);
    }

    private static Runnable readFooter(S3Client s3, String bucket) {
        return () -> readFooterOnce(s3, bucket);
    }

    private static void readFooterOnce(S3Client s3, String bucket) {
        byte[] tail = s3.getObjectAsBytes(b -> b.bucket(bucket).key(KEY).range("bytes=-8"))
                .asByteArray();
        if (!"PAR1".equals(new String(tail, 4, 4, StandardCharsets.US_ASCII))) {
            throw new IllegalStateException("not a Parquet file: " + KEY);
        }
        int footerLength =
                ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        String range = "bytes=-" + (footerLength + 8);
        byte[] footer =
                s3.getObjectAsBytes(b -> b.bucket(bucket).key(KEY).range(range)).asByteArray();
        if (footer.length != footerLength + 8) {
            throw new IllegalStateException("short footer read: " + footer.length);
        }
    }

    /** Ranged GETs at a fixed pseudo-random sequence of offsets, restarting the sequence for each client. */
    private static Runnable rangedGets(S3Client s3, String bucket, long objectBytes, int length) {
        SplittableRandom random = new SplittableRandom(1);
        return () -> rangedGet(s3, bucket, objectBytes, length, random);
    }

    private static void rangedGet(S3Client s3, String bucket, long objectBytes, int length, SplittableRandom random) {
        long first = random.nextLong(Math.max(1, objectBytes - length));
        String range = "bytes=" + first + "-" + (first + length - 1);
        byte[] got =
                s3.getObjectAsBytes(b -> b.bucket(bucket).key(KEY).range(range)).asByteArray();
        if (got.length != Math.min(length, objectBytes - first)) {
            throw new IllegalStateException("short ranged read: " + got.length);
        }
    }

    private static Runnable wholeObject(S3Client s3, String bucket) {
        return () -> {
            try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(KEY))) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /**
     * Point lookups {@code SELECT name, amount, day, ts WHERE id = ?} on the same file, behind the same S3 model:
     * parquet-java's reader over S3 (footer, page indexes and pages on every lookup) against {@link ParquetLookup}
     * over a store of its own, cold (nothing cached), warm (metadata cached, the memory tier emptied before each
     * lookup) and hot. Every key's rows are checked equal between the two readers and the table's own values.
     */
    private void parquetLookups(ParquetTable table, String bucket, long size, S3Client s3, OriginCounters counters)
            throws IOException {
        List<String> columns = List.of("name", "amount", "day", "ts");
        out.printf(
                "%n  measuring point lookups of %d keys: parquet-java over S3, then ParquetLookup cold, warm and"
                        + " hot...%n",
                LOOKUP_KEYS);
        long[] rows = new long[LOOKUP_KEYS];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (2L * i + 1) * table.rows() / (2L * rows.length); // spread: different row groups and pages
        }
        List<Row> results = new ArrayList<>();
        S3InputFile file = S3InputFile.of(s3, bucket, KEY, size); // length known, as from a listing
        List<List<List<@Nullable Object>>> reference = new ArrayList<>();
        int[] next = {0};
        results.add(measure("parquet-java on S3", "Parquet lookup, 4 of 7 columns", counters, rows.length, () -> {
            try {
                long key = (Long) table.key(rows[next[0]++]);
                reference.add(ParquetJavaLookup.lookup(file, ParquetTable.KEY_COLUMN, key, columns));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        S3Origin origin = S3Origin.create(s3);
        MemoryTier memory = MemoryTier.builder()
                .capacity(256L << 20)
                .pageSize(TieredStore.DEFAULT_PAGE_SIZE)
                .build();
        try (TieredStore store = TieredStore.builder()
                        .origin(origin)
                        .tier(memory)
                        .consistency(bucket, "tables/", ConsistencyPolicy.IMMUTABLE)
                        .build();
                ParquetLookup lookup = ParquetLookup.builder()
                        .store(store)
                        .bucket(bucket)
                        .objects(List.of(KEY))
                        .keyColumn(ParquetTable.KEY_COLUMN)
                        .columns(columns)
                        .build()) {
            List<LookupResult> ours = new ArrayList<>();
            next[0] = 0;
            results.add(measure("TieredStore, cold", "Parquet lookup, 4 of 7 columns", counters, 1, () -> {
                ours.add(lookup.get(table.key(rows[next[0]++])));
            }));
            ObjectId object = new ObjectId(origin.id(), bucket, KEY);
            results.add(measure(
                    "TieredStore, warm", "Parquet lookup, 4 of 7 columns", counters, rows.length - 1, () -> {
                        memory.invalidate(object); // pages gone, metadata kept
                        ours.add(lookup.get(table.key(rows[next[0]++])));
                    }));
            results.add(measure("TieredStore, hot", "Parquet lookup, 4 of 7 columns", counters, HOT_LOOKUPS, () -> {
                lookup.get(table.key(rows[next[0]++ % rows.length]));
            }));
            printTable(results);
            out.println("  parquet-java on S3: parquet-java's own reader over the bare client (footer, page indexes"
                    + " and pages read for every lookup)");
            out.println("  TieredStore, cold: ParquetLookup with nothing cached; warm: metadata cached, pages not"
                    + " (memory tier emptied before each lookup); hot: everything cached");
            for (int i = 0; i < rows.length; i++) {
                List<@Nullable Object> expected = new ArrayList<>();
                for (String c : columns) {
                    expected.add(table.value(c, rows[i]));
                }
                LookupResult r = ours.get(i);
                if (r.rows().size() != 1
                        || !r.rows().get(0).values().equals(expected)
                        || !reference.get(i).equals(List.of(expected))) {
                    throw new IllegalStateException("key " + r.key() + ": TieredStore " + r.rows() + ", parquet-java "
                            + reference.get(i) + ", expected " + expected);
                }
            }
            out.printf(
                    "  %d keys checked: TieredStore and parquet-java return the same row, equal to the table's values"
                            + " (e.g. id %s -> %s)%n",
                    rows.length, ours.get(0).key(), ours.get(0).rows().get(0).values());
            CacheStats stats = store.stats();
            out.printf(
                    "  lookup's store: S3 %,d HEADs, %,d ranged GETs, %.1f MiB; %s%n",
                    stats.originStats(), stats.originFetches(), stats.originBytes() / 1048576.0, lookup.stats());
        }
    }

    private void printTable(List<Row> rows) {
        String format = "%-34s %-18s %5s %8s %12s %9s %9s%n";
        out.println();
        out.printf(format, "read", "path", "calls", "S3 reqs", "S3 bytes", "p50 ms", "max ms");
        out.printf(format, "-".repeat(34), "-".repeat(18), "-----", "-------", "--------", "------", "------");
        String previous = "";
        for (Row r : rows) {
            boolean first = !r.what().equals(previous);
            previous = r.what();
            out.printf(
                    format,
                    first ? r.what() : "",
                    r.path(),
                    r.calls(),
                    r.requests(),
                    String.format(Locale.ROOT, "%,d", r.bytes()),
                    String.format(Locale.ROOT, r.p50Millis() < 1 ? "%.3f" : "%.1f", r.p50Millis()),
                    String.format(Locale.ROOT, r.maxMillis() < 1 ? "%.3f" : "%.1f", r.maxMillis()));
        }
    }

    private void printStats(CacheStats stats) {
        CacheStats.TierStats memory = stats.tier("memory");
        out.printf(
                "%nTieredStore: memory tier %,d hits / %,d misses, %.1f MiB held; S3: %,d HEADs, %,d ranged GETs, %.1f MiB%n",
                memory.hits(),
                memory.misses(),
                memory.usedBytes() / 1048576.0,
                stats.originStats(),
                stats.originFetches(),
                stats.originBytes() / 1048576.0);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
