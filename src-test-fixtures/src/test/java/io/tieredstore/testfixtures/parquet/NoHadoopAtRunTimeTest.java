package io.tieredstore.testfixtures.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hadoop is on the test classpath (provided scope), so this test hides it: it loads the generator and
 * parquet-java's reader in a class loader over the test classpath minus every Hadoop jar, writes a file with each
 * codec and reads it back there.
 */
class NoHadoopAtRunTimeTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsWithoutHadoopClasses() throws Exception {
        List<URL> urls = new ArrayList<>();
        int hidden = 0;
        for (String entry :
                Pattern.compile(Pattern.quote(File.pathSeparator)).split(System.getProperty("java.class.path"), -1)) {
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.contains(File.separator + "hadoop" + File.separator) || entry.contains("hadoop-client")) {
                hidden++;
                continue;
            }
            urls.add(Path.of(entry).toUri().toURL());
        }
        assertTrue(hidden > 0, "the Hadoop jar was expected on the test classpath");
        try (URLClassLoader loader =
                new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThrows(
                    ClassNotFoundException.class,
                    () -> Class.forName("org.apache.hadoop.conf.Configuration", false, loader));
            Class<?> isolated = Class.forName(Isolated.class.getName(), true, loader);
            assertFalse(isolated == Isolated.class, "loaded apart from the test's own classes");
            Method run = isolated.getMethod("writeAndRead", Path.class);
            for (ParquetTable.Codec codec : ParquetTable.Codec.values()) {
                Object rows = run.invoke(null, dir.resolve(codec.name() + ".parquet"));
                assertEquals(1_000, ((Number) rows).intValue(), codec.name());
            }
        }
    }

    /** Runs inside the isolated class loader. */
    public static final class Isolated {
        private Isolated() {}

        /** Writes a 1,000-row table with the codec named by the file, reads it back and compares every cell. */
        public static int writeAndRead(Path file) throws IOException {
            String name = file.getFileName().toString();
            ParquetTable.Codec codec = ParquetTable.Codec.valueOf(name.substring(0, name.indexOf('.')));
            ParquetTable t = ParquetTable.builder()
                    .rows(1_000)
                    .codec(codec)
                    .pageIndexes(EnumSet.of(ParquetTable.Codec.SNAPPY, ParquetTable.Codec.GZIP)
                            .contains(codec))
                    .build();
            t.writeTo(file);
            ParquetTableFileTest.assertRoundTrip(t, file);
            return ParquetFiles.readAll(file).size();
        }
    }
}
