package io.tieredstore.parquetlookup;

import java.util.List;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageLocation;
import org.jspecify.annotations.Nullable;

/**
 * Where one column chunk's pages are and which rows each holds: from the offset index, or, for files without
 * one, from walking the chunk's page headers once. For the key column it also holds a {@link Pruner} over the
 * pages' min/max, from the column index or from the decoded pages themselves.
 */
final class ChunkPages implements Weighted {
    final CompressionCodec codec;
    final long[] offset;
    final int[] size;
    final long[] firstRow;
    final long rows;
    /** The dictionary page's offset, or -1 if the chunk has none. */
    final long dictionaryOffset;

    final int dictionarySize;
    /** Candidate pages for a key (key column only), or null if every page is a candidate. */
    final @Nullable Pruner pages;

    ChunkPages(
            CompressionCodec codec,
            long[] offset,
            int[] size,
            long[] firstRow,
            long rows,
            long dictionaryOffset,
            int dictionarySize,
            @Nullable Pruner pages) {
        this.codec = codec;
        this.offset = offset;
        this.size = size;
        this.firstRow = firstRow;
        this.rows = rows;
        this.dictionaryOffset = dictionaryOffset;
        this.dictionarySize = dictionarySize;
        this.pages = pages;
    }

    @Override
    public int weight() {
        return 128 + 20 * offset.length + (pages == null ? 0 : 64 * offset.length);
    }

    /** The number of pages. */
    int count() {
        return offset.length;
    }

    /** The rows page {@code p} holds. */
    int rowsOf(int p) {
        long end = p + 1 < firstRow.length ? firstRow[p + 1] : rows;
        return (int) (end - firstRow[p]);
    }

    /** The page holding row {@code row} of the row group. */
    int pageOf(long row) {
        int lo = 0;
        int hi = firstRow.length - 1;
        while (lo < hi) { // the last page starting at or before the row (empty pages share a first row)
            int mid = (lo + hi + 1) >>> 1;
            if (firstRow[mid] <= row) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The pages holding any of rows {@code [from, to)}, as a range {@code [first, last]}. */
    int[] pagesOf(long from, long to) {
        return new int[] {pageOf(from), pageOf(to - 1)};
    }

    /**
     * Whether an offset index's first rows agree with a chunk of {@code rows} rows: page 0 starts at row 0, every
     * later page starts after the one before (a page holds at least one row), and none starts at or past the end.
     * An index that disagrees (some writers put first row 0 on every page) must not be used to find rows: the
     * chunk's page headers say where pages start instead.
     */
    static boolean rowsAgree(OffsetIndex index, long rows) {
        List<PageLocation> pages = index.getPage_locations();
        if (pages == null || pages.isEmpty()) {
            return true; // no pages: fromIndex decides whether that is corrupt
        }
        long previous = -1;
        for (PageLocation l : pages) {
            long first = l.getFirst_row_index();
            if (previous < 0 ? first != 0 : first <= previous) {
                return false;
            }
            previous = first;
        }
        return rows == 0 ? pages.size() == 1 : previous < rows;
    }

    /**
     * The pages of a chunk from its offset index, whose rows the caller has checked with {@link #rowsAgree}.
     *
     * @param chunkStart where the chunk begins (its dictionary page, if any)
     * @param chunkEnd where it ends
     * @throws CorruptParquetException if a location lies outside the chunk or rows do not ascend from 0
     */
    static ChunkPages fromIndex(
            String object,
            CompressionCodec codec,
            OffsetIndex index,
            @Nullable ColumnIndex columnIndex,
            @Nullable KeyDomain domain,
            boolean nullable,
            long chunkStart,
            long chunkEnd,
            long rows) {
        List<PageLocation> locations = index.getPage_locations();
        int n = locations == null ? 0 : locations.size();
        List<PageLocation> pages = locations == null ? List.of() : locations;
        if (n == 0 && rows > 0) {
            throw new CorruptParquetException(object, "offset index without pages for " + rows + " rows");
        }
        long[] offset = new long[n];
        int[] size = new int[n];
        long[] first = new long[n];
        for (int p = 0; p < n; p++) {
            PageLocation l = pages.get(p);
            offset[p] = l.getOffset();
            size[p] = l.getCompressed_page_size();
            first[p] = l.getFirst_row_index();
            if (offset[p] < chunkStart || size[p] <= 0 || offset[p] + size[p] > chunkEnd) {
                throw new CorruptParquetException(
                        object, "offset index page " + p + " at " + offset[p] + " lies outside its column chunk");
            }
            if (p == 0 ? first[p] != 0 : first[p] < first[p - 1] || first[p] > rows) {
                throw new CorruptParquetException(
                        object, "offset index page " + p + " starts at row " + first[p] + " out of order");
            }
        }
        long dictionaryOffset = n > 0 && chunkStart < offset[0] ? chunkStart : -1;
        int dictionarySize = dictionaryOffset < 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, offset[0] - chunkStart);
        Pruner pruner = null;
        if (columnIndex != null && domain != null && domain.ordered()) {
            pruner = pruner(object, columnIndex, domain, n, nullable);
        }
        return new ChunkPages(codec, offset, size, first, rows, dictionaryOffset, dictionarySize, pruner);
    }

    /**
     * A pruner from the column index, or null if the index can't be trusted: some writers emit an index
     * without statistics that marks every page of a required column as all-null, with null counts of -1.
     */
    private static @Nullable Pruner pruner(
            String object, ColumnIndex index, KeyDomain domain, int n, boolean nullable) {
        List<Boolean> nullPages = index.getNull_pages();
        List<java.nio.ByteBuffer> mins = index.getMin_values();
        List<java.nio.ByteBuffer> maxs = index.getMax_values();
        if (nullPages == null
                || mins == null
                || maxs == null
                || nullPages.size() != n
                || mins.size() != n
                || maxs.size() != n) {
            throw new CorruptParquetException(object, "column index does not match the offset index's " + n + " pages");
        }
        @Nullable Object[] lo = new Object[n];
        @Nullable Object[] hi = new Object[n];
        boolean[] empty = new boolean[n];
        List<Long> nullCounts = index.isSetNull_counts() ? index.getNull_counts() : null;
        for (int p = 0; p < n; p++) {
            empty[p] = nullPages.get(p);
            boolean unknownNulls = nullCounts != null && (nullCounts.size() != n || nullCounts.get(p) < 0);
            if (empty[p] && (!nullable || unknownNulls)) {
                return null;
            }
            if (!empty[p]) {
                lo[p] = domain.stat(bytes(mins.get(p)));
                hi[p] = domain.stat(bytes(maxs.get(p)));
            }
        }
        return new Pruner(domain, lo, hi, empty);
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
