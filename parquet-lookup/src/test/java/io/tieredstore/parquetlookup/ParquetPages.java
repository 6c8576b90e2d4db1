package io.tieredstore.parquetlookup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

/**
 * Where the pages of a valid Parquet file are, read from its footer and page headers only (no decompression), so
 * that tests can decode or damage one page's compressed bytes in place.
 */
final class ParquetPages {
    private ParquetPages() {}

    /**
     * One page: its row group and column path, where its compressed body starts in the file and how long it is, the
     * size its header promises uncompressed, its type and the chunk's codec.
     */
    record Page(
            int rowGroup,
            String column,
            int bodyOffset,
            int compressedSize,
            int uncompressedSize,
            PageType type,
            CompressionCodec codec) {}

    /** Every page of every column chunk of {@code file}, in file order per chunk. */
    static List<Page> of(byte[] file) throws IOException {
        int footerLength = ByteBuffer.wrap(file, file.length - 8, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int footerStart = file.length - 8 - footerLength;
        FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(file, footerStart, footerLength));
        List<Page> out = new ArrayList<>();
        for (int rg = 0; rg < meta.getRow_groups().size(); rg++) {
            RowGroup g = meta.getRow_groups().get(rg);
            for (ColumnChunk cc : g.getColumns()) {
                ColumnMetaData md = cc.getMeta_data();
                long start = md.isSetDictionary_page_offset() && md.getDictionary_page_offset() > 0
                        ? Math.min(md.getDictionary_page_offset(), md.getData_page_offset())
                        : md.getData_page_offset();
                long end = start + md.getTotal_compressed_size();
                int at = Math.toIntExact(start);
                while (at < end) {
                    ByteArrayInputStream in = new ByteArrayInputStream(file, at, Math.toIntExact(end - at));
                    int before = in.available();
                    PageHeader h = Util.readPageHeader(in);
                    int body = at + before - in.available();
                    out.add(new Page(
                            rg,
                            String.join(".", md.getPath_in_schema()),
                            body,
                            h.getCompressed_page_size(),
                            h.getUncompressed_page_size(),
                            h.getType(),
                            md.getCodec()));
                    at = body + h.getCompressed_page_size();
                }
            }
        }
        return out;
    }
}
