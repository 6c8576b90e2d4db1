package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.PageKey;
import io.tieredstore.core.TierContractTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One open store per cache directory, across threads and processes; a SIGKILLed holder frees it. */
class CacheDirectoryLockTest {
    @TempDir
    Path root;

    private static LocalPageStore.Builder builder(List<Path> dirs) {
        return LocalPageStore.builder()
                .directories(dirs)
                .capacity(1L << 20)
                .pageSize(TierContractTest.PAGE_SIZE)
                .regionSize(64 * 1024)
                .blockSize(4096)
                .recoveryExecutor(Runnable::run);
    }

    /** Reads the child's output up to its "ready" line (the store is open); false if it exited first. */
    private static boolean awaitReady(BufferedReader out) throws IOException {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.equals("ready")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void secondStoreInTheSameJvm_isRefusedWithATypedError_andTheLockStillHoldsForOtherProcesses() throws Exception {
        final Path dir = root.resolve("store");
        final PageKey key = TierContractTest.key("o", "v1", 0);
        try (LocalPageStore first = LocalPageStoreCrashTest.open(dir)) {
            assertTrue(first.write(key, TierContractTest.page(key, 100)).stored());
            final CacheDirectoryLockedException e =
                    assertThrows(CacheDirectoryLockedException.class, () -> LocalPageStoreCrashTest.open(dir));
            assertEquals(dir.resolve("nvme0"), e.directory());
            assertTrue(e.getMessage().contains(dir.resolve("nvme0").toString()), e.getMessage());
            assertEquals(OptionalLong.of(ProcessHandle.current().pid()), e.holderPid());
            // The refused attempt must not have dropped the process's lock: another JVM is refused too.
            final Process child = LocalPageStoreCrashTest.startChild(dir, 1);
            final String output;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                final String firstLine = out.readLine();
                assertFalse("ready".equals(firstLine), "the child opened a directory in use");
                output = firstLine + "\n" + out.lines().collect(Collectors.joining("\n"));
            } finally {
                child.destroyForcibly();
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child exited");
            assertTrue(output.contains(CacheDirectoryLockedException.class.getName()), output);
            assertTrue(output.contains("process " + ProcessHandle.current().pid()), output);
            TierContractTest.assertHolds(first, key, TierContractTest.content(key, 100));
        }
        try (LocalPageStore reopened = LocalPageStoreCrashTest.open(dir)) {
            TierContractTest.assertHolds(reopened, key, TierContractTest.content(key, 100));
        }
    }

    @Test
    void refusedStore_releasesTheDirectoriesItHadAlreadyLocked() {
        final Path a = root.resolve("a");
        final Path b = root.resolve("b");
        try (LocalPageStore first = builder(List.of(a)).build()) {
            final CacheDirectoryLockedException e = assertThrows(
                    CacheDirectoryLockedException.class,
                    () -> builder(List.of(b, a)).build());
            assertEquals(a, e.directory());
            try (LocalPageStore other = builder(List.of(b)).build()) {
                final PageKey key = TierContractTest.key("o", "v1", 1);
                assertTrue(other.write(key, TierContractTest.page(key, 10)).stored(), "b is usable: " + first);
            }
        }
    }

    @Test
    void holderKilledWithSigkill_leavesNoLockBehind() throws Exception {
        final Path dir = root.resolve("store");
        final Process child = LocalPageStoreCrashTest.startChild(dir, 7);
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertTrue(awaitReady(out), "the child opened the store");
            final CacheDirectoryLockedException e =
                    assertThrows(CacheDirectoryLockedException.class, () -> LocalPageStoreCrashTest.open(dir));
            assertEquals(OptionalLong.of(child.pid()), e.holderPid(), e.getMessage());
        } finally {
            child.destroyForcibly(); // SIGKILL: the child never closes the store
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child exited");
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        try (LocalPageStore store = LocalPageStoreCrashTest.open(dir)) {
            final PageKey key = TierContractTest.key("after", "v1", 0);
            store.write(key, TierContractTest.page(key, 10)); // the first offer may be declined by admission
            assertTrue(store.write(key, TierContractTest.page(key, 10)).stored());
            TierContractTest.assertHolds(store, key, TierContractTest.content(key, 10));
        }
    }
}
