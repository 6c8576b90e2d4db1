package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tieredstore.core.PageKey;
import io.tieredstore.core.TierContractTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cache directories and files are owner-only on disk by default. The JVM's umask (022 here) would leave
 * new files {@code rw-r--r--}, so these tests see the store's own choice; the reopen test sets the old
 * modes by hand, so it does not depend on the umask at all.
 */
class FilePermissionsTest {
    @TempDir
    Path root;

    @BeforeEach
    void posixOnly() {
        assumeTrue(
                root.getFileSystem().supportedFileAttributeViews().contains("posix"),
                "the temporary directory's file system has no POSIX permissions");
    }

    private static LocalPageStore.Builder builder(Path dir) {
        return LocalPageStore.builder()
                .directories(List.of(dir.resolve("nvme0"), dir.resolve("nvme1")))
                .capacity(1L << 20)
                .pageSize(TierContractTest.PAGE_SIZE)
                .regionSize(64 * 1024)
                .blockSize(4096)
                .recoveryExecutor(Runnable::run);
    }

    private static void fill(LocalPageStore store) {
        for (int i = 0; i < 40; i++) {
            final PageKey key = TierContractTest.key("o" + i, "v1", i);
            assertTrue(store.write(key, TierContractTest.page(key, 3000)).stored());
        }
    }

    /** Every path under {@code dir} (itself included), relative, to its permissions string. */
    private static Map<String, String> modes(Path dir) throws IOException {
        final Map<String, String> modes = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                modes.put(
                        dir.relativize(p).toString(), PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            }
        }
        return modes;
    }

    private static void assertModes(Path dir, String directoryMode, String fileMode) throws IOException {
        final Map<String, String> modes = modes(dir);
        assertTrue(modes.size() >= 2, "a directory and its files: " + modes);
        for (Map.Entry<String, String> e : modes.entrySet()) {
            final boolean isDirectory = Files.isDirectory(dir.resolve(e.getKey()));
            assertEquals(isDirectory ? directoryMode : fileMode, e.getValue(), e.getKey() + " in " + modes);
        }
    }

    @Test
    void newStore_createsOwnerOnlyDirectoriesAndFiles() throws IOException {
        final Path dir = root.resolve("cache"); // created by the store, as its parent of the two directories
        try (LocalPageStore store = builder(dir).build()) {
            fill(store);
            assertModes(dir, "rwx------", "rw-------");
        }
    }

    @Test
    void reopen_tightensWorldReadableDirectoriesAndFilesLeftByAnOlderVersion() throws IOException {
        final Path dir = root.resolve("cache");
        try (LocalPageStore store = builder(dir).build()) {
            fill(store);
        }
        try (Stream<Path> paths = Files.walk(dir.resolve("nvme0"))) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Files.setPosixFilePermissions(
                        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        try (LocalPageStore store = builder(dir).build()) {
            assertEquals(0, store.discardedFiles(), "the old files were reopened");
            assertModes(dir.resolve("nvme0"), "rwx------", "rw-------");
        }
    }

    @Test
    void groupReadableOption_appliesToFilesAndDirectories() throws IOException {
        final Path dir = root.resolve("cache");
        try (LocalPageStore store = builder(dir)
                .filePermissions(PosixFilePermissions.fromString("rw-r-----"))
                .build()) {
            fill(store);
            assertModes(dir, "rwxr-x---", "rw-r-----");
        }
    }

    @Test
    void filePermissions_withoutOwnerWriteOrWithExecute_areRejected() {
        for (String bad : List.of("r--------", "-w-------", "rwx------", "rw-r-x---", "rw-rw-rwx")) {
            final IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> LocalPageStore.builder().filePermissions(PosixFilePermissions.fromString(bad)));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
