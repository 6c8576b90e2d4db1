package io.tieredstore.samples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's quick starts are code that runs: each one's Java block must appear in the consumer project
 * (samples/consumer, which .ci/run builds against freshly installed artifacts and runs), its imports among the
 * consumer's imports and its statements line for line, leading spaces aside.
 */
class ReadmeQuickStartsTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path CONSUMER = ROOT.resolve("samples/consumer/src/main/java/example/QuickStarts.java");

    @ParameterizedTest
    @ValueSource(
            strings = {
                "## Quick start: a caching S3Client",
                "## Quick start: Parquet point lookups",
                "## Quick start: peers"
            })
    void quickStartIsWhatTheConsumerRuns(String heading) throws IOException {
        List<String> block = javaBlockUnder(heading);
        List<String> consumer = stripped(Files.readAllLines(CONSUMER));
        List<String> code = new ArrayList<>();
        for (String line : block) {
            if (line.startsWith("import ")) {
                assertTrue(consumer.contains(line), heading + ": the consumer lacks " + line);
            } else if (!code.isEmpty() || !line.isEmpty()) {
                code.add(line);
            }
        }
        assertFalse(code.isEmpty(), heading + " has no code");
        assertTrue(
                java.util.Collections.indexOfSubList(consumer, code) >= 0,
                heading + ": its code is not, line for line, in " + ROOT.relativize(CONSUMER));
    }

    /** The first ```java block after the heading, lines stripped of leading spaces. */
    private static List<String> javaBlockUnder(String heading) throws IOException {
        List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
        int at = readme.indexOf(heading);
        assertTrue(at >= 0, "README.md has no heading " + heading);
        int start = at + 1;
        while (start < readme.size() && !readme.get(start).equals("```java")) {
            start++;
        }
        int end = start + 1;
        while (end < readme.size() && !readme.get(end).equals("```")) {
            end++;
        }
        assertTrue(end < readme.size(), "no java block under " + heading);
        return stripped(readme.subList(start + 1, end));
    }

    private static List<String> stripped(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.strip());
        }
        return out;
    }
}
