package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Fixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What the lookup tests share: where the external test data lives, a store over the fixture's S3 endpoint with a
 * memory tier, lookups over uploaded objects, and the outcome rules ("a typed error or the exact answer").
 */
final class LookupHarness {
    private LookupHarness() {}

    /** Bound on any single lookup in the hostile-input tests: a hang fails instead of blocking the build. */
    static final Duration HANG_LIMIT = Duration.ofSeconds(30);

    /** System property naming the shared data directory (the one holding {@code parquet-testing/}). */
    static final String DATA_PROPERTY = "tieredstore.sharedData";

    /**
     * The directory holding {@code parquet-testing/}: the system property {@value #DATA_PROPERTY}, else the copy in
     * this module's test resources, else {@code shared/data} found walking up from {@code user.dir}. Fails (never
     * skips) when there is none.
     */
    static Path sharedData() {
        String configured = System.getProperty(DATA_PROPERTY);
        if (configured != null) {
            Path p = Path.of(configured);
            assertTrue(
                    Files.isDirectory(p.resolve("parquet-testing")),
                    DATA_PROPERTY + "=" + p + " has no parquet-testing/");
            return p;
        }
        // the copy kept with the tests (parquet-lookup/src/test/resources), so a clone alone runs them
        Path vendored = Path.of(System.getProperty("user.dir"), "src", "test", "resources")
                .toAbsolutePath();
        if (Files.isDirectory(vendored.resolve("parquet-testing"))) {
            return vendored;
        }
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate.resolve("parquet-testing"))) {
                return candidate;
            }
        }
        return fail(
                "no shared/data/parquet-testing above " + System.getProperty("user.dir") + "; set -D" + DATA_PROPERTY);
    }

    /** The files of {@code parquet-testing/<dir>} ending in {@code .parquet}, sorted by name. */
    static List<Path> parquetTesting(String dir) {
        Path d = sharedData().resolve("parquet-testing").resolve(dir);
        try (var files = Files.list(d)) {
            List<Path> out = files.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .sorted()
                    .toList();
            assertTrue(!out.isEmpty(), "no Parquet files in " + d);
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A store over the fixture's client with a memory tier, pages of {@code pageSize} bytes. */
    static TieredStore store(S3Fixture s3, ConsistencyPolicy policy, int pageSize) {
        return TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .pageSize(pageSize)
                .tier(MemoryTier.builder()
                        .capacity(64L << 20)
                        .pageSize(pageSize)
                        .build())
                .defaultConsistency(policy)
                .build();
    }

    /** A lookup builder over {@code objects} of the fixture's bucket, its page cache as {@link #pageCache} says. */
    static ParquetLookup.Builder lookup(
            TieredStore store, S3Fixture s3, List<String> objects, String keyColumn, List<String> columns) {
        return pageCache(ParquetLookup.builder()
                .store(store)
                .bucket(s3.bucket())
                .objects(objects)
                .keyColumn(keyColumn)
                .columns(columns));
    }

    /** System property choosing the differential tests' page cache: {@code default}, {@code off} or {@code tiny}. */
    static final String PAGE_CACHE_PROPERTY = "tieredstore.pageCache";

    /**
     * Sets {@code b}'s page cache as {@value #PAGE_CACHE_PROPERTY} says: the default bound (unset), {@code off} (0:
     * every lookup decompresses its pages again) or {@code tiny} (one 4 KiB block: smaller than most pages, which
     * are then read on the heap, while the pages that fit are evicted by the next). Off and tiny also keep no result
     * cache, so that a key looked up again reads its pages again. The build runs the differential tests in all three.
     */
    static ParquetLookup.Builder pageCache(ParquetLookup.Builder b) {
        String mode = System.getProperty(PAGE_CACHE_PROPERTY, "default");
        return switch (mode) {
            case "default" -> b;
            case "off" -> b.maxDecompressedBytes(0).maxResultBytes(0);
            case "tiny" -> b.maxDecompressedBytes(4096).maxResultBytes(0);
            default -> fail(PAGE_CACHE_PROPERTY + " must be default, off or tiny, not " + mode);
        };
    }

    /** Whether {@code t} is one of the lookup's typed errors for bad or unsupported input. */
    static boolean isTyped(Throwable t) {
        return t instanceof CorruptParquetException || t instanceof UnsupportedParquetException;
    }

    /**
     * What a call did: its value, or the exception it threw (anything but an Error), within {@link #HANG_LIMIT}.
     */
    record Outcome<T>(@Nullable T value, @Nullable RuntimeException error) {
        static <T> Outcome<T> of(Supplier<T> call) {
            return org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(HANG_LIMIT, () -> {
                try {
                    return new Outcome<>(call.get(), null);
                } catch (RuntimeException e) {
                    return new Outcome<T>(null, e);
                }
            });
        }

        boolean failed() {
            return error != null;
        }

        /** Asserts the call failed with a typed error or returned a value; returns the value or null. */
        @Nullable
        T typedErrorOrValue(String what) {
            RuntimeException e = error;
            if (e != null && !isTyped(e)) {
                throw new AssertionError(what + ": untyped " + e, e);
            }
            return value;
        }
    }

    /** Asserts {@code actual} holds exactly {@code expected} rows (object, row index and typed values, in order). */
    static void assertRows(List<Row> expected, LookupResult actual, String what) {
        if (!expected.equals(actual.rows())) {
            assertEquals(describe(expected), describe(actual.rows()), what);
            fail(what + ": rows differ in a way their text does not show (types?): expected " + types(expected)
                    + " but was " + types(actual.rows()));
        }
    }

    static String describe(List<Row> rows) {
        StringBuilder s = new StringBuilder();
        for (Row r : rows) {
            s.append(r).append('\n');
        }
        return s.toString();
    }

    private static String types(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            List<String> t = new ArrayList<>();
            for (Object v : r.values()) {
                t.add(v == null ? "null" : v.getClass().getSimpleName());
            }
            out.add(t.toString());
        }
        return out.toString();
    }
}
