package io.tieredstore.testfixtures.parquet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.NoHadoopReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.jspecify.annotations.Nullable;

/** Reads files back for the tests, with parquet-java's own reader (no Hadoop) or straight from the footer. */
final class ParquetFiles {
    private ParquetFiles() {}

    /** Opens {@code path} with parquet-java's reader and the generator's codecs. */
    static ParquetFileReader open(Path path) throws IOException {
        return ParquetFileReader.open(new LocalInputFile(path), NoHadoopReadOptions.create(new NoHadoopCodecs()));
    }

    /** Every row of the file as a group, in file order. */
    static List<Group> readAll(Path path) throws IOException {
        List<Group> out = new ArrayList<>();
        try (ParquetFileReader reader = open(path)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    out.add(records.read());
                }
            }
        }
        return out;
    }

    /**
     * The Java value of field {@code field} of {@code row} as the file's schema defines it, independently of the
     * generator: decimals from the annotation's scale, dates as epoch days, timestamps by unit, strings as UTF-8.
     */
    static @Nullable Object cell(Group row, int field) {
        return ParquetJavaLookup.cell(row, field);
    }

    /** The footer of {@code path} as Thrift structures (parquet-format), without parquet-java's converter. */
    static FileMetaData footer(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            long size = ch.size();
            ByteBuffer tail = PageIndexRemover.readFully(ch, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
            int length = tail.getInt(0);
            return Util.readFileMetaData(new ByteArrayInputStream(
                    PageIndexRemover.readFully(ch, size - 8 - length, length).array()));
        }
    }

    /** The page header at {@code offset}. */
    static PageHeader pageHeader(Path path, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            InputStream in = new ByteArrayInputStream(PageIndexRemover.readFully(
                            ch, offset, (int) Math.min(4096, ch.size() - offset))
                    .array());
            return Util.readPageHeader(in);
        }
    }
}
