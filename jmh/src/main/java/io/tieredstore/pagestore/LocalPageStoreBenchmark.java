package io.tieredstore.pagestore;

import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The local page store's fill rate next to the disk's own (a plain sequential FileChannel write of the same
 * bytes), and its restart with one million pages after a clean close and after a simulated SIGKILL: time
 * until it serves again, time until every page is indexed again, and index bytes per page. It lives in the store's package to reach its package-private
 * probes (recovery, index size). The restart times are measured here only: LocalPageStoreTest checks what a
 * reopened store serves, never how fast.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar LocalPageStoreBenchmark}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
public class LocalPageStoreBenchmark {
    private static final int FILL_PAGE = 1 << 20;
    private static final int FILL_PAGES = 512;
    private static final int RESTART_PAGES = 1_000_000;
    private static final int RESTART_PAGE = 512;
    /** Room for the 1M records (about 600 B each with key and header) and little more: the index is sized to it. */
    private static final long RESTART_CAPACITY = 700L << 20;

    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /* --------------- Fill: 512 MiB of 1 MiB pages vs a plain sequential write --------------- */

    /** A fresh, empty directory and store (or file) per iteration. */
    @State(Scope.Thread)
    @SuppressWarnings("NullAway.Init") // JMH runs @Setup before any benchmark sees the fields
    public static class Fill {
        final ByteBuffer page = ByteBuffer.allocateDirect(FILL_PAGE);
        Path dir;
        LocalPageStore store;
        FileChannel plain;

        /** Random page content, made once. */
        public Fill() {
            byte[] bytes = new byte[FILL_PAGE];
            new Random(1).nextBytes(bytes);
            page.put(bytes).flip();
        }

        /** A fresh directory with an empty store (1 GiB quota) and an empty plain file. */
        @Setup(Level.Iteration)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("fill-");
            store = LocalPageStore.builder()
                    .directories(List.of(dir.resolve("store")))
                    .capacity(1L << 30)
                    .build();
            plain = FileChannel.open(dir.resolve("plain.bin"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }

        /** Closes and deletes both. */
        @TearDown(Level.Iteration)
        public void tearDown() throws IOException {
            store.close();
            plain.close();
            deleteTree(dir);
        }
    }

    /** Writes 512 pages of 1 MiB into the store (each a new key; the store has room for all). */
    @Benchmark
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public int fillStore(Fill fill) {
        ObjectId id = new ObjectId("bench", "bucket", "fill");
        int stored = 0;
        for (int i = 0; i < FILL_PAGES; i++) {
            if (fill.store
                    .write(new PageKey(id, "v1", i), fill.page.duplicate())
                    .stored()) {
                stored++;
            }
        }
        if (stored != FILL_PAGES) {
            throw new IllegalStateException("the store declined " + (FILL_PAGES - stored) + " pages");
        }
        return stored;
    }

    /** Writes the same 512 MiB with plain sequential FileChannel writes: the disk's own speed. */
    @Benchmark
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public long fillPlainFile(Fill fill) throws IOException {
        long at = 0;
        for (int i = 0; i < FILL_PAGES; i++) {
            ByteBuffer b = fill.page.duplicate();
            while (b.hasRemaining()) {
                at += fill.plain.write(b, at);
            }
        }
        return at;
    }

    /* --------------- Restart with 1M pages --------------- */

    /**
     * Two store directories holding the same one million 512-byte pages, written once per trial: "closed"
     * as a clean close left it, and "killed" as a SIGKILL would have: its files were copied while the store
     * was still open, before close forced anything (a killed process leaves exactly the bytes it wrote in the
     * OS page cache; this does not model power loss).
     */
    @State(Scope.Benchmark)
    @SuppressWarnings("NullAway.Init") // JMH runs @Setup before any benchmark sees the fields
    public static class Filled {
        /** "closed" or "killed". */
        @Param({"closed", "killed"})
        public String after;

        Path root;
        Path dir;

        /** Fills a store, snapshots its files while open (the killed state), then closes it. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            root = Files.createTempDirectory("restart-");
            Path closed = root.resolve("closed");
            Path killed = root.resolve("killed");
            Files.createDirectories(killed);
            ByteBuffer page = ByteBuffer.allocate(RESTART_PAGE);
            try (LocalPageStore store = open(closed)) {
                for (int i = 0; i < RESTART_PAGES; i++) {
                    page.clear();
                    page.putInt(0, i);
                    if (!store.write(key(i), page).stored()) {
                        throw new IllegalStateException("page " + i + " declined");
                    }
                }
                try (var files = Files.list(closed)) {
                    for (Path f : files.toList()) {
                        Files.copy(f, killed.resolve(f.getFileName()));
                    }
                }
            }
            dir = after.equals("killed") ? killed : closed;
        }

        LocalPageStore open() {
            return open(dir);
        }

        private static LocalPageStore open(Path directory) {
            return LocalPageStore.builder()
                    .directories(List.of(directory))
                    .pageSize(RESTART_PAGE)
                    .capacity(RESTART_CAPACITY)
                    .build();
        }

        /** Deletes both stores' files. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            deleteTree(root);
        }
    }

    static PageKey key(int i) {
        return new PageKey(new ObjectId("bench", "bucket", "object-" + (i >>> 10)), "v1", i & 1023);
    }

    /** What a restart measured besides its time (JMH sums them over the measured iterations). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Recovered {
        /** Pages indexed after recovery. */
        public long pages;

        /** Index memory per indexed page, in bytes. */
        public double indexBytesPerPage;
    }

    /** Time until a reopened store serves (reads miss or hit while it recovers in the background). */
    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public boolean reopenUntilServing(Filled filled) {
        try (LocalPageStore store = filled.open()) {
            return store.read(key(7), 0, ByteBuffer.allocate(4)); // may miss: recovery runs on
        }
    }

    /** Time until a reopened store has indexed every page again, and its index size. */
    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public long reopenUntilRecovered(Filled filled, Recovered out) throws InterruptedException {
        try (LocalPageStore store = filled.open()) {
            store.awaitRecovery();
            out.pages = store.indexedPages();
            out.indexBytesPerPage = store.indexBytesPerPage();
            if (out.pages != RESTART_PAGES) {
                throw new IllegalStateException("recovered " + out.pages + " of " + RESTART_PAGES + " pages");
            }
            return out.pages;
        }
    }
}
