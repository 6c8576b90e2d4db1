package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small real file system for a test: a tmpfs mounted at a directory (this needs root, as in CI) and
 * unmounted on close. If mounting is refused the test is skipped through a JUnit assumption that says why.
 */
final class Tmpfs implements AutoCloseable {
    final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code megabytes} MiB at {@code dir} (created if absent). */
    static Tmpfs mount(Path dir, int megabytes) throws IOException {
        Files.createDirectories(dir);
        final String result =
                run(List.of("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString()));
        assumeTrue(
                result.isEmpty(),
                "this test needs a real small file system: mounting a tmpfs at " + dir
                        + " failed (run the tests as root, as CI does): " + result);
        return new Tmpfs(dir);
    }

    /** Runs a command; returns "" on success, else what went wrong. */
    private static String run(List<String> command) {
        try {
            final Process p =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " did not finish";
            }
            return p.exitValue() == 0 ? "" : "exit " + p.exitValue() + ": " + output;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Writes a file of 1 MiB chunks until the file system is full; returns its size. */
    long fillUp(Path file) throws IOException {
        final ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                try {
                    ch.write(chunk.clear());
                } catch (IOException e) {
                    if (!String.valueOf(e.getMessage()).contains("No space left")) {
                        throw e;
                    }
                    return ch.size();
                }
            }
        }
    }

    /** Unmounts the file system; fails the test if it cannot (a file left open). */
    @Override
    public void close() {
        final String result = run(List.of("umount", dir.toString()));
        if (!result.isEmpty()) {
            run(List.of("umount", "-l", dir.toString()));
            throw new IllegalStateException("cannot unmount " + dir + ": " + result);
        }
    }
}
