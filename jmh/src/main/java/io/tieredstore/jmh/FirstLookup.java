package io.tieredstore.jmh;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.parquetlookup.LookupResult;
import io.tieredstore.parquetlookup.LookupStats;
import io.tieredstore.parquetlookup.ParquetLookup;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.OriginCounters;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import io.tieredstore.testfixtures.parquet.PartitionedTable;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The first lookup of a fresh JVM: the parent writes (or reuses) the scale table, starts the embedded S3 with the
 * latency profile NONE (so origin time is small; its requests are counted by the parent's proxy) and uploads the
 * table; then, {@code runs} times, it starts a child JVM (same java, same class path, no flags but a variant's) that
 * times entering the lookup code (S3 client, TieredStore, ParquetLookup) up to the first result, step by step, with
 * the classes each step loads, JIT and GC time, a second {@code get} of a key in another object, and a cold lookup
 * (new store, new lookup) once the JVM is warm: the same origin rounds without one-time costs. It prints medians.
 *
 * <p>Variants: {@code plain} (the measurement); {@code pre-sdk}, {@code pre-thrift}, {@code pre-caffeine},
 * {@code pre-all}: the child first uses that library outside the measurement, so the drop of the first lookup is that
 * library's first-use cost; {@code c1} ({@code -XX:TieredStopAtLevel=1}); {@code cds} (an application class-data
 * archive dumped by a first child). Then one child with {@code -Xlog:class+load} gives the classes each step loads,
 * by library and by package.
 *
 * <p>Run: {@code java -cp jmh/target/benchmarks.jar io.tieredstore.jmh.FirstLookup [runs [objects [rowsPerObject
 * [variants]]]]}, by default {@code 5 40 250000 plain,pre-sdk,pre-thrift,pre-caffeine,pre-all,c1,cds}.
 */
public final class FirstLookup {
    private static final String RESULT = "first-lookup-result:";
    private static final List<String> STEPS = List.of("client", "store", "lookupBuild", "firstGet", "secondGet");

    private FirstLookup() {}

    /** {@code s} cut at every {@code c} (empty parts kept). */
    static List<String> split(String s, char c) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = s.indexOf(c); i >= 0; i = s.indexOf(c, from)) {
            out.add(s.substring(from, i));
            from = i + 1;
        }
        out.add(s.substring(from));
        return out;
    }

    /** The parent: table, endpoint, children, medians. */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int objects = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int rowsPerObject = args.length > 2 ? Integer.parseInt(args[2]) : 250_000;
        List<String> variants =
                split(args.length > 3 ? args[3] : "plain,pre-sdk,pre-thrift,pre-caffeine,pre-all,c1,cds", ',');
        PartitionedTable table = ScaleWorld.table(objects, rowsPerObject, ScaleWorld.DEFAULT_PAGE_ROWS);
        Path dir = ScaleWorld.localCopy(table);
        S3Endpoint endpoint = S3Endpoint.shared();
        String bucket = endpoint.newBucket();
        List<String> keys = table.upload(dir, endpoint.directClient(), bucket, "tables/events/");
        Path work = Files.createTempDirectory("first-lookup");
        try (FaultProxy proxy = endpoint.newProxy(FaultPlan.of(LatencyProfile.NONE))) {
            long key1 = table.key(table.rows() / 3);
            long key2 = table.key(table.rows() * 2 / 3 + 7); // another object
            List<String> childArgs = List.of(
                    proxy.uri().toString(),
                    bucket,
                    String.join(",", keys),
                    Long.toString(key1),
                    Long.toString(key2),
                    dir.resolve(PartitionedTable.fileName(0)).toString());
            Path archive = work.resolve("first-lookup.jsa");
            System.out.printf(
                    Locale.ROOT,
                    "first-lookup: %,d rows in %d objects, %d fresh JVMs per variant, java %s (%s)%n",
                    table.rows(),
                    objects,
                    runs,
                    System.getProperty("java.version"),
                    javaBinary());
            Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
            for (String variant : variants) {
                List<String> flags = new ArrayList<>();
                String mode = "plain";
                switch (variant) {
                    case "plain" -> {}
                    case "c1" -> flags.add("-XX:TieredStopAtLevel=1");
                    case "cds" -> {
                        run(List.of("-XX:ArchiveClassesAtExit=" + archive), "plain", childArgs, proxy.counters());
                        flags.add("-XX:SharedArchiveFile=" + archive);
                    }
                    default -> {
                        if (!variant.startsWith("pre-")) {
                            throw new IllegalArgumentException("unknown variant " + variant);
                        }
                        mode = variant;
                    }
                }
                List<Map<String, Double>> results = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    results.add(run(flags, mode, childArgs, proxy.counters()));
                }
                Map<String, Double> m = median(results);
                medians.put(variant, m);
                System.out.println("first-lookup " + variant + " (median of " + runs + "): " + format(m));
            }
            printTable(medians);
            classLoads(work.resolve("class-load.log"), childArgs, proxy.counters());
        } finally {
            ScaleWorld.deleteBucket(endpoint.directClient(), bucket, keys);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** One child: returns its numbers and the origin requests the proxy counted for it. */
    private static Map<String, Double> run(List<String> flags, String mode, List<String> args, OriginCounters counters)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.add(mode);
        cmd.addAll(args);
        counters.reset();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, Double> out = new LinkedHashMap<>();
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                all.append(line).append('\n');
                if (line.startsWith(RESULT)) {
                    for (String kv : split(line.substring(RESULT.length()).trim(), ' ')) {
                        int eq = kv.indexOf('=');
                        out.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
                    }
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || out.isEmpty()) {
            throw new IllegalStateException("child " + cmd + " ended with " + rc + ":\n" + all);
        }
        out.put("originRequests", (double) counters.totalRequests());
        return out;
    }

    private static Map<String, Double> median(List<Map<String, Double>> runs) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String k : runs.get(0).keySet()) {
            double[] v = runs.stream()
                    .mapToDouble(m -> m.getOrDefault(k, 0.0))
                    .sorted()
                    .toArray();
            out.put(k, v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
        }
        return out;
    }

    private static String format(Map<String, Double> m) {
        return m.entrySet().stream()
                .map(e -> e.getKey() + "="
                        + (e.getValue() == Math.rint(e.getValue())
                                ? String.format(Locale.ROOT, "%.0f", e.getValue())
                                : String.format(Locale.ROOT, "%.1f", e.getValue())))
                .collect(Collectors.joining(" "));
    }

    private static void printTable(Map<String, Map<String, Double>> medians) {
        System.out.println();
        System.out.println("| variant | JVM start to main ms | client ms | store ms | lookup build ms | first get ms |"
                + " enter to first result ms | second get ms | cold lookup in warm JVM ms | classes loaded"
                + " (client/store/build/first/second) | JIT ms in first get | origin rounds, first get |"
                + " origin requests |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|");
        medians.forEach((variant, m) -> System.out.printf(
                Locale.ROOT,
                "| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %s | %.0f | %.0f | %.0f |%n",
                variant,
                m.get("jvmToMainMs"),
                m.get("clientMs"),
                m.get("storeMs"),
                m.get("lookupBuildMs"),
                m.get("firstGetMs"),
                m.get("enterToFirstResultMs"),
                m.get("secondGetMs"),
                m.get("coldWarmJvmMs"),
                STEPS.stream()
                        .map(s -> String.format(Locale.ROOT, "%.0f", m.get(s + "Classes")))
                        .collect(Collectors.joining("/")),
                m.get("firstGetJitMs"),
                m.get("firstGetOriginRounds"),
                m.get("originRequests")));
    }

    /**
     * One child with {@code -Xlog:class+load}: the log's lines in order are the loaded classes, so the child's class
     * counts at each step's ends slice it into steps; prints per step the classes by library and the top packages.
     */
    private static void classLoads(Path log, List<String> args, OriginCounters counters)
            throws IOException, InterruptedException {
        Map<String, Double> r = run(List.of("-Xlog:class+load=info:file=" + log), "plain", args, counters);
        List<String> names = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            // [0.012s][info][class,load] java.lang.Object source: shared objects file
            int tag = line.indexOf("[class,load] ");
            if (tag < 0) {
                continue;
            }
            seconds.add(
                    line.startsWith("[") && line.indexOf("s]") > 1
                            ? Double.parseDouble(line.substring(1, line.indexOf("s]")))
                            : 0.0);
            String rest = line.substring(tag + "[class,load] ".length());
            int space = rest.indexOf(' ');
            names.add(space < 0 ? rest : rest.substring(0, space));
            sources.add(rest.contains("shared objects file") ? "cds" : "loaded");
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "first-lookup class loads: %,d classes in the log%n", names.size());
        int from = (int) (double) r.get("startClasses");
        for (String step : STEPS) {
            int to = Math.min(names.size(), from + (int) (double) r.get(step + "Classes"));
            Map<String, Integer> byLibrary = new TreeMap<>();
            Map<String, Integer> byPackage = new TreeMap<>();
            Map<String, Integer> millisByLibrary = new TreeMap<>();
            int fromCds = 0;
            for (int i = from; i < to; i++) {
                if (i > 0) { // the time since the previous load, charged to the library whose class loads next
                    millisByLibrary.merge(
                            library(names.get(i)),
                            (int) Math.round((seconds.get(i) - seconds.get(i - 1)) * 1000),
                            Integer::sum);
                }
                byLibrary.merge(library(names.get(i)), 1, Integer::sum);
                byPackage.merge(packageOf(names.get(i)), 1, Integer::sum);
                fromCds += sources.get(i).equals("cds") ? 1 : 0;
            }
            System.out.printf(
                    Locale.ROOT,
                    "class loads in %s (%.1f ms): %d classes (%d from the JDK's CDS archive); by library: %s;"
                            + " top packages: %s; ms up to a class's load, by its library: %s%n",
                    step,
                    r.get(step + "Ms"),
                    to - from,
                    fromCds,
                    ranked(byLibrary, 20),
                    ranked(byPackage, 12),
                    ranked(millisByLibrary, 12));
            from = to;
        }
    }

    private static String ranked(Map<String, Integer> counts, int top) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String packageOf(String className) {
        List<String> parts = split(className, '.');
        int n = Math.min(parts.size() - 1, parts.get(0).equals("software") ? 5 : 4);
        return String.join(".", parts.subList(0, Math.max(1, n)));
    }

    private static String library(String c) {
        String[][] map = {
            {"software.amazon.awssdk.http.apache5", "aws-sdk apache5 client"},
            {"software.amazon.awssdk.services.s3", "aws-sdk s3"},
            {"software.amazon.awssdk", "aws-sdk core"},
            {"org.apache.hc", "httpclient5"},
            {"shaded.parquet.org.apache.thrift", "thrift (parquet-format)"},
            {"org.apache.parquet.format", "parquet-format"},
            {"org.apache.parquet", "parquet-java"},
            {"com.github.benmanes.caffeine", "caffeine"},
            {"io.tieredstore", "tieredstore"},
            {"io.airlift", "aircompressor"},
            {"org.brotli", "brotli"},
            {"com.google.protobuf", "protobuf"},
            {"org.slf4j", "slf4j"},
            {"com.fasterxml.jackson", "jackson"},
            {"io.netty", "netty"},
            {"java.lang.invoke", "jdk lambdas/invoke"},
            {"java.", "jdk"},
            {"javax.", "jdk"},
            {"jdk.", "jdk"},
            {"sun.", "jdk"},
            {"com.sun.", "jdk"},
        };
        for (String[] m : map) {
            if (c.startsWith(m[0])) {
                return m[1];
            }
        }
        return c.contains("$$Lambda") || c.contains("LambdaForm") ? "jdk lambdas/invoke" : "other";
    }

    /**
     * The child JVM: args {@code mode uri bucket objects key1 key2 localFile}; prints one line
     * {@code first-lookup-result: k=v ...}.
     */
    public static final class Child {
        private static final ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();
        private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

        private Child() {}

        /** Measures the first lookup of this JVM. */
        public static void main(String[] args) throws Exception {
            long mainNanos = System.nanoTime();
            long mainMillis = System.currentTimeMillis();
            String mode = args[0];
            URI uri = URI.create(args[1]);
            String bucket = args[2];
            List<String> objects = split(args[3], ',');
            long key1 = Long.parseLong(args[4]);
            long key2 = Long.parseLong(args[5]);
            Path local = Path.of(args[6]);
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("preMs", preTouch(mode, uri, bucket, objects.get(0), local));
            out.put("startClasses", (double) CLASSES.getTotalLoadedClassCount());
            Steps steps = new Steps(out);

            S3Client s3 = S3Clients.sync(uri);
            steps.end("client");
            TieredStore store = store(s3);
            steps.end("store");
            ParquetLookup lookup = lookup(store, bucket, objects);
            steps.end("lookupBuild");
            LookupResult first = lookup.get(key1);
            steps.end("firstGet");
            LookupStats afterFirst = lookup.stats();
            out.put("enterToFirstResultMs", steps.sinceStart());
            LookupResult second = lookup.get(key2);
            steps.end("secondGet");
            if (first.rows().size() != 1 || second.rows().size() != 1) {
                throw new IllegalStateException("expected one row each: " + first + ", " + second);
            }
            out.put("firstGetOriginRounds", (double) afterFirst.originRounds());
            out.put("secondGetOriginRounds", (double) (lookup.stats().originRounds() - afterFirst.originRounds()));

            // the same cold lookup once every class is loaded: its origin rounds and work, no one-time cost
            long cold = System.nanoTime();
            try (TieredStore store2 = store(s3);
                    ParquetLookup lookup2 = lookup(store2, bucket, objects)) {
                if (lookup2.get(key1).rows().size() != 1) {
                    throw new IllegalStateException("cold lookup in a warm JVM found no row");
                }
            }
            out.put("coldWarmJvmMs", (System.nanoTime() - cold) / 1e6);
            lookup.close();
            store.close();
            s3.close();
            long startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
            out.put("jvmToMainMs", (double) (mainMillis - startMillis));
            out.put("mainToEnterMs", (steps.start - mainNanos) / 1e6);
            System.out.println(RESULT + " " + format(out));
        }

        /** Uses a library ahead of the measurement ({@code pre-...} modes); returns how long it took in ms. */
        private static double preTouch(String mode, URI uri, String bucket, String object, Path local)
                throws IOException {
            long start = System.nanoTime();
            boolean all = mode.equals("pre-all");
            if (all || mode.equals("pre-sdk")) {
                try (S3Client s3 = S3Clients.sync(uri)) {
                    s3.headObject(h -> h.bucket(bucket).key(object));
                    s3.getObject(g -> g.bucket(bucket).key(object).range("bytes=0-3"))
                            .close();
                }
            }
            if (all || mode.equals("pre-thrift")) {
                FileMetaData footer = ScaleWorld.footer(local);
                ColumnChunk chunk = footer.getRow_groups().get(0).getColumns().get(0);
                Util.readOffsetIndex(new ByteArrayInputStream(
                        bytes(local, chunk.getOffset_index_offset(), chunk.getOffset_index_length())));
                Util.readColumnIndex(new ByteArrayInputStream(
                        bytes(local, chunk.getColumn_index_offset(), chunk.getColumn_index_length())));
            }
            if (all || mode.equals("pre-caffeine")) {
                com.github.benmanes.caffeine.cache.Cache<String, byte[]> c =
                        com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                                .maximumWeight(1 << 20)
                                .weigher((String k, byte[] v) -> v.length)
                                .build();
                c.put("k", new byte[8]);
                if (c.getIfPresent("k") == null) {
                    throw new IllegalStateException("caffeine lost its only entry");
                }
            }
            return (System.nanoTime() - start) / 1e6;
        }

        private static byte[] bytes(Path file, long offset, int length) throws IOException {
            try (FileChannel ch = FileChannel.open(file)) {
                ByteBuffer b = ByteBuffer.allocate(length);
                while (b.hasRemaining()) {
                    if (ch.read(b, offset + b.position()) < 0) {
                        throw new IOException("short read of " + file);
                    }
                }
                return b.array();
            }
        }

        private static TieredStore store(S3Client s3) {
            return TieredStore.builder()
                    .origin(S3Origin.create(s3))
                    .tier(MemoryTier.builder()
                            .capacity(256L << 20)
                            .pageSize(ScaleWorld.STORE_PAGE_BYTES)
                            .build())
                    .pageSize(ScaleWorld.STORE_PAGE_BYTES)
                    .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                    .build();
        }

        private static ParquetLookup lookup(TieredStore store, String bucket, List<String> objects) {
            return ParquetLookup.builder()
                    .store(store)
                    .bucket(bucket)
                    .objects(objects)
                    .keyColumn("id")
                    .columns(ParquetBench.PROJECTION)
                    .build();
        }
    }

    /** Step timers: the time, loaded classes, JIT and GC time of each step since the previous one. */
    private static final class Steps {
        final Map<String, Double> out;
        final long start;
        long last;
        long classes;
        long jit;
        long gc;

        Steps(Map<String, Double> out) {
            this.out = out;
            this.classes = Child.CLASSES.getTotalLoadedClassCount();
            this.jit = Child.JIT.getTotalCompilationTime();
            this.gc = gcMillis();
            this.start = System.nanoTime();
            this.last = start;
        }

        void end(String step) {
            long now = System.nanoTime();
            long c = Child.CLASSES.getTotalLoadedClassCount();
            long j = Child.JIT.getTotalCompilationTime();
            long g = gcMillis();
            out.put(step + "Ms", (now - last) / 1e6);
            out.put(step + "Classes", (double) (c - classes));
            out.put(step + "JitMs", (double) (j - jit));
            out.put(step + "GcMs", (double) (g - gc));
            classes = c;
            jit = j;
            gc = g;
            last = System.nanoTime();
        }

        double sinceStart() {
            return (last - start) / 1e6;
        }

        private static long gcMillis() {
            long sum = 0;
            for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
                sum += Math.max(0, b.getCollectionTime());
            }
            return sum;
        }
    }
}
