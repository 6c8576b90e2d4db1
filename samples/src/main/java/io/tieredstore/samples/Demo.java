package io.tieredstore.samples;

import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.OriginCounters;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The demo: starts an S3 endpoint in this JVM behind the {@code standard} latency profile (first byte after
 * about 30 ms, tail to 200 ms), uploads a Parquet table and prints what reading it straight from S3 costs.
 *
 * <p>Arguments: {@code --rows N} (default 1,000,000), {@code --profile none|express|standard}. Later issues
 * add the same reads through TieredStore, cold and hot, beside these.
 */
public final class Demo {
    private static final String KEY = "tables/events/part-0.parquet";
    private static final int SMALL_READS = 40;
    private static final int LARGE_READS = 10;

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
        new Demo(System.out).run(rows, profile);
        System.exit(0); // the embedded S3 endpoint runs non-daemon server threads
    }

    private void run(long rows, LatencyProfile profile) throws IOException {
        long t0 = System.nanoTime();
        out.printf(
                "TieredStore demo: S3 model '%s' (median first byte %d ms)%n",
                profile, profile.median().toMillis());
        S3Endpoint endpoint = S3Endpoint.shared();
        String bucket = endpoint.newBucket();
        out.printf("  S3 endpoint up in %.1f s%n", seconds(t0));

        long t1 = System.nanoTime();
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
            results.add(measure(
                    "HEAD object",
                    counters,
                    10,
                    () -> s3.headObject(b -> b.bucket(bucket).key(KEY))));
            results.add(measure("open Parquet file (tail + footer)", counters, 10, () -> readFooter(s3, bucket)));
            SplittableRandom random = new SplittableRandom(1);
            results.add(measure(
                    "ranged GET 4 KiB",
                    counters,
                    SMALL_READS,
                    () -> rangedGet(s3, bucket, written.bytes(), 4096, random)));
            results.add(measure(
                    "ranged GET 1 MiB",
                    counters,
                    LARGE_READS,
                    () -> rangedGet(s3, bucket, written.bytes(), 1 << 20, random)));
            results.add(measure("GET whole file", counters, 2, () -> wholeObject(s3, bucket)));
        }
        printTable(results);
        out.printf(
                "%nTotal %.1f s. Direct S3 only, for now: reads through TieredStore come with the read-path issue.%n",
                seconds(t0));
    }

    /** One line of the report. */
    private record Row(String what, int calls, long requests, long bytes, double p50Millis, double maxMillis) {}

    private Row measure(String what, OriginCounters counters, int calls, Runnable call) {
        counters.reset();
        double[] millis = new double[calls];
        for (int i = 0; i < calls; i++) {
            long t = System.nanoTime();
            call.run();
            millis[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(millis);
        return new Row(
                what,
                calls,
                counters.totalRequests(),
                counters.totalResponseBytes(),
                millis[calls / 2],
                millis[calls - 1]);
    }

    private static void readFooter(S3Client s3, String bucket) {
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

    private static void rangedGet(S3Client s3, String bucket, long objectBytes, int length, SplittableRandom random) {
        long first = random.nextLong(Math.max(1, objectBytes - length));
        String range = "bytes=" + first + "-" + (first + length - 1);
        byte[] got =
                s3.getObjectAsBytes(b -> b.bucket(bucket).key(KEY).range(range)).asByteArray();
        if (got.length != Math.min(length, objectBytes - first)) {
            throw new IllegalStateException("short ranged read: " + got.length);
        }
    }

    private static void wholeObject(S3Client s3, String bucket) {
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(KEY))) {
            in.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void printTable(List<Row> rows) {
        String format = "%-34s %6s %9s %12s %10s %10s%n";
        out.println();
        out.printf(format, "direct S3 read", "calls", "S3 reqs", "bytes", "p50 ms", "max ms");
        out.printf(format, "-".repeat(34), "-----", "-------", "-----", "------", "------");
        for (Row r : rows) {
            out.printf(
                    format,
                    r.what(),
                    r.calls(),
                    r.requests(),
                    String.format(Locale.ROOT, "%,d", r.bytes()),
                    String.format(Locale.ROOT, "%.1f", r.p50Millis()),
                    String.format(Locale.ROOT, "%.1f", r.maxMillis()));
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** Discards bytes. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
