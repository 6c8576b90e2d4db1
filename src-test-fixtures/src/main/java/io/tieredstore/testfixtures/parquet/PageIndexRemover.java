package io.tieredstore.testfixtures.parquet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.jspecify.annotations.Nullable;

/**
 * Removes ColumnIndex and OffsetIndex from a Parquet file written by parquet-java, which has no switch to skip them.
 * The indexes are the only thing between the end of the last column chunk and the footer (the writer adds no bloom
 * filter here), so the file is truncated at the first index and a footer without index offsets is appended.
 */
final class PageIndexRemover {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private PageIndexRemover() {}

    static void removePageIndexes(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer tail = readFully(ch, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
            int footerLength = tail.getInt(0);
            for (int i = 0; i < 4; i++) {
                if (tail.get(4 + i) != MAGIC[i]) {
                    throw new IOException("not a Parquet file (no trailing magic): " + path);
                }
            }
            long footerStart = size - 8 - footerLength;
            FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(
                    readFully(ch, footerStart, footerLength).array()));
            long cut = footerStart;
            long dataEnd = 4;
            for (RowGroup rowGroup : required(footer.getRow_groups(), "row groups", path)) {
                for (ColumnChunk chunk : required(rowGroup.getColumns(), "columns", path)) {
                    ColumnMetaData meta = required(chunk.getMeta_data(), "column metadata", path);
                    long chunkStart = meta.isSetDictionary_page_offset()
                            ? Math.min(meta.getDictionary_page_offset(), meta.getData_page_offset())
                            : meta.getData_page_offset();
                    dataEnd = Math.max(dataEnd, chunkStart + meta.getTotal_compressed_size());
                    if (chunk.isSetColumn_index_offset()) {
                        cut = Math.min(cut, chunk.getColumn_index_offset());
                        chunk.unsetColumn_index_offset();
                        chunk.unsetColumn_index_length();
                    }
                    if (chunk.isSetOffset_index_offset()) {
                        cut = Math.min(cut, chunk.getOffset_index_offset());
                        chunk.unsetOffset_index_offset();
                        chunk.unsetOffset_index_length();
                    }
                }
            }
            if (cut < dataEnd) {
                throw new IOException(
                        "page index at " + cut + " overlaps column data ending at " + dataEnd + ": " + path);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(footerLength + 8);
            Util.writeFileMetaData(footer, out);
            int newLength = out.size();
            out.write(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(newLength)
                    .array());
            out.write(MAGIC);
            ch.truncate(cut);
            ByteBuffer buffer = ByteBuffer.wrap(out.toByteArray());
            long position = cut;
            while (buffer.hasRemaining()) {
                position += ch.write(buffer, position);
            }
        }
    }

    /** The Thrift getters are nullable for optional fields; parquet-java always writes these. */
    private static <T> T required(@Nullable T value, String what, Path path) throws IOException {
        if (value == null) {
            throw new IOException("Parquet footer without " + what + ": " + path);
        }
        return value;
    }

    /** Reads exactly {@code length} bytes at {@code position}, or throws. */
    static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        if (position < 0 || length < 0) {
            throw new IOException("corrupt Parquet footer");
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long at = position;
        while (buffer.hasRemaining()) {
            int n = ch.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            at += n;
        }
        return buffer;
    }
}
