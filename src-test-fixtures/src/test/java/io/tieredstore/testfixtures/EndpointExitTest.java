package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that used the shared endpoint ends by itself: when its main returns (S3Mock's non-daemon threads
 * must not hold it) and when it calls {@code System.exit} (the endpoint's shutdown hook must not hang), even
 * with a GET stream left open part-way.
 */
class EndpointExitTest {
    /** Starting S3Mock takes 5 to 15 s on the 2-core machine; a JVM held by S3Mock never ends. */
    private static final long BOUND_SECONDS = 60;

    @Test
    void aJvmWhoseMainReturns_ends(@TempDir Path dir) throws Exception {
        assertEndsByItself(dir, "return");
    }

    @Test
    void aJvmThatCallsSystemExit_ends(@TempDir Path dir) throws Exception {
        assertEndsByItself(dir, "exit");
    }

    private static void assertEndsByItself(Path dir, String mode) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(List.of(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dtieredstore.s3mock.root=" + dir.resolve("s3mock"),
                        EndpointUser.class.getName(),
                        mode))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long t0 = System.nanoTime();
        boolean ended = child.waitFor(BOUND_SECONDS, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!ended) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("the child JVM (" + mode + ") did not end within " + BOUND_SECONDS + " s; its output:\n"
                    + output(log));
        }
        String out = output(log);
        assertTrue(out.contains(EndpointUser.DONE), "the child's calls did not all succeed:\n" + out);
        assertEquals(0, child.exitValue(), "exit status after " + seconds + " s; output:\n" + out);
    }

    private static String output(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
