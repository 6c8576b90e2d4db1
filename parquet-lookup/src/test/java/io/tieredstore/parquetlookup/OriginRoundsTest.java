package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * {@link LookupStats#originRounds()} counts the rounds in which the lookup's own reads went to the origin, even
 * while other work makes the same store fetch other objects: every task a round runs on the lookup's executor
 * first waits for a third thread to fetch another object from the origin through the same store, so a count
 * taken from the store's counters would see an origin fetch in every round of more than one read.
 */
@ExtendWith(S3Extension.class)
class OriginRoundsTest {
    /** A few columns, so that a round has a few reads and the noise fetches before them stay few. */
    private static final List<String> COLUMNS =
            ParquetTable.defaultColumns().stream().map(Column::name).limit(3).toList();

    private static final String TABLE = "rounds.parquet";
    private static final String NOISE = "noise.bin";

    @Test
    void cachedPages_twoConcurrentLookupsCountNoOriginRoundWhileTheStoreFetchesOtherObjects(S3Fixture s3)
            throws Exception {
        ParquetTable t = upload(s3);
        List<Object> keys = keys(t);
        try (TieredStore store = store(s3);
                Noise noise = new Noise(store, s3.bucket());
                ParquetLookup lookup = lookup(store, s3, noise)) {
            List<LookupResult> warm = new ArrayList<>();
            for (Object key : keys) {
                warm.add(lookup.get(key)); // every page the keys need is now in the tier
            }
            LookupStats before = lookup.stats();
            long noiseBefore = noise.fetches();
            ExecutorService callers = Executors.newFixedThreadPool(2);
            try {
                List<Future<List<LookupResult>>> halves = new ArrayList<>();
                for (int half = 0; half < 2; half++) {
                    int from = half * keys.size() / 2;
                    int to = (half + 1) * keys.size() / 2;
                    halves.add(callers.submit(() -> {
                        List<LookupResult> out = new ArrayList<>();
                        for (Object key : keys.subList(from, to)) {
                            out.add(lookup.get(key));
                        }
                        return out;
                    }));
                }
                List<LookupResult> again = new ArrayList<>();
                for (Future<List<LookupResult>> h : halves) {
                    again.addAll(h.get(60, TimeUnit.SECONDS));
                }
                assertEquals(warm, again);
            } finally {
                callers.shutdownNow();
            }
            LookupStats after = lookup.stats();
            assertTrue(after.pagesDecompressed() > before.pagesDecompressed(), "the lookups read pages: " + after);
            assertTrue(noise.fetches() > noiseBefore, "the store fetched other objects during the rounds");
            assertEquals(before.originRounds(), after.originRounds(), after.toString());
        }
    }

    @Test
    void coldLookups_countTheOriginRoundsTheyCountAlone(S3Fixture s3) throws Exception {
        ParquetTable t = upload(s3);
        List<Object> keys = new ArrayList<>();
        for (Object key : keys(t).subList(0, 4)) {
            keys.add(key);
            keys.add(key); // again: its pages are now in the tier, so this lookup's rounds need no origin
        }
        List<Long> alone = new ArrayList<>();
        try (TieredStore store = store(s3);
                ParquetLookup lookup = base(store, s3).build()) {
            for (Object key : keys) {
                long before = lookup.stats().originRounds();
                lookup.get(key);
                alone.add(lookup.stats().originRounds() - before);
            }
        }
        assertTrue(alone.get(0) > 0, "a cold lookup goes to the origin: " + alone);
        assertEquals(0, alone.get(1), "the same lookup again finds its pages in the tier: " + alone);
        List<Long> withNoise = new ArrayList<>();
        try (TieredStore store = store(s3);
                Noise noise = new Noise(store, s3.bucket());
                ParquetLookup lookup = lookup(store, s3, noise)) {
            for (Object key : keys) {
                long before = lookup.stats().originRounds();
                lookup.get(key);
                withNoise.add(lookup.stats().originRounds() - before);
            }
            assertTrue(noise.fetches() > 0, "the store fetched other objects during the rounds");
        }
        assertEquals(alone, withNoise);
    }

    /* --------------- helpers --------------- */

    /**
     * A third thread that makes the store fetch another object from the origin, once per call of {@link #fetch};
     * the lookup's executor calls it before each task it runs, so every round of parallel reads contains one.
     */
    private static final class Noise implements AutoCloseable {
        private final TieredStore store;
        private final String bucket;
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final ExecutorService pool = Executors.newFixedThreadPool(4);
        private final AtomicLong fetches = new AtomicLong();
        private final List<RuntimeException> failures = new CopyOnWriteArrayList<>();

        /** Noise through {@code store}, fetching an object of {@code bucket}. */
        Noise(TieredStore store, String bucket) {
            this.store = store;
            this.bucket = bucket;
        }

        /** Runs {@code task} on the pool once the noise thread has fetched the other object from the origin. */
        void execute(Runnable task) {
            pool.execute(() -> {
                try {
                    CompletableFuture.runAsync(this::fetch, thread).join();
                } catch (RuntimeException e) {
                    failures.add(e);
                } finally {
                    task.run(); // always, or the round would wait for it forever
                }
            });
        }

        /** Fetches the first KiB of the other object from the origin, then drops it from the tier again. */
        private void fetch() {
            ObjectVersion v = store.open(bucket, NOISE);
            int fromOrigin = store.readFully(v, 0, ByteBuffer.allocate(1024));
            store.invalidate(bucket, NOISE);
            if (fromOrigin == 0) {
                throw new IllegalStateException("the noise read came from a tier");
            }
            fetches.incrementAndGet();
        }

        /** The fetches from the origin so far, after checking that none failed. */
        long fetches() {
            assertEquals(List.of(), failures);
            return fetches.get();
        }

        /** Stops both threads. */
        @Override
        public void close() {
            pool.shutdownNow();
            thread.shutdownNow();
        }
    }

    /** Uploads a sorted table of 20,000 rows and the other object the noise fetches. */
    private static ParquetTable upload(S3Fixture s3) throws IOException {
        ParquetTable t = ParquetTable.builder()
                .rows(20_000)
                .keyType(ParquetTable.KeyType.INT64)
                .keyOrder(ParquetTable.KeyOrder.SORTED)
                .pageRowLimit(200)
                .seed(51)
                .build();
        t.uploadTo(s3.s3(), s3.bucket(), TABLE);
        s3.s3().putObject(r -> r.bucket(s3.bucket()).key(NOISE), RequestBody.fromBytes(new byte[100_000]));
        return t;
    }

    /** Keys spread over the table, each present. */
    private static List<Object> keys(ParquetTable t) {
        List<Object> keys = new ArrayList<>();
        for (long row = 0; row < t.rows(); row += t.rows() / 8) {
            keys.add(t.key(row));
        }
        return keys;
    }

    /** A lookup over the table that keeps no decoded page. */
    private static ParquetLookup.Builder base(TieredStore store, S3Fixture s3) {
        return ParquetLookup.builder()
                .store(store)
                .bucket(s3.bucket())
                .objects(List.of(TABLE))
                .keyColumn(ParquetTable.KEY_COLUMN)
                .columns(COLUMNS)
                .maxDecompressedBytes(0) // every lookup reads its pages (from a tier once cached)
                .maxResultBytes(0); // also a key looked up again
    }

    /** A lookup whose executor makes the noise fetch before each task. */
    private static ParquetLookup lookup(TieredStore store, S3Fixture s3, Noise noise) {
        return base(store, s3).executor(noise::execute).build();
    }

    /** A store over the fixture with an empty map tier of its own. */
    private static TieredStore store(S3Fixture s3) {
        return TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .tier(new MapTier("map"))
                .pageSize(64 << 10)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
    }
}
