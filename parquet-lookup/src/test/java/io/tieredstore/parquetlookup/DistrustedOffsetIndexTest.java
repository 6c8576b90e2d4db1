package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.MemoryOrigin;
import io.tieredstore.core.TieredStore;
import io.tieredstore.parquetlookup.ReferenceReader.RefFile;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageLocation;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An offset index that puts first row 0 on every page of a multi-page chunk contradicts the pages: the lookup must
 * not use it but walk the chunk's page headers, and then answers exactly as parquet-java and the oracle answer for
 * the file before its offset indexes were rewritten.
 */
class DistrustedOffsetIndexTest {
    private static final String BUCKET = "lake";
    private static final List<String> COLUMNS =
            ParquetTable.defaultColumns().stream().map(Column::name).limit(3).toList();

    @Test
    void get_offsetIndexWithFirstRowZeroOnEveryPage_walksThePagesAndMatchesTheOriginal(@TempDir Path dir)
            throws IOException {
        for (ParquetTable.KeyOrder order : ParquetTable.KeyOrder.values()) {
            ParquetTable t = ParquetTable.builder()
                    .rows(2_000)
                    .columns(ParquetTable.defaultColumns().subList(0, 3))
                    .keyOrder(order)
                    .rowGroupRowLimit(1_000)
                    .pageRowLimit(100) // ten pages per chunk
                    .seed(17)
                    .build();
            Path file = dir.resolve(order + ".parquet");
            t.writeTo(file);
            byte[] original = Files.readAllBytes(file);
            byte[] rewritten = firstRowZeroOnEveryPage(original);
            RefFile ref = ReferenceReader.read(file);

            MemoryOrigin origin = new MemoryOrigin();
            origin.put(BUCKET, "original.parquet", original);
            origin.put(BUCKET, "rewritten.parquet", rewritten);
            try (TieredStore store = TieredStore.builder()
                            .origin(origin)
                            .tier(new MapTier("memory"))
                            .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                            .build();
                    ParquetLookup trusted = lookup(store, "original.parquet");
                    ParquetLookup distrusted = lookup(store, "rewritten.parquet")) {
                List<Long> keys = new ArrayList<>();
                for (long k = -1; k <= 2 * t.distinctKeys() + 2; k++) {
                    keys.add(k);
                }
                List<LookupResult> all = distrusted.getAll(keys);
                for (int i = 0; i < keys.size(); i++) {
                    long k = keys.get(i);
                    String what = order + ", key " + k;
                    LookupHarness.assertRows(
                            ref.rowsFor("rewritten.parquet", ParquetTable.KEY_COLUMN, k, COLUMNS), all.get(i), what);
                    LookupHarness.assertRows(expected(t, "rewritten.parquet", k), all.get(i), what + " (oracle)");
                    if (k % 97 == 0) {
                        LookupHarness.assertRows(
                                expected(t, "rewritten.parquet", k), distrusted.get(k), what + " (get)");
                        LookupHarness.assertRows(
                                expected(t, "original.parquet", k), trusted.get(k), what + " (original)");
                    }
                }
                // every chunk read: the key and three projected columns of both row groups
                assertEquals(2L * (1 + COLUMNS.size()), distrusted.stats().offsetIndexesDistrusted(), order.toString());
                assertEquals(0, trusted.stats().offsetIndexesDistrusted(), order.toString());
            }
        }
    }

    @Test
    void rowsAgree_rejectsRowsThatContradictPagesAndAcceptsAscendingRows() {
        assertTrue(ChunkPages.rowsAgree(index(0, 100, 200), 300));
        assertTrue(ChunkPages.rowsAgree(index(0), 1));
        assertTrue(!ChunkPages.rowsAgree(index(0, 0, 0), 300), "first row 0 on every page");
        assertTrue(!ChunkPages.rowsAgree(index(5, 100), 300), "page 0 must start at row 0");
        assertTrue(!ChunkPages.rowsAgree(index(0, 200, 100), 300), "descending");
        assertTrue(!ChunkPages.rowsAgree(index(0, 100, 100), 300), "a page of no rows");
        assertTrue(!ChunkPages.rowsAgree(index(0, 100, 300), 300), "a page past the row group");
    }

    private static OffsetIndex index(long... firstRows) {
        List<PageLocation> pages = new ArrayList<>();
        for (int p = 0; p < firstRows.length; p++) {
            pages.add(new PageLocation(1_000L * p + 4, 1_000, firstRows[p]));
        }
        return new OffsetIndex(pages);
    }

    /**
     * The file with every offset index rewritten to give first row 0 on every page: new indexes and a new footer
     * pointing at them are written where the old footer was.
     */
    private static byte[] firstRowZeroOnEveryPage(byte[] file) throws IOException {
        int footerLength = ByteBuffer.wrap(file, file.length - 8, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int footerStart = file.length - 8 - footerLength;
        FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(file, footerStart, footerLength));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(file, 0, footerStart);
        int multiPage = 0;
        for (RowGroup rg : footer.getRow_groups()) {
            for (ColumnChunk cc : rg.getColumns()) {
                assertTrue(cc.isSetOffset_index_offset(), "the writer wrote a page index");
                OffsetIndex index = Util.readOffsetIndex(
                        new ByteArrayInputStream(file, (int) cc.getOffset_index_offset(), cc.getOffset_index_length()));
                multiPage += index.getPage_locations().size() > 1 ? 1 : 0;
                for (PageLocation l : index.getPage_locations()) {
                    l.setFirst_row_index(0);
                }
                long at = out.size();
                Util.writeOffsetIndex(index, out);
                cc.setOffset_index_offset(at);
                cc.setOffset_index_length(Math.toIntExact(out.size() - at));
            }
        }
        assertTrue(multiPage >= 8, "chunks of several pages: " + multiPage);
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        Util.writeFileMetaData(footer, f);
        f.writeTo(out);
        out.write(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(f.size())
                .array());
        out.write("PAR1".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static List<Row> expected(ParquetTable t, String object, long key) {
        List<Row> out = new ArrayList<>();
        for (long x : t.rowsForKey(key)) {
            List<Object> values = new ArrayList<>();
            for (String c : COLUMNS) {
                values.add(t.value(c, x));
            }
            out.add(new Row(object, x, values));
        }
        return out;
    }

    private static ParquetLookup lookup(TieredStore store, String object) {
        return ParquetLookup.builder()
                .store(store)
                .bucket(BUCKET)
                .objects(List.of(object))
                .keyColumn(ParquetTable.KEY_COLUMN)
                .columns(COLUMNS)
                .build();
    }
}
