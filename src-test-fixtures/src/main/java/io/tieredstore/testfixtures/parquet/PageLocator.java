package io.tieredstore.testfixtures.parquet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.NoHadoopReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.InputFile;

/**
 * Where the data pages holding a row are in a file, from its OffsetIndexes (read once, when built): the byte ranges
 * a point lookup that already knows the file's metadata (footer, page indexes, dictionaries) must read to return
 * that row. Benchmarks fetch these ranges straight from S3 as the floor of an uncached lookup.
 */
public final class PageLocator {
    /**
     * A byte range of the file.
     *
     * @param offset the first byte
     * @param length the number of bytes
     */
    public record Range(long offset, int length) {}

    /** Per row group: its first row, and per column its pages' first rows, offsets and sizes. */
    private static final class Group {
        final long firstRow;
        final long rows;
        final long[][] pageFirstRows;
        final long[][] pageOffsets;
        final int[][] pageSizes;

        Group(long firstRow, long rows, long[][] pageFirstRows, long[][] pageOffsets, int[][] pageSizes) {
            this.firstRow = firstRow;
            this.rows = rows;
            this.pageFirstRows = pageFirstRows;
            this.pageOffsets = pageOffsets;
            this.pageSizes = pageSizes;
        }
    }

    private final List<Group> groups;

    private PageLocator(List<Group> groups) {
        this.groups = groups;
    }

    /** Reads the OffsetIndex of {@code columns} in every row group of {@code file}. */
    public static PageLocator of(InputFile file, List<String> columns) throws IOException {
        List<Group> groups = new ArrayList<>();
        try (ParquetFileReader reader =
                ParquetFileReader.open(file, NoHadoopReadOptions.create(ParquetJavaLookup.codecs()))) {
            long first = 0;
            for (BlockMetaData block : reader.getRowGroups()) {
                int n = columns.size();
                long[][] firstRows = new long[n][];
                long[][] offsets = new long[n][];
                int[][] sizes = new int[n][];
                for (int c = 0; c < n; c++) {
                    ColumnChunkMetaData chunk = chunk(block, columns.get(c));
                    OffsetIndex index = reader.readOffsetIndex(chunk);
                    if (index == null) {
                        throw new IOException(file + ": no OffsetIndex for " + columns.get(c));
                    }
                    int pages = index.getPageCount();
                    firstRows[c] = new long[pages];
                    offsets[c] = new long[pages];
                    sizes[c] = new int[pages];
                    for (int p = 0; p < pages; p++) {
                        firstRows[c][p] = index.getFirstRowIndex(p);
                        offsets[c][p] = index.getOffset(p);
                        sizes[c][p] = index.getCompressedPageSize(p);
                    }
                }
                groups.add(new Group(first, block.getRowCount(), firstRows, offsets, sizes));
                first += block.getRowCount();
            }
        }
        return new PageLocator(List.copyOf(groups));
    }

    private static ColumnChunkMetaData chunk(BlockMetaData block, String column) throws IOException {
        for (ColumnChunkMetaData chunk : block.getColumns()) {
            if (chunk.getPath().toDotString().equals(column)) {
                return chunk;
            }
        }
        throw new IOException("no column " + column);
    }

    /** For each column, in the order given when built, the data page holding row {@code row} of the file. */
    public List<Range> pagesHolding(long row) {
        for (Group g : groups) {
            if (row >= g.firstRow && row < g.firstRow + g.rows) {
                long inGroup = row - g.firstRow;
                List<Range> out = new ArrayList<>(g.pageFirstRows.length);
                for (int c = 0; c < g.pageFirstRows.length; c++) {
                    long[] firstRows = g.pageFirstRows[c];
                    int p = 0;
                    while (p + 1 < firstRows.length && firstRows[p + 1] <= inGroup) {
                        p++;
                    }
                    out.add(new Range(g.pageOffsets[c][p], g.pageSizes[c][p]));
                }
                return out;
            }
        }
        throw new IndexOutOfBoundsException("row " + row + " not in the file");
    }
}
