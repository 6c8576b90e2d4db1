package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.PageKey;
import io.tieredstore.core.TierContractTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at random points while a child JVM fills the store; after each kill the parent reopens the
 * store and checks every page it can read against the oracle (content is a pure function of the key).
 * The store is reused across trials, so each trial also recovers what earlier crashes left. Trials:
 * {@code -Dtieredstore.crashTrials=N} (default 50).
 */
class LocalPageStoreCrashTest {
    private static final int OBJECTS = 20;
    private static final int PAGES_PER_OBJECT = 40;

    @TempDir
    Path root;

    static LocalPageStore open(Path dir) {
        return LocalPageStore.builder()
                .directories(List.of(dir.resolve("nvme0"), dir.resolve("nvme1")))
                .capacity(2L << 20)
                .pageSize(TierContractTest.PAGE_SIZE)
                .regionSize(64 * 1024)
                .blockSize(4096)
                .recoveryExecutor(Runnable::run)
                .build();
    }

    static PageKey randomKey(SplittableRandom random) {
        return TierContractTest.key(
                "obj" + random.nextInt(OBJECTS), "v" + random.nextInt(2), random.nextInt(PAGES_PER_OBJECT));
    }

    /** Starts a {@link CrashChild} JVM filling the store in {@code dir}; its output merges stdout and stderr. */
    static Process startChild(Path dir, long seed) throws IOException {
        final String javaBin = ProcessHandle.current().info().command().orElse("java");
        final String classpath = System.getProperty("java.class.path");
        return new ProcessBuilder(
                        javaBin, "-cp", classpath, CrashChild.class.getName(), dir.toString(), Long.toString(seed))
                .redirectErrorStream(true)
                .start();
    }

    @Test
    void sigkillAtRandomPoints_reopenedStoreServesOnlyIntactPages() throws Exception {
        final int trials = Integer.getInteger("tieredstore.crashTrials", 50);
        final SplittableRandom random = new SplittableRandom(2024);
        final Path dir = root.resolve("store");
        final List<PageKey> keys = new ArrayList<>();
        for (int o = 0; o < OBJECTS; o++) {
            for (String v : List.of("v0", "v1")) {
                for (int p = 0; p < PAGES_PER_OBJECT; p++) {
                    keys.add(TierContractTest.key("obj" + o, v, p));
                }
            }
        }
        long wrong = 0;
        long hits = 0;
        for (int trial = 0; trial < trials; trial++) {
            final Process child = startChild(dir, trial);
            final int linesBeforeKill = random.nextInt(-2, 25); // negative: kill during start-up or open
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (int line = 0; line <= linesBeforeKill; line++) {
                    if (out.readLine() == null) {
                        break;
                    }
                }
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child exited");
            }
            try (LocalPageStore store = open(dir)) {
                for (PageKey key : keys) {
                    final int length = LocalPageStoreTest.lengthOf(key);
                    final ByteBuffer dst = ByteBuffer.allocate(length);
                    if (store.read(key, 0, dst)) {
                        hits++;
                        final byte[] expected = TierContractTest.content(key, length);
                        if (!Arrays.equals(expected, dst.array())) {
                            wrong++;
                            assertArrayEquals(expected, dst.array(), "trial " + trial + ": wrong bytes for " + key);
                        }
                    }
                }
            }
        }
        System.out.printf("crash trials: %d, hits checked: %d, wrong bytes served: %d%n", trials, hits, wrong);
        assertTrue(hits > 0, "some pages survived the crashes");
    }
}
